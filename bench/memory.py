"""Peak resident memory (RSS) of the web workers under load and of the queue worker at work."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import threading
import time
from pathlib import Path

from bench.pages import ROOT, VENV_BIN, free_port


class PeakRss:
    """Samples the RSS of a set of processes (re-read each tick) in a background thread."""

    def __init__(self, pids_fn, interval: float = 0.1):
        self.pids_fn = pids_fn
        self.interval = interval
        self.peak_bytes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        import psutil

        while not self._stop.is_set():
            for pid in self.pids_fn():
                with contextlib.suppress(psutil.Error):
                    self.peak_bytes = max(self.peak_bytes, psutil.Process(pid).memory_info().rss)
            self._stop.wait(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    @property
    def peak_mib(self) -> float:
        return self.peak_bytes / 1024 / 1024


@contextlib.contextmanager
def sink(port: int):
    """A local SMTP server that accepts everything; yields (port, list of received envelopes)."""
    from aiosmtpd.controller import Controller

    received: list = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
            received.append(envelope.rcpt_tos)
            return "250 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, received
    finally:
        controller.stop()


ENQUEUE = r"""
import sys
from civic import create_app
from civic.notifications.services import Recipient, create_campaign
app = create_app()
with app.app_context():
    n = int(sys.argv[1])
    create_campaign(
        kind="bench_memory", topic="events", subject="Thông báo {name}",
        body_text="Chào {name}, đây là thư thử nghiệm của phường.",
        recipients=[Recipient(key=f"mem:{i}", name=f"Cư dân {i}", email=f"cu-dan-{i}@example.vn")
                    for i in range(n)],
        dedupe_key=f"bench:memory:{n}",
    )
"""

def queue_worker_peak(env: dict, deliveries: int = 500, timeout: float = 120) -> tuple[float, str]:
    """Peak RSS (MiB) of `civic worker` while it sends ``deliveries`` mails to a local SMTP sink."""
    import psutil

    with sink(free_port()) as (port, received):
        wenv = {**env, "MAIL_URL": f"smtp://127.0.0.1:{port}"}
        log = Path(env["CIVIC_DATA_DIR"]) / "worker.log"
        with open(log, "w") as fh:
            worker = subprocess.Popen([str(VENV_BIN / "civic"), "worker"], env=wenv, cwd=ROOT, stdout=fh,
                                      stderr=subprocess.STDOUT)
        note = ""
        try:
            def pids():
                try:
                    proc = psutil.Process(worker.pid)
                    return [worker.pid, *[c.pid for c in proc.children(recursive=True)]]
                except psutil.Error:
                    return []

            with PeakRss(pids) as peak:
                time.sleep(1.5)
                enq = subprocess.run([sys.executable, "-c", ENQUEUE, str(deliveries)], env=wenv, cwd=ROOT,
                                     capture_output=True, text=True)
                if enq.returncode != 0:
                    note = "idle only (could not enqueue: " + enq.stderr.strip().splitlines()[-1][:80] + ")"
                    time.sleep(2)
                else:
                    deadline = time.monotonic() + timeout

                    def ours():  # the demo's own pending mail (RSVP confirmations) goes out too
                        return sum(1 for rcpts in received if any(a.startswith("cu-dan-") for a in rcpts))

                    while time.monotonic() < deadline and ours() < deliveries:
                        if worker.poll() is not None:
                            note = "worker exited: " + log.read_text()[-200:]
                            break
                        time.sleep(0.2)
                    others = len(received) - ours()
                    note = note or (f"{ours()}/{deliveries} mails sent"
                                    + (f", and {others} the demo had pending" if others else ""))
            return peak.peak_mib, note
        finally:
            worker.terminate()
            try:
                worker.wait(timeout=15)
            except subprocess.TimeoutExpired:
                worker.kill()
