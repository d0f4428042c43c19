"""`make bench`: one table of throughput, latency, memory and the domain benchmarks.

    python -m bench [--seconds 8] [--connections 32] [--skip-domains]

Serves the demo ward (create_all + `civic demo` in a temporary data dir, SQLite) and a bare
Flask "hello" with gunicorn (2 sync workers) and loads each with wrk at concurrency 32 (or a
Python client when wrk is missing: `apt-get install -y wrk`). Prints the table and writes it
to bench/results/latest.md.
"""

from __future__ import annotations

import argparse
import contextlib
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

PAGES = ("home", "article", "search", "event", "where-to-vote", "election")
# Issue 12's limits: cached req/s as a share of the hello ceiling, uncached CPU ms a request.
CACHED_RATIO_MIN = {"home": 0.6, "article": 0.6, "event": 0.6, "where-to-vote": 0.6}
CPU_MS_MAX = {"home": 4, "article": 3, "event": 3, "search": 4}
WEB_RSS_MAX_MIB = 70
QUEUE_RSS_MAX_MIB = 80

DOMAIN_BENCHES = [
    ("rsvp", "RSVP form POST (SQLite) and API (SQLite, PostgreSQL), 600 answers to 300 seats (bench/rsvp.py)"),
    ("delivery", "Delivery to an SMTP sink vs bare smtplib (bench/delivery.py)"),
    ("organizer_pages", "Organizer pages (bench/organizer_pages.py)"),
    ("render_cpu", "Server CPU per request, page cache off, in-process (bench/render_cpu.py)"),
    ("news_search", "Search service at 100,000 articles (bench/news_search.py)"),
    ("contact_import", "Contact import, 10,000 rows (bench/contact_import.py)"),
]


def mark(ok: bool | None) -> str:
    return "" if ok is None else ("✓" if ok else "✗")


def metric_checks(results) -> list[tuple[str, str]]:
    """(limit, ✓/✗) for the domain benches' rows that issue 12 sets a limit on, found by name."""
    rows = results if isinstance(results, list) else [results] if isinstance(results, dict) else []
    out = []
    for r in rows:
        if not isinstance(r, dict) or "metric" not in r:
            out.append(("", ""))
            continue
        name, value = r["metric"].lower(), r.get("value")
        limit, ok = "", None
        number = value if isinstance(value, int | float) else None
        if "throughput" in name and "postgresql" in name and number is not None:
            limit, ok = "≥ 500/s", number >= 500
        elif "confirmed" in name and "postgresql" in name:
            limit, ok = "= 300/300", str(value).startswith("300/")
        elif "lost or duplicated" in name and number is not None:
            limit, ok = "= 0", number == 0
        elif "/ bare smtplib" in name and number is not None:
            limit, ok = "≥ 0.8", number >= 0.8
        elif "p95" in name and "service" in name and number is not None:
            limit, ok = "≤ 10 ms", number <= 10
        elif ("answers page" in name or "sign-in" in name) and number is not None and r.get("unit") == "ms":
            limit, ok = "≤ 50 ms", number <= 50
        elif "cpu per request" in name and number is not None and "limit" in str(r.get("unit")):
            cap = float(str(r["unit"]).split("limit", 1)[1].strip(" )"))
            limit, ok = f"≤ {cap:g} ms", number <= cap
        out.append((limit, mark(ok)))
    return out


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


def run_domain(name: str):
    """The module's run() result, or a string saying why there is none."""
    try:
        module = importlib.import_module(f"bench.{name}")
    except ModuleNotFoundError as exc:
        if exc.name == f"bench.{name}":
            return "not present"
        raise
    if not hasattr(module, "run"):
        return "not present (no run())"
    try:
        return module.run()
    except Exception as exc:  # noqa: BLE001 - one failing bench must not hide the others
        traceback.print_exc()
        return f"FAILED: {type(exc).__name__}: {exc}"[:160]


