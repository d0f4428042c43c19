"""The editors' news API: categories, publishing, pinning and pictures, through the pages' services."""

from __future__ import annotations

import html
import io

import pytest
import sqlalchemy as sa

from civic.extensions import db
from civic.news import services
from civic.news.models import Article, ArticleImage, ArticleRevision, Category
from tests.conftest import submit_form


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def editor_headers(editor, api_token):
    return bearer(api_token(editor))


@pytest.fixture
def resident_headers(make_user, api_token):
    return bearer(api_token(make_user(role="resident")))


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def fresh(article: Article) -> Article:
    db.session.expire_all()
    return db.session.get(Article, article.id)


def error_of(response) -> str:
    body = response.get_json()
    assert body and body["error"]["message"], response.get_data(as_text=True)[:300]
    return body["error"]["message"]


# ----------------------------------------------------------------------------- categories


def test_categories_list_and_add(client, editor_headers, categories):
    listed = client.get("/api/v1/categories").get_json()["items"]
    assert [c["slug"] for c in listed] == [slug for _name, slug in services.DEFAULT_CATEGORIES]
    response = client.post("/api/v1/categories", headers=editor_headers,
                           json={"name": "Văn hóa – Thể thao", "description": "Hoạt động phong trào"})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["slug"] == "van-hoa-the-thao"
    stored = services.get_category("van-hoa-the-thao")
    assert stored.name == "Văn hóa – Thể thao" and stored.description == "Hoạt động phong trào"
    assert stored.position > max(c.position for c in categories)


def test_first_category_on_a_fresh_database_comes_after_the_standard_four(client, editor_headers):
    assert count(Category) == 0
    assert client.post("/api/v1/categories", headers=editor_headers, json={"name": "Y tế"}).status_code == 201
    assert [c.slug for c in services.list_categories()][-1] == "y-te"
    assert count(Category) == len(services.DEFAULT_CATEGORIES) + 1


def test_category_bad_input_writes_nothing(client, editor_headers, resident_headers, categories):
    before = count(Category)
    assert client.post("/api/v1/categories", json={"name": "Y tế"}).status_code == 401
    assert client.post("/api/v1/categories", headers=resident_headers, json={"name": "Y tế"}).status_code == 403
    wrong_type = client.post("/api/v1/categories", headers=editor_headers, json={"name": 5})
    assert wrong_type.status_code == 400 and "name" in error_of(wrong_type)
    missing = client.post("/api/v1/categories", headers=editor_headers, json={"description": "x"})
    assert missing.status_code == 422 and error_of(missing)
    too_long = client.post("/api/v1/categories", headers=editor_headers, json={"name": "a" * 121})
    assert too_long.status_code == 422
    taken = client.post("/api/v1/categories", headers=editor_headers, json={"name": "Thông báo"})
    assert taken.status_code == 409 and error_of(taken)
    assert client.post("/api/v1/categories", headers=editor_headers, data="[1]",
                       content_type="application/json").status_code == 400
    assert count(Category) == before


# ----------------------------------------------------------------------------- publishing and pinning


def test_publish_and_unpublish(client, editor_headers, make_article):
    article = make_article("Họp tổ dân phố số 3", status="draft")
    assert client.get(f"/api/v1/articles/{article.slug}").status_code == 404
    response = client.post(f"/api/v1/articles/{article.slug}/publish", headers=editor_headers)
    assert response.status_code == 200 and response.get_json()["status"] == "published"
    assert fresh(article).is_public and fresh(article).published_at is not None
    assert client.get(f"/api/v1/articles/{article.slug}").status_code == 200
    client.post(f"/api/v1/articles/{article.slug}/pin", headers=editor_headers, json={"pinned": True})
    response = client.post(f"/api/v1/articles/{article.slug}/unpublish", headers=editor_headers)
    assert response.status_code == 200 and response.get_json()["status"] == "draft"
    stored = fresh(article)
    assert stored.status == "draft" and not stored.pinned  # taking it down unpins it, as on the page
    actions = [r.action for r in db.session.scalars(
        sa.select(ArticleRevision).where(ArticleRevision.article_id == article.id).order_by(ArticleRevision.id))]
    assert actions[-3:] == ["published", "pinned", "unpublished"]


def test_workflow_needs_an_editor_and_a_known_article(client, editor_headers, resident_headers, make_user, api_token,
                                                      make_article):
    article = make_article("Bài nháp", status="draft")
    organizer = bearer(api_token(make_user(role="organizer")))
    for action in ("publish", "unpublish", "pin"):
        url = f"/api/v1/articles/{article.slug}/{action}"
        assert client.post(url, json={"pinned": True}).status_code == 401
        assert client.post(url, headers=resident_headers, json={"pinned": True}).status_code == 403
        assert client.post(url, headers=organizer, json={"pinned": True}).status_code == 403
        missing = client.post(f"/api/v1/articles/khong-co-bai-nay/{action}", headers=editor_headers,
                              json={"pinned": True})
        assert missing.status_code == 404 and error_of(missing)
    assert fresh(article).status == "draft"


