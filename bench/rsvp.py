"""RSVP throughput: simultaneous answers to one event under gunicorn (2 sync workers).

run() -> [{"metric", "value", "unit"}, ...]:
- the guest form POST (CSRF token, 303 to the answer's page) on SQLite;
- the JSON API on SQLite and (when reachable) PostgreSQL;
each 600 answers to one event of capacity 300 at concurrency 32: answers per second, p95,
the servers' CPU per answer (user+system of the gunicorn workers from /proc, so the load of
other processes on the machine does not count), then the check of the rows written:
confirmed people (must equal capacity), lost (answered but no row) and duplicated rows.

PostgreSQL comes from CIVIC_BENCH_DATABASE_URL or CIVIC_TEST_DATABASE_URL (a database
``<name>_bench_rsvp`` is created fresh next to it); skipped when unreachable.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from bench import pages

CONCURRENCY = 32
ANSWERS = 600
CAPACITY = 300  # half the answers confirmed, the rest on the waiting list: both paths measured

SETUP = """
from datetime import timedelta
from civic import create_app
from civic.core.timeutil import utcnow
from civic.events import services
from civic.extensions import db
app = create_app({"RATELIMIT_ENABLED": False})
with app.app_context():
    db.drop_all()
    db.create_all()
    start = utcnow() + timedelta(days=7)
    event = services.create_event(None, services.EventData(
        title="Gặp mặt đầu xuân", starts_at=start, ends_at=start + timedelta(hours=3),
        venue_name="Nhà văn hóa phường", capacity=%(capacity)d, allow_guests=True, max_guests=2,
        status="published"))
    print(event.id)
"""

CHECK = """
import json
import sqlalchemy as sa
from civic import create_app
from civic.events.models import Rsvp
from civic.extensions import db
app = create_app()
with app.app_context():
    rows = db.session.execute(sa.select(Rsvp.status, Rsvp.guests, Rsvp.phone)).all()
    print(json.dumps({"rows": len(rows), "distinct": len({r.phone for r in rows}),
                      "confirmed_people": sum(1 + r.guests for r in rows if r.status == "confirmed")}))
"""


def _admin_engine():
    """AUTOCOMMIT engine on the database the bench's own is made beside (None: not configured)."""
    import sqlalchemy as sa

    from civic.config import normalise_database_url

    base = os.environ.get("CIVIC_BENCH_DATABASE_URL") or os.environ.get("CIVIC_TEST_DATABASE_URL")
    if not base:
        return None
    return sa.create_engine(sa.engine.make_url(normalise_database_url(base)), isolation_level="AUTOCOMMIT")


def _pg_url() -> str | None:
    admin = _admin_engine()
    if admin is None:
        return None
    try:
        import sqlalchemy as sa

        name = f"{admin.url.database}_bench_rsvp_{os.getpid()}"  # several benches may share the server
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        return admin.url.set(database=name).render_as_string(hide_password=False)
    except Exception:  # noqa: BLE001 - unreachable PostgreSQL: skip that backend
        return None
    finally:
        admin.dispose()


def _drop(database_url: str) -> None:
    import sqlalchemy as sa

    admin = _admin_engine()
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{sa.engine.make_url(database_url).database}" WITH (FORCE)'))
    admin.dispose()


