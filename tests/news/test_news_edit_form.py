"""The editor's form shows what the article has: the cover's caption and photo, tags in the typed order."""

from __future__ import annotations

import io
import re

from civic.extensions import db
from civic.news import services
from civic.news.models import Article
from tests.conftest import submit_form


def _caption_value(html: str) -> str | None:
    match = re.search(r'<input[^>]*name="cover_caption"[^>]*>', html)
    assert match, "no cover caption field"
    value = re.search(r'value="([^"]*)"', match.group(0))
    return value.group(1) if value else None


def test_edit_form_shows_the_cover_caption(make_article, editor, jpeg_bytes, login, client):
    article = make_article("Ra quân vệ sinh môi trường")
    services.add_image(article, jpeg_bytes(), "cover", "Người dân dọn ngõ xóm", editor)
    login(editor)
    html = client.get(f"/tin-tuc/quan-ly/{article.id}/sua").get_data(as_text=True)
    assert _caption_value(html) == "Người dân dọn ngõ xóm"


def test_changing_only_the_caption_keeps_the_cover_and_saves_the_caption(make_article, editor, jpeg_bytes,
                                                                         login, client):
    article = make_article("Ra quân vệ sinh môi trường")
    cover = services.add_image(article, jpeg_bytes(), "cover", "Chú thích cũ", editor)
    login(editor)
    url = f"/tin-tuc/quan-ly/{article.id}/sua"
    response = submit_form(client, url, {
        "title": article.title, "summary": "", "body": "<p>Nội dung</p>", "body_format": "html",
        "category": article.category.slug, "status": "published", "tags": "", "byline": "Ban biên tập",
        "slug": article.slug, "cover_caption": "Chú thích mới",
    })
    assert response.status_code == 302
    db.session.expire_all()
    stored = db.session.get(Article, article.id)
    assert stored.cover.id == cover.id
    assert stored.cover.caption == "Chú thích mới"


def test_page_after_creating_with_a_photo_shows_its_thumbnail_at_once(editor, jpeg_bytes, login, client, categories):
    """The edit page the editor lands on after saving: the thumbnail must load without scrolling
    (a lazy image below the first screen stayed blank until a later visit)."""
    login(editor)
    response = submit_form(client, "/tin-tuc/quan-ly/moi", {
        "title": "Ra quân vệ sinh môi trường", "summary": "", "body": "<p>Nội dung</p>", "body_format": "html",
        "category": "hoat-dong-to-dan-pho", "status": "published", "tags": "", "byline": "Ban biên tập",
        "cover": (io.BytesIO(jpeg_bytes()), "ve-sinh.jpg"), "cover_caption": "Người dân dọn ngõ xóm",
    }, content_type="multipart/form-data", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "Đã lưu bài viết." in html
    cover = re.search(r'<div class="news-edit-cover">(.*?)</div>', html, re.S)
    assert cover, "no thumbnail on the page after saving"
    img = re.search(r"<img[^>]*>", cover.group(1)).group(0)
    assert 'loading="lazy"' not in img
    assert client.get(re.search(r'src="([^"]+)"', img).group(1)).status_code == 200


def test_tags_keep_the_order_the_editor_typed(make_article, editor, login, client):
    article = make_article("Ra quân vệ sinh môi trường", tags="vệ sinh môi trường, Tết")
    db.session.expire_all()
    assert [t.name for t in db.session.get(Article, article.id).tags] == ["vệ sinh môi trường", "Tết"]
    login(editor)
    html = client.get(f"/tin-tuc/quan-ly/{article.id}/sua").get_data(as_text=True)
    assert 'value="vệ sinh môi trường, Tết"' in html
    public = client.get(f"/tin-tuc/{article.slug}").get_data(as_text=True)
    assert public.index("vệ sinh môi trường</a>") < public.index("Tết</a>")
    # Reordering alone is an edit too.
    services.update_article(article, services.ArticleInput(
        title=article.title, body=article.body_html, category=article.category.slug, status=article.status,
        tags="Tết, vệ sinh môi trường, Ngõ xóm"), editor)
    db.session.expire_all()
    assert [t.name for t in db.session.get(Article, article.id).tags] == ["Tết", "vệ sinh môi trường", "Ngõ xóm"]
