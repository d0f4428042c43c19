"""Election rules without HTTP: calendar, milestones, polling areas, where to vote,
subscriptions with double opt-in, and reminders at a controlled "now"."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from civic.core.timeutil import local_to_utc
from civic.elections import services
from civic.elections.models import (
    Election,
    Milestone,
    PollingArea,
    PollingAreaGroup,
    SentReminder,
    Subscription,
)
from civic.elections.services import ElectionError, UnknownGroup
from civic.extensions import db
from civic.privacy.services import ConsentGiven


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


# --------------------------------------------------------------------------- calendar and milestones


def test_2021_template_follows_the_law_from_polling_day():
    items = {m["kind"]: m["day"] for m in services.template_2021_milestones(date(2021, 5, 23))}
    assert items == {
        "voter_list_posted": date(2021, 4, 13),
        "candidate_list_posted": date(2021, 5, 3),
        "list_check_ends": date(2021, 5, 13),
        "polling_day": date(2021, 5, 23),
    }


def test_election_created_with_template_has_ordered_milestones(election):
    assert [m.day for m in election.milestones] == sorted(m.day for m in election.milestones)
    assert len(election.milestones) == 4
    assert all(m.text for m in election.milestones)


def test_milestone_after_polling_day_is_refused_and_nothing_written(election):
    before = count(Milestone)
    with pytest.raises(ElectionError) as exc:
        services.save_milestone(election, {"kind": "other", "day": date(2021, 5, 24), "title": "Kiểm phiếu"})
    assert "24/05/2021" in str(exc.value)
    db.session.expire_all()
    assert count(Milestone) == before


def test_editing_a_milestone_past_polling_day_keeps_the_old_date(election):
    milestone = election.milestones[0]
    with pytest.raises(ElectionError):
        services.save_milestone(election, {"kind": milestone.kind, "day": date(2021, 6, 1), "title": "x"}, milestone)
    db.session.expire_all()
    assert db.session.get(Milestone, milestone.id).day == date(2021, 4, 13)


def test_moving_polling_day_before_milestones_is_refused(election):
    data = {"name": election.name, "polling_day": date(2021, 5, 1), "bodies": election.bodies}
    with pytest.raises(ElectionError):
        services.update_election(election, data)
    db.session.expire_all()
    assert db.session.get(Election, election.id).polling_day == date(2021, 5, 23)


def test_moving_polling_day_later_moves_the_polling_day_milestone(election):
    services.update_election(election, {"name": election.name, "polling_day": date(2021, 5, 30)})
    db.session.expire_all()
    e = services.get_election(election.id)
    assert [m.day for m in e.milestones if m.kind == "polling_day"] == [date(2021, 5, 30)]


def test_polls_must_close_after_they_open(groups):
    from datetime import time

    with pytest.raises(ElectionError):
        services.create_election({"name": "X", "polling_day": date(2026, 3, 15), "polls_open": time(19), "polls_close": time(7)})
    assert count(Election) == 0


def test_reminder_template_with_unknown_placeholder_is_refused(election):
    data = {"name": election.name, "polling_day": election.polling_day, "reminder_body": "Chào {ten_cu_tri}"}
    with pytest.raises(ElectionError) as exc:
        services.update_election(election, data)
    assert "{ten_cu_tri}" in str(exc.value)
    db.session.expire_all()
    assert "{ten_cu_tri}" not in db.session.get(Election, election.id).reminder_body


# --------------------------------------------------------------------------- polling areas


def test_area_without_group_is_refused(election):
    before = count(PollingArea)
    with pytest.raises(ElectionError):
        services.save_polling_area(
            election, {"number": 9, "station_name": "A", "station_address": "B", "group_ids": []}
        )
    assert count(PollingArea) == before


def test_group_in_two_areas_of_one_election_is_refused(election, groups):
    before = (count(PollingArea), count(PollingAreaGroup))
    with pytest.raises(ElectionError) as exc:
        services.save_polling_area(
            election,
            {"number": 9, "station_name": "A", "station_address": "B", "group_ids": [groups[5].id, groups[0].id]},
        )
    assert "Tổ dân phố số 1" in str(exc.value)
    db.session.expire_all()
    assert (count(PollingArea), count(PollingAreaGroup)) == before


def test_the_database_also_refuses_a_group_in_two_areas(election, groups):
    area2 = election.areas[1]
    db.session.add(PollingAreaGroup(area_id=area2.id, group_id=groups[0].id, election_id=election.id))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_same_group_may_be_in_areas_of_different_elections(election, groups):
    other = services.create_election({"name": "Bầu cử bổ sung", "polling_day": date(2027, 1, 10)})
    area = services.save_polling_area(
        other, {"number": 1, "station_name": "A", "station_address": "B", "group_ids": [groups[0].id]}
    )
    assert [g.id for g in area.groups] == [groups[0].id]


def test_duplicate_area_number_is_refused(election, groups):
    with pytest.raises(ElectionError):
        services.save_polling_area(
            election, {"number": 1, "station_name": "A", "station_address": "B", "group_ids": [groups[5].id]}
        )


def test_editing_an_area_keeps_its_own_groups(election, groups):
    area = election.areas[0]
    services.save_polling_area(
        election,
        {"number": 1, "station_name": "Mới", "station_address": "B", "group_ids": [groups[0].id, groups[5].id]},
        area,
    )
    db.session.expire_all()
    area = db.session.get(PollingArea, area.id)
    assert area.station_name == "Mới"
    assert {g.id for g in area.groups} == {groups[0].id, groups[5].id}


# --------------------------------------------------------------------------- where to vote


@pytest.mark.parametrize("query", ["Tổ dân phố số 3", "to dan pho so 3", "TO DAN PHO SO 3"])
def test_where_to_vote_by_name_with_or_without_tone_marks(election, query):
    result = services.where_to_vote(election, query)
    assert result.group.name == "Tổ dân phố số 3"
    assert result.area.number == 2
    assert result.area.station_name == "Nhà văn hóa số 2"
    assert result.hours == "07:00–19:00"


def test_where_to_vote_by_id(election, groups):
    assert services.where_to_vote(election, str(groups[4].id)).area.number == 3


def test_where_to_vote_unknown_group(election):
    with pytest.raises(UnknownGroup):
        services.where_to_vote(election, "Tổ dân phố số 99")


def test_where_to_vote_group_not_covered_yet(election):
    result = services.where_to_vote(election, "Tổ dân phố số 6")
    assert result.area is None


# --------------------------------------------------------------------------- home countdown


def test_home_countdown_only_in_the_weeks_before(election):
    assert services.home_countdown(today=date(2021, 5, 1))["days_left"] == 22
    assert services.home_countdown(today=date(2021, 5, 23))["days_left"] == 0
    assert services.home_countdown(today=date(2021, 3, 20)) is None  # 64 days before
    assert services.home_countdown(today=date(2021, 5, 24)) is None


# --------------------------------------------------------------------------- subscriptions


@pytest.mark.parametrize(
    "kwargs",
    [
        {"email": "khong-phai-email", "channels": ["email"]},
        {"email": "lan@", "channels": ["email"]},
        {"phone": "12345", "channels": ["sms"]},
        {"phone": "0912 345 67x", "channels": ["sms"]},
        {"channels": ["email"]},
        {"email": "lan@example.vn", "channels": ["sms"]},
        {"email": "lan@example.vn", "channels": ["fax"]},
    ],
)
def test_bad_subscriptions_are_refused_and_nothing_written(election, outbox, kwargs):
    with pytest.raises(ElectionError):
        services.subscribe(group="Tổ dân phố số 1", **kwargs, consent=ConsentGiven())
    assert count(Subscription) == 0
    assert outbox == []


def test_unknown_group_is_refused(election):
    with pytest.raises(UnknownGroup):
        services.subscribe(email="lan@example.vn", group="Tổ dân phố số 42", channels=["email"], consent=ConsentGiven())
    assert count(Subscription) == 0


def _confirm_link(message) -> str:
    import re

    match = re.search(r"http://localhost(/bau-cu/xac-nhan/\S+)", message.body)
    assert match, message.body
    return match.group(1)


def test_email_subscription_needs_the_confirmation_link(election, outbox):
    result = services.subscribe(email="Lan@Example.vn", group="to dan pho so 1", channels=["email"], name="Lan", consent=ConsentGiven())
    assert result.created and result.email_sent
    sub = result.subscription
    assert sub.email == "lan@example.vn" and sub.email_confirmed_at is None
    assert len(outbox) == 1
    assert outbox[0].to == ["Lan <lan@example.vn>"] or "lan@example.vn" in outbox[0].to[0]
    token = _confirm_link(outbox[0]).rsplit("/", 1)[1]
    with pytest.raises(ElectionError):
        services.confirm_email(token[:-2] + "xx")  # tampered
    services.confirm_email(token)
    db.session.expire_all()
    assert db.session.get(Subscription, sub.id).email_confirmed_at is not None
    with pytest.raises(ElectionError):
        services.confirm_email(token)  # used once


def test_same_subscriber_twice_updates_instead_of_duplicating(election, groups):
    first = services.subscribe(email="lan@example.vn", group=groups[0].id, channels=["email"], consent=ConsentGiven())
    second = services.subscribe(email="LAN@example.vn", group="Tổ dân phố số 3", channels=["email"], consent=ConsentGiven())
    assert count(Subscription) == 1
    assert not second.created
    assert "already" in second.message or "đã" in second.message
    db.session.expire_all()
    assert db.session.get(Subscription, first.subscription.id).group.name == "Tổ dân phố số 3"


def test_email_and_phone_of_two_different_subscriptions_are_refused(election, groups, confirmed_sub):
    confirmed_sub("a@example.vn", groups[0])
    confirmed_sub(None, groups[0], phone="+84912345678")
    with pytest.raises(ElectionError):
        services.subscribe(email="a@example.vn", phone="0912 345 678", group=groups[0].id, channels=["email", "sms"], consent=ConsentGiven())
    assert count(Subscription) == 2


def _sms_code(sub_id: int) -> str:
    from civic.notifications.models import Campaign, Delivery

    row = db.session.scalars(
        sa.select(Delivery)
        .join(Campaign, Campaign.id == Delivery.campaign_id)
        .where(Campaign.kind == "election_subscription_code", Delivery.recipient_key == f"election-sub:{sub_id}")
        .order_by(Delivery.id.desc())
    ).first()
    assert row is not None and row.channel == "sms" and row.address == "+84912345678"
    return row.context["code"]


def test_sms_subscription_is_confirmed_by_the_six_digit_code(election, groups):
    result = services.subscribe(phone="0912.345.678", group=groups[0].id, channels=["sms"], consent=ConsentGiven())
    assert result.sms_sent
    sub = result.subscription
    code = _sms_code(sub.id)
    assert len(code) == 6 and code.isdigit()
    wrong = "000000" if code != "000000" else "111111"
    with pytest.raises(ElectionError):
        services.confirm_sms(sub, wrong)
    services.confirm_sms(sub, code)
    assert sub.phone_confirmed_at is not None and sub.sms_active


def test_sms_code_locks_after_five_wrong_tries(election, groups):
    sub = services.subscribe(phone="0912345678", group=groups[0].id, channels=["sms"], consent=ConsentGiven()).subscription
    code = _sms_code(sub.id)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(services.SMS_CODE_MAX_ATTEMPTS):
        with pytest.raises(ElectionError):
            services.confirm_sms(sub, wrong)
    with pytest.raises(ElectionError):
        services.confirm_sms(sub, code)  # even the right code: too many tries
    assert sub.phone_confirmed_at is None


def test_signed_in_resident_with_verified_email_is_confirmed_at_once(election, groups, make_user, outbox):
    user = make_user(group=groups[2], phone="+84987654321")
    result = services.subscribe(email=user.email, phone=user.phone, group=groups[2].id, channels=["email", "sms"], user=user, consent=ConsentGiven())
    assert not result.email_sent and not result.sms_sent
    assert result.subscription.email_active and result.subscription.sms_active
    assert outbox == []


def test_sms_reference_cannot_be_forged(election, groups):
    sub = services.subscribe(phone="0912345678", group=groups[0].id, channels=["sms"], consent=ConsentGiven()).subscription
    ref = services.sms_reference(sub)
    assert services.subscription_from_reference(ref).id == sub.id
    assert services.subscription_from_reference(ref[:-3] + "abc") is None
    assert services.subscription_from_reference("1") is None


# --------------------------------------------------------------------------- reminders


def at(y, m, d, hh, mm=0) -> datetime:
    return local_to_utc(datetime(y, m, d, hh, mm))


def test_schedule_from_milestones_with_default_offsets(election):
    schedule = services.reminder_schedule(election)
    # Four milestones three days before at 08:00, plus polling-day morning at 06:00.
    assert len(schedule) == 5
    assert schedule[0].due_at == at(2021, 4, 10, 8)
    assert schedule[-1].due_at == at(2021, 5, 23, 6)
    assert len({s.key for s in schedule}) == 5


def test_offsets_are_configurable(app, election):
    app.config["CIVIC_ELECTION_REMINDERS"] = [{"milestones": ["polling_day"], "days_before": 1, "at": "19:30"}]
    schedule = services.reminder_schedule(election)
    assert [s.due_at for s in schedule] == [at(2021, 5, 22, 19, 30)]


def test_due_reminder_becomes_one_personalised_campaign_once(election, groups, confirmed_sub, outbox):
    from civic.notifications.models import Campaign, Delivery

    lan = confirmed_sub("lan@example.vn", groups[2], name="Trần Thị Lan")  # area 2
    confirmed_sub("hung@example.vn", groups[0], name="Phạm Văn Hùng")  # area 1
    confirmed_sub("xa@example.vn", groups[5], name="Ngoài khu vực")  # group 6 in no area
    db.session.add(Subscription(email="chua@example.vn", group_id=groups[0].id, want_email=True))  # unconfirmed
    db.session.commit()

    assert services.send_due_reminders(now=at(2021, 5, 10, 7, 59)) == []  # list-check reminder not yet due
    rows = services.send_due_reminders(now=at(2021, 5, 10, 8, 0))
    assert len(rows) == 1 and rows[0].recipients == 2
    campaign = db.session.get(Campaign, rows[0].campaign_id)
    assert campaign.topic == "elections" and campaign.dedupe_key.startswith(f"election:{election.id}:reminder:")
    deliveries = list(db.session.scalars(sa.select(Delivery).where(Delivery.campaign_id == campaign.id, Delivery.channel == "email")))
    by_address = {d.address: d for d in deliveries}
    assert set(by_address) == {"lan@example.vn", "hung@example.vn"}
    ctx = by_address["lan@example.vn"].context
    assert ctx["name"] == "Trần Thị Lan" and ctx["group"] == "Tổ dân phố số 3"
    assert ctx["area_number"] == "2" and ctx["station_name"] == "Nhà văn hóa số 2"
    assert ctx["station_address"] == "Số 2 phố Vĩnh Phúc" and ctx["hours"] == "07:00–19:00"

    # The message itself, as sent through the engine.
    mail = next(m for m in outbox if "lan@example.vn" in m.to[0])
    assert "Khu vực bỏ phiếu số 2" in mail.body and "Nhà văn hóa số 2" in mail.body
    assert "Hạn cuối kiểm tra danh sách cử tri" in mail.subject

    # Running again, later the same morning, creates nothing new.
    sent_before = len(outbox)
    assert services.send_due_reminders(now=at(2021, 5, 10, 9, 0)) == []
    assert count(Campaign) == 1 + 0 and count(SentReminder) == 1
    assert len(outbox) == sent_before
    assert lan.id


def test_a_recorded_reminder_is_never_created_again_even_if_the_ledger_row_is_lost(election, groups, confirmed_sub):
    """If the process died between the campaign and the SentReminder row, the engine's
    dedupe_key returns the same campaign: still one campaign."""
    from civic.notifications.models import Campaign

    confirmed_sub("lan@example.vn", groups[0])
    services.send_due_reminders(now=at(2021, 5, 10, 8, 0))
    db.session.execute(sa.delete(SentReminder))
    db.session.commit()
    rows = services.send_due_reminders(now=at(2021, 5, 10, 8, 30))
    assert len(rows) == 1
    assert count(Campaign) == 1


def test_stale_reminders_are_not_sent(election, groups, confirmed_sub):
    confirmed_sub("lan@example.vn", groups[0])
    # The list-check reminder was due 10/05 08:00; two days later it is stale.
    assert services.send_due_reminders(now=at(2021, 5, 12, 9, 0)) == []
    # Polling-day morning: only the 06:00 reminder (the 3-day one was due 20/05, over a day ago).
    rows = services.send_due_reminders(now=at(2021, 5, 23, 6, 1))
    assert len(rows) == 1 and rows[0].key.endswith("-0d@0600")


def test_unsubscribed_through_the_engine_gets_nothing_later(election, groups, confirmed_sub, outbox):
    from civic.notifications import services as engine

    confirmed_sub("lan@example.vn", groups[0])
    confirmed_sub("hung@example.vn", groups[1])
    engine.suppress("lan@example.vn", "email", "elections")
    rows = services.send_due_reminders(now=at(2021, 5, 10, 8, 0))
    assert rows[0].recipients == 1
    assert all("lan@example.vn" not in m.to[0] for m in outbox)
    # Subscribing again by form alone does not undo the unsubscribe: it needs the new link.
    result = services.subscribe(email="lan@example.vn", group=groups[0].id, channels=["email"], consent=ConsentGiven())
    assert result.email_sent and not result.subscription.email_active


def test_sms_reminder_goes_to_confirmed_phones(election, groups, confirmed_sub):
    from civic.notifications.models import Delivery

    confirmed_sub(None, groups[0], phone="+84912345678")
    rows = services.send_due_reminders(now=at(2021, 5, 23, 6, 0))
    sms = db.session.scalars(sa.select(Delivery).where(Delivery.campaign_id == rows[0].campaign_id, Delivery.channel == "sms")).one()
    assert sms.address == "+84912345678"
    assert sms.context["area_number"] == "1"


def test_test_send_surfaces_the_engines_template_error(election, make_user):
    editor = make_user(role="editor")
    election.reminder_body = "Chào {ho_ten}"  # bypassing the form's own check
    db.session.commit()
    with pytest.raises(ElectionError) as exc:
        services.send_test_reminder(election, editor)
    assert "{ho_ten}" in str(exc.value)
    with pytest.raises(ElectionError):
        services.preview_reminder(election)


def test_test_send_and_preview_work(election, make_user, outbox):
    editor = make_user(role="editor")
    preview = services.preview_reminder(election)
    assert "Nhà văn hóa số 1" in preview["body_text"]
    services.send_test_reminder(election, editor)
    assert len(outbox) == 1 and editor.email in outbox[0].to[0]


def test_demo_is_idempotent_and_sends_a_reminder(app):
    from civic.accounts import demo as accounts_demo
    from civic.elections import demo
    from civic.notifications.models import Campaign

    accounts_demo.load_demo()
    first = demo.load_demo()
    assert "Bầu cử: 2 (thêm mới 2)" in first[0] and first[1] == "Khu vực bỏ phiếu: 12 (thêm mới 12)"
    assert first[3].startswith("Đã gửi nhắc lịch bầu cử: 1 ")
    second = demo.load_demo()
    # A second run reports what is there, and that nothing was added.
    assert "Bầu cử: 2 (thêm mới 0)" in second[0] and second[1] == "Khu vực bỏ phiếu: 12 (thêm mới 0)"
    assert second[2].startswith("Người đăng ký nhận nhắc lịch: ") and second[2].endswith("(thêm mới 0)")
    e2021 = db.session.scalar(sa.select(Election).where(Election.polling_day == date(2021, 5, 23)))
    areas = services.get_election(e2021.id).areas
    assert len(areas) == 6
    assert sum(len(a.links) for a in areas) == 12
    assert count(Campaign) == 1
    assert services.home_countdown() is not None
    assert timedelta(days=45) <= services.home_countdown()["polling_day"] - services.local_today()


def test_polling_day_milestone_must_be_polling_day(election):
    with pytest.raises(ElectionError):
        services.save_milestone(election, {"kind": "polling_day", "day": date(2021, 5, 22), "title": "Ngày bầu cử"})
