"""The home page keeps per-process copies of its news (civic.core.refcache), page cache off:
a change must show on the next render, on every worker."""

from __future__ import annotations

from contextlib import contextmanager

import pytest


@contextmanager
def statements(app):
    from sqlalchemy import event

    from civic.extensions import db

    seen: list[str] = []

    def listener(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)


def _home(client) -> str:
    response = client.get("/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.fixture
def home_with_copies(app, client, make_article):
    """The home page rendered once: the next render reads its news from the copy, not the database."""
    make_article(title="Bài đã đăng từ trước")
    assert "Bài đã đăng từ trước" in _home(client)
    with statements(app) as seen:
        assert "Bài đã đăng từ trước" in _home(client)
    assert not [s for s in seen if "news_articles" in s]  # the copy is what the page shows
    return client


def test_publishing_editing_and_unpublishing_show_on_the_next_home_render(home_with_copies, make_article, editor):
    from civic.news.services import article_input_from, publish_article, unpublish_article, update_article

    client = home_with_copies
    draft = make_article(title="Thông báo lịch tiêm chủng tháng 6", status="draft")
    assert "Thông báo lịch tiêm chủng tháng 6" not in _home(client)
    publish_article(draft, editor)
    assert "Thông báo lịch tiêm chủng tháng 6" in _home(client)
    update_article(draft, article_input_from(draft, title="Thông báo lịch tiêm chủng tháng 7"), editor)
    page = _home(client)
    assert "tháng 7" in page and "tháng 6" not in page
    unpublish_article(draft, editor)
    assert "Thông báo lịch tiêm chủng" not in _home(client)


def test_a_change_made_by_another_worker_shows_here(app, home_with_copies, make_article):
    """Another process bumps the shared generation; this one keeps its copy in memory only."""
    from civic.core import pagecache

    client = home_with_copies
    from civic.extensions import db
    from civic.news.models import Article

    # Written as another worker would, behind this process's ORM (no local flush to see).
    db.session.execute(db.update(Article).values(title="Tiêu đề sửa ở máy khác"))
    db.session.commit()
    assert "Tiêu đề sửa ở máy khác" not in _home(client)  # no bump yet: the copy is still right for its generation
    pagecache.bump("news")
    assert "Tiêu đề sửa ở máy khác" in _home(client)


def test_an_article_published_later_shows_among_the_related_cards_of_a_page_already_viewed(client, make_article,
                                                                                            editor):
    from civic.news.services import publish_article

    shown = make_article(title="Hội nghị cử tri tổ 5", tags="cử tri")
    make_article(title="Cử tri tổ 6 góp ý", tags="cử tri")
    path = f"/tin-tuc/{shown.slug}"
    assert "Cử tri tổ 6 góp ý" in client.get(path).get_data(as_text=True)
    draft = make_article(title="Cử tri tổ 7 kiến nghị", tags="cử tri", status="draft")
    assert "Cử tri tổ 7 kiến nghị" not in client.get(path).get_data(as_text=True)
    publish_article(draft, editor)
    assert "Cử tri tổ 7 kiến nghị" in client.get(path).get_data(as_text=True)
