"""Issue 12, delivery: over SMTP the worker builds the next message while the server judges the
one before, and records "sent" on its own connection. A crash at any point of that loop (here
an exception no handler catches, at each step in turn) leaves at most the one message in
flight sent and unrecorded: it is the one the takeover charges, and its repeat carries the
same Message-ID; nothing is lost. (The same with SIGKILLed processes: test_reliability.py.)"""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from civic.core.timeutil import utcnow
from civic.extensions import db
from civic.notifications import claims, worker
from civic.notifications.models import Delivery, WorkerHeartbeat
from civic.notifications.services import Recipient, create_campaign
from civic.notifications.wire import SmtpSession

COUNT = 6
DEAD = "may-da-chet:4242:abc123"


class Crash(BaseException):
    """Stands for SIGKILL: no ``except Exception`` in the worker catches it."""


@pytest.fixture
def app_config(smtp_server):
    return {"MAIL_URL": smtp_server.url, "CIVIC_BASE_URL": "https://phuong.example.vn", "NOTIFY_EMAIL_RATE": 0,
            "NOTIFY_BATCH_SIZE": 50}


def _crash_on(monkeypatch, owner, name: str, call: int, after: bool) -> None:
    """Make ``owner.name`` raise Crash on its ``call``-th call, before or after doing its work."""
    original = getattr(owner, name)
    calls = []

    def crashing(*args, **kwargs):
        calls.append(1)
        if len(calls) == call and not after:
            raise Crash
        result = original(*args, **kwargs)
        if len(calls) == call:
            raise Crash
        return result

    monkeypatch.setattr(owner, name, crashing)


def _ledger() -> list[Delivery]:
    db.session.expire_all()
    return db.session.scalars(sa.select(Delivery).order_by(Delivery.next_attempt_at, Delivery.id)).all()


def _delivered(smtp_server) -> dict[str, list[str]]:
    """Message-IDs each address received."""
    got: dict[str, list[str]] = {}
    for message in smtp_server.parsed():
        got.setdefault(str(message["To"]).split("<")[-1].rstrip(">"), []).append(message["Message-ID"])
    return got


# (what crashes, on which call, before or after its work): the next MAIL sent while the one
# before is unrecorded, building a message, the message gone out, the server's verdict read or
# not, the record written or not.
POINTS = [
    ("mail", 2, True), ("mail", 4, True), ("render", 2, False), ("render", 4, False), ("wire", 2, False),
    ("wire", 4, True), ("data", 1, True),
    ("data", 3, True), ("finish", 2, False), ("finish", 3, True), ("record", 1, False), ("record", 4, True),
    ("record", COUNT, True),
]


@pytest.mark.parametrize(("point", "call", "after"), POINTS)
def test_a_crash_anywhere_repeats_at_most_the_message_in_flight(app, smtp_server, monkeypatch, point, call, after):
    when = utcnow() + timedelta(hours=1)
    create_campaign(kind="election_reminder", topic="elections", subject="Nhắc lịch bầu cử: {area}",
                    body_text="Kính gửi {name},\nKhu vực {area}.", send_at=when,
                    recipients=[Recipient(key=f"r{i}", name=f"Cử tri {i}", email=f"cu-tri-{i}@example.vn",
                                          context={"area": str(i)}) for i in range(COUNT)])
    owner, name = {"render": (worker, "render_job"), "wire": (SmtpSession, "wire"), "mail": (SmtpSession, "mail"),
                   "data": (SmtpSession, "payload"), "finish": (SmtpSession, "finish"),
                   "record": (claims.SentLog, "sent")}[point]
    with monkeypatch.context() as patch:
        _crash_on(patch, owner, name, call, after)
        with pytest.raises(Crash):
            worker.process_batch(worker_id=f"{DEAD}:1", now=when)

    delivered = _delivered(smtp_server)
    recorded = {d.address for d in _ledger() if d.status == "sent"}
    assert recorded <= set(delivered), "recorded as sent but never sent"
    unrecorded = set(delivered) - recorded
    assert len(unrecorded) <= 1, f"{len(unrecorded)} messages out and unrecorded: {sorted(unrecorded)}"
    if unrecorded:  # the takeover charges the first unsent one in send order: it must be this one
        sending = [d for d in _ledger() if d.status == "sending"]
        assert sending[0].address in unrecorded

    # The process is dead (its beat long stale); a live worker takes its claims over.
    db.session.add(WorkerHeartbeat(id=DEAD, beat_at=when - timedelta(minutes=5), started_at=when))
    db.session.commit()
    later = when + timedelta(minutes=1)
    while worker.process_batch(now=later):
        pass

    assert [d.status for d in _ledger()] == ["sent"] * COUNT
    delivered = _delivered(smtp_server)
    assert sorted(delivered) == sorted(f"cu-tri-{i}@example.vn" for i in range(COUNT)), "a recipient got nothing"
    repeats = {address: ids for address, ids in delivered.items() if len(ids) > 1}
    assert set(repeats) == unrecorded, repeats
    for address, ids in repeats.items():
        assert len(ids) == 2 and len(set(ids)) == 1, (address, ids)  # once more, same Message-ID


