"""News rules: sanitising, slugs, the publishing workflow, history, images, search, feeds.

Pages and the API call these functions; they raise NewsError (a translated message).
"""

from __future__ import annotations

import html as html_lib
import math
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

import nh3
import sqlalchemy as sa
from flask_babel import gettext as _
from markupsafe import Markup, escape
from sqlalchemy.orm import defer, selectinload

from civic.core import counters, pagecache
from civic.core.db import is_postgres, is_sqlite, writing
from civic.core.text import clean_line, fold, nfc, slugify, strip_marks
from civic.core.timeutil import format_datetime, local_to_utc, local_tz, to_local, utcnow
from civic.extensions import db
from civic.news import images as image_service
from civic.news.models import (
    Article,
    ArticleImage,
    ArticleRevision,
    ArticleSlug,
    ArticleStatus,
    Category,
    Tag,
    article_tags,
)

# Page-cache scopes: every public news page (lists, articles, search, home, election page).
PAGE_SCOPES = ("news",)
pagecache.watch(Article, ArticleImage, ArticleSlug, Category, Tag, scopes=PAGE_SCOPES)

TITLE_MAX = 250
SUMMARY_MAX = 1000
BODY_MAX = 200_000
CAPTION_MAX = 300
QUERY_MAX_TOKENS = 8
PER_PAGE = 10
DEFAULT_CATEGORY_SLUG = "tin-tuc-su-kien"
DEFAULT_CATEGORIES = [
    ("Tin tức – Sự kiện", "tin-tuc-su-kien"),
    ("Thông báo", "thong-bao"),
    ("Hoạt động tổ dân phố", "hoat-dong-to-dan-pho"),
    ("Bầu cử", "bau-cu"),
]
# Paths under /tin-tuc/ that an article slug must not shadow.
RESERVED_SLUGS = {"quan-ly", "tim-kiem", "chuyen-muc", "luu-tru", "the", "feed-atom", "feed", "moi"}


class NewsError(ValueError):
    """A rule was broken; ``str(exc)`` is a translated, user-facing message."""

    def __init__(self, message: str, field: str | None = None, status: int = 422):
        super().__init__(message)
        self.field = field
        self.status = status


# ----------------------------------------------------------------------------- sanitising

ALLOWED_TAGS = {
    "h2", "h3", "h4", "p", "br", "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr", "th", "td",
    "strong", "em", "b", "i", "blockquote",
}
ALLOWED_ATTRIBUTES = {"a": {"href"}, "img": {"src", "alt"}, "th": {"colspan", "rowspan"}, "td": {"colspan", "rowspan"}}
# Removed with everything inside them (Word's <xml>/<style> blocks, scripts, embeds).
DROP_WITH_CONTENT = {"script", "style", "xml", "iframe", "object", "embed", "noscript", "template", "svg", "math",
                     "head", "title", "textarea", "select"}
_HREF_RE = re.compile(r"^(https?://|mailto:)", re.IGNORECASE)
_SPAN_RE = re.compile(r"^[0-9]{1,2}$")


def _attribute_filter(tag: str, attr: str, value: str) -> str | None:
    value = value.strip()
    if tag == "a" and attr == "href":
        return value if _HREF_RE.match(value) else None
    if tag == "img" and attr == "src":
        if value.startswith("/media/") and ".." not in value:
            return value
        return value if value.lower().startswith("https://") else None
    if attr in {"colspan", "rowspan"}:
        return value if _SPAN_RE.match(value) else None
    return value


def sanitize_html(raw: str | None) -> str:
    """The allow-listed subset of ``raw``: what every article body is stored as."""
    if not raw:
        return ""
    cleaned = nh3.clean(
        nfc(raw),
        tags=ALLOWED_TAGS,
        clean_content_tags=DROP_WITH_CONTENT,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_attribute_filter,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener",
        strip_comments=True,
    )
    # Word leaves runs of empty paragraphs behind.
    cleaned = re.sub(r"(<p>(\s|&nbsp;|\u00a0)*</p>\s*)+", "", cleaned)
    return cleaned.strip()


