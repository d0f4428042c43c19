"""The edit history speaks Vietnamese: Có/Không, status names, local times, never raw values."""

from __future__ import annotations

from datetime import timedelta

from civic.core.timeutil import utcnow
from civic.news import services


def _history_html(client, article) -> str:
    page = client.get(f"/tin-tuc/quan-ly/{article.id}/lich-su")
    assert page.status_code == 200
    return page.get_data(as_text=True)


def test_history_shows_labels_not_raw_values(make_article, editor, login, client):
    article = make_article("Thông báo lịch cắt điện", status="draft")
    when = (utcnow() + timedelta(days=3)).replace(second=0, microsecond=0)
    services.update_article(article, services.article_input_from(article, status="scheduled", publish_at=when), editor)
    services.publish_article(article, editor)
    services.set_pinned(article, True, editor)
    login(editor)
    html = _history_html(client, article)
    for raw in ("False", "True", "published", "scheduled", "draft", when.isoformat()[:16]):
        assert f">{raw}" not in html and f"{raw}<" not in html, raw
    assert "Bản nháp" in html and "Hẹn giờ đăng" in html and "Đã đăng" in html
    assert ">Không<" in html and ">Có<" in html
    assert services.history_value("publish_at", when.isoformat()).count("/") == 2  # "Thứ …, dd/mm/yyyy, hh:mm"


def test_history_value_formats_each_kind_of_value(app):
    assert services.history_value("pinned", True) == "Có"
    assert services.history_value("pinned", False) == "Không"
    assert services.history_value("status", "published") == "Đã đăng"
    assert services.history_value("status", None) == "—"
    assert services.history_value("title", "Tiêu đề") == "Tiêu đề"
    assert services.history_value("image", "cover: Ảnh hội nghị") == "Ảnh đại diện: Ảnh hội nghị"
    assert services.history_value("publish_at", "2021-05-23T00:00:00+00:00").endswith(", 23/05/2021, 07:00")
    assert services.history_value("publish_at", "not a date") == "not a date"
