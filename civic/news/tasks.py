"""Background work for news: publish scheduled articles, flush buffered counters."""

from __future__ import annotations

from huey import crontab

from civic.core.queue import app_periodic_task


@app_periodic_task(crontab(minute="*"))
def publish_scheduled_articles():
    from civic.news.services import publish_due_articles

    return [a.id for a in publish_due_articles()]


@app_periodic_task(crontab(minute="*"))
def flush_site_counters():
    from civic.portal.services import flush_counters

    return flush_counters()
