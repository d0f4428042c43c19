"""Uploaded pictures: checked by content, size-limited, EXIF stripped, resized variants."""

from __future__ import annotations

import io
import secrets
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import current_app
from flask_babel import gettext as _

from civic.core.timeutil import utcnow
from civic.news.storage import get_storage

if TYPE_CHECKING:
    from PIL import Image

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
MAX_PIXELS = 40_000_000  # decompression-bomb guard: ~40 megapixels
VARIANTS = {"thumb": 400, "content": 1200}
FORMATS = {"jpg": "JPEG", "webp": "WEBP"}


class ImageError(ValueError):
    """``str()`` is a translated message for the uploader."""


@dataclass
class StoredImage:
    key: str
    width: int
    height: int


def _open_checked(data: bytes) -> Image.Image:
    from PIL import Image  # defers Pillow (~3 MB) to image uploads

    limit = current_app.config.get("CIVIC_MAX_IMAGE_BYTES", 8 * 1024 * 1024)
    if not data:
        raise ImageError(_("The file is empty."))
    if len(data) > limit:
        raise ImageError(
            _("The picture is too large (%(size)s MB); the limit is %(limit)s MB.",
              size=f"{len(data) / 1048576:.1f}", limit=f"{limit / 1048576:.0f}")
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data))
            if probe.format not in ALLOWED_FORMATS:
                raise ImageError(_("This is not a picture we accept: use JPEG, PNG, WebP or GIF."))
            if probe.width * probe.height > MAX_PIXELS:
                raise ImageError(_("The picture's dimensions are too large."))
            probe.verify()
            image = Image.open(io.BytesIO(data))
            image.load()
    except ImageError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageError(_("The picture's dimensions are too large.")) from exc
    except Exception as exc:  # noqa: BLE001 - Pillow raises many types for damaged files
        raise ImageError(_("This file is not a valid picture (JPEG, PNG, WebP or GIF).")) from exc
    return image


def process_upload(data: bytes) -> StoredImage:
    """Check ``data`` and store its variants; returns the storage key (without suffix)."""
    from PIL import Image, ImageOps  # defers Pillow (~3 MB) to image uploads

    image = _open_checked(data)
    image = ImageOps.exif_transpose(image)  # keep the orientation EXIF described, then drop EXIF
    if image.mode not in ("RGB",):
        background = Image.new("RGB", image.size, (255, 255, 255))
        rgba = image.convert("RGBA")
        background.paste(rgba, mask=rgba.split()[-1])
        image = background
    now = utcnow()
    key = f"news/{now:%Y/%m}/{secrets.token_hex(8)}"
    storage = get_storage()
    for variant, width in VARIANTS.items():
        copy = image.copy()
        copy.info = {}  # no EXIF, ICC, XMP or comments in what we serve
        if copy.width > width:
            copy.thumbnail((width, width * 4), Image.Resampling.LANCZOS)
        for ext, fmt in FORMATS.items():
            out = io.BytesIO()
            copy.save(out, fmt, quality=82, optimize=fmt == "JPEG")
            storage.save(f"{key}-{variant}.{ext}", out.getvalue())
    return StoredImage(key=key, width=image.width, height=image.height)


def delete_variants(key: str) -> None:
    storage = get_storage()
    for variant in VARIANTS:
        for ext in FORMATS:
            storage.delete(f"{key}-{variant}.{ext}")