def markdown_to_html(source: str) -> str:
    import markdown as markdown_lib  # defers Markdown (~3 MB) to editors saving an article

    return markdown_lib.markdown(source or "", extensions=["tables", "sane_lists"], output_format="html")


# A body with none of these tags is plain text (a paste from Word into the textarea): its line
# breaks are its structure. Inline tags (<b>, <a>) alone do not make it HTML.
_BLOCK_TAG_RE = re.compile(r"<\s*/?\s*(p|br|div|h[1-6]|ul|ol|li|table|tr|td|th|blockquote|pre|hr)\b", re.IGNORECASE)


def plain_text_to_html(text: str) -> str:
    """Blank lines separate paragraphs, a single line break becomes <br>."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    paragraphs = [p.strip() for p in re.split(r"\n[ \t\u00a0]*\n", text)]
    return "".join(
        "<p>" + "<br>".join(line.strip() for line in p.split("\n") if line.strip()) + "</p>" for p in paragraphs if p
    )


def body_to_html(body: str | None, body_format: str = "html") -> str:
    if body_format == "markdown":
        return sanitize_html(markdown_to_html(body or ""))
    if not _BLOCK_TAG_RE.search(body or ""):
        return sanitize_html(plain_text_to_html(body or ""))
    return sanitize_html(body or "")


def html_to_text(body_html: str) -> str:
    text = nh3.clean(re.sub(r"<(br|/p|/h[2-4]|/li|/tr|/blockquote)\s*/?>", " \\g<0>", body_html or ""), tags=set())
    return re.sub(r"\s+", " ", html_lib.unescape(text)).strip()


def plain_line(value: str | None) -> str:
    """One-line text fields (titles, captions): markup removed, whitespace collapsed."""
    text = html_lib.unescape(nh3.clean(nfc(value or ""), tags=set(), clean_content_tags={"script", "style"}))
    return clean_line(text)


def plain_text(value: str | None) -> str:
    text = html_lib.unescape(nh3.clean(nfc(value or ""), tags=set(), clean_content_tags={"script", "style"}))
    return re.sub(r"[ \t]+", " ", text).strip()


# ----------------------------------------------------------------------------- categories and tags


def ensure_default_categories() -> list[Category]:
    """The four standard categories (idempotent)."""
    existing = set(db.session.scalars(sa.select(Category.slug)))
    missing = [(position, name, slug) for position, (name, slug) in enumerate(DEFAULT_CATEGORIES)
               if slug not in existing]
    if missing:  # a fresh database: the first editor's page view creates them
        with writing():
            for position, name, slug in missing:
                db.session.add(Category(name=name, slug=slug, position=position, description=""))
            db.session.commit()
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
    if db.session.scalar(sa.select(Category.id).where(sa.or_(Category.slug == slug, Category.name == name))):
        raise NewsError(_("A category with this name already exists."), "name", 409)
    position = (db.session.scalar(sa.select(sa.func.max(Category.position))) or 0) + 1
    category = Category(name=name, slug=slug, description=plain_line(description)[:300], position=position)
    db.session.add(category)
    db.session.commit()
    return category


def _resolve_tags(raw) -> list[Tag]:
    if isinstance(raw, str):
        names = raw.split(",")
    else:
        names = list(raw or [])
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


# ----------------------------------------------------------------------------- slugs


def _slug_taken(slug: str, article_id: int | None) -> bool:
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
    while candidate in RESERVED_SLUGS or _slug_taken(candidate, article_id):
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def _change_slug(article: Article, new_slug: str) -> None:
    if new_slug == article.slug:
        return
    # The old address keeps working (301); an old slug taken back becomes current again.
    reused = db.session.scalar(sa.select(ArticleSlug).where(ArticleSlug.slug == new_slug))
    if reused is not None:
        db.session.delete(reused)
        db.session.flush()
    db.session.add(ArticleSlug(slug=article.slug, article_id=article.id))
    article.slug = new_slug


# ----------------------------------------------------------------------------- validation


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
    body_format: str = "html"
    category: str | None = None
    status: str = ArticleStatus.DRAFT.value
    publish_at: datetime | str | None = None
    tags: list[str] | str = field(default_factory=list)
    byline: str = ""
    slug: str | None = None
    regenerate_slug: bool = False


def _validated(data: ArticleInput, partial_of: Article | None = None, now: datetime | None = None) -> dict:
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
    if data.body_format not in {"html", "markdown"}:
        raise NewsError(_("Choose how the body is written: HTML or Markdown."), "body_format")
    if len(data.body or "") > BODY_MAX:
        raise NewsError(_("The article body is too long."), "body")
    values["body_html"] = body_to_html(data.body, data.body_format)
    category = get_category(data.category or DEFAULT_CATEGORY_SLUG)
    if category is None:
        raise NewsError(_("This category does not exist."), "category")
    values["category"] = category
    if data.status not in {s.value for s in ArticleStatus}:
        raise NewsError(_("The status must be draft, published or scheduled."), "status")
    values["status"] = data.status
    publish_at = parse_publish_at(data.publish_at)
    if data.status == ArticleStatus.SCHEDULED.value:
        if publish_at is None:
            raise NewsError(_("Choose when the article should be published."), "publish_at")
        if publish_at <= now:
            raise NewsError(_("The publication time must be in the future."), "publish_at")
    values["publish_at"] = publish_at if data.status == ArticleStatus.SCHEDULED.value else None
    values["byline"] = plain_line(data.byline)[:120]
    if data.slug:
        slug = slugify(data.slug)
        if not slug:
            raise NewsError(_("The address may use only letters, digits and hyphens."), "slug")
        if slug in RESERVED_SLUGS or _slug_taken(slug, partial_of.id if partial_of else None):
            raise NewsError(_("Another article already uses this address."), "slug", 409)
        values["slug"] = slug
    values["tags"] = _resolve_tags(data.tags)  # last: it adds new tags to the session
    return values


# ----------------------------------------------------------------------------- history


def _short(value) -> object:
    if isinstance(value, str) and len(value) > 300:
        return value[:300] + "…"
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def record_revision(article: Article, user, action: str, changes: dict | None = None) -> ArticleRevision:
    revision = ArticleRevision(
        article=article,
        user_id=user.id if user is not None and getattr(user, "id", None) else None,
        action=action,
        changes={k: {"old": _short(old), "new": _short(new)} for k, (old, new) in (changes or {}).items()},
    )
    db.session.add(revision)
    return revision


def _index_text(article: Article) -> None:
    article.title_folded = fold(article.title)
    article.body_folded = fold(f"{article.summary} {html_to_text(article.body_html)}")


# ----------------------------------------------------------------------------- workflow


def create_article(data: ArticleInput, user, now: datetime | None = None) -> Article:
    now = now or utcnow()
    values = _validated(data, now=now)
    article = Article(
        title=values["title"],
        summary=values["summary"],
        body_html=values["body_html"],
        category=values["category"],
        author_id=user.id if user is not None else None,
        byline=values["byline"] or (user.full_name if user is not None else ""),
        status=values["status"],
        publish_at=values["publish_at"],
        published_at=now if values["status"] == ArticleStatus.PUBLISHED.value else None,
        tags=values["tags"],
        slug=values.get("slug") or unique_slug(values["title"]),
    )
    _index_text(article)
    try:
        db.session.add(article)
        db.session.flush()
        store_tag_order(article)
        record_revision(article, user, "created", {"title": (None, article.title), "status": (None, article.status)})
        db.session.commit()
    except sa.exc.IntegrityError as exc:
        db.session.rollback()
        raise NewsError(_("Another article already uses this address."), "slug", 409) from exc
    return article


EDITABLE = ("title", "summary", "body_html", "category", "status", "publish_at", "byline")


def update_article(article: Article, data: ArticleInput, user, now: datetime | None = None) -> Article:
    now = now or utcnow()
    values = _validated(data, partial_of=article, now=now)
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
        _change_slug(article, new_slug)
    if "status" in changes and article.status == ArticleStatus.PUBLISHED.value and article.published_at is None:
        article.published_at = now
    if not changes:
        return article
    _index_text(article)
    action = "edited"
    if "status" in changes:
        action = {"published": "published", "scheduled": "scheduled", "draft": "unpublished"}[article.status]
    record_revision(article, user, action, changes)
    try:
        if "tags" in changes:
            db.session.flush()
            store_tag_order(article)
        db.session.commit()
    except sa.exc.IntegrityError as exc:
        db.session.rollback()
        raise NewsError(_("Another article already uses this address."), "slug", 409) from exc
    return article


def article_input_from(article: Article, **overrides) -> ArticleInput:
    """The current values as input (for PATCH: change only what is given)."""
    data = ArticleInput(
        title=article.title,
        summary=article.summary,
        body=article.body_html,
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
    if article.status == ArticleStatus.PUBLISHED.value:
        return article
    old = article.status
    article.status = ArticleStatus.PUBLISHED.value
    article.publish_at = None
    article.published_at = article.published_at or now
    record_revision(article, user, "published", {"status": (old, article.status)})
    db.session.commit()
    return article


def unpublish_article(article: Article, user) -> Article:
    if article.status == ArticleStatus.DRAFT.value:
        return article
    old = article.status
    article.status = ArticleStatus.DRAFT.value
    article.publish_at = None
    if article.pinned:
        article.pinned = False
        article.pinned_at = None
    record_revision(article, user, "unpublished", {"status": (old, article.status)})
    db.session.commit()
    return article


def set_pinned(article: Article, pinned: bool, user, now: datetime | None = None) -> Article:
    if bool(article.pinned) == pinned:
        return article
    article.pinned = pinned
    article.pinned_at = (now or utcnow()) if pinned else None
    record_revision(article, user, "pinned" if pinned else "unpinned", {"pinned": (not pinned, pinned)})
    db.session.commit()
    return article


def delete_article(article: Article) -> None:
    keys = [img.key for img in article.images]
    db.session.delete(article)
    db.session.commit()
    for key in keys:
        image_service.delete_variants(key)


def publish_due_articles(now: datetime | None = None) -> list[Article]:
    """Publish every scheduled article whose time has come (the worker calls this each minute).

    Each article is claimed with a conditional UPDATE, so two workers never publish it twice.
    """
    now = now or utcnow()
    due_ids = list(
        db.session.scalars(
            sa.select(Article.id).where(
                Article.status == ArticleStatus.SCHEDULED.value, Article.publish_at <= now
            ).order_by(Article.publish_at)
        )
    )
    published: list[Article] = []
    for article_id in due_ids:
        article = db.session.get(Article, article_id)
        claimed = db.session.execute(
            sa.update(Article)
            .where(Article.id == article_id, Article.status == ArticleStatus.SCHEDULED.value)
            .values(status=ArticleStatus.PUBLISHED.value, published_at=Article.publish_at)
        ).rowcount
        if claimed:
            record_revision(article, None, "published", {"status": ("scheduled", "published")})
            published.append(article)
    db.session.commit()
    if published:  # a bulk UPDATE: the model watch does not see it
        pagecache.bump(*PAGE_SCOPES)
    for article in published:
        db.session.refresh(article)
    return published


# ----------------------------------------------------------------------------- images


def add_image(article: Article, data: bytes, kind: str, caption: str, user) -> ArticleImage:
    """Store an uploaded picture as the cover (replacing the old one) or in the album."""
    caption = plain_line(caption)
    if len(caption) > CAPTION_MAX:
        raise NewsError(_("The caption must be at most %(max)s characters.", max=CAPTION_MAX), "caption")
    try:
        stored = image_service.process_upload(data)
    except image_service.ImageError as exc:
        raise NewsError(str(exc), "image", 400) from exc
    old_keys: list[str] = []
    if kind == "cover":
        for img in list(article.images):
            if img.kind == "cover":
                old_keys.append(img.key)
                article.images.remove(img)
        position = 0
    else:
        kind = "album"
        position = 1 + max((img.position for img in article.images if img.kind == "album"), default=0)
    image = ArticleImage(kind=kind, caption=caption, key=stored.key, width=stored.width, height=stored.height,
                         position=position)
    article.images.append(image)
    record_revision(article, user, "image_added", {"image": (None, f"{kind}: {caption or stored.key}")})
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        image_service.delete_variants(stored.key)
        raise
    for key in old_keys:
        image_service.delete_variants(key)
    return image


def remove_image(article: Article, image_id: int, user) -> None:
    image = next((img for img in article.images if img.id == image_id), None)
    if image is None:
        raise NewsError(_("This picture does not belong to the article."), "image", 404)
    article.images.remove(image)
    record_revision(article, user, "image_removed", {"image": (f"{image.kind}: {image.caption or image.key}", None)})
    db.session.commit()
    image_service.delete_variants(image.key)


def update_caption(article: Article, image_id: int, caption: str, user) -> None:
    image = next((img for img in article.images if img.id == image_id), None)
    if image is None:
        raise NewsError(_("This picture does not belong to the article."), "image", 404)
    caption = plain_line(caption)
    if len(caption) > CAPTION_MAX:
        raise NewsError(_("The caption must be at most %(max)s characters.", max=CAPTION_MAX), "caption")
    if caption != image.caption:
        record_revision(article, user, "edited", {"caption": (image.caption, caption)})
        image.caption = caption
        db.session.commit()


# ----------------------------------------------------------------------------- reading


def _with_images(stmt):
    return stmt.options(selectinload(Article.images), selectinload(Article.tags))


def _card_deferred():
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
    items = list(db.session.scalars(_with_images(stmt).limit(per_page).offset((page - 1) * per_page)).unique())
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
    if status in {s.value for s in ArticleStatus}:
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
    article = db.session.scalar(_with_images(sa.select(Article).where(Article.slug == slug)))
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
        .options(selectinload(Article.images), *_card_deferred())
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
        .options(selectinload(Article.images), *_card_deferred())
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


# ----------------------------------------------------------------------------- view counts


def record_view(article: Article) -> None:
    """Counted on every view, also of the page served from the page cache."""
    pagecache.every_view("news.article_view", article.id)


def view_count(article: Article) -> int:
    return (article.view_count or 0) + counters.pending(f"article:{article.id}")


def _record_view_of(article_id: int) -> None:
    counters.record_hit(f"article:{article_id}")


def _views_html(article_id: int) -> str:
    """The article's view count, filled in on every view of a cached page (lags by the buffer)."""
    from flask_babel import ngettext

    stored = db.session.scalar(sa.select(Article.view_count).where(Article.id == article_id)) or 0
    count = stored + counters.pending(f"article:{article_id}")
    return str(escape(ngettext("%(num)s view", "%(num)s views", count)))