def load_pages(env: dict, targets_wanted, args, tool: str, cache: str) -> tuple[dict, dict, float, list]:
    """Serve the portal with CIVIC_PAGE_CACHE=``cache`` and load each page.

    Returns ({key: (LoadResult, cpu ms a request)}, targets, web worker RSS MiB after the mix,
    [RSVP form POST LoadResult or None])."""
    import psutil

    out, extra = {}, []
    with pages.gunicorn("bench.pages:portal_app()", {**env, "CIVIC_PAGE_CACHE": cache}) as portal:
        targets = pages.discover(portal.url)
        for key in targets_wanted:
            target = targets.get(key)
            if target is None:
                continue
            pages.load(portal.url, target, 1, args.connections, tool)  # warm caches
            pids = portal.worker_pids()
            cpu0 = pages.cpu_seconds(pids)
            res = pages.load(portal.url, target, args.seconds, args.connections, tool)
            cpu = pages.cpu_seconds(pids) - cpu0
            out[key] = (res, cpu * 1000 / res.requests if res.requests else 0.0)
        rss = 0.0
        for pid in portal.worker_pids():
            with contextlib.suppress(psutil.Error):
                rss = max(rss, psutil.Process(pid).memory_info().rss / 2**20)
        if cache == "off":
            rsvp = targets.get("rsvp")
            extra.append(pages.load(portal.url, rsvp, args.seconds, args.connections, tool) if rsvp else None)
    return out, targets, rss, extra


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8, help="load duration per page and cache mode (default 8)")
    parser.add_argument("--connections", type=int, default=32, help="concurrent connections (default 32)")
    parser.add_argument("--skip-domains", action="store_true", help="only pages and memory")
    args = parser.parse_args(argv)

    tool = "wrk" if shutil.which("wrk") else "python"
    if tool == "python":
        print("wrk not found (Debian: apt-get install -y wrk); using the slower Python client.")
    started = time.monotonic()
    # what, cached req/s, uncached req/s, CPU ms a request (uncached), p95 (cached / uncached), ratio, limit, holds
    page_rows: list[tuple] = []
    other_rows: list[tuple[str, str, str, str]] = []  # what, figure, limit, holds
    with tempfile.TemporaryDirectory(prefix="civic-bench-") as tmp:
        data_dir = Path(tmp) / "data"
        env = pages.demo_env(data_dir)
        print("Preparing the demo ward…", flush=True)
        pages.prepare_demo(env)

        with pages.gunicorn("bench.hello:app", env) as hello:
            pages.load(hello.url, pages.Target("warm", "/"), 2, args.connections, tool)
            pids = hello.worker_pids()
            cpu0 = pages.cpu_seconds(pids)
            ceiling = pages.load(hello.url, pages.Target("hello", "/"), args.seconds, args.connections, tool)
            hello_cpu = (pages.cpu_seconds(pids) - cpu0) * 1000 / max(ceiling.requests, 1)

        print("Pages, CIVIC_PAGE_CACHE=on…", flush=True)
        cached, targets, _, _ = load_pages(env, PAGES, args, tool, "on")
        print("Pages, CIVIC_PAGE_CACHE=off…", flush=True)
        uncached, _, web_rss, (rsvp_form,) = load_pages(env, PAGES, args, tool, "off")

        page_rows.append(("Flask hello (ceiling)", f"{ceiling.rps:,.0f}", "", f"{hello_cpu:.2f}",
                          f"{ceiling.p95:.1f} ms", "1.00", "", ""))
        for key in PAGES:
            target = targets.get(key)
            if target is None or key not in cached or key not in uncached:
                page_rows.append((key, "not present", "", "", "", "", "", ""))
                continue
            (c, _), (u, cpu_ms) = cached[key], uncached[key]
            ratio = c.rps / ceiling.rps if ceiling.rps else 0.0
            limits, holds = [], []
            if key in CACHED_RATIO_MIN:
                limits.append(f"cached ≥ {CACHED_RATIO_MIN[key]}× hello")
                holds.append(ratio >= CACHED_RATIO_MIN[key])
            if key in CPU_MS_MAX:
                limits.append(f"CPU ≤ {CPU_MS_MAX[key]} ms")
                holds.append(cpu_ms <= CPU_MS_MAX[key])
            errors = c.errors + u.errors
            holds.append(errors == 0)
            page_rows.append((
                f"{target.name}{' (query not cached)' if target.unique else ''} `{target.path[:48]}`", f"{c.rps:,.0f}", f"{u.rps:,.0f}", f"{cpu_ms:.2f}",
                f"{c.p95:.1f} / {u.p95:.1f} ms", f"{ratio:.2f}",
                "; ".join(limits) + (f" ({errors} errors)" if errors else ""), mark(all(holds)),
            ))

        if rsvp_form is not None:
            other_rows.append(("RSVP form POST (guest), SQLite, gunicorn", f"{rsvp_form.rps:,.0f} req/s, "
                               f"p95 {rsvp_form.p95:.1f} ms, {rsvp_form.errors} errors", "≥ 250/s",
                               mark(rsvp_form.rps >= 250 and rsvp_form.errors == 0)))
        else:
            other_rows.append(("RSVP form POST (guest), SQLite", "not present (no answerable event)", "≥ 250/s", ""))
        other_rows.append(("Web worker RSS after the page mix (largest of 2)", f"{web_rss:.0f} MiB",
                           f"≤ {WEB_RSS_MAX_MIB} MiB", mark(web_rss <= WEB_RSS_MAX_MIB)))
        print("Queue worker memory…", flush=True)
        mib, note = memory.queue_worker_peak(env)
        other_rows.append((f"Queue worker peak RSS ({note})", f"{mib:.0f} MiB", f"≤ {QUEUE_RSS_MAX_MIB} MiB",
                           mark(mib <= QUEUE_RSS_MAX_MIB)))

    if not args.skip_domains:
        for name, title in DOMAIN_BENCHES:
            print(f"Running bench/{name}.py…", flush=True)
            result = run_domain(name)
            if isinstance(result, str):
                other_rows.append((title, result, "", ""))
                continue
            rows = result if isinstance(result, list) else [result]
            for r, (limit, holds) in zip(rows, metric_checks(rows), strict=True):
                other_rows.append((f"{title}: {r['metric']}" if isinstance(r, dict) and "metric" in r else title,
                                   f"{fmt(r.get('value'))} {r.get('unit', '')}".strip()
                                   if isinstance(r, dict) and "metric" in r else describe(r),
                                   limit, holds))

    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    header = (
        f"Benchmarks {stamp} on {machine()}; gunicorn 2 sync workers, {tool} at concurrency "
        f"{args.connections}, {args.seconds:g} s per page and cache mode, SQLite demo ward, rate limits off. "
        f"Cached = CIVIC_PAGE_CACHE on, uncached = CIVIC_PAGE_CACHE=off. CPU = utime+stime of the "
        f"gunicorn workers (/proc/<pid>/stat) over the uncached load ÷ requests served. Ratio = cached "
        f"req/s ÷ Flask hello. The search URL gets a new `&u=` on every request, so no cache holds it. "
        f"Took {time.monotonic() - started:.0f} s."
    )
    table = ["| Page | Cached req/s | Uncached req/s | CPU ms/req (uncached) | p95 cached / uncached "
             "| Ratio to hello | Limit | Holds |", "|---|---|---|---|---|---|---|---|"]
    table += [f"| {' | '.join(cell.replace('|', '/') for cell in row)} |" for row in page_rows]
    table += ["", "| What | Figure | Limit | Holds |", "|---|---|---|---|"]
    table += [f"| {' | '.join(str(cell).replace('|', '/') for cell in row)} |" for row in other_rows]
    text = header + "\n\n" + "\n".join(table) + "\n"
    print()
    print(text)
    out = Path(__file__).resolve().parent / "results" / "latest.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text + "\n", encoding="utf-8")
    print(f"\nWritten to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
