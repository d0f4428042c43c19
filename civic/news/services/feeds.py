"""News leaving the portal: the Atom feeds, the sitemap's entries and the API's article shape."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from civic.core.timeutil import isoformat_local, utcnow
from civic.core.urls import absolute_url
from civic.extensions import db
from civic.news.models import Article, Category
from civic.news.services.categories import list_categories
from civic.news.services.photos import image_url
from civic.news.services.queries import list_published, public_filter


def article_url(article: Article) -> str:
    return absolute_url("news.article", slug=article.slug)


def build_atom(category: Category | None = None, limit: int = 30) -> bytes:
    from feedgen.feed import FeedGenerator  # defers feedgen (and lxml) to the feed's readers

    page = list_published(1, category=category, per_page=limit)
    feed = FeedGenerator()
    if category is None:
        self_url = absolute_url("news.feed")
        site_url = absolute_url("news.index")
        title = _("Ward news")
    else:
        self_url = absolute_url("news.category_feed", slug=category.slug)
        site_url = absolute_url("news.category", slug=category.slug)
        title = _("Ward news") + " – " + category.name
    feed.id(self_url)
    feed.title(title)
    feed.subtitle(_("News and announcements from the ward People's Committee"))
    feed.link(href=site_url, rel="alternate")
    feed.link(href=self_url, rel="self")
    feed.language("vi")
    feed.author({"name": _("Ward People's Committee")})
    feed.updated(page.items[0].updated_at if page.items else utcnow())
    for article in page.items:
        entry = feed.add_entry(order="append")
        url = article_url(article)
        entry.id(url)
        entry.title(article.title)
        entry.link(href=url, rel="alternate")
        entry.published(article.published_at)
        entry.updated(max(article.updated_at, article.published_at))
        entry.author({"name": article.byline or _("Editorial team")})
        entry.category(term=article.category.slug, label=article.category.name)
        if article.summary:
            entry.summary(article.summary)
        entry.content(article.body_html or article.summary or article.title, type="html")
    return feed.atom_str(pretty=True)


def sitemap_entries() -> list[dict]:
    entries = [{"loc": absolute_url("news.category", slug=c.slug), "lastmod": None} for c in list_categories()]
    rows = db.session.execute(
        sa.select(Article.slug, Article.updated_at, Article.published_at).where(public_filter())
        .order_by(Article.published_at.desc()).limit(45_000)
    )
    for slug, updated, published in rows:
        entries.append({"loc": absolute_url("news.article", slug=slug), "lastmod": max(updated, published)})
    return entries


def article_dict(article: Article, full: bool = True) -> dict:
    data = {
        "id": article.id,
        "slug": article.slug,
        "url": article_url(article),
        "title": article.title,
        "summary": article.summary,
        "category": article.category.slug,
        "category_name": article.category.name,
        "status": article.status,
        "pinned": bool(article.pinned),
        "byline": article.byline,
        "tags": [t.name for t in article.tags],
        "published_at": isoformat_local(article.published_at),
        "publish_at": isoformat_local(article.publish_at),
        "updated_at": isoformat_local(article.updated_at),
        "cover": image_url(article.cover, absolute=True) if article.cover else None,
        "cover_id": article.cover.id if article.cover else None,
    }
    if full:
        data["body"] = article.body_html
        data["album"] = [{"id": img.id, "url": image_url(img, absolute=True), "caption": img.caption}
                         for img in article.album]
    return data