pagecache.register_view_hook("news.article_view", _record_view_of)
pagecache.register_fragment("news.article_views", _views_html)


def apply_view_counts(views: dict[str, int]) -> None:
    """Add buffered views, keyed "article:<id>" (runs inside the counters' flush transaction)."""
    for key, amount in sorted(views.items()):
        article_id = int(key.split(":", 1)[1])
        # Being read is not an edit: keep updated_at (the column's onupdate would set it to now).
        db.session.execute(
            sa.update(Article).where(Article.id == article_id)
            .values(view_count=Article.view_count + amount, updated_at=Article.updated_at)
            .execution_options(synchronize_session=False)
        )


counters.register_writer("article", apply_view_counts)


# ----------------------------------------------------------------------------- search

_TOKEN_RE = re.compile(r"[a-z0-9]+")


def query_tokens(query: str | None) -> list[str]:
    """Folded words of a query ("Hội nghị!" -> ["hoi", "nghi"]), at most 8, each at most 40 chars."""
    return [t[:40] for t in _TOKEN_RE.findall(fold((query or "")[:1000]))][:QUERY_MAX_TOKENS]


def search(query: str | None, page: int = 1, category: Category | None = None, per_page: int = PER_PAGE) -> Page:
    """Published articles matching every word of ``query`` (folded), title matches above body matches."""
    tokens = query_tokens(query)
    page = max(1, min(int(page or 1), 100_000))
    if not tokens:
        return Page(items=[], page=page, per_page=per_page, total=0)
    if is_sqlite():
        return _search_sqlite(tokens, page, per_page, category)
    if is_postgres():
        return _search_postgres(tokens, page, per_page, category)
    return _search_like(tokens, page, per_page, category)


