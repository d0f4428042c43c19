"""Election news for the election pages: the portal, which may use every domain's services,
hands news' query to elections (elections itself never imports news)."""

from __future__ import annotations

from civic.elections.related import set_news_provider
from civic.news.services import election_news


def register(app) -> None:
    set_news_provider(election_news)
