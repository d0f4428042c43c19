"""Faults: the SMTP server and Redis go away while the queue worker runs, PostgreSQL restarts
under RSVP load. Nothing acknowledged may be lost, nothing may be sent twice.

Each test starts its own Redis / PostgreSQL on a free port in a temp dir, so the shared
services other tests use are never touched.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # bench/ sits beside civic/

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("faults")]
PG_BIN = Path("/usr/lib/postgresql/15/bin")


def _redis(port: int, tmp: Path) -> subprocess.Popen:
    exe = shutil.which("redis-server")
    if exe is None:
        pytest.fail("redis-server is needed for the fault tests (apt-get install redis-server)")
    proc = subprocess.Popen([exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--dir", str(tmp)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import redis

    for _ in range(100):
        try:
            redis.Redis(port=port).ping()
            return proc
        except redis.exceptions.ConnectionError:
            time.sleep(0.05)
    raise RuntimeError("private redis did not start")


def test_redis_and_smtp_outages_lose_and_duplicate_nothing(tmp_path):
    from bench import memory, pages

    redis_port, smtp_port = pages.free_port(), pages.free_port()
    redis_proc = _redis(redis_port, tmp_path)
    env = pages.demo_env(tmp_path / "data", REDIS_URL=f"redis://127.0.0.1:{redis_port}/0",
                         MAIL_URL=f"smtp://127.0.0.1:{smtp_port}?timeout=3",
                         NOTIFY_RETRY_BASE_SECONDS=1, NOTIFY_RETRY_MAX_SECONDS=2)
    subprocess.run([sys.executable, "-c", "from civic import create_app\nfrom civic.extensions import db\n"
                    "app = create_app()\nwith app.app_context():\n    db.create_all()"], env=env, check=True)
    log = open(tmp_path / "worker.log", "w")  # noqa: SIM115 - closed in finally
    worker = subprocess.Popen([str(pages.VENV_BIN / "civic"), "worker"], env=env, stdout=log,
                              stderr=subprocess.STDOUT, cwd=pages.ROOT)
    n = 20
    try:
        time.sleep(2)
        # The SMTP server is down when the campaign is created: every first attempt fails.
        enq = subprocess.run([sys.executable, "-c", memory.ENQUEUE, str(n)], env=env, capture_output=True, text=True)
        assert enq.returncode == 0, enq.stderr[-2000:]
        time.sleep(3)
        # Redis goes away and comes back (same port, empty: the queue's messages are gone).
        redis_proc.terminate()
        redis_proc.wait(timeout=10)
        time.sleep(2)
        redis_proc = _redis(redis_port, tmp_path)
        with memory.sink(smtp_port) as (_, received):
            deadline = time.monotonic() + 150
            while time.monotonic() < deadline and len(received) < n:
                assert worker.poll() is None, (tmp_path / "worker.log").read_text()[-3000:]
                time.sleep(0.5)
            time.sleep(2)  # would a duplicate follow?
            got = [tuple(r) for r in received]
        assert len(got) == n, f"{len(got)}/{n} delivered\n" + (tmp_path / "worker.log").read_text()[-3000:]
        assert len(set(got)) == n, "a message was sent twice"
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
        log.close()
        redis_proc.terminate()


@pytest.fixture
def private_postgres(tmp_path):
    if not (PG_BIN / "initdb").exists():
        pytest.fail(f"PostgreSQL binaries not found in {PG_BIN}")
    import os
    import tempfile

    # Outside pytest's private tmp dir: the postgres user must be able to reach it.
    base = Path(tempfile.mkdtemp(prefix="civic-pg-"))
    base.chmod(0o755)
    data = base / "pg"
    data.mkdir()
    port = __import__("bench.pages", fromlist=["free_port"]).free_port()
    user_args = {}
    if os.geteuid() == 0:  # initdb refuses root: run the private cluster as the postgres user
        import pwd

        pw = pwd.getpwnam("postgres")
        os.chown(data, pw.pw_uid, pw.pw_gid)
        user_args = {"user": "postgres"}
    init = subprocess.run([str(PG_BIN / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"],
                          capture_output=True, text=True, **user_args)
    assert init.returncode == 0, init.stderr[-2000:]
    ctl = [str(PG_BIN / "pg_ctl"), "-D", str(data), "-o", f"-p {port} -k {data} -c listen_addresses=127.0.0.1",
           "-l", str(data / "log"), "-w"]
    subprocess.run([*ctl, "start"], check=True, capture_output=True, **user_args)
    try:
        yield types_ns(url=f"postgresql://postgres@127.0.0.1:{port}/postgres",
                       restart=lambda: subprocess.run([*ctl, "-m", "fast", "restart"], check=True,
                                                      capture_output=True, **user_args))
    finally:
        subprocess.run([*ctl, "-m", "immediate", "stop"], capture_output=True, **user_args)
        shutil.rmtree(base, ignore_errors=True)


def types_ns(**kw):
    import types

    return types.SimpleNamespace(**kw)


def test_postgres_restart_under_rsvp_load_loses_no_acknowledged_answer(tmp_path, private_postgres):
    import threading
    import urllib.parse

    import sqlalchemy as sa

    from bench import pages
    from civic.config import normalise_database_url

    env = pages.demo_env(tmp_path / "data", database_url=private_postgres.url)
    setup = (
        "from datetime import timedelta\n"
        "from civic import create_app\nfrom civic.extensions import db\n"
        "from civic.core.timeutil import utcnow\nfrom civic.events import services as ev\n"
        "app = create_app()\nwith app.app_context():\n    db.create_all()\n"
        "    s = utcnow() + timedelta(days=3)\n"
        "    e = ev.create_event(None, ev.EventData(title='Hop to', starts_at=s, ends_at=s + timedelta(hours=1),"
        " venue_name='Nha van hoa', status='published'))\n    db.session.commit()\n    print(e.id)\n"
    )
    out = subprocess.run([sys.executable, "-c", setup], env=env, check=True, capture_output=True, text=True)
    event_id = int(out.stdout.strip().splitlines()[-1])
    acknowledged: list[str] = []
    failed: list[int] = []
    with pages.gunicorn("bench.pages:portal_app()", env, log_dir=tmp_path) as server:
        target = pages.rsvp_target(server.url, f"/su-kien/{event_id}")
        assert target is not None, "no RSVP form on the event page"
        stop = threading.Event()

        def post_forever(worker_no):
            import http.client

            i = 0
            while not stop.is_set():
                i += 1
                body, headers = target.body(f"{worker_no}-{i}")
                email = urllib.parse.parse_qs(body.decode())["email"][0]
                conn = http.client.HTTPConnection("127.0.0.1", int(server.url.rsplit(":", 1)[1]), timeout=15)
                try:
                    conn.request("POST", target.path, body=body, headers=headers)
                    status = conn.getresponse().status
                except OSError:
                    status = 0
                finally:
                    conn.close()
                if 200 <= status < 400:
                    acknowledged.append(email)
                else:
                    failed.append(status)
                time.sleep(0.05)

        threads = [threading.Thread(target=post_forever, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        time.sleep(3)
        private_postgres.restart()
        time.sleep(4)
        before = len(acknowledged)
        time.sleep(3)
        stop.set()
        for t in threads:
            t.join()
        after = len(acknowledged)
        log = server.log.read_text()
    engine = sa.create_engine(normalise_database_url(private_postgres.url))
    with engine.connect() as conn:
        stored = set(conn.execute(sa.text("SELECT email FROM rsvps WHERE event_id = :e"), {"e": event_id}).scalars())
    engine.dispose()
    lost = [e for e in acknowledged if e not in stored]
    assert not lost, f"{len(lost)} acknowledged RSVPs are not in the database"
    assert before > 0, f"no RSVP was accepted at all: {sorted(set(failed))}\n{log[-3000:]}"
    assert after > before, "the portal did not recover after the restart"
    # While the database is away the visitor is told to retry (503), never shown a crash (500).
    assert not [status for status in failed if status >= 500 and status != 503], f"{sorted(set(failed))}\n{log[-4000:]}"
    print(f"\n{len(acknowledged)} RSVPs acknowledged, {len(failed)} refused during the restart ({set(failed)})")