def _page_of(ids: list[int], page: int, per_page: int, total: int) -> Page:
    if not ids:
        return Page(items=[], page=page, per_page=per_page, total=total)
    by_id = {a.id: a for a in db.session.scalars(_with_images(sa.select(Article).where(Article.id.in_(ids))))}
    return Page(items=[by_id[i] for i in ids if i in by_id], page=page, per_page=per_page, total=total)


def _search_like(tokens: list[str], page: int, per_page: int, category: Category | None) -> Page:
    """Any other database: LIKE over the folded columns (correct, not fast)."""
    stmt = sa.select(Article.id).where(public_filter())
    for token in tokens:
        pattern = f"%{token}%"
        stmt = stmt.where(sa.or_(Article.title_folded.like(pattern), Article.body_folded.like(pattern)))
    if category is not None:
        stmt = stmt.where(Article.category_id == category.id)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery())) or 0
    ids = list(db.session.scalars(stmt.order_by(Article.published_at.desc()).limit(per_page)
                                  .offset((page - 1) * per_page)))
    return _page_of(ids, page, per_page, total)


RANK_ALL_LIMIT = 1000  # up to this many matches are ranked by relevance; beyond, title matches stream first
COUNT_CAP = 1000  # SQLite counts matches up to here ("more than 1,000 results"): counting stops early


