"""API: reading is public; writing needs an editor's token; errors are JSON with a message."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from civic.core.timeutil import utcnow
from civic.extensions import db
from civic.news.models import Article


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def editor_headers(editor, api_token):
    return bearer(api_token(editor))


def article_count():
    return db.session.scalar(sa.select(sa.func.count()).select_from(Article))


def test_write_needs_a_token_and_the_editor_role(client, make_user, api_token, categories, make_article):
    article = make_article("Bài có sẵn")
    body = {"title": "Tin mới"}
    assert client.post("/api/v1/articles", json=body).status_code == 401
    assert client.post("/api/v1/articles", json=body, headers=bearer("civic_wrong")).status_code == 401
    resident = bearer(api_token(make_user(role="resident")))
    organizer = bearer(api_token(make_user(role="organizer")))
    for headers in (resident, organizer):
        response = client.post("/api/v1/articles", json=body, headers=headers)
        assert response.status_code == 403
        assert response.get_json()["error"]["message"]
        assert client.patch(f"/api/v1/articles/{article.slug}", json=body, headers=headers).status_code == 403
        assert client.delete(f"/api/v1/articles/{article.slug}", headers=headers).status_code == 403
    assert client.patch(f"/api/v1/articles/{article.slug}", json=body).status_code == 401
    assert client.delete(f"/api/v1/articles/{article.slug}").status_code == 401
    assert article_count() == 1


def test_editor_creates_reads_updates_and_deletes(client, editor_headers, categories, make_user, api_token):
    response = client.post("/api/v1/articles", headers=editor_headers, json={
        "title": "Phường tổ chức Hội nghị hiệp thương lần thứ nhất",
        "summary": "Chuẩn bị bầu cử đại biểu HĐND.",
        "body": "<p onclick='x'>Nội dung <script>alert(1)</script><strong>chính</strong></p>",
        "category": "bau-cu",
        "status": "published",
        "tags": ["bầu cử", "hiệp thương"],
    })
    assert response.status_code == 201, response.get_json()
    data = response.get_json()
    assert data["slug"] == "phuong-to-chuc-hoi-nghi-hiep-thuong-lan-thu-nhat"
    assert data["url"] == f"http://localhost/tin-tuc/{data['slug']}"
    assert response.headers["Location"] == data["url"]
    assert data["body"] == "<p>Nội dung <strong>chính</strong></p>"
    assert data["category"] == "bau-cu" and data["tags"] == ["bầu cử", "hiệp thương"]
    one = client.get(f"/api/v1/articles/{data['slug']}").get_json()
    assert one["url"] == data["url"] and one["title"].startswith("Phường")
    listing = client.get("/api/v1/articles", query_string={"category": "bau-cu"}).get_json()
    assert [a["url"] for a in listing["items"]] == [data["url"]]
    assert client.get("/api/v1/articles", query_string={"q": "hiep thuong"}).get_json()["total"] == 1
    patched = client.patch(f"/api/v1/articles/{data['slug']}", headers=editor_headers,
                           json={"summary": "Đã cập nhật", "slug": "hiep-thuong-lan-1"})
    assert patched.status_code == 200
    assert patched.get_json()["summary"] == "Đã cập nhật"
    assert patched.get_json()["title"] == "Phường tổ chức Hội nghị hiệp thương lần thứ nhất"
    moved = client.get(f"/api/v1/articles/{data['slug']}")
    assert moved.status_code == 301 and moved.headers["Location"].endswith("/api/v1/articles/hiep-thuong-lan-1")
    assert client.delete("/api/v1/articles/hiep-thuong-lan-1", headers=editor_headers).status_code == 204
    assert client.get("/api/v1/articles/hiep-thuong-lan-1").status_code == 404
    assert article_count() == 0


def test_default_category_and_scheduling(client, editor_headers, categories):
    at = (utcnow() + timedelta(days=1)).isoformat()
    response = client.post("/api/v1/articles", headers=editor_headers,
                           json={"title": "Lịch tiếp dân", "status": "scheduled", "publish_at": at})
    assert response.status_code == 201
    data = response.get_json()
    assert data["category"] == "tin-tuc-su-kien" and data["status"] == "scheduled" and data["publish_at"]
    assert client.get(f"/api/v1/articles/{data['slug']}").status_code == 404  # not public yet


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"title": ""}, 422),
        ({"title": "x" * 1000}, 422),
        ({"title": "<script>alert(1)</script>"}, 422),
        ({"title": 12}, 400),
        ({"title": "Tin", "tags": "not-a-list"}, 400),
        ({"title": "Tin", "status": "scheduled", "publish_at": "2020-01-01T00:00:00+07:00"}, 422),
        ({"title": "Tin", "status": "scheduled", "publish_at": "hôm qua"}, 400),
        ({"title": "Tin", "status": "scheduled"}, 422),
        ({"title": "Tin", "status": "deleted"}, 422),
        ({"title": "Tin", "category": "khong-ton-tai"}, 422),
        ({"title": "Tin", "is_admin": True}, 400),
    ],
)
def test_validation_errors_are_json_with_a_vietnamese_message(client, editor_headers, categories, body, status):
    response = client.post("/api/v1/articles", headers=editor_headers, json=body)
    assert response.status_code == status
    error = response.get_json()["error"]
    assert error["code"] == status and error["message"]
    assert article_count() == 0


def test_vietnamese_message(client, editor_headers, categories):
    response = client.post("/api/v1/articles", headers=editor_headers, json={"title": ""})
    assert response.get_json()["error"]["message"] == "Vui lòng nhập tiêu đề."


def test_malformed_json_and_slug_collision(client, editor_headers, categories):
    response = client.post("/api/v1/articles", headers={**editor_headers, "Content-Type": "application/json"},
                           data="{not json")
    assert response.status_code == 400 and response.get_json()["error"]["message"]
    client.post("/api/v1/articles", headers=editor_headers, json={"title": "Trùng", "status": "published"})
    clash = client.post("/api/v1/articles", headers=editor_headers, json={"title": "Khác", "slug": "trung"})
    assert clash.status_code == 409
    same_title = client.post("/api/v1/articles", headers=editor_headers, json={"title": "Trùng"})
    assert same_title.get_json()["slug"] == "trung-2"


def test_bad_page_and_unknown_category(client, categories):
    assert client.get("/api/v1/articles?page=abc").status_code == 400
    assert client.get("/api/v1/articles?page=0").status_code == 400
    assert client.get("/api/v1/articles?category=khong-co").status_code == 404


def test_openapi_documents_the_news_paths(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert {"get", "post"} <= set(doc["paths"]["/articles"])
    assert {"get", "patch", "delete"} <= set(doc["paths"]["/articles/{slug}"])
    assert "url" in doc["components"]["schemas"]["Article"]["required"]
