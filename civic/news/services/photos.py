"""An article's pictures: the cover, the album, their captions, and their addresses."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _

from civic.core.db import after_commit, announce, transaction
from civic.core.urls import absolute_url
from civic.news import images as image_service
from civic.news.models import Article, ArticleImage, ImageKind, RevisionAction
from civic.news.services.errors import CAPTION_MAX, NewsError
from civic.news.services.history import record_revision
from civic.news.services.sanitize import plain_line
from civic.news.signals import article_changed


def _checked_caption(caption: str) -> str:
    caption = plain_line(caption)
    if len(caption) > CAPTION_MAX:
        raise NewsError(_("The caption must be at most %(max)s characters.", max=CAPTION_MAX), "caption")
    return caption


def article_image(article: Article, image_id: int) -> ArticleImage:
    """One of the article's pictures; another article's (or none) is a 404 NewsError."""
    image = next((img for img in article.images if img.id == image_id), None)
    if image is None:
        raise NewsError(_("This picture does not belong to the article."), "image", 404)
    return image


def _place(article: Article, kind: str) -> tuple[ImageKind, int]:
    """Where a new picture goes: a new cover replaces the old (its files go after the commit)."""
    if kind == ImageKind.COVER:
        for img in list(article.images):
            if img.kind == ImageKind.COVER:
                article.images.remove(img)
                after_commit(image_service.delete_variants, img.key)
        return ImageKind.COVER, 0
    return ImageKind.ALBUM, 1 + max((img.position for img in article.images if img.kind == ImageKind.ALBUM),
                                    default=0)


def add_image(article: Article, data: bytes, kind: str, caption: str, user) -> ArticleImage:
    """Store an uploaded picture as the cover (replacing the old one) or in the album."""
    caption = _checked_caption(caption)
    try:
        stored = image_service.process_upload(data)
    except image_service.ImageError as exc:
        raise NewsError(str(exc), "image", 400) from exc
    try:
        with transaction():
            kind, position = _place(article, kind)
            image = ArticleImage(kind=kind.value, caption=caption, key=stored.key, width=stored.width,
                                 height=stored.height, position=position)
            article.images.append(image)
            changes = {"image": (None, f"{kind}: {caption or stored.key}")}
            record_revision(article, user, RevisionAction.IMAGE_ADDED, changes)
            announce(article_changed, article=article, changes=changes)
    except Exception:
        image_service.delete_variants(stored.key)  # nothing refers to the new files
        raise
    return image


UPLOAD_BATCH_MAX = 20  # pictures taken from one upload; the rest are left out


def add_images(article: Article, uploads, kind: str, caption: str, user) -> tuple[list[ArticleImage], list]:
    """Add the first UPLOAD_BATCH_MAX ``uploads`` (objects with ``filename`` and ``read()``), each
    checked on its own: returns the stored pictures and ``(filename, reason)`` for each refused one."""
    uploads = [u for u in uploads or [] if u is not None and getattr(u, "filename", "")]
    if not uploads:
        raise NewsError(_("Choose at least one picture."), "images", 400)
    caption = _checked_caption(caption)
    added, refused = [], []
    for upload in uploads[:UPLOAD_BATCH_MAX]:
        try:
            added.append(add_image(article, upload.read(), kind, caption, user))
        except NewsError as exc:
            refused.append((upload.filename, str(exc)))
    return added, refused


def image_dict(image: ArticleImage) -> dict:
    """A picture as the API shows it."""
    return {
        "id": image.id,
        "kind": image.kind,
        "caption": image.caption,
        "position": image.position,
        "width": image.width,
        "height": image.height,
        "url": image_url(image, absolute=True),
        "thumb_url": image_url(image, "thumb", absolute=True),
    }


def remove_image(article: Article, image_id: int, user) -> None:
    image = article_image(article, image_id)
    with transaction():
        article.images.remove(image)
        changes = {"image": (f"{image.kind}: {image.caption or image.key}", None)}
        record_revision(article, user, RevisionAction.IMAGE_REMOVED, changes)
        after_commit(image_service.delete_variants, image.key)
        announce(article_changed, article=article, changes=changes)


def update_caption(article: Article, image_id: int, caption: str, user) -> None:
    image = article_image(article, image_id)
    caption = _checked_caption(caption)
    if caption == image.caption:
        return
    with transaction():
        changes = {"caption": (image.caption, caption)}
        record_revision(article, user, RevisionAction.EDITED, changes)
        image.caption = caption
        announce(article_changed, article=article, changes=changes)


def image_url(image: ArticleImage, variant: str = "content", fmt: str = "jpg", absolute: bool = False) -> str:
    if absolute:
        return absolute_url("portal.media", key=image.path(variant, fmt))
    return url_for("portal.media", key=image.path(variant, fmt))
