"""Plain copies of the news a page shows, kept per process by civic.core.refcache.

The cards hold what templates/news/_macros.html's card() reads (an article's address, title,
date, summary, category and cover picture): no ORM object, so a copy outlives its session.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from civic.core import refcache
from civic.news.models import Article, ArticleImage, ArticleStatus, Category, ImageKind
from civic.news.services.queries import PAGE_SCOPES, find_by_slug, home_news, related_articles


@dataclass(frozen=True, slots=True)
class ImageCopy:
    key: str
    caption: str

    def path(self, variant: str = "content", fmt: str = "jpg") -> str:
        return ArticleImage.path(self, variant, fmt)


@dataclass(frozen=True, slots=True)
class CategoryCopy:
    id: int
    name: str
    slug: str

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class CardCopy:
    id: int
    slug: str
    title: str
    summary: str
    published_at: datetime | None
    category: CategoryCopy
    cover: ImageCopy | None


def category_copy(category: Category) -> CategoryCopy:
    return CategoryCopy(category.id, category.name, category.slug)


def card_copy(article: Article) -> CardCopy:
    cover = article.cover
    return CardCopy(
        id=article.id, slug=article.slug, title=article.title, summary=article.summary or "",
        published_at=article.published_at, category=category_copy(article.category),
        cover=ImageCopy(cover.key, cover.caption or "") if cover is not None else None,
    )


def _home_news_copy(per_category: int) -> dict:
    news = home_news(per_category)
    return {
        "pinned": tuple(card_copy(a) for a in news["pinned"]),
        "sections": tuple({"category": category_copy(s["category"]), "articles": tuple(card_copy(a) for a in s["articles"])}
                          for s in news["sections"]),
    }


def home_news_copy(per_category: int = 4) -> dict:
    """home_news() as plain cards, read again only after a change to the news."""
    return refcache.copy("news.home", PAGE_SCOPES, lambda: _home_news_copy(per_category), key=(per_category,))


def related_cards(article: Article, limit: int = 4) -> tuple[CardCopy, ...]:
    """related_articles() as plain cards, read again only after a change to the news."""
    return refcache.copy("news.related", PAGE_SCOPES, lambda: tuple(card_copy(a) for a in related_articles(article, limit)),
                         key=(article.id, limit), keep=512)


@dataclass(frozen=True, slots=True)
class TagCopy:
    id: int
    name: str
    slug: str


@dataclass(frozen=True, slots=True)
class PictureCopy(ImageCopy):
    """An article's photo as its page draws it (news/_macros.html picture())."""

    kind: str


@dataclass(frozen=True, slots=True)
class ArticlePage:
    """What the article page (and related_articles) reads of an Article, not its view count,
    which changes with every view and is read on each render."""

    id: int
    slug: str
    title: str
    summary: str
    body_html: str
    byline: str | None
    status: str
    published_at: datetime | None
    category_id: int
    category: CategoryCopy
    tags: tuple[TagCopy, ...]
    images: tuple[PictureCopy, ...]

    @property
    def is_public(self) -> bool:
        return self.status == ArticleStatus.PUBLISHED

    @property
    def cover(self) -> PictureCopy | None:
        return next((img for img in self.images if img.kind == ImageKind.COVER), None)

    @property
    def album(self) -> list[PictureCopy]:
        return [img for img in self.images if img.kind == ImageKind.ALBUM]


def _article_page(slug: str) -> ArticlePage | None:
    article, _moved = find_by_slug(slug)
    if article is None:
        return None
    return ArticlePage(
        id=article.id, slug=article.slug, title=article.title, summary=article.summary or "",
        body_html=article.body_html or "", byline=article.byline, status=article.status,
        published_at=article.published_at, category_id=article.category_id, category=category_copy(article.category),
        tags=tuple(TagCopy(t.id, t.name, t.slug) for t in article.tags),
        images=tuple(PictureCopy(i.key, i.caption or "", i.kind) for i in article.images),
    )


def article_page(slug: str) -> ArticlePage | None:
    """The article at ``slug`` (current or old) as its page shows it, read again after a change
    to the news. Who may read it is still the caller's check (access.viewable_page)."""
    return refcache.copy("news.article", PAGE_SCOPES, lambda: _article_page(slug), key=(slug,), keep=512)
