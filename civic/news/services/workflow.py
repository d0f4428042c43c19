"""The publishing workflow: write, edit, publish, schedule, unpublish, pin and delete articles.

Each use case is one ``with transaction():`` and announces what changed (civic.news.signals);
the scheduler's bulk publication too.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from civic.core.db import after_commit, announce, transaction
from civic.core.timeutil import utcnow
from civic.extensions import db
from civic.news import images as image_service
from civic.news.models import Article, ArticleStatus, BodyFormat, RevisionAction
from civic.news.services.categories import ensure_default_categories, store_tag_order
from civic.news.services.errors import NewsError
from civic.news.services.history import index_text, record_revision
from civic.news.services.validation import ArticleInput, change_slug, unique_slug, validated
from civic.news.signals import article_changed, article_published, article_withdrawn

EDITABLE = ("title", "summary", "body_html", "category", "status", "publish_at", "byline")
# The revision an edit that changes the status leaves, by the status it reaches.
STATUS_ACTIONS = {
    ArticleStatus.PUBLISHED: RevisionAction.PUBLISHED,
    ArticleStatus.SCHEDULED: RevisionAction.SCHEDULED,
    ArticleStatus.DRAFT: RevisionAction.UNPUBLISHED,
}


def _slug_in_use() -> NewsError:
    # Two editors saving the same address at once: the unique index decides.
    return NewsError(_("Another article already uses this address."), "slug", 409)


def announce_change(article: Article, was_public: bool, changes: dict) -> None:
    """Send the one signal that describes a saved change of ``article`` (inside the transaction)."""
    if article.is_public and not was_public:
        announce(article_published, article=article)
    elif was_public and not article.is_public:
        announce(article_withdrawn, article=article, article_id=article.id, slug=article.slug, deleted=False)
    else:
        announce(article_changed, article=article, changes=changes)


def create_article(data: ArticleInput, user, now: datetime | None = None) -> Article:
    now = now or utcnow()
    ensure_default_categories()  # the default category exists on a fresh database too (page or API)
    try:
        with transaction():
            values = validated(data, now=now)
            article = Article(
                title=values["title"],
                summary=values["summary"],
                body_html=values["body_html"],
                category=values["category"],
                author_id=user.id if user is not None else None,
                byline=values["byline"] or (user.full_name if user is not None else ""),
                status=values["status"],
                publish_at=values["publish_at"],
                published_at=now if values["status"] == ArticleStatus.PUBLISHED else None,
                tags=values["tags"],
                slug=values.get("slug") or unique_slug(values["title"]),
            )
            index_text(article)
            db.session.add(article)
            db.session.flush()
            store_tag_order(article)
            record_revision(article, user, RevisionAction.CREATED,
                            {"title": (None, article.title), "status": (None, article.status)})
            if article.is_public:
                announce(article_published, article=article)
    except sa.exc.IntegrityError as exc:
        raise _slug_in_use() from exc
    return article


def _apply_values(article: Article, values: dict, data: ArticleInput) -> dict:
    """Set the changed fields, tags and slug on ``article``; returns {field: (old, new)}."""
    changes: dict = {}
    for name in EDITABLE:
        old = getattr(article, name)
        new = values[name]
        if name == "byline" and not new:
            continue
        if old != new:
            changes[name] = (old.name if name == "category" else old, new.name if name == "category" else new)
            setattr(article, name, new)
    old_tags = [t.name for t in article.tags]
    new_tags = [t.name for t in values["tags"]]
    if old_tags != new_tags:  # a new order alone is an edit too
        changes["tags"] = (", ".join(old_tags), ", ".join(new_tags))
        article.tags = values["tags"]
    new_slug = values.get("slug") or (unique_slug(values["title"], article.id) if data.regenerate_slug else None)
    if new_slug and new_slug != article.slug:
        changes["slug"] = (article.slug, new_slug)
        change_slug(article, new_slug)
    return changes


def update_article(article: Article, data: ArticleInput, user, now: datetime | None = None) -> Article:
    now = now or utcnow()
    if data.slug == article.slug:  # the current address sent back unchanged: not a new one
        data = replace(data, slug=None)
    try:
        with transaction():
            values = validated(data, partial_of=article, now=now)
            was_public = article.is_public
            changes = _apply_values(article, values, data)
            if not changes:
                return article
            if "status" in changes and article.is_public and article.published_at is None:
                article.published_at = now
            index_text(article)
            action = STATUS_ACTIONS[ArticleStatus(article.status)] if "status" in changes else RevisionAction.EDITED
            record_revision(article, user, action, changes)
            if "tags" in changes:
                db.session.flush()
                store_tag_order(article)
            announce_change(article, was_public, changes)
    except sa.exc.IntegrityError as exc:
        raise _slug_in_use() from exc
    return article


def article_input_from(article: Article, **overrides) -> ArticleInput:
    """The current values as input (for PATCH: change only what is given)."""
    data = ArticleInput(
        title=article.title,
        summary=article.summary,
        body=article.body_html,
        body_format=BodyFormat.HTML,
        category=article.category.slug,
        status=article.status,
        publish_at=article.publish_at,
        tags=[t.name for t in article.tags],
        byline=article.byline,
    )
    for key, value in overrides.items():
        setattr(data, key, value)
    return data


def publish_article(article: Article, user, now: datetime | None = None) -> Article:
    now = now or utcnow()
    if article.is_public:
        return article
    with transaction():
        old = article.status
        article.status = ArticleStatus.PUBLISHED.value
        article.publish_at = None
        article.published_at = article.published_at or now
        record_revision(article, user, RevisionAction.PUBLISHED, {"status": (old, article.status)})
        announce(article_published, article=article)
    return article


def unpublish_article(article: Article, user) -> Article:
    if article.status == ArticleStatus.DRAFT:
        return article
    with transaction():
        old, was_public = article.status, article.is_public
        article.status = ArticleStatus.DRAFT.value
        article.publish_at = None
        if article.pinned:
            article.pinned = False
            article.pinned_at = None
        changes = {"status": (old, article.status)}
        record_revision(article, user, RevisionAction.UNPUBLISHED, changes)
        announce_change(article, was_public, changes)
    return article


def set_pinned(article: Article, pinned: bool, user, now: datetime | None = None) -> Article:
    if pinned and not article.is_public:
        raise NewsError(_("Only a published article can be pinned to the home page."), "pinned", 409)
    if bool(article.pinned) == pinned:
        return article
    with transaction():
        article.pinned = pinned
        article.pinned_at = (now or utcnow()) if pinned else None
        changes = {"pinned": (not pinned, pinned)}
        record_revision(article, user, RevisionAction.PINNED if pinned else RevisionAction.UNPINNED, changes)
        announce(article_changed, article=article, changes=changes)
    return article


def delete_article(article: Article) -> None:
    with transaction():
        article_id, slug, keys = article.id, article.slug, [img.key for img in article.images]
        db.session.delete(article)
        for key in keys:  # the files go once the rows are gone, never before
            after_commit(image_service.delete_variants, key)
        announce(article_withdrawn, article=None, article_id=article_id, slug=slug, deleted=True)


def _claim_due(article_id: int) -> bool:
    """Publish one scheduled article unless another worker already did (a conditional UPDATE)."""
    return bool(db.session.execute(
        sa.update(Article)
        .where(Article.id == article_id, Article.status == ArticleStatus.SCHEDULED.value)
        .values(status=ArticleStatus.PUBLISHED.value, published_at=Article.publish_at)
    ).rowcount)


def publish_due_articles(now: datetime | None = None) -> list[Article]:
    """Publish every scheduled article whose time has come (the worker calls this each minute).

    Each article is claimed with a conditional UPDATE, so two workers never publish it twice.
    """
    now = now or utcnow()
    published: list[Article] = []
    with transaction():
        due_ids = list(db.session.scalars(
            sa.select(Article.id)
            .where(Article.status == ArticleStatus.SCHEDULED.value, Article.publish_at <= now)
            .order_by(Article.publish_at)
        ))
        for article_id in due_ids:
            article = db.session.get(Article, article_id)
            if _claim_due(article_id):
                record_revision(article, None, RevisionAction.PUBLISHED,
                                {"status": (ArticleStatus.SCHEDULED.value, ArticleStatus.PUBLISHED.value)})
                # A bulk UPDATE the model watch does not see: the page cache hears this instead.
                announce(article_published, article=article)
                published.append(article)
    for article in published:
        db.session.refresh(article)
    return published
