"""Background work for news: publish scheduled articles."""

from __future__ import annotations

from huey import crontab

from civic.core.queue import app_periodic_task
from civic.news.services.workflow import publish_due_articles


@app_periodic_task(crontab(minute="*"))
def publish_scheduled_articles():
    return [a.id for a in publish_due_articles()]
