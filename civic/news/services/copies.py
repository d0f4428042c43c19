"""Plain copies of the news a page shows, kept per process by civic.core.refcache.

The cards hold what templates/news/_macros.html's card() reads (an article's address, title,
date, summary, category and cover picture): no ORM object, so a copy outlives its session.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from civic.core import refcache
from civic.news.models import Article, ArticleImage, Category
from civic.news.services.queries import PAGE_SCOPES, home_news, related_articles


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
