"""Background work for news: publish scheduled articles."""

from __future__ import annotations

from huey import crontab

from civic.core.queue import app_periodic_task


@app_periodic_task(crontab(minute="*"))
def publish_scheduled_articles():
    from civic.news.services import publish_due_articles

    return [a.id for a in publish_due_articles()]

