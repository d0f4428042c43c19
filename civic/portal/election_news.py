"""Election news for the election pages: the portal, which may use every domain's services,
hands news' query to elections (elections itself never imports news)."""

from __future__ import annotations

from civic.elections.related import set_news_provider
from civic.news import services as news_services

ELECTION_CATEGORY = "bau-cu"


def election_news(limit: int) -> list:
    """Published articles in the news category "bau-cu", newest first (news' own query)."""
    category = news_services.get_category(ELECTION_CATEGORY)
    if category is None:
        return []
    return news_services.list_published(page=1, category=category, per_page=limit).items


def register(app) -> None:
    set_news_provider(election_news)
