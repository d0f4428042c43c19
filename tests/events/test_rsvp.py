"""Answers: capacity, waiting list, idempotence, claiming and the bad inputs of issue 4."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from civic.core.timeutil import utcnow
from civic.events import services
from civic.events.models import Rsvp, RsvpStatus
from civic.extensions import db
from civic.privacy.services import ConsentGiven


def answer(event, response="yes", **kw):
    kw.setdefault("name", "Nguyễn Thị Lan")
    if "phone" not in kw and "email" not in kw:
        kw["email"] = "lan@example.vn"
    return services.answer_event(event, services.Answer(response=response, **kw), consent=ConsentGiven())


def change(result, response="yes", **kw):
    """What the holder of the personal link does: change that answer."""
    rsvp = db.session.get(Rsvp, result.rsvp.id)
    kw.setdefault("name", rsvp.name)
    return services.answer_event(
        rsvp.event, services.Answer(response=response, phone=rsvp.phone, email=rsvp.email, **kw), rsvp=rsvp, consent=ConsentGiven()
    )


def confirmed_people(event) -> int:
    return services.counts(event)["confirmed"]["people"]


def test_capacity_waitlist_and_promotion(app, make_event, mails):
    event = make_event(capacity=4, allow_guests=True, max_guests=3)
    a = answer(event, email="a@example.vn", guests=1)  # 2 seats
    b = answer(event, email="b@example.vn", guests=1)  # 2 seats: full
    c = answer(event, email="c@example.vn", guests=0)
    d = answer(event, email="d@example.vn", guests=2)
    assert [a.status, b.status, c.status, d.status] == ["confirmed", "confirmed", "waitlisted", "waitlisted"]
    assert services.waitlist_position(c.rsvp) == 1
    assert services.waitlist_position(d.rsvp) == 2
    assert confirmed_people(event) == 4

    # b cancels: the first in line (c, one seat) is promoted and told; d (three seats) still does not fit.
    before = len(mails())
    services.cancel_rsvp(b.rsvp)
    db.session.expire_all()
    assert db.session.get(Rsvp, c.rsvp.id).status == RsvpStatus.CONFIRMED
    assert db.session.get(Rsvp, d.rsvp.id).status == RsvpStatus.WAITLISTED
    assert db.session.get(Rsvp, b.rsvp.id).status == RsvpStatus.DECLINED
    assert confirmed_people(event) == 3
    sent = mails()[before:]
    assert any("c@example.vn" in m.to[0] and "Đã có chỗ cho bạn" in m.subject for m in sent), [m.subject for m in sent]

    # a comes alone (a 1 + c 1 = 2; d needs 3 more: still waiting), then c cancels: d fits exactly.
    change(a, guests=0)
    db.session.expire_all()
    assert db.session.get(Rsvp, d.rsvp.id).status == RsvpStatus.WAITLISTED
    services.cancel_rsvp(db.session.get(Rsvp, c.rsvp.id))
    db.session.expire_all()
    assert db.session.get(Rsvp, d.rsvp.id).status == RsvpStatus.CONFIRMED
    assert confirmed_people(event) == 4


def test_first_that_fits_is_promoted(app, make_event):
    event = make_event(capacity=2, allow_guests=True, max_guests=2)
    a = answer(event, email="a@example.vn", guests=1)
    big = answer(event, email="big@example.vn", guests=2)
    small = answer(event, email="small@example.vn", guests=0)
    assert (big.status, small.status) == ("waitlisted", "waitlisted")
    change(a, guests=0)  # frees one seat
    db.session.expire_all()
    assert db.session.get(Rsvp, small.rsvp.id).status == "confirmed"
    assert db.session.get(Rsvp, big.rsvp.id).status == "waitlisted"
    assert a.rsvp.id


def test_answering_again_through_the_link_updates_never_duplicates(app, make_event):
    event = make_event(capacity=10, allow_guests=True, max_guests=2)
    first = answer(event, phone="0912 345 678", name="Lan")
    again = change(first, guests=2, response="maybe")
    third = change(first, response="no")
    assert first.created and not again.created and not third.created
    assert first.rsvp.id == again.rsvp.id == third.rsvp.id
    assert db.session.scalar(sa.select(sa.func.count(Rsvp.id))) == 1
    assert third.rsvp.status == "declined" and third.rsvp.guests == 0


def test_guest_with_a_phone_already_answered_changes_nothing(app, make_event, mails):
    """Issue 10: a second visitor typing the same phone took over the first one's answer."""
    event = make_event(capacity=10)
    first = answer(event, phone="0912 345 678", email=None, name="Nguyễn Thị Lan")
    first_url = first.manage_url
    for phone in ("+84912345678", "84-912-345-678"):
        with pytest.raises(services.AlreadyAnswered) as info:
            answer(event, phone=phone, email=None, name="Người Khác", response="no")
        assert info.value.status == 409
        assert "đã trả lời" in str(info.value)
        assert first_url not in str(info.value)
    db.session.expire_all()
    [kept] = db.session.scalars(sa.select(Rsvp)).all()
    assert (kept.name, kept.response, kept.status) == ("Nguyễn Thị Lan", "yes", "confirmed")
    # The same person is matched by email as well.
    by_mail = answer(event, email="Hoa@Example.VN", name="Hoa")
    with pytest.raises(services.AlreadyAnswered):
        answer(event, email="hoa@example.vn", name="Kẻ Khác", response="no")
    assert db.session.get(Rsvp, by_mail.rsvp.id).name == "Hoa"
    # The link went again to the address on file (once per minute, however often it is asked for).
    links = [m for m in mails() if "hoa@example.vn" in m.to[0] and m.subject.startswith("Đường dẫn riêng")]
    assert len(links) == 1 and by_mail.manage_url in links[0].body