def _search_sqlite(tokens: list[str], page: int, per_page: int, category: Category | None) -> Page:
    """FTS5 over the folded copies of published articles.

    Specific queries (up to 1,000 matches) are ranked by BM25 with the title weighted 10x the body.
    Broad queries would score tens of thousands of rows, so they list title matches first, then
    body-only matches, newest (highest id) first: FTS5 streams those in rowid order and stops at
    the page, and counting stops at 1,000, which keeps every query fast at 100,000 articles.
    """
    # Quoted tokens are literal; the last one matches as a prefix while the visitor types.
    words = " ".join(f'"{t}"' for t in tokens[:-1]) + f' "{tokens[-1]}"*'
    in_title = "{title_folded} : (" + words + ")"
    body_only = "(" + words + ") NOT (" + in_title + ")"
    offset = (page - 1) * per_page
    if category is None:
        source, extra, params = "news_articles_fts", "", {}
    else:
        # CROSS JOIN keeps the FTS table as the outer loop (one MATCH, not one per article row).
        source = "news_articles_fts CROSS JOIN news_articles a ON a.id = news_articles_fts.rowid"
        extra, params = " AND a.category_id = :category_id", {"category_id": category.id}
    matching = f"SELECT news_articles_fts.rowid FROM {source} WHERE news_articles_fts MATCH :q{extra}"

    def run(sql: str, match: str, **more):
        return db.session.execute(sa.text(sql), {**params, "q": match, **more})

    def count(match: str, cap: int) -> int:
        return run(f"SELECT count(*) FROM ({matching} LIMIT :cap)", match, cap=cap).scalar() or 0

    total = count(words, COUNT_CAP + 1)
    more = total > COUNT_CAP
    if not more and total <= RANK_ALL_LIMIT:
        rows = run(f"{matching} ORDER BY bm25(news_articles_fts, 10.0, 1.0), news_articles_fts.rowid DESC "
                   "LIMIT :limit OFFSET :offset", words, limit=per_page, offset=offset)
        ids = [r[0] for r in rows]
    else:
        listing = f"{matching} ORDER BY news_articles_fts.rowid DESC LIMIT :limit OFFSET :offset"
        # One scan gives this page's title matches and, when they run out, how many there were.
        title_ids = [r[0] for r in run(listing, in_title, limit=offset + per_page, offset=0)]
        title_seen = len(title_ids)
        ids = title_ids[offset:]
        if len(ids) < per_page:
            ids += [r[0] for r in run(listing, body_only, limit=per_page - len(ids),
                                      offset=max(0, offset - title_seen))]
    page_result = _page_of(ids, page, per_page, min(total, COUNT_CAP))
    page_result.more = more
    return page_result


