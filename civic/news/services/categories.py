"""Categories (the four standard ones, editors add more) and tags."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from civic.core.db import transaction, writing
from civic.core.text import slugify
from civic.extensions import db
from civic.news.models import Article, Category, Tag, article_tags
from civic.news.services.errors import NewsError
from civic.news.services.sanitize import plain_line

DEFAULT_CATEGORY_SLUG = "tin-tuc-su-kien"
# The one home of the election category's address: the election pages show its news.
ELECTION_CATEGORY_SLUG = "bau-cu"
DEFAULT_CATEGORIES = [
    ("Tin tức – Sự kiện", DEFAULT_CATEGORY_SLUG),
    ("Thông báo", "thong-bao"),
    ("Hoạt động tổ dân phố", "hoat-dong-to-dan-pho"),
    ("Bầu cử", ELECTION_CATEGORY_SLUG),
]


def ensure_default_categories() -> list[Category]:
    """The four standard categories (idempotent)."""
    existing = set(db.session.scalars(sa.select(Category.slug)))
    missing = [(position, name, slug) for position, (name, slug) in enumerate(DEFAULT_CATEGORIES)
               if slug not in existing]
    if missing:  # a fresh database: the first editor's page view creates them
        with writing(), transaction():
            for position, name, slug in missing:
                db.session.add(Category(name=name, slug=slug, position=position, description=""))
    return list_categories()


def list_categories() -> list[Category]:
    return list(db.session.scalars(sa.select(Category).order_by(Category.position, Category.id)))


def get_category(slug: str | None) -> Category | None:
    if not slug:
        return None
    return db.session.scalar(sa.select(Category).where(Category.slug == slug))


def create_category(name: str, description: str = "") -> Category:
    name = plain_line(name)
    if not name:
        raise NewsError(_("Enter the category's name."), "name")
    if len(name) > 120:
        raise NewsError(_("The category name must be at most 120 characters."), "name")
    slug = slugify(name) or "chuyen-muc"
    ensure_default_categories()  # the standard four come first, whoever adds the first category
    if db.session.scalar(sa.select(Category.id).where(sa.or_(Category.slug == slug, Category.name == name))):
        raise NewsError(_("A category with this name already exists."), "name", 409)
    with transaction():
        position = (db.session.scalar(sa.select(sa.func.max(Category.position))) or 0) + 1
        category = Category(name=name, slug=slug, description=plain_line(description)[:300], position=position)
        db.session.add(category)
    return category


def resolve_tags(raw) -> list[Tag]:
    """The tags named in ``raw`` (a comma-separated text or a list), new ones added to the session."""
    names = raw.split(",") if isinstance(raw, str) else list(raw or [])
    tags: list[Tag] = []
    seen: set[str] = set()
    for name in names[:20]:
        name = plain_line(str(name))[:60]
        slug = slugify(name)
        if not slug or slug in seen:
            continue
        seen.add(slug)
        tag = db.session.scalar(sa.select(Tag).where(Tag.slug == slug))
        if tag is None:
            tag = Tag(name=name, slug=slug)
            db.session.add(tag)
        tags.append(tag)
    return tags


def store_tag_order(article: Article) -> None:
    """Write the position of each of the article's tags as listed (after a flush wrote the links)."""
    for position, tag in enumerate(article.tags):
        db.session.execute(
            sa.update(article_tags)
            .where(article_tags.c.article_id == article.id, article_tags.c.tag_id == tag.id)
            .values(position=position)
        )


def get_tag(slug: str) -> Tag | None:
    return db.session.scalar(sa.select(Tag).where(Tag.slug == slug))