def test_email_is_normalised_for_identity(app, make_event):
    event = make_event()
    one = answer(event, email="Lan@Example.VN")
    with pytest.raises(services.AlreadyAnswered) as info:
        answer(event, email="lan@example.vn")
    assert info.value.rsvp_id == one.rsvp.id
    assert one.rsvp.email == "lan@example.vn"


def test_logged_in_user_one_answer(app, make_event, make_user, groups):
    user = make_user(group=groups[2], phone="+84987654321")
    event = make_event()
    r1 = services.answer_event(event, services.Answer(response="yes"), user=user, consent=ConsentGiven())
    r2 = services.answer_event(event, services.Answer(response="maybe"), user=user, consent=ConsentGiven())
    assert r1.rsvp.id == r2.rsvp.id
    assert r2.rsvp.residential_group_id == groups[2].id
    assert r2.rsvp.name == user.full_name


@pytest.mark.parametrize(
    ("fields", "status", "fragment"),
    [
        ({"guests": 1000}, 422, "tối đa 3 người đi cùng"),
        ({"guests": -1}, 422, "số nguyên"),
        ({"phone": "12345", "email": None}, 422, "số điện thoại không hợp lệ"),
        ({"phone": None, "email": None}, 422, "số điện thoại hoặc email"),
        ({"email": "not-an-email"}, 422, "email"),
        ({"name": "   "}, 422, "họ và tên"),
        ({"response": "perhaps"}, 422, "chưa chắc"),
    ],
)
def test_bad_answers_are_refused(app, make_event, fields, status, fragment):
    event = make_event(capacity=5, allow_guests=True, max_guests=3)
    kw = {"name": "Lan", "email": "lan@example.vn", "response": "yes", **fields}
    response = kw.pop("response")
    with pytest.raises(services.EventError) as info:
        services.answer_event(event, services.Answer(response=response, **kw), consent=ConsentGiven())
    assert info.value.status == status
    assert fragment.lower() in str(info.value).lower()
    assert db.session.scalar(sa.select(sa.func.count(Rsvp.id))) == 0


