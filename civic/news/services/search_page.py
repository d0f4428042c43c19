"""What the search page shows, read lean: plain cards instead of ORM articles, and the category
list kept per process by civic.core.refcache (read again only after a change to the news).

The service (fulltext.search) finds the page's ids; here they become CardCopy cards (one query
for the rows and their covers) with the highlighted title and snippet the page prints.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import sqlalchemy as sa
from markupsafe import Markup

from civic.core import refcache
from civic.extensions import db
from civic.news.models import Article, ArticleImage, ImageKind
from civic.news.services.categories import list_categories
from civic.news.services.copies import CardCopy, CategoryCopy, ImageCopy, category_copy
from civic.news.services.fulltext import highlight, query_tokens, search, snippet_of
from civic.news.services.queries import PAGE_SCOPES, PER_PAGE, Page


@dataclass(frozen=True, slots=True)
class SearchResult:
    article: CardCopy
    title: Markup  # highlighted
    snippet: Markup


def category_copies() -> tuple[CategoryCopy, ...]:
    """list_categories() as plain copies, read again only after a change to the news."""
    return refcache.copy("news.categories", PAGE_SCOPES, lambda: tuple(category_copy(c) for c in list_categories()))


def find_category(slug: str | None) -> CategoryCopy | None:
    """The category with this address, or None (as get_category, from the kept copy)."""
    if not slug:
        return None
    return next((c for c in category_copies() if c.slug == slug), None)


def search_results(query: str, page: int, category: CategoryCopy | None = None,
                   per_page: int = PER_PAGE) -> tuple[Page, list[SearchResult]]:
    """The search page's matches as cards with highlighted title and snippet."""
    tokens = query_tokens(query)
    found = search(query, page, category=category, per_page=per_page, load=_cards_with_bodies)
    results = [SearchResult(card, highlight(card.title, None, tokens), snippet_of(card.summary, body, tokens))
               for card, body in found.items]
    found.items = [r.article for r in results]
    return found, results


def _cards_with_bodies(ids: list[int]) -> list[tuple[CardCopy, str]]:
    """(card, body_html) per id, in order: the columns a card shows and the snippet reads."""
    categories = {c.id: c for c in category_copies()}
    by_id: dict[int, tuple[CardCopy, str]] = {}
    for row in db.session.execute(_statement(), {"ids": ids}):
        if row.id in by_id:  # a second cover row (ordered by position): the first is the cover
            continue
        category = categories.get(row.category_id)
        if category is None:  # added since the copy was read
            categories = {c.id: category_copy(c) for c in list_categories()}
            category = categories[row.category_id]
        cover = ImageCopy(row.key, row.caption or "") if row.key is not None else None
        by_id[row.id] = (CardCopy(id=row.id, slug=row.slug, title=row.title, summary=row.summary or "",
                                  published_at=row.published_at, category=category, cover=cover),
                         row.body_html or "")
    return [by_id[i] for i in ids if i in by_id]


@functools.cache
def _statement() -> sa.Select:
    """The cards' rows with their cover (one statement, built once per process: building a
    select costs more than running it here)."""
    cover = sa.and_(ArticleImage.article_id == Article.id, ArticleImage.kind == ImageKind.COVER.value)
    return (sa.select(Article.id, Article.slug, Article.title, Article.summary, Article.body_html,
                      Article.published_at, Article.category_id, ArticleImage.key, ArticleImage.caption)
            .outerjoin(ArticleImage, cover)
            .where(Article.id.in_(sa.bindparam("ids", expanding=True)))
            .order_by(Article.id, ArticleImage.position, ArticleImage.id))