def test_pin_and_unpin(client, editor_headers, make_article):
    article = make_article("Thông báo lịch tiêm chủng")
    response = client.post(f"/api/v1/articles/{article.slug}/pin", headers=editor_headers, json={"pinned": True})
    assert response.status_code == 200 and response.get_json()["pinned"] is True
    assert fresh(article).pinned and fresh(article).pinned_at is not None
    response = client.post(f"/api/v1/articles/{article.slug}/pin", headers=editor_headers, json={"pinned": False})
    assert response.status_code == 200 and not fresh(article).pinned


@pytest.mark.parametrize("body", [{}, {"pinned": "true"}, {"pinned": 1}, {"pinned": None}])
def test_pin_needs_a_boolean(client, editor_headers, make_article, body):
    article = make_article("Tin có sẵn")
    response = client.post(f"/api/v1/articles/{article.slug}/pin", headers=editor_headers, json=body)
    assert response.status_code == 400 and "pinned" in error_of(response)
    assert not fresh(article).pinned


def test_page_and_api_refuse_to_pin_a_draft_with_the_same_message(client, editor, editor_headers, make_article,
                                                                  login):
    article = make_article("Bản nháp chưa đăng", status="draft")
    api = client.post(f"/api/v1/articles/{article.slug}/pin", headers=editor_headers, json={"pinned": True})
    assert api.status_code == 409
    message = error_of(api)
    login(editor)
    page = submit_form(client, f"/tin-tuc/quan-ly/{article.id}/sua", {"pinned": "1"},
                       action=f"/tin-tuc/quan-ly/{article.id}/ghim", follow_redirects=True)
    assert message in html.unescape(page.get_data(as_text=True))
    assert not fresh(article).pinned


# ----------------------------------------------------------------------------- pictures


def _upload(client, slug, headers, files, **fields):
    data = {**fields, "images": [(io.BytesIO(content), name) for name, content in files]}
    return client.post(f"/api/v1/articles/{slug}/images", headers=headers, data=data,
                       content_type="multipart/form-data")


def test_upload_album_pictures_and_a_cover(client, editor_headers, make_article, jpeg_bytes):
    article = make_article("Ngày hội đại đoàn kết")
    response = _upload(client, article.slug, editor_headers, [("a.jpg", jpeg_bytes()), ("b.jpg", jpeg_bytes())],
                       caption="Toàn cảnh <b>ngày hội</b>")
    assert response.status_code == 201, response.get_json()
    added = response.get_json()["added"]
    assert [img["kind"] for img in added] == ["album", "album"] and response.get_json()["refused"] == []
    stored = fresh(article)
    assert [(img.kind, img.caption) for img in stored.album] == [("album", "Toàn cảnh ngày hội")] * 2
    assert client.get(added[0]["url"].replace("http://localhost", "")).status_code == 200
    cover = _upload(client, article.slug, editor_headers, [("c.jpg", jpeg_bytes())], kind="cover", caption="Bìa")
    assert cover.status_code == 201
    again = _upload(client, article.slug, editor_headers, [("d.jpg", jpeg_bytes())], kind="cover")
    assert again.status_code == 201
    stored = fresh(article)
    assert stored.cover.id == again.get_json()["added"][0]["id"]  # the new cover replaced the old one
    assert count(ArticleImage) == 3


def test_upload_keeps_the_good_files_and_says_why_the_others_were_refused(client, editor_headers, make_article,
                                                                          jpeg_bytes):
    article = make_article("Tin có ảnh")
    response = _upload(client, article.slug, editor_headers, [("ok.jpg", jpeg_bytes()), ("x.png", b"not a picture")])
    assert response.status_code == 201
    refused = response.get_json()["refused"]
    assert [r["file"] for r in refused] == ["x.png"] and refused[0]["message"]
    assert len(fresh(article).album) == 1


def test_upload_bad_input_writes_nothing(app, client, editor_headers, resident_headers, make_article, jpeg_bytes):
    article = make_article("Tin chưa có ảnh")
    only_bad = _upload(client, article.slug, editor_headers, [("x.png", b"not a picture")])
    assert only_bad.status_code == 422 and "x.png" in error_of(only_bad)
    app.config["CIVIC_MAX_IMAGE_BYTES"] = 1000  # the page's size limit applies to the API too
    too_big = _upload(client, article.slug, editor_headers, [("big.jpg", jpeg_bytes())])
    assert too_big.status_code == 422 and "MB" in error_of(too_big)
    app.config["CIVIC_MAX_IMAGE_BYTES"] = 8 * 1024 * 1024
    nothing = client.post(f"/api/v1/articles/{article.slug}/images", headers=editor_headers, data={},
                          content_type="multipart/form-data")
    assert nothing.status_code == 400 and error_of(nothing)
    as_json = client.post(f"/api/v1/articles/{article.slug}/images", headers=editor_headers, json={"images": []})
    assert as_json.status_code == 400
    long_caption = _upload(client, article.slug, editor_headers, [("a.jpg", jpeg_bytes())], caption="x" * 301)
    assert long_caption.status_code == 422 and error_of(long_caption)
    bad_kind = _upload(client, article.slug, editor_headers, [("a.jpg", jpeg_bytes())], kind="banner")
    assert bad_kind.status_code == 422
    two_covers = _upload(client, article.slug, editor_headers, [("a.jpg", jpeg_bytes()), ("b.jpg", jpeg_bytes())],
                         kind="cover")
    assert two_covers.status_code == 422
    assert _upload(client, article.slug, {}, [("a.jpg", jpeg_bytes())]).status_code == 401
    assert _upload(client, article.slug, resident_headers, [("a.jpg", jpeg_bytes())]).status_code == 403
    assert _upload(client, "khong-co-bai-nay", editor_headers, [("a.jpg", jpeg_bytes())]).status_code == 404
    assert count(ArticleImage) == 0