def test_guests_refused_when_not_allowed(app, make_event):
    event = make_event(allow_guests=False)
    with pytest.raises(services.EventError) as info:
        answer(event, guests=1)
    assert info.value.status == 422


def test_closed_events_refuse_answers(app, make_event, organizer):
    past = make_event(starts_at=utcnow() - timedelta(days=2))
    deadline = make_event(rsvp_deadline=utcnow() - timedelta(hours=1))
    cancelled = make_event()
    services.cancel_event(cancelled, organizer, "Mưa bão")
    draft = make_event(status="draft")
    invite = make_event(audience="invite_only")
    for event, status in ((past, 409), (deadline, 409), (cancelled, 409), (draft, 404), (invite, 403)):
        with pytest.raises(services.EventError) as info:
            answer(event)
        assert info.value.status == status, event
    # After the deadline, saying "no" still frees a place.
    assert answer(deadline, response="no").status == "declined"
    # The invitations domain may answer for an invite-only event.
    result = services.answer_event(
        invite, services.Answer(response="yes", name="Khách mời", email="k@example.vn"), source="invitation", consent=ConsentGiven()
    )
    assert result.status == "confirmed"


def test_groups_audience(app, make_event, groups, make_user):
    event = make_event(audience="groups", group_ids=[groups[0].id])
    with pytest.raises(services.EventError) as info:
        answer(event, group_id=groups[1].id)
    assert info.value.status == 403
    assert answer(event, group_id=groups[0].id).status == "confirmed"
    outsider = make_user(group=groups[2])
    with pytest.raises(services.EventError):
        services.answer_event(event, services.Answer(response="yes"), user=outsider, consent=ConsentGiven())


def test_confirmed_person_keeps_seat_when_more_guests_do_not_fit(app, make_event):
    event = make_event(capacity=3, allow_guests=True, max_guests=3)
    a = answer(event, email="a@example.vn")
    answer(event, email="b@example.vn", guests=1)
    with pytest.raises(services.EventError) as info:
        change(a, guests=2)
    assert info.value.status == 409
    db.session.expire_all()
    kept = db.session.get(Rsvp, a.rsvp.id)
    assert (kept.status, kept.guests) == ("confirmed", 0)


def test_confirmation_mail_has_ics_and_manage_link(app, make_event, mails):
    event = make_event()
    result = answer(event, email="lan@example.vn")
    [mail] = [m for m in mails() if "lan@example.vn" in m.to[0]]
    assert mail.subject == f"Xác nhận đăng ký: {event.title}"
    assert result.manage_url in mail.body
    assert "đã đăng ký tham dự thành công" in mail.body
    [(filename, content, mimetype)] = mail.attachments
    assert filename == "su-kien.ics" and mimetype.startswith("text/calendar")
    content = content.encode() if isinstance(content, str) else content
    assert b"BEGIN:VEVENT" in content


def test_tokens_are_bound_to_rsvp_and_event(app, make_event):
    one = make_event()
    two = make_event(title="Ngày Chủ nhật xanh")
    r1 = answer(one, email="a@example.vn")
    r2 = answer(two, email="a@example.vn")
    token1 = services.make_token(r1.rsvp)
    assert services.rsvp_from_token(one.id, token1).id == r1.rsvp.id
    with pytest.raises(services.EventError) as info:
        services.rsvp_from_token(two.id, token1)  # a token for another event
    assert info.value.status == 403
    with pytest.raises(services.EventError):
        services.rsvp_from_token(one.id, token1[:-2] + ("aa" if not token1.endswith("aa") else "bb"))
    forged = services.URLSafeSerializer("wrong-key", salt=services.TOKEN_SALT).dumps({"r": r2.rsvp.id, "e": two.id})
    with pytest.raises(services.EventError):
        services.rsvp_from_token(two.id, forged)


