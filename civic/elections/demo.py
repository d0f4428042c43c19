"""Demo elections: the 2021 election with six polling areas over the 12 tổ dân phố, subscribers,
a polling-day reminder already sent (visible in the outbox), and an upcoming by-election so the
home page shows a countdown. Idempotent: a second run finds everything and changes nothing."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from civic.accounts.models import ResidentialGroup, User
from civic.accounts.services import get_or_create_group
from civic.config import fill_ward, ward_settings
from civic.core.timeutil import local_to_utc, local_today, utcnow
from civic.elections import services
from civic.elections.models import Body, Election, PollingArea, SentReminder, Subscription
from civic.extensions import db

NAME_2021 = "Bầu cử đại biểu Quốc hội khóa XV và đại biểu Hội đồng nhân dân các cấp nhiệm kỳ 2021–2026"
NAME_UPCOMING = "Bầu cử bổ sung đại biểu Hội đồng nhân dân thành phố nhiệm kỳ 2026–2031"
WHAT_TO_BRING = "Thẻ cử tri và căn cước công dân (hoặc giấy tờ tùy thân có ảnh). Mang theo khẩu trang."
STATIONS = [
    ("Nhà văn hóa tổ dân phố số 1", "Ngõ 12 phố {place}"),
    ("Trường Mầm non {place}", "Số 4 ngõ 85 phố {place}"),
    ("Nhà văn hóa tổ dân phố số 5", "Ngõ 28 đường Hoàng Hoa Thám"),
    ("Trường Tiểu học {place}", "Số 2 phố Đốc Ngữ"),
    ("Hội trường UBND phường", "Số 9 ngõ 1 phố {place}"),
    ("Nhà văn hóa tổ dân phố số 11", "Ngõ 305 đường Hoàng Hoa Thám"),
]
SUBSCRIBERS = 36


def _next_sunday_after(day: date) -> date:
    return day + timedelta(days=(6 - day.weekday()) % 7)


def _ensure_election(name: str, polling_day: date, bodies: list[str], description: str) -> tuple[Election, bool]:
    election = db.session.scalar(sa.select(Election).where(Election.name == name))
    if election is not None:
        return election, False
    election = services.create_election(
        {
            "name": name,
            "polling_day": polling_day,
            "polls_open": time(7, 0),
            "polls_close": time(19, 0),
            "bodies": bodies,
            "what_to_bring": WHAT_TO_BRING,
            "description": description,
        },
        use_template=True,
    )
    return election, True


def _ensure_areas(election: Election, groups: list[ResidentialGroup]) -> int:
    if election.areas:
        return 0
    ward = ward_settings(current_app.config)
    for index, (station, address) in enumerate(STATIONS):
        station, address = fill_ward(station, ward), fill_ward(address, ward)
        covered = groups[index * 2 : index * 2 + 2]
        services.save_polling_area(
            election,
            {
                "number": index + 1,
                "station_name": station,
                "station_address": address + ", " + ward["ward_lower"],
                "map_url": "https://www.openstreetmap.org/search?query=" + address.replace(" ", "%20") + "%20Ha%20Noi",
                "group_ids": [g.id for g in covered],
            },
        )
    return len(STATIONS)


def _ensure_subscribers() -> int:
    residents = list(
        db.session.scalars(
            sa.select(User)
            .where(User.role == "resident", User.residential_group_id.is_not(None))
            .order_by(User.id)
            .limit(SUBSCRIBERS)
        )
    )
    existing = set(db.session.scalars(sa.select(Subscription.email).where(Subscription.email.is_not(None))))
    now = utcnow()
    added = 0
    for n, user in enumerate(residents):
        if user.email in existing:
            continue
        with_sms = bool(user.phone) and n % 3 == 0
        db.session.add(
            Subscription(
                email=user.email,
                phone=user.phone if with_sms else None,
                name=user.full_name,
                group_id=user.residential_group_id,
                user_id=user.id,
                want_email=True,
                want_sms=with_sms,
                email_confirmed_at=now,
                phone_confirmed_at=now if with_sms else None,
            )
        )
        added += 1
    db.session.commit()
    return added


def load_demo() -> list[str]:
    groups = [get_or_create_group(f"Tổ dân phố số {n}") for n in range(1, 13)]
    db.session.commit()
    ward = ward_settings(current_app.config)
    new_elections = new_areas = 0

    # Hà Nội's pilot urban government (Resolution 97/2019/QH14) has no People's Council at
    # ward level from 2021, so a Hà Nội ward elected the National Assembly, city and district.
    election_2021, created = _ensure_election(
        NAME_2021,
        date(2021, 5, 23),
        [Body.NATIONAL_ASSEMBLY.value, Body.CITY_COUNCIL.value, Body.DISTRICT_COUNCIL.value],
        fill_ward("Ngày hội của toàn dân: cử tri {ward_lower} bầu đại biểu Quốc hội khóa XV và "
                  "đại biểu Hội đồng nhân dân thành phố, quận nhiệm kỳ 2021–2026.", ward),
    )
    new_elections += created
    new_areas += _ensure_areas(election_2021, groups)

    upcoming_day = _next_sunday_after(local_today() + timedelta(days=45))
    upcoming, created = _ensure_election(
        NAME_UPCOMING,
        upcoming_day,
        [Body.CITY_COUNCIL.value],
        fill_ward("Bầu bổ sung đại biểu Hội đồng nhân dân thành phố tại đơn vị bầu cử có {ward_lower}.", ward),
    )
    new_elections += created
    new_areas += _ensure_areas(upcoming, groups)

    added = _ensure_subscribers()

    # The polling-day morning reminder of 2021, sent now so the outbox shows it.
    already = db.session.scalar(
        sa.select(sa.func.count()).select_from(SentReminder).where(SentReminder.election_id == election_2021.id)
    )
    sent_now = 0
    if not already:
        morning = local_to_utc(datetime(2021, 5, 23, 6, 5))
        if services.send_due_reminders(now=morning):
            from civic.notifications.worker import run_until_idle

            sent_now = run_until_idle()

    demo_elections = sa.select(Election.id).where(Election.name.in_([NAME_2021, NAME_UPCOMING]))
    elections = db.session.scalar(sa.select(sa.func.count()).select_from(demo_elections.subquery()))
    areas = db.session.scalar(sa.select(sa.func.count(PollingArea.id)).where(PollingArea.election_id.in_(demo_elections)))
    subscribers = db.session.scalar(sa.select(sa.func.count(Subscription.id)))
    reminders = db.session.scalar(sa.select(sa.func.count(SentReminder.id)).where(
        SentReminder.election_id == election_2021.id))
    return [
        _("Elections: %(total)s (%(new)s new), polling day of the next one: %(day)s",
          total=elections, new=new_elections, day=upcoming.polling_day.strftime("%d/%m/%Y")),
        _("Polling areas: %(total)s (%(new)s new)", total=areas, new=new_areas),
        _("Reminder subscribers: %(total)s (%(new)s new)", total=subscribers, new=added),
        _("Election reminders sent: %(total)s (%(new)s messages delivered now)", total=reminders, new=sent_now),
    ]
