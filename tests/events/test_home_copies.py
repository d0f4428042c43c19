"""The home page's upcoming events come from a per-process copy (civic.core.refcache), page cache
off: an edit, a cancellation and an event that ends must show on the next render."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta


def _home(client) -> str:
    response = client.get("/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _statements(app, client) -> list[str]:
    from sqlalchemy import event

    from civic.extensions import db

    seen: list[str] = []

    def listener(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        _home(client)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    return seen


def test_an_edited_or_cancelled_event_shows_on_the_next_home_render(app, client, make_event, organizer):
    from civic.events import services

    event = make_event(title="Họp tổ dân phố số 3 quý này")
    assert "Họp tổ dân phố số 3 quý này" in _home(client)
    assert not [s for s in _statements(app, client) if "FROM events" in s]  # the copy is in use
    services.update_event(event, organizer, replace(services.data_of(event), title="Họp tổ dân phố số 3 dời lịch"))
    page = _home(client)
    assert "dời lịch" in page and "quý này" not in page
    services.cancel_event(event, organizer, reason="Trùng lịch")
    assert "Họp tổ dân phố số 3" not in _home(client)


def test_an_event_that_ends_leaves_the_home_page_without_any_change(app, client, make_event, monkeypatch):
    from civic.core.timeutil import utcnow
    from civic.events.services import queries

    soon = make_event(title="Tập huấn phòng cháy", starts_at=utcnow() + timedelta(hours=1),
                      ends_at=utcnow() + timedelta(hours=2))
    later = [make_event(title=f"Sinh hoạt chi hội {n}", starts_at=utcnow() + timedelta(days=n)) for n in range(1, 6)]
    page = _home(client)
    assert "Tập huấn phòng cháy" in page and "Sinh hoạt chi hội 5" not in page  # five shown, soonest first
    later_now = soon.ends_at + timedelta(minutes=1)
    monkeypatch.setattr(queries, "utcnow", lambda: later_now)
    page = _home(client)
    assert "Tập huấn phòng cháy" not in page
    assert all(e.title in page for e in later)  # the sixth moves up
