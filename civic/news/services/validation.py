"""Checking an article before anything is written: its input, slug and publication time."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from civic.core.text import slugify
from civic.core.timeutil import local_to_utc, utcnow
from civic.extensions import db
from civic.news.models import Article, ArticleSlug, ArticleStatus, BodyFormat
from civic.news.services.categories import DEFAULT_CATEGORY_SLUG, get_category, resolve_tags
from civic.news.services.errors import BODY_MAX, SUMMARY_MAX, TITLE_MAX, NewsError
from civic.news.services.sanitize import body_to_html, plain_line, plain_text

# Paths under /tin-tuc/ that an article slug must not shadow.
RESERVED_SLUGS = {"quan-ly", "tim-kiem", "chuyen-muc", "luu-tru", "the", "feed-atom", "feed", "moi"}


def slug_taken(slug: str, article_id: int | None) -> bool:
    current = db.session.scalar(sa.select(Article.id).where(Article.slug == slug))
    if current is not None and current != article_id:
        return True
    old = db.session.scalar(sa.select(ArticleSlug.article_id).where(ArticleSlug.slug == slug))
    return old is not None and old != article_id


def unique_slug(text: str, article_id: int | None = None) -> str:
    """A slug from ``text`` no other article has (or had): "hoi-nghi", "hoi-nghi-2", …"""
    base = slugify(text, max_length=80) or "bai-viet"
    candidate = base
    n = 1
    while candidate in RESERVED_SLUGS or slug_taken(candidate, article_id):
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def change_slug(article: Article, new_slug: str) -> None:
    if new_slug == article.slug:
        return
    # The old address keeps working (301); an old slug taken back becomes current again.
    reused = db.session.scalar(sa.select(ArticleSlug).where(ArticleSlug.slug == new_slug))
    if reused is not None:
        db.session.delete(reused)
        db.session.flush()
    db.session.add(ArticleSlug(slug=article.slug, article_id=article.id))
    article.slug = new_slug


def parse_publish_at(value) -> datetime | None:
    """An aware UTC time from a datetime (naive = ward time) or an ISO 8601 string."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return local_to_utc(value) if value.tzinfo is None else value.astimezone(UTC)
    if not isinstance(value, str):
        raise NewsError(_("The publication time is not a valid date and time."), "publish_at", 400)
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        raise NewsError(
            _("The publication time is not a valid date and time (for example 2021-01-29T08:00)."), "publish_at", 400
        ) from exc
    return local_to_utc(parsed) if parsed.tzinfo is None else parsed.astimezone(UTC)


@dataclass
class ArticleInput:
    title: str = ""
    summary: str = ""
    body: str = ""
    body_format: str = BodyFormat.HTML
    category: str | None = None
    status: str = ArticleStatus.DRAFT.value
    publish_at: datetime | str | None = None
    tags: list[str] | str = field(default_factory=list)
    byline: str = ""
    slug: str | None = None
    regenerate_slug: bool = False


def validated(data: ArticleInput, partial_of: Article | None = None, now: datetime | None = None) -> dict:
    """Check everything before anything is written; returns the cleaned values."""
    now = now or utcnow()
    values: dict = {}
    title = plain_line(data.title)
    if not title:
        raise NewsError(_("Enter a title."), "title")
    if len(title) > TITLE_MAX:
        raise NewsError(_("The title must be at most %(max)s characters.", max=TITLE_MAX), "title")
    values["title"] = title
    summary = plain_text(data.summary)
    if len(summary) > SUMMARY_MAX:
        raise NewsError(_("The summary must be at most %(max)s characters.", max=SUMMARY_MAX), "summary")
    values["summary"] = summary
    if data.body_format not in set(BodyFormat):
        raise NewsError(_("Choose how the body is written: HTML or Markdown."), "body_format")
    if len(data.body or "") > BODY_MAX:
        raise NewsError(_("The article body is too long."), "body")
    values["body_html"] = body_to_html(data.body, data.body_format)
    category = get_category(data.category or DEFAULT_CATEGORY_SLUG)
    if category is None:
        raise NewsError(_("This category does not exist."), "category")
    values["category"] = category
    if data.status not in set(ArticleStatus):
        raise NewsError(_("The status must be draft, published or scheduled."), "status")
    values["status"] = ArticleStatus(data.status).value
    publish_at = parse_publish_at(data.publish_at)
    if data.status == ArticleStatus.SCHEDULED:
        if publish_at is None:
            raise NewsError(_("Choose when the article should be published."), "publish_at")
        if publish_at <= now:
            raise NewsError(_("The publication time must be in the future."), "publish_at")
    values["publish_at"] = publish_at if data.status == ArticleStatus.SCHEDULED else None
    values["byline"] = plain_line(data.byline)[:120]
    if data.slug:
        slug = slugify(data.slug)
        if not slug:
            raise NewsError(_("The address may use only letters, digits and hyphens."), "slug")
        if slug in RESERVED_SLUGS or slug_taken(slug, partial_of.id if partial_of else None):
            raise NewsError(_("Another article already uses this address."), "slug", 409)
        values["slug"] = slug
    values["tags"] = resolve_tags(data.tags)  # last: it adds new tags to the session
    return values


