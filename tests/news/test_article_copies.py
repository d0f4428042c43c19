"""The article page comes from a per-process copy (civic.news.services.copies), page cache off:
publishing, an edit, a new address, unpublishing and a scheduled article's time must show on the
next render, and an editor still previews what residents cannot see."""

from __future__ import annotations

from datetime import timedelta


def _get(client, slug: str):
    from civic.extensions import db

    db.session.commit()  # reading the test's article began a transaction: end it as a request would
    return client.get(f"/tin-tuc/{slug}")


def _article_queries(app, client, slug: str) -> list[str]:
    from sqlalchemy import event

    from civic.extensions import db

    seen: list[str] = []

    def listener(_conn, _cursor, statement, *_args):
        seen.append(statement)

    db.session.commit()
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        assert client.get(f"/tin-tuc/{slug}").status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    return [s for s in seen if "news_articles.title" in s or "news_article_images" in s or "news_tags" in s]


def test_publish_edit_rename_and_unpublish_show_on_the_next_render(app, client, make_article, editor):
    from civic.news.services import article_input_from, publish_article, unpublish_article, update_article

    draft = make_article(title="Thông báo lịch tiêm chủng tháng 6", status="draft")
    slug = draft.slug
    assert _get(client, slug).status_code == 404
    publish_article(draft, editor)
    assert "Thông báo lịch tiêm chủng tháng 6" in _get(client, slug).get_data(as_text=True)
    assert not _article_queries(app, client, slug)  # the copy is in use
    update_article(draft, article_input_from(draft, title="Thông báo lịch tiêm chủng tháng 7", summary="Đổi lịch"), editor)
    page = _get(client, slug).get_data(as_text=True)
    assert "tháng 7" in page and "Đổi lịch" in page and "tiêm chủng tháng 6" not in page
    update_article(draft, article_input_from(draft, slug="lich-tiem-chung-thang-7"), editor)
    moved = _get(client, slug)
    assert moved.status_code == 301 and moved.headers["Location"].endswith("/tin-tuc/lich-tiem-chung-thang-7")
    unpublish_article(draft, editor)
    assert _get(client, "lich-tiem-chung-thang-7").status_code == 404
    assert _get(client, slug).status_code == 404


def test_a_scheduled_article_appears_when_its_time_comes(app, client, make_article):
    from civic.core.timeutil import utcnow
    from civic.news.services import publish_due_articles

    article = make_article(title="Lịch tiếp dân tháng sau", status="scheduled", publish_at=utcnow() + timedelta(hours=1))
    slug = article.slug
    assert _get(client, slug).status_code == 404
    publish_due_articles(now=utcnow() + timedelta(hours=2))
    assert "Lịch tiếp dân tháng sau" in _get(client, slug).get_data(as_text=True)


def test_an_editor_previews_a_draft_residents_cannot_see(app, client, make_article, editor, login):
    article = make_article(title="Bản nháp hội nghị", status="draft")
    slug = article.slug
    assert _get(client, slug).status_code == 404
    login(editor)
    page = _get(client, slug).get_data(as_text=True)
    assert "Bản nháp hội nghị" in page and "0 lượt xem" in page  # the live count, read for a preview
