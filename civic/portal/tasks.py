"""Background work for the portal: write the buffered counters once a minute."""

from __future__ import annotations

from huey import crontab

from civic.core.queue import app_periodic_task


@app_periodic_task(crontab(minute="*"))
def flush_site_counters():
    from civic.core.counters import flush_counters

    return flush_counters()


@app_periodic_task(crontab(minute="30", hour="19"))  # 02:30 in Hà Nội, when the ward sleeps
def apply_retention():
    from civic.portal.retention import run_retention

    return run_retention().total
