"""Drafts, scheduling, publishing by the worker, pinning, unpublishing, history, slugs."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from civic.core.timeutil import utcnow
from civic.extensions import db
from civic.news import services
from civic.news.models import Article, ArticleRevision
from civic.news.services import NewsError
from tests.conftest import submit_form


def count_articles() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Article))


def test_vietnamese_title_gives_ascii_slug(make_article):
    article = make_article("Phường Vĩnh Phúc tổ chức hội nghị về Đường Đội Cấn")
    assert article.slug == "phuong-vinh-phuc-to-chuc-hoi-nghi-ve-duong-doi-can"


def test_slug_collisions_get_suffixes_and_reserved_words_are_avoided(make_article):
    first = make_article("Thông báo lịch tiếp dân")
    second = make_article("Thông báo lịch tiếp dân")
    third = make_article("Thông báo: lịch tiếp dân!")
    assert (first.slug, second.slug, third.slug) == (
        "thong-bao-lich-tiep-dan", "thong-bao-lich-tiep-dan-2", "thong-bao-lich-tiep-dan-3")
    assert make_article("Tìm kiếm").slug == "tim-kiem-2"


def test_slug_is_stable_on_title_edit_and_old_slug_redirects(make_article, editor, client):
    article = make_article("Hội nghị tổng kết năm 2020")
    old = article.slug
    services.update_article(article, services.article_input_from(article, title="Hội nghị tổng kết công tác 2020"),
                            editor)
    assert article.slug == old
    services.update_article(article, services.article_input_from(article, regenerate_slug=True), editor)
    assert article.slug == "hoi-nghi-tong-ket-cong-tac-2020"
    response = client.get(f"/tin-tuc/{old}")
    assert response.status_code == 301
    assert response.headers["Location"].endswith("/tin-tuc/hoi-nghi-tong-ket-cong-tac-2020")
    # The old slug stays reserved for this article.
    assert make_article("Hội nghị tổng kết năm 2020").slug == "hoi-nghi-tong-ket-nam-2020-2"


def test_explicit_slug_collision_is_refused(make_article, editor):
    make_article("Bài một")
    other = make_article("Bài hai")
    with pytest.raises(NewsError) as info:
        services.update_article(other, services.article_input_from(other, slug="bai-mot"), editor)
    assert info.value.status == 409
    assert "Đường dẫn" in str(info.value)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "<script>alert(1)</script>"}, "title"),
        ({"title": "Đ" * 1000}, "title"),
        ({"status": "scheduled"}, "publish_at"),
        ({"status": "scheduled", "publish_at": "2020-01-01T08:00"}, "publish_at"),
        ({"status": "scheduled", "publish_at": "ngày mai"}, "publish_at"),
        ({"status": "scheduled", "publish_at": "2021-02-30T08:00"}, "publish_at"),
        ({"status": "archived"}, "status"),
        ({"category": "khong-co"}, "category"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(make_article, fields, field):
    before = count_articles()
    with pytest.raises(NewsError) as info:
        make_article(**{"title": "Tiêu đề hợp lệ", **fields})
    assert info.value.field == field
    assert str(info.value)
    assert count_articles() == before


def test_script_in_text_fields_is_never_stored(make_article):
    article = make_article(
        title="Thông báo <img src=x onerror=alert(1)>mới",
        summary="<script>alert(1)</script>Tóm tắt",
        body="<p>Nội dung<script>alert(2)</script></p>",
        tags=["<b>bầu cử</b>", "<script>x</script>"],
        byline="<i onclick=1>Ban biên tập</i>",
    )
    db.session.expire_all()
    stored = db.session.get(Article, article.id)
    blob = " ".join([stored.title, stored.summary, stored.body_html, stored.byline] + [t.name for t in stored.tags])
    assert "<script" not in blob and "onerror" not in blob and "onclick" not in blob and "alert" not in blob
    assert stored.title == "Thông báo mới"


def test_draft_is_hidden_from_residents(make_article, client):
    draft = make_article("Bản nháp chưa đăng", status="draft")
    assert client.get(f"/tin-tuc/{draft.slug}").status_code == 404
    assert "Bản nháp chưa đăng" not in client.get("/tin-tuc/").get_data(as_text=True)
    assert client.get(f"/api/v1/articles/{draft.slug}").status_code == 404


def test_scheduled_article_is_published_by_the_worker_at_its_time(make_article, client):
    at = utcnow() + timedelta(hours=2)
    article = make_article("Thông báo lịch bầu cử", status="scheduled", publish_at=at.isoformat())
    assert article.status == "scheduled"
    # Before its time: neither the worker nor a page view publishes it.
    assert services.publish_due_articles(now=at - timedelta(minutes=1)) == []
    assert client.get(f"/tin-tuc/{article.slug}").status_code == 404
    published = services.publish_due_articles(now=at + timedelta(seconds=30))
    assert [a.id for a in published] == [article.id]
    db.session.expire_all()
    stored = db.session.get(Article, article.id)
    assert stored.status == "published"
    assert abs((stored.published_at - at).total_seconds()) < 1
    assert client.get(f"/tin-tuc/{article.slug}").status_code == 200
    # Running again publishes nothing twice.
    assert services.publish_due_articles(now=at + timedelta(minutes=5)) == []
    actions = [r.action for r in db.session.scalars(sa.select(ArticleRevision).where(
        ArticleRevision.article_id == article.id))]
    assert actions.count("published") == 1


def test_periodic_task_is_registered_and_calls_the_service(app, make_article):
    from civic.extensions import huey
    from civic.news import tasks

    periodic = {huey._registry.task_to_string(task) for task in huey._registry._periodic_tasks}
    assert "civic.news.tasks.publish_scheduled_articles" in periodic
    article = make_article("Đăng theo lịch", status="scheduled",
                           publish_at=(utcnow() + timedelta(hours=1)).isoformat())
    db.session.execute(sa.update(Article).where(Article.id == article.id).values(
        publish_at=utcnow() - timedelta(minutes=1)))
    db.session.commit()
    tasks.publish_scheduled_articles.call_local()
    db.session.expire_all()
    assert db.session.get(Article, article.id).status == "published"


def test_pin_unpin_unpublish_and_home(make_article, editor, client):
    notice = make_article("Thông báo cắt điện khu vực tổ dân phố số 5", category="thong-bao")
    services.set_pinned(notice, True, editor)
    html = client.get("/").get_data(as_text=True)
    assert "news-pinned" in html and "Thông báo cắt điện" in html
    services.set_pinned(notice, False, editor)
    assert "news-pinned" not in client.get("/").get_data(as_text=True)
    services.set_pinned(notice, True, editor)
    services.unpublish_article(notice, editor)
    assert notice.status == "draft" and not notice.pinned
    assert "Thông báo cắt điện" not in client.get("/").get_data(as_text=True)
    assert client.get(f"/tin-tuc/{notice.slug}").status_code == 404


def test_home_news_groups_latest_by_category(make_article):
    make_article("Tin một", category="tin-tuc-su-kien")
    make_article("Bầu cử đại biểu", category="bau-cu")
    news = services.home_news()
    by_slug = {s["category"].slug: [a.title for a in s["articles"]] for s in news["sections"]}
    assert by_slug == {"tin-tuc-su-kien": ["Tin một"], "bau-cu": ["Bầu cử đại biểu"]}



def test_home_news_keeps_the_newest_four_per_category_and_pins_in_order(make_article, editor):
    from sqlalchemy import event

    base = utcnow() - timedelta(days=30)
    for n in range(6):
        article = make_article(f"Tin số {n}", category="tin-tuc-su-kien")
        db.session.execute(sa.update(Article).where(Article.id == article.id)
                           .values(published_at=base + timedelta(days=n)))
    make_article("Bản nháp", category="tin-tuc-su-kien", status="draft")
    first = make_article("Thông báo cũ", category="thong-bao")
    second = make_article("Thông báo mới", category="thong-bao")
    db.session.commit()
    services.set_pinned(first, True, editor)
    services.set_pinned(second, True, editor, now=utcnow() + timedelta(minutes=1))
    db.session.expire_all()

    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        news = services.home_news()
        titles = {s["category"].slug: [a.title for a in s["articles"]] for s in news["sections"]}
        [a.images for s in news["sections"] for a in s["articles"]]  # what the page shows
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert titles["tin-tuc-su-kien"] == ["Tin số 5", "Tin số 4", "Tin số 3", "Tin số 2"]
    assert [a.title for a in news["pinned"]] == ["Thông báo mới", "Thông báo cũ"]
    assert len(statements) <= 6, statements  # not one query per category


def test_edit_history_records_who_what_when(make_article, editor, make_user, login, client):
    article = make_article("Kế hoạch ra quân vệ sinh môi trường", status="draft")
    other = make_user(role="editor", full_name="Lê Văn Sửa")
    services.update_article(article, services.article_input_from(
        article, title="Kế hoạch ra quân tổng vệ sinh môi trường", summary="Sáng Chủ nhật"), other)
    services.publish_article(article, editor)
    revisions = list(db.session.scalars(sa.select(ArticleRevision).where(ArticleRevision.article_id == article.id)
                                         .order_by(ArticleRevision.id)))
    assert [r.action for r in revisions] == ["created", "edited", "published"]
    edit = revisions[1]
    assert edit.user_id == other.id
    assert set(edit.changes) == {"title", "summary"}
    assert edit.changes["title"]["new"] == "Kế hoạch ra quân tổng vệ sinh môi trường"
    login(editor)
    page = client.get(f"/tin-tuc/quan-ly/{article.id}/lich-su")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Lê Văn Sửa" in html and "Kế hoạch ra quân tổng vệ sinh môi trường" in html


def test_editor_pages_require_the_editor_role(make_user, login, client, make_article):
    article = make_article("Bài viết")
    assert client.get("/tin-tuc/quan-ly").status_code in (302, 401)
    login(make_user(role="resident"))
    assert client.get("/tin-tuc/quan-ly").status_code == 403
    assert client.get(f"/tin-tuc/quan-ly/{article.id}/sua").status_code == 403


def test_editor_writes_and_publishes_through_the_pages(editor, login, client, categories):
    login(editor)
    response = submit_form(client, "/tin-tuc/quan-ly/moi", {
        "title": "Phường ra quân tổng vệ sinh môi trường",
        "summary": "Sáng Chủ nhật, các tổ dân phố cùng ra quân.",
        "body_format": "markdown",
        "body": "## Kết quả\n\n- 12 tổ dân phố tham gia\n\n<script>alert(1)</script>",
        "category": "hoat-dong-to-dan-pho",
        "status": "draft",
        "tags": "môi trường, tổ dân phố",
        "byline": "Ban biên tập",
    })
    assert response.status_code == 302
    article = db.session.scalar(sa.select(Article))
    assert article.status == "draft"
    assert "<h2>Kết quả</h2>" in article.body_html and "<li>12 tổ dân phố tham gia</li>" in article.body_html
    assert "script" not in article.body_html
    edit_url = f"/tin-tuc/quan-ly/{article.id}/sua"
    assert submit_form(client, edit_url, {}, action=f"/tin-tuc/quan-ly/{article.id}/xuat-ban").status_code == 302
    submit_form(client, edit_url, {"pinned": "1"}, action=f"/tin-tuc/quan-ly/{article.id}/ghim")
    db.session.expire_all()
    stored = db.session.get(Article, article.id)
    assert stored.status == "published" and stored.pinned


def test_form_with_bad_input_answers_4xx_with_a_message(editor, login, client, categories):
    login(editor)
    response = submit_form(client, "/tin-tuc/quan-ly/moi", {
        "title": "x" * 1000, "category": "thong-bao", "status": "draft", "body_format": "html"})
    assert response.status_code == 422
    assert count_articles() == 0
    response = submit_form(client, "/tin-tuc/quan-ly/moi", {
        "title": "Lịch họp", "category": "thong-bao", "status": "scheduled", "body_format": "html",
        "publish_at": "2020-01-01T08:00"})
    assert response.status_code == 422
    assert count_articles() == 0
    response = submit_form(client, "/tin-tuc/quan-ly/moi", {
        "title": "Lịch họp", "category": "thong-bao", "status": "scheduled", "body_format": "html",
        "publish_at": "không phải ngày"})
    assert response.status_code == 400
    assert count_articles() == 0
