"""Statements per page stay the same however many articles a page lists (no N+1 comes back)."""

from __future__ import annotations

import contextlib

import pytest
from sqlalchemy import event

from civic.extensions import db


@contextlib.contextmanager
def counted():
    seen: list[str] = []

    def listener(conn, cursor, statement, *args):
        seen.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", listener)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", listener)


def _statements(client, path) -> list[str]:
    from civic.core import refcache

    refcache.clear()  # count the render that reads the database, not one from the kept copies
    with counted() as seen:
        response = client.get(path)
    assert response.status_code == 200, path
    return seen


@pytest.fixture
def app_config():
    return {"CIVIC_MAX_IMAGE_BYTES": 300_000}


def _publish(make_article, editor, jpeg_bytes, categories, n, start):
    from civic.news import services

    categories = services.list_categories()
    made = []
    for i in range(start, start + n):
        article = make_article(f"Bài viết số {i} về hội nghị", summary=f"Tóm tắt {i}",
                               category=categories[i % len(categories)].slug, tags=f"the {i}, hội nghị")
        if i % 2 == 0:
            services.add_image(article, jpeg_bytes(size=(40, 30), exif=False), "cover", f"Ảnh {i}", editor)
        made.append(article)
    db.session.commit()
    return made


def test_home_article_and_search_do_not_grow_with_the_articles_shown(client, make_article, editor, jpeg_bytes,
                                                                       categories):
    first = _publish(make_article, editor, jpeg_bytes, categories, 2, 0)
    slug = first[0].slug
    _statements(client, "/")  # the first view of a process reads the stored visit total once
    few = {path: len(_statements(client, path)) for path in
           ("/", f"/tin-tuc/{slug}", "/tin-tuc/tim-kiem?q=hoi+nghi", "/tin-tuc/")}
    _publish(make_article, editor, jpeg_bytes, categories, 14, 2)
    many = {path: _statements(client, path) for path in few}
    for path, statements in many.items():
        assert len(statements) <= few[path], (path, few[path], statements)
    # The home page shows every category's latest cards, the pinned notices and the events in a
    # handful of statements; cards load photos, not tags or the author.
    home = many["/"]
    assert len(home) <= 9, home
    assert not any("news_tags" in s for s in home), home
    assert not any(" users" in s for s in home if "news_articles" in s), home


def test_event_page_statements_do_not_grow_with_groups_or_changes(client, app, make_user):
    from datetime import timedelta

    from civic.accounts.models import ResidentialGroup
    from civic.core.timeutil import utcnow
    from civic.events import services

    organizer = make_user(role="organizer", full_name="Lê Văn Tổ Chức")
    for n in range(1, 4):
        db.session.add(ResidentialGroup(name=f"Tổ dân phố số {n}", name_folded=f"to dan pho so {n}", number=n))
    db.session.commit()
    start = utcnow() + timedelta(days=3)
    created = services.create_event(organizer, services.EventData(
        title="Họp tổ dân phố", description="Nội dung", starts_at=start, ends_at=start + timedelta(hours=2),
        venue_name="Nhà văn hóa", status="published"))
    path = f"/su-kien/{created.id}-{created.slug}"
    _statements(client, path)  # the first view of a process reads the stored visit total once
    few = len(_statements(client, path))
    for n in range(4, 20):
        db.session.add(ResidentialGroup(name=f"Tổ dân phố số {n}", name_folded=f"to dan pho so {n}", number=n))
    db.session.commit()
    assert len(_statements(client, path)) == few