def _search_postgres(tokens: list[str], page: int, per_page: int, category: Category | None) -> Page:
    """The stored weighted tsvector (GIN), as on SQLite: specific queries (up to 1,000 matches)
    ranked by ts_rank; broad ones list title matches, then body-only matches, newest first, and
    counting stops at 1,000. An exact count and a sort of every match cost ~0.7 s at 100,000
    articles for a common word; newest-first with a LIMIT walks the (status, published_at) index
    and stops at the page."""
    words = " & ".join(tokens[:-1] + [tokens[-1] + ":*"])
    in_title = " & ".join([f"{t}:A" for t in tokens[:-1]] + [tokens[-1] + ":*A"])
    offset = (page - 1) * per_page
    params: dict = {"status": ArticleStatus.PUBLISHED.value, "q": words, "qt": in_title}
    where = "a.status = :status AND a.search_vector @@ to_tsquery('simple', :q)"
    if category is not None:
        where += " AND a.category_id = :category_id"
        params["category_id"] = category.id

    def ids_of(sql: str, **more) -> list[int]:
        return [r[0] for r in db.session.execute(sa.text(sql), {**params, **more})]

    total = db.session.execute(
        sa.text(f"SELECT count(*) FROM (SELECT 1 FROM news_articles a WHERE {where} LIMIT :cap) s"),
        {**params, "cap": COUNT_CAP + 1},
    ).scalar() or 0
    more = total > COUNT_CAP
    if not more and total <= RANK_ALL_LIMIT:
        ids = ids_of(f"SELECT a.id FROM news_articles a WHERE {where} ORDER BY "
                     "ts_rank(a.search_vector, to_tsquery('simple', :q)) DESC, a.published_at DESC "
                     "LIMIT :limit OFFSET :offset", limit=per_page, offset=offset)
    else:
        title = "a.search_vector @@ to_tsquery('simple', :qt)"
        title_ids = ids_of(f"SELECT a.id FROM news_articles a WHERE {where} AND {title} "
                           "ORDER BY a.published_at DESC LIMIT :limit", limit=offset + per_page)
        ids = title_ids[offset:]
        if len(ids) < per_page:
            ids += ids_of(f"SELECT a.id FROM news_articles a WHERE {where} AND NOT ({title}) "
                          "ORDER BY a.published_at DESC LIMIT :limit OFFSET :offset",
                          limit=per_page - len(ids), offset=max(0, offset - len(title_ids)))
    result = _page_of(ids, page, per_page, min(total, COUNT_CAP))
    result.more = more
    return result


