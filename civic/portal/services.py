"""Site-wide counters (visits, "online now") over civic.core.counters, and the sitemap."""

from __future__ import annotations

import time
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from werkzeug.routing import BuildError

from civic.core.counters import MEMORY_FLUSH_INTERVAL, VISITS, counter_store, register_writer
from civic.extensions import db
from civic.portal.models import SiteCounter


def _add_counter(name: str, amount: int) -> None:
    updated = db.session.execute(
        sa.update(SiteCounter).where(SiteCounter.name == name).values(value=SiteCounter.value + amount)
    ).rowcount
    if not updated:
        db.session.add(SiteCounter(name=name, value=amount))
        db.session.flush()


def _write_visits(amounts: dict[str, int]) -> None:
    _add_counter(VISITS, amounts[VISITS])
    current_app.extensions.pop("civic_counters_total", None)


register_writer(VISITS, _write_visits)


@dataclass(frozen=True)
class SiteCounters:
    online: int
    total: int


def _stored_total() -> int:
    """The flushed total, cached for a few seconds so page views do not query it each time."""
    cached = current_app.extensions.get("civic_counters_total")
    now = time.monotonic()
    if cached and now - cached[0] < MEMORY_FLUSH_INTERVAL:
        return cached[1]
    value = db.session.scalar(sa.select(SiteCounter.value).where(SiteCounter.name == VISITS)) or 0
    current_app.extensions["civic_counters_total"] = (now, int(value))
    return int(value)


def site_counters(now: float | None = None) -> SiteCounters:
    store = counter_store()
    now = now if now is not None else time.time()
    return SiteCounters(online=store.online(now), total=_stored_total() + store.pending(VISITS))


# ----------------------------------------------------------------------------- sitemap


def sitemap_entries() -> list[dict]:
    """Every public page a search engine should know: [{"loc": absolute URL, "lastmod": datetime|None}]."""
    from civic.core.urls import absolute_url
    from civic.news import services as news_services

    entries = [{"loc": absolute_url("portal.home"), "lastmod": None}]
    for endpoint in ("news.index", "events.index", "elections.index"):
        try:
            entries.append({"loc": absolute_url(endpoint), "lastmod": None})
        except BuildError:  # a domain without that page is simply left out
            continue
    entries.extend(news_services.sitemap_entries())
    return entries
