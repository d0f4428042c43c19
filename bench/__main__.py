"""`make bench`: one table of throughput, latency, memory and the domain benchmarks.

    python -m bench [--seconds 10] [--connections 32] [--skip-domains]

Serves the demo ward (create_all + `civic demo` in a temporary data dir, SQLite) and a bare
Flask "hello" with gunicorn (2 sync workers) and loads each with wrk at concurrency 32 (or a
Python client when wrk is missing: `apt-get install -y wrk`). Prints the table and writes it
to bench/results/latest.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import os
import platform
import shutil
import tempfile
import time
import traceback
from pathlib import Path

from bench import memory, pages

DOMAIN_BENCHES = [
    ("news_search", "Search at 100,000 articles"),
    ("contact_import", "Contact import, 10,000 rows"),
    ("delivery", "Delivery to an SMTP sink vs bare smtplib"),
    ("rsvp", "RSVP form POST (SQLite) and API (SQLite, PostgreSQL), 600 answers to 300 seats"),
]


def machine() -> str:
    try:
        import psutil

        mem = f"{psutil.virtual_memory().total / 2**30:.0f} GiB RAM"
    except ImportError:
        mem = "? RAM"
    return f"{os.cpu_count()} CPU, {mem}, {platform.system()} {platform.release()}, Python {platform.python_version()}"


def fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:,.1f}" if value >= 10 else f"{value:.3g}"
    return str(value)


def describe(result) -> str:
    """A domain module's run() result as one cell: dicts become "key value" pairs."""
    if result is None:
        return "done (no figures returned)"
    if isinstance(result, dict):
        if "metric" in result and "value" in result:  # the domain benches' {"metric", "value", "unit"} rows
            return f"{result['metric']}: {fmt(result['value'])} {result.get('unit', '')}".strip()
        return "; ".join(f"{k} {fmt(v)}" for k, v in result.items())
    if isinstance(result, list | tuple):
        return "<br>".join(describe(r) for r in result)
    return fmt(result)


def run_domain(name: str) -> str:
    try:
        module = importlib.import_module(f"bench.{name}")
    except ModuleNotFoundError as exc:
        if exc.name == f"bench.{name}":
            return "not available"
        raise
    if not hasattr(module, "run"):
        return "not available (no run())"
    try:
        return describe(module.run())
    except Exception as exc:  # noqa: BLE001 - one failing bench must not hide the others
        traceback.print_exc()
        return f"FAILED: {type(exc).__name__}: {exc}"[:160]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10, help="load duration per page (default 10)")
    parser.add_argument("--connections", type=int, default=32, help="concurrent connections (default 32)")
    parser.add_argument("--skip-domains", action="store_true", help="only pages and memory")
    args = parser.parse_args(argv)

    tool = "wrk" if shutil.which("wrk") else "python"
    if tool == "python":
        print("wrk not found (Debian: apt-get install -y wrk); using the slower Python client.")
    started = time.monotonic()
    rows: list[tuple[str, str, str, str, str]] = []  # what, throughput, p95, ratio, note
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="civic-bench-") as tmp:
        data_dir = Path(tmp) / "data"
        env = pages.demo_env(data_dir)
        print("Preparing the demo ward…", flush=True)
        pages.prepare_demo(env)

        with pages.gunicorn("bench.hello:app", env) as hello:
            pages.load(hello.url, pages.Target("warm", "/"), 2, args.connections, tool)
            ceiling = pages.load(hello.url, pages.Target("hello", "/"), args.seconds, args.connections, tool)
        rows.append(("Flask hello (ceiling)", f"{ceiling.rps:,.0f} req/s", f"{ceiling.p95:.1f} ms", "1.00",
                     f"{ceiling.errors} errors"))

        with pages.gunicorn("bench.pages:portal_app()", env) as portal:
            targets = pages.discover(portal.url)
            web_peak = memory.PeakRss(portal.worker_pids)
            with web_peak:
                for key in ("home", "article", "search", "event", "where-to-vote", "rsvp"):
                    target = targets.get(key)
                    if target is None:
                        rows.append((key, "not available", "", "", "page not found in the demo"))
                        continue
                    pages.load(portal.url, target, 1, args.connections, tool)  # warm caches
                    res = pages.load(portal.url, target, args.seconds, args.connections, tool)
                    ratio = res.rps / ceiling.rps if ceiling.rps else 0
                    rows.append((f"{target.name} {target.path[:40]}", f"{res.rps:,.0f} req/s", f"{res.p95:.1f} ms",
                                 f"{ratio:.2f}",
                                 f"{res.errors} errors" if res.requests else "no request completed (10 s timeout)"))
        rows.append(("Peak RSS, one web worker", f"{web_peak.peak_mib:.0f} MiB", "", "", "during the page loads"))

        mib, note = memory.queue_worker_peak(env)
        rows.append(("Peak RSS, queue worker", f"{mib:.0f} MiB", "", "", note))

    if not args.skip_domains:
        for name, title in DOMAIN_BENCHES:
            print(f"Running bench/{name}.py…", flush=True)
            rows.append((title, run_domain(name), "", "", f"bench/{name}.py"))

    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    header = (
        f"Benchmarks {stamp} on {machine()}; gunicorn 2 sync workers, {tool} at concurrency "
        f"{args.connections}, {args.seconds:g} s per page, SQLite demo ward, rate limits off. "
        f"Ratio = throughput / Flask hello. Took {time.monotonic() - started:.0f} s."
    )
    table = ["| What | Throughput / result | p95 | Ratio to hello | Note |", "|---|---|---|---|---|"]
    table += [f"| {' | '.join(cell.replace('|', '/') for cell in row)} |" for row in rows]
    text = header + "\n\n" + "\n".join(table) + "\n" + "".join(f"\n{n}" for n in notes)
    print()
    print(text)
    out = Path(__file__).resolve().parent / "results" / "latest.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text + "\n", encoding="utf-8")
    print(f"\nWritten to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
