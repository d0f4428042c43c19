"""Delivery throughput: `civic worker --once` sending N campaign emails to a local SMTP sink,
against a bare smtplib loop sending the same messages over one connection, in the same run.

run(recipients=10_000) -> [{"metric", "value", "unit"}, ...]. The sink (aiosmtpd's Sink
handler) runs in its own process so it does not share a GIL with what is measured. The bare
loop runs before and after the worker and the ratio uses their mean, so a change in the
machine's load during the run shows as the spread of the two. CPU per message: the worker's
user+system time (getrusage of the child, minus an idle `--once` run's start-up) and the bare
loop's own process time.
"""

from __future__ import annotations

import os
import re
import smtplib
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_sink(port: int) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}",
                             "-c", "aiosmtpd.handlers.Sink"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("the SMTP sink did not start")


def _seed(data_dir: Path, db_url: str, smtp_url: str, recipients: int) -> list[tuple[str, bytes]]:
    """Write the campaign; return the same messages rendered, for the bare smtplib loop."""
    from civic import create_app
    from civic.extensions import db
    from civic.notifications import worker
    from civic.notifications.models import Campaign, Delivery
    from civic.notifications.services import Recipient, create_campaign

    app = create_app({"TESTING": False, "SECRET_KEY": "bench", "CIVIC_DATA_DIR": str(data_dir),
                      "SQLALCHEMY_DATABASE_URI": db_url, "MAIL_URL": smtp_url, "REDIS_URL": None,
                      "CIVIC_BASE_URL": "https://phuong.example.vn"})
    with app.app_context():
        db.create_all()
        create_campaign(
            kind="election_reminder", topic="elections", subject="Nhắc lịch bầu cử: khu vực bỏ phiếu số {area}",
            body_text="Kính gửi {name},\nNgày 23/5/2021 mời ông/bà đến {station} để bỏ phiếu, từ 07:00 đến 19:00.",
            recipients=[Recipient(key=f"r{i}", name=f"Cử tri Nguyễn Văn {i}", email=f"cu-tri-{i}@example.vn",
                                  context={"area": str(1 + i % 12), "station": "Nhà văn hóa tổ dân phố số 3"})
                        for i in range(recipients)],
        )
        campaign = db.session.query(Campaign).one()
        sample = []
        with worker.request_context():
            for delivery in db.session.query(Delivery).order_by(Delivery.id):
                job = worker.job_from(delivery, campaign, [])
                message = worker.build_email(job, None).message()
                sample.append((delivery.address, message.as_bytes(linesep="\r\n")))
        db.session.remove()
        db.engine.dispose()
    return sample


def _bare_loop(port: int, messages: list[tuple[str, bytes]]) -> tuple[float, float]:
    """(seconds, CPU seconds) of sending ``messages`` with smtplib over one connection."""
    start, cpu = time.perf_counter(), time.process_time()
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for address, data in messages:
            smtp.sendmail("no-reply@phuong.local", [address], data)
    return time.perf_counter() - start, time.process_time() - cpu


def _run_worker(env: dict) -> tuple[float, int, float, float]:
    """(seconds inside the worker's send loop, deliveries, peak RSS MiB, CPU seconds of the process)."""
    import resource

    import psutil

    civic = str(Path(sys.executable).with_name("civic"))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.Popen([civic, "worker", "--once"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    watched = psutil.Process(proc.pid)
    peak = 0
    while proc.poll() is None:
        try:
            peak = max(peak, watched.memory_info().rss)
        except psutil.Error:
            break
        time.sleep(0.05)
    proc.wait()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    output = proc.stdout.read().decode("utf-8", "replace")
    if proc.returncode != 0:
        raise RuntimeError(f"worker failed: {output[-2000:]}")
    match = re.search(r"(\d+) deliveries in ([\d.]+) s", output)
    if not match:
        raise RuntimeError(f"unexpected worker output: {output[-500:]}")
    return float(match.group(2)), int(match.group(1)), peak / 2**20, cpu


def run(recipients: int = 10_000) -> list[dict]:
    port = _free_port()
    sink = _start_sink(port)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            data_dir = Path(tmp)
            db_url = f"sqlite:///{data_dir / 'bench.sqlite3'}"
            smtp_url = f"smtp://127.0.0.1:{port}"
            messages = _seed(data_dir, db_url, smtp_url, recipients)
            env = {**os.environ, "CIVIC_DATA_DIR": str(data_dir), "DATABASE_URL": db_url, "SECRET_KEY": "bench",
                   "MAIL_URL": smtp_url, "CIVIC_BASE_URL": "https://phuong.example.vn", "NOTIFY_EMAIL_RATE": "0",
                   "NOTIFY_BATCH_SIZE": "100"}
            env.pop("REDIS_URL", None)
            bare_before, bare_cpu = _bare_loop(port, messages)
            seconds, sent, peak_mib, cpu = _run_worker(env)
            bare_after, _cpu = _bare_loop(port, messages)
            _idle_seconds, _none, _rss, startup_cpu = _run_worker(env)  # nothing due: the start-up alone
    finally:
        sink.terminate()
        sink.wait(timeout=10)
    ours = sent / seconds if seconds else 0.0
    bare = (bare_before + bare_after) / 2
    bare_rate = len(messages) / bare if bare else 0.0
    spread = abs(bare_before - bare_after) / bare if bare else 0.0
    return [
        {"metric": f"delivery {recipients} emails via civic worker (SQLite ledger, one SMTP connection per run)",
         "value": round(ours, 1), "unit": "msg/s"},
        {"metric": f"bare smtplib loop, same {len(messages)} messages, one connection (mean of before and after; "
                   f"they differ by {100 * spread:.0f}%)", "value": round(bare_rate, 1), "unit": "msg/s"},
        {"metric": "civic worker / bare smtplib (same run)", "value": round(ours / bare_rate, 2) if bare_rate else 0.0,
         "unit": "ratio"},
        {"metric": "worker CPU per message (user+system, start-up subtracted)",
         "value": round(1000 * max(cpu - startup_cpu, 0.0) / max(sent, 1), 3), "unit": "ms"},
        {"metric": "bare loop CPU per message", "value": round(1000 * bare_cpu / max(len(messages), 1), 3),
         "unit": "ms"},
        {"metric": "peak RSS of the worker process", "value": round(peak_mib, 1), "unit": "MiB"},
    ]


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    for row in run(count):
        print(f"{row['metric']}: {row['value']} {row['unit']}")
