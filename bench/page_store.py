"""Which page-cache store to use without REDIS_URL: files in the data directory or each worker's
memory, with 2 gunicorn workers (issue 12: "whichever benches faster").

    python -m bench.page_store [--seconds 6] [--rounds 2]

Serves the SQLite demo ward with gunicorn (2 sync workers) under CIVIC_PAGE_CACHE_STORE=file and
=memory, alternating rounds (the machine is shared: interleaving spreads its load over both), and
loads the home page, an article and an event page, all served from the cache. Prints req/s and
the workers' CPU ms per request (utime+stime from /proc), which the load on the machine moves
less than req/s.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
from pathlib import Path

from bench import pages

KEYS = ("home", "article", "event")


def run(seconds: float = 6, rounds: int = 2, connections: int = 32, verbose: bool = False) -> list[dict]:
    tool = "wrk" if shutil.which("wrk") else "python"
    figures: dict[str, dict[str, list[tuple[float, float]]]] = {"file": {}, "memory": {}}
    with tempfile.TemporaryDirectory(prefix="civic-store-") as tmp:
        env = pages.demo_env(Path(tmp) / "data")
        pages.prepare_demo(env)
        for _ in range(rounds):
            for store in ("file", "memory"):
                with pages.gunicorn("bench.pages:portal_app()", {**env, "CIVIC_PAGE_CACHE": "1",
                                                                 "CIVIC_PAGE_CACHE_STORE": store}) as portal:
                    targets = pages.discover(portal.url)
                    for key in KEYS:
                        target = targets.get(key)
                        if target is None:
                            continue
                        pages.load(portal.url, target, 1, connections, tool)  # fill the cache
                        pids = portal.worker_pids()
                        cpu0 = pages.cpu_seconds(pids)
                        res = pages.load(portal.url, target, seconds, connections, tool)
                        cpu_ms = (pages.cpu_seconds(pids) - cpu0) * 1000 / max(res.requests, 1)
                        figures[store].setdefault(key, []).append((res.rps, cpu_ms))
                        if verbose:
                            print(f"{store:6} {key:8} {res.rps:8.0f} req/s  {cpu_ms:5.2f} ms CPU  "
                                  f"errors {res.errors}", flush=True)
    rows = []
    for key in KEYS:
        for store in ("file", "memory"):
            runs = figures[store].get(key)
            if not runs:
                continue
            rps = statistics.median(r for r, _ in runs)
            cpu = statistics.median(c for _, c in runs)
            rows.append({"metric": f"{key}, cached, {store} store: req/s", "value": round(rps), "unit": "req/s"})
            rows.append({"metric": f"{key}, cached, {store} store: worker CPU a request", "value": round(cpu, 2),
                         "unit": "ms"})
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.page_store")
    parser.add_argument("--seconds", type=float, default=6)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv)
    for row in run(args.seconds, args.rounds, verbose=True):
        print(f"{row['metric']}: {row['value']} {row['unit']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
