"""The capacity invariant under simultaneous answers over real HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request

import sqlalchemy as sa

from civic.events.models import Rsvp, RsvpHistory
from civic.extensions import db

CAPACITY = 12
PEOPLE = 34
DUPLICATES = 6  # the same person again, fired at the same instant


def _post(url: str, payload: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        url, data=json.dumps(payload).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def test_simultaneous_answers_never_overbook(app, live_server, make_event):
    event = make_event(capacity=CAPACITY, allow_guests=True, max_guests=2)
    event_id = event.id
    db.session.commit()
    db.session.remove()  # hold no connection (nor SQLite's write lock) while the server works

    payloads = [
        {"name": f"Người dân {i}", "phone": f"0912{i:06d}", "response": "yes", "guests": i % 3, "consent": True}
        for i in range(PEOPLE)
    ]
    # Same person, same answer, same instant: must end up as one record (the later one is told
    # that this phone has already answered).
    payloads += [dict(payloads[i]) for i in range(DUPLICATES)]
    results: list[tuple[int, dict] | Exception] = [None] * len(payloads)  # type: ignore[list-item]
    barrier = threading.Barrier(len(payloads))
    url = f"{live_server}/api/v1/events/{event_id}/rsvps"

    def fire(i: int) -> None:
        barrier.wait()
        try:
            results[i] = _post(url, payloads[i])
        except Exception as exc:  # noqa: BLE001 - reported below
            results[i] = exc

    threads = [threading.Thread(target=fire, args=(i,)) for i in range(len(payloads))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)

    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, errors
    codes = [code for code, _body in results]
    assert sorted(codes) == [201] * PEOPLE + [409] * DUPLICATES, codes  # no 500, no lost answer
    for code, body in results:
        if code == 409:
            assert body["error"]["reason"] == "already_answered" and "manage_url" not in body, body
        else:
            assert body["status"] in {"confirmed", "waitlisted"}

    rows = db.session.scalars(sa.select(Rsvp).where(Rsvp.event_id == event_id)).all()
    assert len(rows) == PEOPLE  # no duplicates, none lost
    assert len({r.phone for r in rows}) == PEOPLE
    confirmed = sum(r.seats for r in rows if r.status == "confirmed")
    assert confirmed <= CAPACITY
    # The hall is not left half-empty either: every waiting answer is bigger than what is left.
    left = CAPACITY - confirmed
    waiting = [r for r in rows if r.status == "waitlisted"]
    assert waiting and all(r.seats > left for r in waiting)
    # Every recorded answer left its trace in the history; the refused duplicates none.
    assert db.session.scalar(sa.select(sa.func.count(RsvpHistory.id)).where(RsvpHistory.event_id == event_id)) == PEOPLE
