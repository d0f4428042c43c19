"""Uploads: type by content, size limit with a message, bomb guard, EXIF stripped, variants, safe serving."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from civic.extensions import db
from civic.news import services
from civic.news.services import NewsError
from tests.conftest import get_csrf


@pytest.fixture
def app_config():
    return {"CIVIC_MAX_IMAGE_BYTES": 300_000}


def test_upload_makes_stripped_variants(make_article, editor, jpeg_bytes, client, app):
    article = make_article("Có ảnh")
    image = services.add_image(article, jpeg_bytes(), "cover", "Toàn cảnh <b>hội nghị</b>", editor)
    assert image.caption == "Toàn cảnh hội nghị"
    for variant, width in (("thumb", 400), ("content", 1200)):
        for fmt, pil in (("jpg", "JPEG"), ("webp", "WEBP")):
            response = client.get(f"/media/{image.path(variant, fmt)}")
            assert response.status_code == 200
            served = Image.open(io.BytesIO(response.data))
            assert served.format == pil
            assert served.width == width
            assert not served.getexif(), "EXIF must be stripped"
            assert b"SecretCam" not in response.data
    html = client.get(f"/tin-tuc/{article.slug}").get_data(as_text=True)
    assert f'content="http://localhost/media/{image.path("content", "jpg")}"' in html  # og:image, absolute


def test_png_with_transparency_and_gif_are_accepted(make_article, editor):
    article = make_article("PNG")
    for fmt in ("PNG", "GIF", "WEBP"):
        out = io.BytesIO()
        Image.new("RGBA", (50, 40), (0, 0, 255, 100)).save(out, fmt)
        services.add_image(article, out.getvalue(), "album", fmt, editor)
    assert [img.caption for img in article.album] == ["PNG", "GIF", "WEBP"]


@pytest.mark.parametrize(
    "payload",
    [
        b"",
        b"GIF89a<script>alert(1)</script>",
        b"<?php echo 1; ?>",
        b"\xff\xd8\xff\xe0" + b"\x00" * 100,  # a JPEG header and nothing else
        b"%PDF-1.4 not a picture",
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>',
    ],
)
def test_fake_or_broken_images_are_refused(make_article, editor, payload):
    article = make_article("Ảnh giả")
    with pytest.raises(NewsError) as info:
        services.add_image(article, payload, "album", "", editor)
    assert info.value.status == 400 and str(info.value)
    assert article.images == []


def test_bmp_and_tiff_are_refused(make_article, editor):
    article = make_article("BMP")
    for fmt in ("BMP", "TIFF"):
        out = io.BytesIO()
        Image.new("RGB", (10, 10)).save(out, fmt)
        with pytest.raises(NewsError):
            services.add_image(article, out.getvalue(), "album", "", editor)


def test_oversized_file_gets_a_message(make_article, editor):
    article = make_article("Ảnh to")
    big = io.BytesIO()
    Image.effect_noise((900, 900), 80).convert("RGB").save(big, "PNG")
    assert len(big.getvalue()) > 300_000
    with pytest.raises(NewsError) as info:
        services.add_image(article, big.getvalue(), "album", "", editor)
    assert "MB" in str(info.value)


def test_decompression_bomb_is_refused(make_article, editor):
    article = make_article("Bom")
    out = io.BytesIO()
    Image.new("1", (12_000, 12_000)).save(out, "PNG")  # 144 megapixels, a few kB on disk
    assert len(out.getvalue()) < 300_000
    with pytest.raises(NewsError):
        services.add_image(article, out.getvalue(), "album", "", editor)


def test_upload_page_rejects_fake_image_with_vietnamese_message(make_article, editor, login, client, app):
    article = make_article("Upload")
    login(editor)
    token = get_csrf(client, f"/tin-tuc/quan-ly/{article.id}/sua")
    response = client.post(
        f"/tin-tuc/quan-ly/{article.id}/anh",
        data={"csrf_token": token, "images": [(io.BytesIO(b"not an image"), "anh.jpg")], "caption": ""},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "anh.jpg" in response.get_data(as_text=True)
    db.session.refresh(article)
    assert article.images == []


@pytest.mark.parametrize("path", ["../secret_key", "news/../../secret_key", "%2e%2e/secret_key", "/etc/passwd",
                                  "news/x.php", "news/2021/01/missing-thumb.jpg", "civic.sqlite3"])
def test_media_route_refuses_traversal_and_unknown_files(client, app, path):
    assert client.get(f"/media/{path}", follow_redirects=True).status_code == 404
