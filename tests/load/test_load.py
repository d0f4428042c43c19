"""A short load test: gunicorn (2 workers) on loopback serving the demo ward, a realistic mix of
pages and RSVP posts from 32 concurrent clients for 15 s. The bar is zero errors; the figures
(rps, p50/p95/p99) are printed, not asserted (speed is measured by `make bench`)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # bench/ sits beside civic/

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("load")]

MIX = [("home", 30), ("article", 20), ("search", 10), ("event", 20), ("where-to-vote", 10), ("rsvp", 10)]


def test_mixed_load_has_zero_errors(tmp_path):
    from bench import pages

    env = pages.demo_env(tmp_path / "data")
    pages.prepare_demo(env)
    with pages.gunicorn("bench.pages:portal_app()", env, log_dir=tmp_path) as server:
        found = pages.discover(server.url)
        weighted = [(found[key], weight) for key, weight in MIX if found.get(key) is not None]
        assert {t.name for t, _ in weighted} >= {"home", "search"}, found
        results = pages.mixed_load(server.url, weighted, seconds=15, connections=32)
        log = server.log.read_text()
    print(f"\n{'page':<22}{'requests':>9}{'rps':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}  errors")
    for name, res in results.items():
        print(f"{name:<22}{res.requests:>9}{res.rps:>8.1f}{res.p50:>9.1f}{res.p95:>9.1f}{res.p99:>9.1f}  "
              f"{res.errors} {dict(res.statuses)}")
    missing = [key for key, _ in MIX if found.get(key) is None]
    assert not missing, f"not found in the demo, so not loaded: {missing}"
    total = results["all"]
    assert total.requests > 50, "the server barely answered"
    assert total.errors == 0, f"{total.errors} errors: {total.statuses}\n{log[-3000:]}"
    assert "Traceback" not in log, log[-3000:]
    assert "writes in a read transaction" not in log, log[-3000:]  # a GET writing without writing()