def test_claim_guest_answers_on_email_verification(app, make_event, make_user):
    from civic.accounts.signals import email_verified

    one, two = make_event(), make_event(title="Khám sức khỏe")
    answer(one, email="minh@example.vn", name="Minh")
    answer(two, phone="0912000111", name="Minh")
    user = make_user(email="minh@example.vn", phone="+84912000111", verified=True)
    email_verified.send(app, user=user)
    owned = db.session.scalars(sa.select(Rsvp).where(Rsvp.user_id == user.id)).all()
    # The email is verified; the phone typed into the profile is not: that answer stays a guest's.
    assert {r.event_id for r in owned} == {one.id}
    user.phone_verified_at = utcnow()
    db.session.commit()
    assert services.claim_guest_rsvps(user) == 1
    owned = db.session.scalars(sa.select(Rsvp).where(Rsvp.user_id == user.id)).all()
    assert {r.event_id for r in owned} == {one.id, two.id}
    # Answering with the account afterwards updates the claimed answer.
    again = services.answer_event(one, services.Answer(response="no"), user=user, consent=ConsentGiven())
    assert not again.created


def test_unverified_phone_does_not_take_over_a_guest_answer(app, make_event, make_user):
    """Issue 10: an account with someone else's number typed into its profile took their answer."""
    event = make_event()
    guest = answer(event, phone="0912 777 888", email=None, name="Bà Hoa")
    user = make_user(phone="+84912777888", verified=True)  # email verified, phone not
    result = services.answer_event(event, services.Answer(response="no"), user=user, consent=ConsentGiven())
    assert result.created and result.rsvp.id != guest.rsvp.id and result.rsvp.phone is None
    assert services.claim_guest_rsvps(user) == 0
    db.session.expire_all()
    kept = db.session.get(Rsvp, guest.rsvp.id)
    assert (kept.user_id, kept.name, kept.response) == (None, "Bà Hoa", "yes")


def test_signed_in_answer_takes_over_guest_answer_with_verified_phone(app, make_event, make_user):
    event = make_event()
    guest = answer(event, phone="0912 777 888", email=None, name="Bà Hoa")
    user = make_user(phone="+84912777888")
    user.phone_verified_at = utcnow()
    db.session.commit()
    result = services.answer_event(event, services.Answer(response="maybe"), user=user, consent=ConsentGiven())
    assert result.rsvp.id == guest.rsvp.id and result.rsvp.user_id == user.id
    assert result.rsvp.email == user.email
    assert db.session.scalar(sa.select(sa.func.count(Rsvp.id))) == 1


def test_phone_of_one_answer_and_email_of_another(app, make_event):
    event = make_event()
    by_phone = answer(event, phone="0912000001", email=None, name="A")
    by_email = answer(event, email="b@example.vn", name="B")
    # Someone types both: without a link nothing changes.
    with pytest.raises(services.AlreadyAnswered) as info:
        answer(event, phone="0912000001", email="b@example.vn", name="A", response="no")
    assert info.value.rsvp_id == by_phone.rsvp.id
    # Through A's link: A's answer changes, B keeps its email.
    rsvp = db.session.get(Rsvp, by_phone.rsvp.id)
    result = services.answer_event(
        event, services.Answer(response="no", name="A", phone=rsvp.phone, email="b@example.vn"), rsvp=rsvp, consent=ConsentGiven()
    )
    assert result.rsvp.id == by_phone.rsvp.id and result.rsvp.email is None
    db.session.expire_all()
    assert db.session.get(Rsvp, by_email.rsvp.id).email == "b@example.vn"
    assert db.session.scalar(sa.select(sa.func.count(Rsvp.id))) == 2


def test_changed_answer_mail_says_it_was_updated(app, make_event, mails):
    """One answer, then one change through the link: two mails the reader can tell apart."""
    event = make_event()
    first = answer(event, email="lan@example.vn")
    change(first, response="maybe")
    subjects = [m.subject for m in mails() if "lan@example.vn" in m.to[0]]
    assert subjects == [f"Xác nhận đăng ký: {event.title}", f"Đã cập nhật câu trả lời: {event.title}"]