_char_folds: dict[str, str] = {}  # character -> its folded form; text uses few distinct characters


def _folded_with_positions(text: str) -> tuple[str, list[int]]:
    chars: list[str] = []
    positions: list[int] = []
    cache = _char_folds
    for index, ch in enumerate(text):
        folded = cache.get(ch)
        if folded is None:
            folded = strip_marks(ch).casefold()
            if len(cache) < 8192:
                cache[ch] = folded
        for part in folded:
            chars.append(part)
            positions.append(index)
    return "".join(chars), positions


def highlight(text: str | None, query: str | None, tokens: list[str] | None = None) -> Markup:
    """``text`` escaped, with words matching the query (compared folded) wrapped in <mark>."""
    text = nfc(text or "")
    tokens = tokens if tokens is not None else query_tokens(query)
    if not tokens or not text:
        return escape(text)
    folded, positions = _folded_with_positions(text)
    pattern = re.compile(r"(?<![a-z0-9])(" + "|".join(re.escape(t) for t in sorted(tokens, key=len, reverse=True)) + ")")
    out: list[Markup] = []
    cursor = 0
    for match in pattern.finditer(folded):
        start = positions[match.start()]
        end = positions[match.end() - 1] + 1
        if start < cursor:
            continue
        out.append(escape(text[cursor:start]))
        out.append(Markup("<mark>%s</mark>") % text[start:end])
        cursor = end
    out.append(escape(text[cursor:]))
    return Markup("").join(out)


def snippet(article: Article, query: str | None, width: int = 240) -> Markup:
    """A highlighted extract of the summary/body around the first match."""
    tokens = query_tokens(query)
    text = f"{article.summary} {html_to_text(article.body_html)}".strip()
    folded = fold(text)
    start = 0
    for token in tokens:
        found = folded.find(token)
        if found >= 0:
            start = max(0, found - 60)
            break
    # fold() keeps one character per character for Vietnamese text, so offsets line up closely.
    extract = text[start:start + width]
    prefix = "… " if start > 0 else ""
    suffix = " …" if start + width < len(text) else ""
    return escape(prefix) + highlight(extract, None, tokens) + escape(suffix)


