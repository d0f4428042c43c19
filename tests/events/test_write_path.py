"""Issue 12, writes: 600 answers to 300 seats at concurrency 32 end exact, and the event's lock is
taken only for the seat decision (validation and the earlier-answer lookup happen before it)."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request

import pytest
import sqlalchemy as sa

from civic.events import services
from civic.events.models import Event, Rsvp
from civic.extensions import db
from civic.privacy.services import ConsentGiven

ANSWERS = 600
CAPACITY = 300
CONCURRENCY = 32


def _post(url: str, payload: dict) -> int:
    request = urllib.request.Request(
        url, data=json.dumps(payload).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as exc:
        exc.read()
        return exc.code


def test_600_answers_to_300_seats_at_concurrency_32_are_exact(app, live_server, make_event):
    event = make_event(capacity=CAPACITY)
    event_id = event.id
    db.session.commit()
    db.session.remove()  # hold no connection (nor SQLite's write lock) while the server works
    url = f"{live_server}/api/v1/events/{event_id}/rsvps"
    codes: list[int] = []
    lock = threading.Lock()
    numbers = iter(range(ANSWERS))

    def worker():
        while True:
            with lock:
                i = next(numbers, None)
            if i is None:
                return
            code = _post(url, {"name": f"Người dân {i}", "phone": f"0913{i:06d}", "response": "yes", "consent": True})
            with lock:
                codes.append(code)

    threads = [threading.Thread(target=worker) for _ in range(CONCURRENCY)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    assert codes.count(201) == ANSWERS, {c: codes.count(c) for c in set(codes)}
    rows = db.session.execute(sa.select(Rsvp.phone, Rsvp.status).where(Rsvp.event_id == event_id)).all()
    assert len(rows) == ANSWERS  # none lost
    assert len({r.phone for r in rows}) == ANSWERS  # none duplicated
    statuses = [r.status for r in rows]
    assert statuses.count("confirmed") == CAPACITY  # exactly the hall, not one more or less
    assert statuses.count("waitlisted") == ANSWERS - CAPACITY


@pytest.fixture
def pg_only(db_backend):
    if db_backend != "postgresql":
        pytest.skip("row locks: PostgreSQL")


def _hold_event_lock(event_id: int):
    """Another connection holding the event row FOR UPDATE (an answer in the middle of its seat decision)."""
    conn = db.engine.connect()
    trans = conn.begin()
    conn.execute(sa.select(Event.id).where(Event.id == event_id).with_for_update())
    return conn, trans


def test_rejections_need_no_lock_but_a_seat_decision_waits_for_it(app, pg_only, make_event):
    event = make_event(capacity=10)
    first = services.answer_event(event, services.Answer(response="yes", name="Lê Văn Tám", phone="0912345678"),
                                  notify=False, consent=ConsentGiven())
    assert first.status == "confirmed"
    event = db.session.get(Event, event.id)
    conn, trans = _hold_event_lock(event.id)
    try:
        db.session.execute(sa.text("SET lock_timeout = '1500ms'"))
        # The same phone again: found before the lock, refused while the lock is held elsewhere.
        with pytest.raises(services.AlreadyAnswered):
            services.answer_event(event, services.Answer(response="yes", name="Lê Văn Tám", phone="0912 345 678"),
                                  notify=False, consent=ConsentGiven())
        # An invalid answer: refused by validation, before the lock.
        with pytest.raises(services.EventError) as bad:
            services.answer_event(event, services.Answer(response="yes", name="Lê Văn Chín", phone="12"),
                                  notify=False, consent=ConsentGiven())
        assert bad.value.status == 422
        # A new answer needs the seat decision: it waits for the lock (here until lock_timeout).
        db.session.execute(sa.text("SET lock_timeout = '1500ms'"))
        with pytest.raises(sa.exc.OperationalError, match="lock"):
            services.answer_event(event, services.Answer(response="yes", name="Lê Thị Mười", phone="0987654321"),
                                  notify=False, consent=ConsentGiven())
    finally:
        trans.rollback()
        conn.close()
    db.session.rollback()
    count = db.session.scalar(sa.select(sa.func.count(Rsvp.id)).where(Rsvp.event_id == event.id))
    assert count == 1


def test_answer_closed_after_the_unlocked_read_is_refused_under_the_lock(app, make_event):
    """The organizer cancels between the unlocked checks and the lock: the locked re-check refuses."""
    event = make_event(capacity=10)
    event_id = event.id
    # What the view loaded before the cancellation (a published event).
    stale = db.session.get(Event, event_id)
    db.session.commit()
    stale.status, stale.starts_at  # noqa: B018 - loaded, as the view had it
    db.session.expunge(stale)
    db.session.execute(sa.update(Event).where(Event.id == event_id).values(status="cancelled"))
    db.session.commit()
    assert stale.status == "published"  # what the unlocked checks see
    with pytest.raises(services.EventError) as closed:
        services.answer_event(stale, services.Answer(response="yes", name="Trần Văn Một", phone="0911111111"),
                              notify=False, consent=ConsentGiven())
    assert closed.value.status == 409
    assert db.session.scalar(sa.select(sa.func.count(Rsvp.id)).where(Rsvp.event_id == event_id)) == 0