@pytest.mark.parametrize("step", ["render", "wire"])
@pytest.mark.parametrize("call", [1, 3])
def test_the_message_that_kills_the_worker_while_it_is_built_is_the_one_charged(app, smtp_server, monkeypatch, call,
                                                                                  step):
    """The takeover charges the first unsent message in send order: that must be the one being
    built, not the one before it (else a poison message is retried for ever and its neighbours
    are repeated in its place)."""
    when = utcnow() + timedelta(hours=1)
    create_campaign(kind="election_reminder", topic="elections", subject="Nhắc lịch bầu cử: {area}",
                    body_text="Kính gửi {name},\nKhu vực {area}.", send_at=when,
                    recipients=[Recipient(key=f"r{i}", name=f"Cử tri {i}", email=f"cu-tri-{i}@example.vn",
                                          context={"area": str(i)}) for i in range(COUNT)])
    with monkeypatch.context() as patch:
        owner, name = (worker, "render_job") if step == "render" else (SmtpSession, "wire")
        _crash_on(patch, owner, name, call, after=False)
        with pytest.raises(Crash):
            worker.process_batch(worker_id=f"{DEAD}:1", now=when)
    db.session.add(WorkerHeartbeat(id=DEAD, beat_at=when - timedelta(minutes=5), started_at=when))
    db.session.commit()
    claims.take_over_dead(when + timedelta(minutes=1))
    db.session.commit()
    charged = [d.address for d in _ledger() if d.last_error == claims.CRASH_ERROR]
    assert charged == [f"cu-tri-{call - 1}@example.vn"]
    assert set(_delivered(smtp_server)) == {f"cu-tri-{i}@example.vn" for i in range(call - 1)}


def test_a_message_that_cannot_be_assembled_after_data_is_asked_is_not_delivered(app, smtp_server, monkeypatch):
    """The MIME is assembled while the server answers DATA: when that fails the connection is
    shut (the server would take any bytes as the message), nothing reaches that recipient, the
    error is recorded and the rest go out once each on a new connection."""
    when = utcnow() + timedelta(hours=1)
    create_campaign(kind="election_reminder", topic="elections", subject="Nhắc lịch bầu cử: {area}",
                    body_text="Kính gửi {name},\nKhu vực {area}.", send_at=when,
                    recipients=[Recipient(key=f"r{i}", name=f"Cử tri {i}", email=f"cu-tri-{i}@example.vn",
                                          context={"area": str(i)}) for i in range(COUNT)])
    original = SmtpSession.wire

    def wire(self, job, parts):
        if job.address == "cu-tri-2@example.vn":
            raise ValueError("cannot assemble")
        return original(self, job, parts)

    monkeypatch.setattr(SmtpSession, "wire", wire)
    worker.process_batch(now=when)
    delivered = _delivered(smtp_server)
    assert sorted(delivered) == sorted(f"cu-tri-{i}@example.vn" for i in range(COUNT) if i != 2)
    assert all(len(ids) == 1 for ids in delivered.values()), delivered
    bad = [d for d in _ledger() if d.address == "cu-tri-2@example.vn"][0]
    assert (bad.status, bad.reason) == ("pending", "retry") and "cannot assemble" in bad.last_error
    assert [d.status for d in _ledger() if d.address != "cu-tri-2@example.vn"] == ["sent"] * (COUNT - 1)
