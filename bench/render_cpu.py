"""Server CPU per request for the main pages, rendered in-process (no page cache, no HTTP).

    python -m bench.render_cpu [--requests 300] [--profile home] [--sql]

Builds the demo ward (create_all + `civic demo`, SQLite) in a temporary data dir, then calls the
WSGI app directly for each page and reads ``time.process_time()`` around N requests after a
warm-up: the CPU one worker spends on a request, without the load generator or socket costs.
``--profile NAME`` prints a cProfile of that page; ``--sql`` prints statements per request.

run() -> rows for `make bench`: CPU ms per request (median of 5 batches) and statements, after
the CPU of a page-cache hit (new visitor each time) beside a bare Flask "hello" (hit_rows()).
"""

from __future__ import annotations

import argparse
import io
import os
import re
import statistics
import tempfile
import time
from pathlib import Path

from bench import pages

LIMITS = {"home": 4.0, "article": 3.0, "event": 3.0, "search": 4.0}


def _environ(app, path: str) -> dict:
    from werkzeug.test import EnvironBuilder

    builder = EnvironBuilder(path=path, base_url="http://127.0.0.1/")
    try:
        return builder.get_environ()
    finally:
        builder.close()


def call(app, environ: dict) -> tuple[str, bytes]:
    status_holder = []

    def start_response(status, headers, exc_info=None):
        status_holder.append(status)

    body = app.wsgi_app(dict(environ, **{"wsgi.input": io.BytesIO()}), start_response)
    try:
        data = b"".join(body)
    finally:
        if hasattr(body, "close"):
            body.close()
    return status_holder[0], data


def find_targets(app) -> dict[str, str]:
    """The pages `make bench` loads, found by following the demo's links."""
    def html(path):
        status, data = call(app, _environ(app, path))
        return data.decode()

    found = {"home": "/"}
    article = pages.first_link(html("/tin-tuc/"), r"^/tin-tuc/(?!tim-kiem|luu-tru|chuyen-muc|the/|feed|quan-ly)[^/?]+$")
    if article:
        found["article"] = article
    found["search"] = "/tin-tuc/tim-kiem?q=bau+cu"
    event = pages.first_link(html("/su-kien/"), r"^/su-kien/\d+(-[^/?]*)?$")
    if event:
        found["event"] = event
    return found


def count_statements(app, environ) -> int:
    from sqlalchemy import event

    from civic.extensions import db

    with app.app_context():
        engine = db.engine
    seen = []

    def listener(*args, **kwargs):
        seen.append(args[2])

    event.listen(engine, "before_cursor_execute", listener)
    try:
        call(app, environ)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return seen


def measure(app, environ, requests: int, batches: int = 5) -> list[float]:
    for _ in range(30):
        call(app, environ)
    per_batch = []
    for _ in range(batches):
        t0 = time.process_time()
        for _ in range(requests // batches):
            call(app, environ)
        per_batch.append((time.process_time() - t0) * 1000 / (requests // batches))
    return per_batch


def build_app(tmp: Path, page_cache: bool = False):
    env = pages.demo_env(tmp / "data")
    pages.prepare_demo(env)
    # The portal's own settings go; the benches' database addresses stay (news_search runs after this).
    for key in [k for k in os.environ if k.startswith(("CIVIC_", "DATABASE_URL", "REDIS_URL", "MAIL_URL"))
                and not k.startswith(("CIVIC_TEST_", "CIVIC_BENCH_"))]:
        del os.environ[key]
    os.environ.update({k: v for k, v in env.items() if k.startswith(("CIVIC_", "SECRET_KEY"))})
    from civic import create_app

    # The render itself (cache misses, signed-in users): the page cache is off.
    return create_app({"RATELIMIT_ENABLED": False, "CIVIC_PAGE_CACHE": 1 if page_cache else 0})


def hit_rows(requests: int = 1000, verbose: bool = False) -> list[dict]:
    """CPU of a page served from the cache (a new visitor each time, as wrk is), beside a bare
    Flask "hello" in the same process: what the cached req/s ratio to hello comes from."""
    from bench.hello import app as hello

    rows = []
    with tempfile.TemporaryDirectory(prefix="civic-hits-") as tmp:
        app = build_app(Path(tmp), page_cache=True)
        targets = find_targets(app)
        targets.pop("search", None)  # its bench URL is never cached
        election = pages.first_link(call(app, _environ(app, "/bau-cu/"))[1].decode(), r"^/bau-cu/\d+")
        vote = pages.where_to_vote_target(call(app, _environ(app, election))[1].decode()) if election else None
        targets["where-to-vote"] = vote.path if vote else ""
        measured = {"Flask hello": statistics.median(measure(hello, _environ(hello, "/"), requests))}
        for name, path in targets.items():
            if not path:
                continue
            environ = _environ(app, path)
            status, _ = call(app, environ)
            measured[f"{name} cache hit"] = statistics.median(measure(app, environ, requests))
        for name, ms in measured.items():
            rows.append({"metric": f"{name} CPU per request (in-process)", "value": round(ms, 3), "unit": "ms"})
            if verbose:
                print(f"{name:24} {ms:.3f} ms CPU", flush=True)
    return rows


def run(requests: int = 300, profile: str | None = None, sql: bool = False, verbose: bool = False) -> list[dict]:
    rows = hit_rows(verbose=verbose)
    with tempfile.TemporaryDirectory(prefix="civic-render-") as tmp:
        app = build_app(Path(tmp))
        targets = find_targets(app)
        for name, path in targets.items():
            environ = _environ(app, path)
            status, data = call(app, environ)
            statements = count_statements(app, environ)
            batches = measure(app, environ, requests)
            ms = statistics.median(batches)
            limit = LIMITS.get(name)
            rows.append({"metric": f"{name} CPU per request ({path[:40]}, {len(statements)} SQL)",
                         "value": round(ms, 2), "unit": f"ms (limit {limit:g})" if limit else "ms"})
            if verbose:
                print(f"{name:8} {status:8} {len(data):7} B  {len(statements):3} SQL  CPU {ms:6.2f} ms/req "
                      f"(batches {', '.join(f'{b:.2f}' for b in batches)})  {path}", flush=True)
            if sql:
                for text in statements:
                    print("    ", re.sub(r"\s+", " ", text)[:220])
            if profile == name and _has_pyinstrument():
                from pyinstrument import Profiler

                profiler = Profiler(interval=0.0002)
                profiler.start()
                for _ in range(200):
                    call(app, environ)
                profiler.stop()
                print(profiler.output_text(unicode=True, color=False, show_all=False))
            elif profile == name:
                import cProfile
                import pstats

                prof = cProfile.Profile()
                prof.enable()
                for _ in range(100):
                    call(app, environ)
                prof.disable()
                stats = pstats.Stats(prof)
                stats.sort_stats("cumulative").print_stats(60)
                stats.sort_stats("tottime").print_stats(40)
    return rows


def _has_pyinstrument() -> bool:
    try:
        import pyinstrument  # noqa: F401  (optional: pip install pyinstrument)
    except ImportError:
        return False
    return True


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.render_cpu")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--profile", default=None, help="home, article, search or event")
    parser.add_argument("--sql", action="store_true")
    args = parser.parse_args(argv)
    for row in run(args.requests, args.profile, args.sql, verbose=True):
        print(f"{row['metric']}: {row['value']} {row['unit']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
