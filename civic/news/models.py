"""News: categories, articles (slugs, history, images, tags) and their search index."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import DDL, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from civic.core.db import TimestampMixin, UTCDateTime
from civic.core.timeutil import utcnow
from civic.extensions import db


class ArticleStatus(enum.StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    PUBLISHED = "published"


class ImageKind(enum.StrEnum):
    COVER = "cover"  # one per article, replaced by a new upload
    ALBUM = "album"


class BodyFormat(enum.StrEnum):
    """How an editor wrote the body; it is always stored as sanitised HTML."""

    HTML = "html"
    MARKDOWN = "markdown"


class RevisionAction(enum.StrEnum):
    CREATED = "created"
    EDITED = "edited"
    PUBLISHED = "published"
    SCHEDULED = "scheduled"
    UNPUBLISHED = "unpublished"
    PINNED = "pinned"
    UNPINNED = "unpinned"
    IMAGE_ADDED = "image_added"
    IMAGE_REMOVED = "image_removed"


class Category(db.Model):
    __tablename__ = "news_categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    description: Mapped[str] = mapped_column(sa.String(300), default="")
    position: Mapped[int] = mapped_column(sa.Integer, default=0)

    def __str__(self) -> str:
        return self.name


article_tags = sa.Table(
    "news_article_tags",
    db.metadata,
    sa.Column("article_id", sa.ForeignKey("news_articles.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("tag_id", sa.ForeignKey("news_tags.id", ondelete="CASCADE"), primary_key=True, index=True),
    # The order the editor typed the tags in (services.store_tag_order writes it).
    sa.Column("position", sa.Integer, nullable=False, server_default="0"),
)


class Tag(db.Model):
    __tablename__ = "news_tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(60))
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)


class Article(TimestampMixin, db.Model):
    __tablename__ = "news_articles"
    __table_args__ = (
        sa.Index("ix_news_articles_public", "status", "published_at"),
        sa.Index("ix_news_articles_category_public", "category_id", "status", "published_at"),
        sa.Index("ix_news_articles_due", "status", "publish_at"),
        # Made by POSTGRES_FTS_DDL below, unmapped; migrations must not drop them.
        {"info": {"ddl_objects": ("search_vector", "ix_news_articles_search",
                                  "title_vector", "ix_news_articles_title_search")}},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(250))
    slug: Mapped[str] = mapped_column(sa.String(100), unique=True)
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    body_html: Mapped[str] = mapped_column(sa.Text, default="")
    category_id: Mapped[int] = mapped_column(sa.ForeignKey("news_categories.id", ondelete="RESTRICT"), index=True)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    byline: Mapped[str] = mapped_column(sa.String(120), default="")
    status: Mapped[str] = mapped_column(sa.String(12), default=ArticleStatus.DRAFT.value)  # an ArticleStatus
    publish_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    pinned: Mapped[bool] = mapped_column(sa.Boolean, default=False, index=True)
    pinned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    view_count: Mapped[int] = mapped_column(sa.Integer, default=0)
    # Folded copies (no tone marks, đ→d, lower case) that the full-text index covers.
    title_folded: Mapped[str] = mapped_column(sa.Text, default="")
    body_folded: Mapped[str] = mapped_column(sa.Text, default="")

    category: Mapped[Category] = relationship(lazy="joined")
    author = relationship("User")  # never shown on a page: not joined into every article query
    tags: Mapped[list[Tag]] = relationship(secondary=article_tags, order_by=lambda: [article_tags.c.position, Tag.name])
    images: Mapped[list[ArticleImage]] = relationship(
        back_populates="article", cascade="all, delete-orphan", order_by="ArticleImage.position"
    )
    old_slugs: Mapped[list[ArticleSlug]] = relationship(back_populates="article", cascade="all, delete-orphan")
    revisions: Mapped[list[ArticleRevision]] = relationship(
        back_populates="article", cascade="all, delete-orphan", order_by="ArticleRevision.id.desc()"
    )

    @property
    def is_public(self) -> bool:
        return self.status == ArticleStatus.PUBLISHED

    @property
    def is_scheduled(self) -> bool:
        return self.status == ArticleStatus.SCHEDULED

    @property
    def cover(self) -> ArticleImage | None:
        return next((img for img in self.images if img.kind == ImageKind.COVER), None)

    @property
    def album(self) -> list[ArticleImage]:
        return [img for img in self.images if img.kind == ImageKind.ALBUM]


class ArticleImage(db.Model):
    """One uploaded picture; its variants live in storage under ``key`` + suffix."""

    __tablename__ = "news_article_images"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(sa.ForeignKey("news_articles.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(10), default=ImageKind.ALBUM.value)
    position: Mapped[int] = mapped_column(sa.Integer, default=0)
    caption: Mapped[str] = mapped_column(sa.String(300), default="")
    key: Mapped[str] = mapped_column(sa.String(200))
    width: Mapped[int] = mapped_column(sa.Integer, default=0)
    height: Mapped[int] = mapped_column(sa.Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    article: Mapped[Article] = relationship(back_populates="images")

    def path(self, variant: str = "content", fmt: str = "jpg") -> str:
        return f"{self.key}-{variant}.{fmt}"


class ArticleSlug(db.Model):
    """A slug the article used to have; its address answers 301 to the current one."""

    __tablename__ = "news_article_slugs"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(100), unique=True)
    article_id: Mapped[int] = mapped_column(sa.ForeignKey("news_articles.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    article: Mapped[Article] = relationship(back_populates="old_slugs")


class ArticleRevision(db.Model):
    """Edit history: who did what to an article, when, and which fields changed."""

    __tablename__ = "news_article_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(sa.ForeignKey("news_articles.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    action: Mapped[str] = mapped_column(sa.String(20))  # a RevisionAction
    # {"field": {"old": ..., "new": ...}} (long texts shortened).
    changes: Mapped[dict] = mapped_column(sa.JSON, default=dict)

    article: Mapped[Article] = relationship(back_populates="revisions")
    user = relationship("User", lazy="joined")


# ----------------------------------------------------------------------------- search index DDL

# Only published articles are indexed, so a search never reads article rows to filter them.
SQLITE_FTS_DDL = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS news_articles_fts USING fts5("
    "title_folded, body_folded, content='news_articles', content_rowid='id', tokenize='unicode61')",
    "CREATE TRIGGER IF NOT EXISTS news_articles_fts_ai AFTER INSERT ON news_articles "
    "WHEN new.status = 'published' BEGIN "
    "INSERT INTO news_articles_fts(rowid, title_folded, body_folded) "
    "VALUES (new.id, new.title_folded, new.body_folded); END",
    "CREATE TRIGGER IF NOT EXISTS news_articles_fts_ad AFTER DELETE ON news_articles "
    "WHEN old.status = 'published' BEGIN "
    "INSERT INTO news_articles_fts(news_articles_fts, rowid, title_folded, body_folded) "
    "VALUES ('delete', old.id, old.title_folded, old.body_folded); END",
    "CREATE TRIGGER IF NOT EXISTS news_articles_fts_au AFTER UPDATE OF title_folded, body_folded, status "
    "ON news_articles BEGIN "
    "INSERT INTO news_articles_fts(news_articles_fts, rowid, title_folded, body_folded) "
    "SELECT 'delete', old.id, old.title_folded, old.body_folded WHERE old.status = 'published'; "
    "INSERT INTO news_articles_fts(rowid, title_folded, body_folded) "
    "SELECT new.id, new.title_folded, new.body_folded WHERE new.status = 'published'; END",
    # Titles alone: a title match is found in the titles' short lists, not by reading every body's
    # positions through a column filter (broad queries list title matches first).
    "CREATE VIRTUAL TABLE IF NOT EXISTS news_articles_title_fts USING fts5("
    "title_folded, content='news_articles', content_rowid='id', tokenize='unicode61')",
    "CREATE TRIGGER IF NOT EXISTS news_articles_title_fts_ai AFTER INSERT ON news_articles "
    "WHEN new.status = 'published' BEGIN "
    "INSERT INTO news_articles_title_fts(rowid, title_folded) VALUES (new.id, new.title_folded); END",
    "CREATE TRIGGER IF NOT EXISTS news_articles_title_fts_ad AFTER DELETE ON news_articles "
    "WHEN old.status = 'published' BEGIN "
    "INSERT INTO news_articles_title_fts(news_articles_title_fts, rowid, title_folded) "
    "VALUES ('delete', old.id, old.title_folded); END",
    "CREATE TRIGGER IF NOT EXISTS news_articles_title_fts_au AFTER UPDATE OF title_folded, status "
    "ON news_articles BEGIN "
    "INSERT INTO news_articles_title_fts(news_articles_title_fts, rowid, title_folded) "
    "SELECT 'delete', old.id, old.title_folded WHERE old.status = 'published'; "
    "INSERT INTO news_articles_title_fts(rowid, title_folded) "
    "SELECT new.id, new.title_folded WHERE new.status = 'published'; END",
]
SQLITE_FTS_TABLES = ("news_articles_fts", "news_articles_title_fts")

# PostgreSQL: a stored, weighted tsvector over the folded text (title A, body B) and a GIN index.
# The column is added by DDL (not mapped), so SQLite and the ORM never see it.
PG_TSVECTOR = (
    "(setweight(to_tsvector('simple', coalesce(title_folded, '')), 'A') || "
    "setweight(to_tsvector('simple', coalesce(body_folded, '')), 'B'))"
)
PG_TITLE_TSVECTOR = "(to_tsvector('simple', coalesce(title_folded, '')))"
POSTGRES_FTS_DDL = [
    f"ALTER TABLE news_articles ADD COLUMN IF NOT EXISTS search_vector tsvector GENERATED ALWAYS AS {PG_TSVECTOR} STORED",
    "CREATE INDEX IF NOT EXISTS ix_news_articles_search ON news_articles USING GIN (search_vector)",
    # Titles alone, as on SQLite: a title match needs no recheck of every row holding the words.
    # No pending list (fastupdate): titles change rarely, and every search would scan the list.
    "ALTER TABLE news_articles ADD COLUMN IF NOT EXISTS title_vector tsvector GENERATED ALWAYS AS "
    f"{PG_TITLE_TSVECTOR} STORED",
    "CREATE INDEX IF NOT EXISTS ix_news_articles_title_search ON news_articles USING GIN (title_vector) "
    "WITH (fastupdate = off)",
]


def migration_ddl(dialect_name: str) -> list[str]:
    """Statements create_all runs after creating news_articles (for the Alembic migration)."""
    if dialect_name == "sqlite":
        return list(SQLITE_FTS_DDL)
    if dialect_name == "postgresql":
        return list(POSTGRES_FTS_DDL)
    return []


for _statement in SQLITE_FTS_DDL:
    event.listen(Article.__table__, "after_create", DDL(_statement).execute_if(dialect="sqlite"))
for _statement in POSTGRES_FTS_DDL:
    event.listen(Article.__table__, "after_create", DDL(_statement).execute_if(dialect="postgresql"))
# drop_all leaves the virtual tables behind otherwise.
for _table in SQLITE_FTS_TABLES:
    event.listen(Article.__table__, "before_drop", DDL(f"DROP TABLE IF EXISTS {_table}").execute_if(dialect="sqlite"))
