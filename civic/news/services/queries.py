"""Reading news: the public lists, the editors' list, one article, related articles, the home page.

Every public news page shows rows of these models, so their page-cache scope is declared here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import defer, selectinload

from civic.core import pagecache
from civic.core.timeutil import local_to_utc, to_local
from civic.extensions import db
from civic.news.models import Article, ArticleImage, ArticleSlug, ArticleStatus, Category, Tag
from civic.news.services.categories import ELECTION_CATEGORY_SLUG, list_categories
from civic.news.signals import article_published

# Page-cache scopes: every public news page (lists, articles, search, home, election page).
PAGE_SCOPES = ("news",)
pagecache.watch(Article, ArticleImage, ArticleSlug, Category, Tag, scopes=PAGE_SCOPES)


@article_published.connect
def _show_published(_app, **_kw) -> None:
    # The scheduler publishes with a bulk UPDATE that the model watch does not see.
    pagecache.bump(*PAGE_SCOPES)

PER_PAGE = 10


def with_images(stmt):
    return stmt.options(selectinload(Article.images), selectinload(Article.tags))


def card_deferred():
    """Cards show neither the body nor the folded copies (built per call: options at import
    time would configure the mappers before every domain's models are imported)."""
    return defer(Article.body_html), defer(Article.title_folded), defer(Article.body_folded)


def public_filter():
    return Article.status == ArticleStatus.PUBLISHED.value


@dataclass
class Page:
    items: list
    page: int
    per_page: int
    total: int
    more: bool = False  # search: there are more than ``total`` matches (counting stopped there)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page)) if self.total else 0

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def _paginate(stmt, page: int, per_page: int = PER_PAGE) -> Page:
    page = max(1, min(int(page or 1), 100_000))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery())) or 0
    items = list(db.session.scalars(with_images(stmt).limit(per_page).offset((page - 1) * per_page)).unique())
    return Page(items=items, page=page, per_page=per_page, total=total)


def list_published(page: int = 1, category: Category | None = None, tag: Tag | None = None,
                   year: int | None = None, month: int | None = None, per_page: int = PER_PAGE) -> Page:
    stmt = sa.select(Article).where(public_filter())
    if category is not None:
        stmt = stmt.where(Article.category_id == category.id)
    if tag is not None:
        stmt = stmt.where(Article.tags.any(Tag.id == tag.id))
    if year and month:
        start = local_to_utc(datetime(year, month, 1))
        end = local_to_utc(datetime(year + (month == 12), month % 12 + 1, 1))
        stmt = stmt.where(Article.published_at >= start, Article.published_at < end)
    stmt = stmt.order_by(Article.published_at.desc(), Article.id.desc())
    return _paginate(stmt, page, per_page)


def list_for_editors(page: int = 1, status: str | None = None) -> Page:
    stmt = sa.select(Article)
    if status in set(ArticleStatus):
        stmt = stmt.where(Article.status == status)
    stmt = stmt.order_by(Article.updated_at.desc(), Article.id.desc())
    return _paginate(stmt, page, 20)


def get_article(article_id) -> Article | None:
    try:
        article_id = int(article_id)
    except (TypeError, ValueError):
        return None
    return db.session.get(Article, article_id)


def find_by_slug(slug: str) -> tuple[Article | None, bool]:
    """(article, moved): ``moved`` when ``slug`` is an old slug of the article."""
    article = db.session.scalar(with_images(sa.select(Article).where(Article.slug == slug)))
    if article is not None:
        return article, False
    old = db.session.scalar(sa.select(ArticleSlug).where(ArticleSlug.slug == slug))
    if old is not None:
        return old.article, True
    return None, False


def related_articles(article: Article, limit: int = 4) -> list[Article]:
    """Same tags first, then the same category; newest first.

    One statement (a shared tag ranks first), loading what a card shows: the photos, not the
    tags or the long texts (two statements each with tags and images before: 8 a page, now 2).
    """
    tag_ids = [t.id for t in article.tags]
    shares_tag = Article.tags.any(Tag.id.in_(tag_ids)) if tag_ids else sa.false()
    stmt = (
        sa.select(Article)
        .where(public_filter(), Article.id != article.id,
               sa.or_(shares_tag, Article.category_id == article.category_id))
        .order_by(sa.case((shares_tag, 0), else_=1), Article.published_at.desc(), Article.id.desc())
        .limit(limit)
        .options(selectinload(Article.images), *card_deferred())
    )
    return list(db.session.scalars(stmt).unique())


def archive_months() -> list[dict]:
    """[{"year": 2021, "month": 1, "count": 5}, …] newest first, in the ward's time zone."""
    dates = db.session.scalars(sa.select(Article.published_at).where(public_filter()))
    counts: dict[tuple[int, int], int] = {}
    for value in dates:
        local = to_local(value)
        counts[(local.year, local.month)] = counts.get((local.year, local.month), 0) + 1
    return [{"year": y, "month": m, "count": c} for (y, m), c in sorted(counts.items(), reverse=True)]


def home_news(per_category: int = 4) -> dict:
    """What the home page shows: pinned notices, and the latest news of each category.

    One UNION ALL of small index-ordered selections finds every id (a window over all
    articles would sort the whole table), then one query loads them with their photos.
    """
    categories = list_categories()
    pinned_ids = (
        sa.select(Article.id, sa.literal(0).label("category_id"))
        .where(public_filter(), Article.pinned.is_(True))
        .order_by(Article.pinned_at.desc()).limit(5)
    )
    latest_ids = [
        sa.select(Article.id, sa.literal(category.id).label("category_id"))
        .where(public_filter(), Article.category_id == category.id)
        .order_by(Article.published_at.desc(), Article.id.desc()).limit(per_category)
        for category in categories
    ]
    parts = [sa.select(part.subquery()) for part in (pinned_ids, *latest_ids)]
    rows = db.session.execute(sa.union_all(*parts)).all()
    # Cards show neither tags nor the body: load only the photos, and leave the long texts unread.
    by_id = {a.id: a for a in db.session.scalars(
        sa.select(Article).where(Article.id.in_({row.id for row in rows}))
        .options(selectinload(Article.images), *card_deferred())
    ).unique()} if rows else {}
    # A union keeps no order: sort again as each part was selected.
    pinned = sorted((by_id[row.id] for row in rows if row.category_id == 0),
                    key=lambda a: a.pinned_at or a.created_at, reverse=True)
    sections = []
    for category in categories:
        latest = sorted((by_id[row.id] for row in rows if row.category_id == category.id),
                        key=lambda a: (a.published_at, a.id), reverse=True)
        if latest:
            sections.append({"category": category, "articles": latest})
    return {"pinned": pinned, "sections": sections}




def election_news(limit: int = 5) -> list[Article]:
    """Published articles of the election category, newest first (the election pages list them).

    The list shows each title, address and date: the category is joined, the long texts stay unread.
    """
    stmt = (
        sa.select(Article)
        .join(Category, Article.category_id == Category.id)
        .where(public_filter(), Category.slug == ELECTION_CATEGORY_SLUG)
        .order_by(Article.published_at.desc(), Article.id.desc())
        .limit(limit)
        .options(*card_deferred())
    )
    return list(db.session.scalars(stmt).unique())