def _post(url: str, payload: dict) -> int:
    req = urllib.request.Request(  # noqa: S310 - loopback
        url, data=json.dumps(payload).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:  # noqa: S310
            resp.read()
            return resp.status
    except urllib.error.HTTPError as exc:
        exc.read()
        return exc.code


def _post_form(url: str, body: bytes, headers: dict) -> int:
    req = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 - loopback

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(req, timeout=60) as resp:
            resp.read()
            return resp.status
    except urllib.error.HTTPError as exc:
        exc.read()
        return exc.code


def _cpu_seconds(pids: list[int]) -> float:
    import psutil

    total = 0.0
    for pid in pids:
        try:
            times = psutil.Process(pid).cpu_times()
            total += times.user + times.system
        except psutil.Error:
            pass
    return total


def _load(url: str, answers: int, concurrency: int, prefix: str = "0913", form=None
          ) -> tuple[float, list[float], dict[int, int]]:
    latencies: list[float] = []
    codes: dict[int, int] = {}
    lock = threading.Lock()
    counter = iter(range(answers))

    def worker():
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            payload = {"name": f"Người dân {i}", "phone": f"{prefix}{i:06d}", "response": "yes", "guests": i % 3 // 2,
                       "consent": True}
            t0 = time.perf_counter()
            if form is not None:
                body, headers = form(payload)
                code = _post_form(url, body, headers)
            else:
                code = _post(url, payload)
            elapsed = (time.perf_counter() - t0) * 1000
            with lock:
                latencies.append(elapsed)
                codes[code] = codes.get(code, 0) + 1

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - t0, latencies, codes


def _form_target(base: str, event_id: int):
    """(action URL, payload -> (body, headers)) for the event page's guest form, with its CSRF token."""
    import urllib.parse

    status, html, headers = pages.fetch(f"{base}/su-kien/{event_id}")
    if status in (301, 302, 308):
        status, html, headers = pages.fetch(base + headers.get("Location", "").removeprefix(base))
    target = pages.rsvp_target(base, f"/su-kien/{event_id}") if status != 200 else None
    if target is None:
        # The bench event's page (the slug redirect followed by rsvp_target's own fetch).
        import re

        path = re.search(rf'href="(/su-kien/{event_id}/[^"#]*)"', html or "")
        target = pages.rsvp_target(base, path.group(1) if path else f"/su-kien/{event_id}")
    if target is None:
        raise RuntimeError("the event page has no guest RSVP form")
    _body, sample_headers = target.body(0)
    fields = dict(urllib.parse.parse_qsl(_body.decode()))

    def form(payload: dict):
        data = dict(fields)
        data.update(name=payload["name"], phone=payload["phone"], email="", response="yes",
                    guests=str(payload["guests"]))
        return urllib.parse.urlencode(data).encode(), sample_headers

    return base + target.path, form


def _bench_backend(label: str, database_url: str | None, answers: int, concurrency: int,
                   kind: str = "api") -> list[dict]:
    with tempfile.TemporaryDirectory(prefix="civic-bench-rsvp-") as tmp:
        env = pages.demo_env(Path(tmp), database_url)
        out = subprocess.run(
            [sys.executable, "-c", SETUP % {"capacity": CAPACITY}], env=env, cwd=pages.ROOT,
            check=True, capture_output=True, text=True,
        )
        event_id = int(out.stdout.strip().splitlines()[-1])
        with pages.gunicorn("bench.pages:portal_app()", env) as server:
            form = None
            url = f"{server.url}/api/v1/events/{event_id}/rsvps"
            if kind == "form":
                url, form = _form_target(server.url, event_id)
            _load(url, 20, 4, prefix="0914", form=form)  # warm up both workers (these answers count in the check below)
            pids = server.worker_pids()
            cpu0 = _cpu_seconds(pids)
            seconds, latencies, codes = _load(url, answers, concurrency, form=form)
            cpu = _cpu_seconds(pids) - cpu0
        check = json.loads(
            subprocess.run([sys.executable, "-c", CHECK], env=env, cwd=pages.ROOT, check=True,
                           capture_output=True, text=True).stdout.strip().splitlines()[-1]
        )
    p95 = statistics.quantiles(latencies, n=20)[18] if len(latencies) >= 20 else max(latencies)
    ok = 303 if kind == "form" else 201
    errors = sum(n for code, n in codes.items() if code != ok)
    what = "RSVP form POST (guest)" if kind == "form" else "RSVP API"
    return [
        {"metric": f"{what}, {label}, {answers} answers, concurrency {concurrency}", "value": round(answers / seconds, 1),
         "unit": "answers/s"},
        {"metric": f"{what} p95 latency, {label}", "value": round(p95, 1), "unit": "ms"},
        {"metric": f"{what} server CPU per answer, {label} (2 workers, /proc)", "value": round(1000 * cpu / answers, 2),
         "unit": "ms"},
        {"metric": f"{what} answers not {ok}, {label}", "value": errors, "unit": "count"},
        {"metric": f"{what} confirmed people / capacity, {label}", "value": f"{check['confirmed_people']}/{CAPACITY}",
         "unit": "people"},
        {"metric": f"{what} lost answers, {label}", "value": max(0, answers + 20 - check["rows"]), "unit": "count"},
        {"metric": f"{what} duplicated answers, {label}", "value": check["rows"] - check["distinct"]
         + max(0, check["rows"] - answers - 20), "unit": "count"},
    ]


def run(answers: int = ANSWERS, concurrency: int = CONCURRENCY) -> list[dict]:
    results = _bench_backend("SQLite", None, answers, concurrency, kind="form")
    results += _bench_backend("SQLite", None, answers, concurrency)
    pg = _pg_url()
    if pg:
        try:
            results += _bench_backend("PostgreSQL", pg, answers, concurrency)
        finally:
            _drop(pg)
    else:
        results.append({"metric": "RSVP on PostgreSQL", "value": "skipped (unreachable)", "unit": ""})
    return results


if __name__ == "__main__":
    only = sys.argv[1] if len(sys.argv) > 1 else None  # "form", "sqlite" or "pg": one measurement
    if only == "form":
        rows = _bench_backend("SQLite", None, ANSWERS, CONCURRENCY, kind="form")
    elif only == "sqlite":
        rows = _bench_backend("SQLite", None, ANSWERS, CONCURRENCY)
    elif only == "pg":
        pg = _pg_url()
        try:
            rows = _bench_backend("PostgreSQL", pg, ANSWERS, CONCURRENCY)
        finally:
            _drop(pg)
    else:
        rows = run()
    for line in rows:
        print(f"{line['metric']}: {line['value']} {line['unit']}")