def test_change_a_caption_and_remove_a_picture(client, editor, editor_headers, make_article, jpeg_bytes):
    article = make_article("Tin ảnh")
    image = services.add_image(article, jpeg_bytes(), "album", "Cũ", editor)
    url = f"/api/v1/articles/{article.slug}/images/{image.id}"
    response = client.patch(url, headers=editor_headers, json={"caption": "Lễ ra quân"})
    assert response.status_code == 200 and response.get_json()["caption"] == "Lễ ra quân"
    assert db.session.get(ArticleImage, image.id).caption == "Lễ ra quân"
    assert client.delete(url, headers=editor_headers).status_code == 204
    assert db.session.get(ArticleImage, image.id) is None
    assert client.delete(url, headers=editor_headers).status_code == 404


def test_caption_bad_input_changes_nothing(client, editor, editor_headers, resident_headers, make_article,
                                           jpeg_bytes):
    article = make_article("Tin ảnh")
    other = make_article("Tin khác")
    image = services.add_image(article, jpeg_bytes(), "album", "Cũ", editor)
    url = f"/api/v1/articles/{article.slug}/images/{image.id}"
    for body, status in (({"caption": 5}, 400), ({"caption": "x" * 301}, 422), ({"alt": "x"}, 400)):
        response = client.patch(url, headers=editor_headers, json=body)
        assert response.status_code == status and error_of(response)
    assert client.patch(url, json={"caption": "Mới"}).status_code == 401
    assert client.patch(url, headers=resident_headers, json={"caption": "Mới"}).status_code == 403
    assert client.delete(url, headers=resident_headers).status_code == 403
    not_its = f"/api/v1/articles/{other.slug}/images/{image.id}"
    assert client.patch(not_its, headers=editor_headers, json={"caption": "Mới"}).status_code == 404
    assert client.delete(not_its, headers=editor_headers).status_code == 404
    assert client.patch(f"/api/v1/articles/{article.slug}/images/987654", headers=editor_headers,
                        json={"caption": "Mới"}).status_code == 404
    assert db.session.get(ArticleImage, image.id).caption == "Cũ"


# ----------------------------------------------------------------------------- articles as the form writes them


def test_api_article_writes_what_the_form_can(client, editor_headers):
    """A Markdown body and a new address from the title, as the edit form allows; and the default
    category exists on a fresh database for the API as for the page."""
    response = client.post("/api/v1/articles", headers=editor_headers, json={
        "title": "Lịch tiếp dân tháng 3", "body": "**Sáng thứ Năm** tại trụ sở", "body_format": "markdown"})
    assert response.status_code == 201, response.get_json()
    data = response.get_json()
    assert data["category"] == services.DEFAULT_CATEGORY_SLUG
    assert data["body"] == "<p><strong>Sáng thứ Năm</strong> tại trụ sở</p>"
    patched = client.patch(f"/api/v1/articles/{data['slug']}", headers=editor_headers,
                           json={"title": "Lịch tiếp công dân tháng 3", "slug": data["slug"], "regenerate_slug": True})
    assert patched.status_code == 200
    assert patched.get_json()["slug"] == "lich-tiep-cong-dan-thang-3"
    assert client.get(f"/api/v1/articles/{data['slug']}").status_code == 404  # a draft: the public API hides it
    # Only a body given with it is read as Markdown; the stored HTML body is never re-read.
    kept = client.patch("/api/v1/articles/lich-tiep-cong-dan-thang-3", headers=editor_headers,
                        json={"body_format": "markdown", "summary": "Tóm tắt"})
    assert kept.get_json()["body"] == data["body"]
    for body in ({"regenerate_slug": "yes"}, {"body_format": 1}):
        assert client.patch("/api/v1/articles/lich-tiep-cong-dan-thang-3", headers=editor_headers,
                            json=body).status_code == 400
    wrong_format = client.patch("/api/v1/articles/lich-tiep-cong-dan-thang-3", headers=editor_headers,
                                json={"body": "x", "body_format": "docx"})
    assert wrong_format.status_code == 422 and error_of(wrong_format)