# ----------------------------------------------------------------------------- feeds, sitemap, API shape


def article_url(article: Article) -> str:
    from civic.core.urls import absolute_url

    return absolute_url("news.article", slug=article.slug)


def image_url(image: ArticleImage, variant: str = "content", fmt: str = "jpg", absolute: bool = False) -> str:
    from flask import url_for

    from civic.core.urls import absolute_url

    if absolute:
        return absolute_url("portal.media", key=image.path(variant, fmt))
    return url_for("portal.media", key=image.path(variant, fmt))


def build_atom(category: Category | None = None, limit: int = 30) -> bytes:
    from feedgen.feed import FeedGenerator

    from civic.core.urls import absolute_url

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
    from civic.core.urls import absolute_url

    entries = [{"loc": absolute_url("news.category", slug=c.slug), "lastmod": None} for c in list_categories()]
    rows = db.session.execute(
        sa.select(Article.slug, Article.updated_at, Article.published_at).where(public_filter())
        .order_by(Article.published_at.desc()).limit(45_000)
    )
    for slug, updated, published in rows:
        entries.append({"loc": absolute_url("news.article", slug=slug), "lastmod": max(updated, published)})
    return entries


def article_dict(article: Article, full: bool = True) -> dict:
    from civic.core.timeutil import isoformat_local

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
    }
    if full:
        data["body"] = article.body_html
        data["album"] = [{"url": image_url(img, absolute=True), "caption": img.caption} for img in article.album]
    return data


def can_preview(user) -> bool:
    """Editors may open drafts and scheduled articles at their future address."""
    from civic.core.permissions import can_edit_news

    return can_edit_news(user)


def field_labels() -> dict[str, str]:
    return {
        "title": _("Title"), "summary": _("Summary"), "body_html": _("Body"), "category": _("Category"),
        "status": _("Status"), "publish_at": _("Publish at"), "byline": _("Byline"), "tags": _("Tags"),
        "slug": _("Address"), "pinned": _("Pinned"), "image": _("Picture"), "caption": _("Caption"),
    }


def status_labels() -> dict[str, str]:
    return {"draft": _("Draft"), "scheduled": _("Scheduled"), "published": _("Published")}


def image_kind_labels() -> dict[str, str]:
    return {"cover": _("Cover picture"), "album": _("Album picture")}


def history_value(name: str, value) -> str:
    """One recorded value as an editor reads it: Có/Không, status names, local times."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if name == "status":
        return status_labels().get(value, str(value))
    if name in {"publish_at", "published_at"} and isinstance(value, str):
        try:
            return format_datetime(datetime.fromisoformat(value))
        except ValueError:
            return value
    if isinstance(value, datetime):
        return format_datetime(value)
    if name == "image" and isinstance(value, str):
        kind, sep, rest = value.partition(": ")
        if sep and kind in image_kind_labels():
            return f"{image_kind_labels()[kind]}: {rest}"
    return str(value)


def history_entries(article: Article) -> list[dict]:
    """The article's revisions with labelled fields and formatted values, for the history page."""
    fields, actions = field_labels(), action_labels()
    return [
        {
            "action": actions.get(rev.action, rev.action), "created_at": rev.created_at, "user": rev.user,
            "rows": [
                {"field": fields.get(name, name), "old": history_value(name, change.get("old")),
                 "new": history_value(name, change.get("new"))}
                for name, change in sorted((rev.changes or {}).items())
            ],
        }
        for rev in article.revisions
    ]


def action_labels() -> dict[str, str]:
    return {
        "created": _("Created"), "edited": _("Edited"), "published": _("Published"),
        "scheduled": _("Scheduled"), "unpublished": _("Unpublished"), "pinned": _("Pinned"),
        "unpinned": _("Unpinned"), "image_added": _("Picture added"), "image_removed": _("Picture removed"),
    }


def month_label(year: int, month: int) -> str:
    return _("Month %(month)s/%(year)s", month=f"{month:02d}", year=year)


def local_now() -> datetime:
    return utcnow().astimezone(local_tz())
