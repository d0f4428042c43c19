"""Helpers for the news tests."""

from __future__ import annotations

import io

import pytest


@pytest.fixture
def editor(make_user):
    return make_user(role="editor", full_name="Trần Thị Biên Tập")


@pytest.fixture
def categories(app):
    from civic.extensions import db
    from civic.news.services import ensure_default_categories

    result = ensure_default_categories()
    db.session.commit()
    return result


@pytest.fixture
def make_article(app, editor, categories):
    """make_article(title=..., status="published", **fields) -> Article via the real service."""
    from civic.news.services import ArticleInput, create_article

    def _make(title="Phường tổ chức hội nghị triển khai công tác năm 2021", user=None, **fields):
        fields.setdefault("status", "published")
        return create_article(ArticleInput(title=title, **fields), user or editor)

    return _make


def _jpeg_bytes(size=(1600, 900), color=(200, 30, 30), exif=True) -> bytes:
    from PIL import Image

    image = Image.new("RGB", size, color)
    out = io.BytesIO()
    if exif:
        data = Image.Exif()
        data[0x010F] = "SecretCam"  # Make
        data[0x8825] = {2: (21.0, 2.0, 3.0)}  # GPS latitude
        image.save(out, "JPEG", exif=data.tobytes())
    else:
        image.save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def jpeg_bytes():
    return _jpeg_bytes
