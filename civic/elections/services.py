"""Election rules: milestones, polling areas, where to vote, subscriptions, reminders.

Every rule that can be broken raises ElectionError whose str() is a translated message.
Messages to residents go through the notification engine (civic.notifications.services).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask import current_app, has_request_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.orm import selectinload

from civic.accounts.models import ResidentialGroup
from civic.accounts.services import AccountError, UnknownGroupError, normalize_email, resolve_group
from civic.core import pagecache
from civic.core.phone import InvalidPhone, normalize_phone
from civic.core.text import clean_line, nfc
from civic.core.timeutil import local_to_utc, local_today, to_local, utcnow
from civic.core.urls import absolute_url
from civic.elections.models import (
    Body,
    Election,
    Milestone,
    MilestoneKind,
    PollingArea,
    PollingAreaGroup,
    SentReminder,
    Subscription,
)
from civic.extensions import db
from civic.privacy import services as privacy

# Page-cache scopes: the election pages, where-to-vote and the home page's countdown.
PAGE_SCOPES = ("elections",)
pagecache.watch(Election, Milestone, PollingArea, PollingAreaGroup, ResidentialGroup, scopes=PAGE_SCOPES)


class ElectionError(ValueError):
    """A rule was broken; ``str(exc)`` is a translated, user-facing message."""


class UnknownGroup(ElectionError):
    """No tổ dân phố matches what the resident typed."""


class ConsentMissing(ElectionError):
    """The form's consent box was not ticked (422: nothing stored)."""


BODY_LABELS = {
    Body.NATIONAL_ASSEMBLY: _l("National Assembly"),
    Body.CITY_COUNCIL: _l("City People's Council"),
    Body.DISTRICT_COUNCIL: _l("District People's Council"),
    Body.WARD_COUNCIL: _l("Ward People's Council"),
}

MILESTONE_LABELS = {
    MilestoneKind.VOTER_LIST_POSTED: _l("Voter list posted"),
    MilestoneKind.CANDIDATE_LIST_POSTED: _l("Candidate lists posted"),
    MilestoneKind.LIST_CHECK_ENDS: _l("Last day to check the voter list"),
    MilestoneKind.POLLING_DAY: _l("Polling day"),
    MilestoneKind.OTHER: _l("Other"),
}

COUNTDOWN_DAYS = 60
REMINDER_GRACE = timedelta(hours=24)
SMS_CODE_TTL = timedelta(minutes=30)
SMS_CODE_MAX_ATTEMPTS = 5
TOPIC = "elections"

# Placeholders a reminder template may use (one value per recipient).
REMINDER_PLACEHOLDERS = (
    "name",
    "group",
    "area_number",
    "station_name",
    "station_address",
    "hours",
    "polling_day",
    "election",
    "milestone",
    "milestone_date",
    "milestone_text",
    "what_to_bring",
    "election_url",
)

DEFAULT_REMINDER_SUBJECT = "[Bầu cử] {milestone} – {milestone_date}"
DEFAULT_REMINDER_BODY = (
    "Kính gửi {name},\n\n"
    "{milestone} ({milestone_date}): {milestone_text}\n\n"
    "{election}\n"
    "Ngày bầu cử: {polling_day}, giờ bỏ phiếu: {hours}.\n"
    "Cử tri {group} bỏ phiếu tại Khu vực bỏ phiếu số {area_number}: {station_name}, {station_address}.\n\n"
    "Khi đi bỏ phiếu, xin mang theo: {what_to_bring}\n\n"
    "Xem chi tiết: {election_url}\n\n"
    "Ủy ban nhân dân phường"
)
DEFAULT_REMINDER_SMS = "{milestone} {milestone_date}. KVBP so {area_number}: {station_name}, {station_address}. Gio bau: {hours}."

# Reminder offsets: for each rule, the milestones it applies to ("*" = all), how many days
# before, and the local time. Override with CIVIC_ELECTION_REMINDERS in the configuration.
DEFAULT_REMINDER_RULES = (
    {"milestones": "*", "days_before": 3, "at": "08:00"},
    {"milestones": [MilestoneKind.POLLING_DAY.value], "days_before": 0, "at": "06:00"},
)


def _url(endpoint: str, **values) -> str:
    """An absolute address, also from the worker's periodic task (no request there)."""
    if has_request_context():
        return absolute_url(endpoint, **values)
    with current_app.test_request_context("/", base_url=current_app.config["CIVIC_BASE_URL"]):
        return absolute_url(endpoint, **values)


# --------------------------------------------------------------------------- elections


def get_election(election_id) -> Election | None:
    try:
        election_id = int(election_id)
    except (TypeError, ValueError):
        return None
    return db.session.scalar(
        sa.select(Election)
        .where(Election.id == election_id)
        .options(
            selectinload(Election.milestones),
            selectinload(Election.areas).selectinload(PollingArea.links).joinedload(PollingAreaGroup.group),
        )
    )


def list_elections() -> list[Election]:
    """Upcoming elections first (soonest first), then past ones (latest first)."""
    today = local_today()
    elections = list(
        db.session.scalars(
            sa.select(Election).options(
                selectinload(Election.milestones),
                selectinload(Election.areas).selectinload(PollingArea.links).joinedload(PollingAreaGroup.group),
            )
        )
    )
    upcoming = sorted((e for e in elections if e.polling_day >= today), key=lambda e: e.polling_day)
    past = sorted((e for e in elections if e.polling_day < today), key=lambda e: e.polling_day, reverse=True)
    return upcoming + past


def body_labels(election: Election) -> list[str]:
    labels = []
    for value in election.bodies or []:
        try:
            labels.append(str(BODY_LABELS[Body(value)]))
        except ValueError:
            continue
    return labels


def milestone_label(kind: str) -> str:
    try:
        return str(MILESTONE_LABELS[MilestoneKind(kind)])
    except ValueError:
        return str(MILESTONE_LABELS[MilestoneKind.OTHER])


def hours_text(election: Election) -> str:
    return f"{election.polls_open.strftime('%H:%M')}–{election.polls_close.strftime('%H:%M')}"


def _check_template_text(text: str, label: str) -> None:
    """Refuse placeholders the reminder context does not provide (and broken braces)."""
    try:
        fields = [f for _lit, f, _spec, _conv in string.Formatter().parse(text or "") if f is not None]
    except ValueError as exc:
        raise ElectionError(_("The %(part)s has an unmatched brace { or }.", part=label)) from exc
    for field in fields:
        name = field.split(".")[0].split("[")[0]
        if name not in REMINDER_PLACEHOLDERS:
            raise ElectionError(
                _(
                    "The %(part)s uses an unknown placeholder {%(name)s}. Allowed: %(allowed)s.",
                    part=label,
                    name=field,
                    allowed=", ".join("{" + p + "}" for p in REMINDER_PLACEHOLDERS),
                )
            )


def _clean_election_fields(data: dict) -> dict:
    name = clean_line(data.get("name"))
    if not name:
        raise ElectionError(_("Enter the election's name."))
    polling_day = data.get("polling_day")
    if not isinstance(polling_day, date):
        raise ElectionError(_("Enter the polling day."))
    opens = data.get("polls_open") or time(7, 0)
    closes = data.get("polls_close") or time(19, 0)
    if closes <= opens:
        raise ElectionError(_("Polls must close after they open."))
    bodies = []
    for value in data.get("bodies") or []:
        try:
            bodies.append(Body(value).value)
        except ValueError as exc:
            raise ElectionError(_("Unknown elected body: %(body)s.", body=value)) from exc
    fields = {
        "name": name,
        "polling_day": polling_day,
        "polls_open": opens,
        "polls_close": closes,
        "bodies": bodies,
        "what_to_bring": nfc(data.get("what_to_bring") or "").strip(),
        "description": nfc(data.get("description") or "").strip(),
    }
    for key, label in (
        ("reminder_subject", _("reminder subject")),
        ("reminder_body", _("reminder text")),
        ("reminder_sms", _("reminder SMS")),
    ):
        if key in data:
            value = nfc(data.get(key) or "").strip()
            _check_template_text(value, label)
            fields[key] = value
    return fields


def _check_milestones_before(polling_day: date, milestones) -> None:
    for milestone in milestones:
        if milestone.day > polling_day:
            raise ElectionError(
                _(
                    "The milestone “%(title)s” (%(day)s) is after polling day (%(polling)s). "
                    "Milestones must be on or before polling day.",
                    title=milestone.title,
                    day=milestone.day.strftime("%d/%m/%Y"),
                    polling=polling_day.strftime("%d/%m/%Y"),
                )
            )


def create_election(data: dict, user=None, use_template: bool = False) -> Election:
    """A new election; with ``use_template`` its milestones come from the 2021 calendar."""
    fields = _clean_election_fields(data)
    fields.setdefault("reminder_subject", DEFAULT_REMINDER_SUBJECT)
    fields.setdefault("reminder_body", DEFAULT_REMINDER_BODY)
    fields.setdefault("reminder_sms", DEFAULT_REMINDER_SMS)
    try:
        election = Election(created_by=user if getattr(user, "id", None) else None, **fields)
        db.session.add(election)
        if use_template:
            for item in template_2021_milestones(election.polling_day):
                election.milestones.append(Milestone(**item))
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return election


def update_election(election: Election, data: dict) -> Election:
    """Change an election; a polling day earlier than a milestone is refused, nothing is saved."""
    fields = _clean_election_fields(data)
    try:
        _check_milestones_before(fields["polling_day"], election.milestones)
        old_day = election.polling_day
        for key, value in fields.items():
            setattr(election, key, value)
        # The polling-day milestone follows the polling day.
        for milestone in election.milestones:
            if milestone.kind == MilestoneKind.POLLING_DAY and milestone.day == old_day:
                milestone.day = election.polling_day
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return election


def delete_election(election: Election) -> None:
    db.session.delete(election)
    db.session.commit()


def template_2021_milestones(polling_day: date) -> list[dict]:
    """The calendar of Law 85/2015/QH13 on the election of National Assembly deputies and
    People's Council deputies, as applied to the 2021 election (polling day 23/05/2021):

    - Art. 32: the voter list is posted at the latest 40 days before polling day (13/04/2021);
    - Art. 57: the lists of candidates are posted at the latest 20 days before (03/05/2021);
    - Art. 33: complaints about the voter list within 30 days of posting, so checking ends
      10 days before polling day (13/05/2021); Art. 73: the polling time and place are
      announced by the same day (10 days before);
    - Art. 5: polling day is a Sunday; Art. 71: polls open 07:00 and close 19:00 (the election
      team may open earlier, not before 05:00, or close later, not after 21:00).
    Written from our reading of the law as best we know it (article numbers included), not
    from a legal database. Dates are "at the latest" in the law; a committee may post
    earlier, so editors can adjust each milestone afterwards.
    """
    return [
        {
            "kind": MilestoneKind.VOTER_LIST_POSTED.value,
            "day": polling_day - timedelta(days=40),
            "title": "Niêm yết danh sách cử tri",
            "text": "Danh sách cử tri được niêm yết tại trụ sở UBND phường và nơi công cộng của khu vực bỏ phiếu. "
            "Cử tri kiểm tra tên, năm sinh, địa chỉ của mình và gia đình.",
        },
        {
            "kind": MilestoneKind.CANDIDATE_LIST_POSTED.value,
            "day": polling_day - timedelta(days=20),
            "title": "Niêm yết danh sách người ứng cử",
            "text": "Danh sách chính thức những người ứng cử đại biểu được niêm yết tại khu vực bỏ phiếu. "
            "Cử tri tìm hiểu tiểu sử tóm tắt của người ứng cử.",
        },
        {
            "kind": MilestoneKind.LIST_CHECK_ENDS.value,
            "day": polling_day - timedelta(days=10),
            "title": "Hạn cuối kiểm tra danh sách cử tri",
            "text": "Ngày cuối cùng để khiếu nại về danh sách cử tri (thiếu tên, sai thông tin) với UBND phường. "
            "Địa điểm và giờ bỏ phiếu được thông báo đến từng khu vực.",
        },
        {
            "kind": MilestoneKind.POLLING_DAY.value,
            "day": polling_day,
            "title": "Ngày bầu cử",
            "text": "Cử tri đến khu vực bỏ phiếu của mình, mang theo thẻ cử tri và căn cước công dân, "
            "tự tay bỏ phiếu.",
        },
    ]


def apply_2021_template(election: Election) -> Election:
    """Replace the election's milestones with the 2021 calendar computed from its polling day."""
    try:
        election.milestones.clear()
        db.session.flush()
        for item in template_2021_milestones(election.polling_day):
            election.milestones.append(Milestone(**item))
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return election


def get_milestone(election: Election, milestone_id) -> Milestone | None:
    try:
        milestone_id = int(milestone_id)
    except (TypeError, ValueError):
        return None
    return next((m for m in election.milestones if m.id == milestone_id), None)


def save_milestone(election: Election, data: dict, milestone: Milestone | None = None) -> Milestone:
    """Add or change a milestone; one after polling day is refused with nothing written."""
    try:
        kind = MilestoneKind(data.get("kind") or MilestoneKind.OTHER.value).value
    except ValueError as exc:
        raise ElectionError(_("Unknown milestone type.")) from exc
    day = data.get("day")
    if not isinstance(day, date):
        raise ElectionError(_("Enter the milestone's date."))
    title = clean_line(data.get("title")) or milestone_label(kind)
    text = nfc(data.get("text") or "").strip()
    probe = Milestone(kind=kind, day=day, title=title, text=text)
    _check_milestones_before(election.polling_day, [probe])
    if kind == MilestoneKind.POLLING_DAY and day != election.polling_day:
        raise ElectionError(
            _("The polling-day milestone must be on polling day (%(polling)s).",
              polling=election.polling_day.strftime("%d/%m/%Y"))
        )
    try:
        if milestone is None:
            milestone = probe
            election.milestones.append(milestone)
        else:
            milestone.kind, milestone.day, milestone.title, milestone.text = kind, day, title, text
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return milestone


def delete_milestone(election: Election, milestone: Milestone) -> None:
    election.milestones.remove(milestone)
    db.session.commit()


# --------------------------------------------------------------------------- polling areas


def get_area(election: Election, area_id) -> PollingArea | None:
    try:
        area_id = int(area_id)
    except (TypeError, ValueError):
        return None
    return next((a for a in election.areas if a.id == area_id), None)


def save_polling_area(election: Election, data: dict, area: PollingArea | None = None) -> PollingArea:
    """Add or change a polling area. It must cover at least one tổ dân phố, and a tổ dân phố
    may belong to only one area of an election. Nothing is written when a rule fails."""
    try:
        number = int(data.get("number"))
    except (TypeError, ValueError) as exc:
        raise ElectionError(_("Enter the polling area's number.")) from exc
    if number < 1 or number > 10_000:
        raise ElectionError(_("The polling area's number must be between 1 and 10000."))
    station_name = clean_line(data.get("station_name"))
    station_address = clean_line(data.get("station_address"))
    if not station_name or not station_address:
        raise ElectionError(_("Enter the polling station's name and address."))
    map_url = clean_line(data.get("map_url")) or None
    if map_url and not map_url.startswith(("https://", "http://")):
        raise ElectionError(_("The map link must start with https://."))
    group_ids = []
    for raw in data.get("group_ids") or []:
        try:
            group_ids.append(int(raw))
        except (TypeError, ValueError) as exc:
            raise ElectionError(_("Unknown residential group.")) from exc
    group_ids = sorted(set(group_ids))
    if not group_ids:
        raise ElectionError(_("A polling area must cover at least one residential group (tổ dân phố)."))
    groups = {g.id: g for g in db.session.scalars(sa.select(ResidentialGroup).where(ResidentialGroup.id.in_(group_ids)))}
    if len(groups) != len(group_ids):
        raise ElectionError(_("Unknown residential group."))
    for other in election.areas:
        if other is area:
            continue
        if other.number == number:
            raise ElectionError(_("Polling area number %(number)s already exists in this election.", number=number))
        for link in other.links:
            if link.group_id in groups:
                raise ElectionError(
                    _(
                        "%(group)s is already in polling area number %(number)s; a residential group "
                        "votes in one area only.",
                        group=link.group.name,
                        number=other.number,
                    )
                )
    try:
        if area is None:
            area = PollingArea(election=election)
            db.session.add(area)
        area.number, area.station_name, area.station_address, area.map_url = (
            number,
            station_name,
            station_address,
            map_url,
        )
        wanted = set(group_ids)
        for link in list(area.links):
            if link.group_id not in wanted:
                area.links.remove(link)
        have = {link.group_id for link in area.links}
        db.session.flush()
        for group_id in group_ids:
            if group_id not in have:
                area.links.append(PollingAreaGroup(group=groups[group_id], election_id=election.id))
        db.session.commit()
    except sa.exc.IntegrityError as exc:
        # Two editors at once: the database's unique constraints have the last word.
        db.session.rollback()
        raise ElectionError(_("A residential group may be in only one polling area, and area numbers must differ.")) from exc
    except BaseException:
        db.session.rollback()
        raise
    return area


def delete_area(election: Election, area: PollingArea) -> None:
    election.areas.remove(area)
    db.session.commit()


@dataclass
class WhereToVote:
    election: Election
    group: ResidentialGroup
    area: PollingArea | None

    @property
    def hours(self) -> str:
        return hours_text(self.election)


def where_to_vote(election: Election, group_text_or_id) -> WhereToVote:
    """The polling area of a tổ dân phố, however the resident typed it (see _resolve_group)."""
    group = _resolve_group(group_text_or_id)
    area = next((a for a in election.areas if any(link.group_id == group.id for link in a.links)), None)
    return WhereToVote(election=election, group=group, area=area)


def _resolve_group(typed) -> ResidentialGroup:
    """accounts.resolve_group ("tổ 5", "TDP 05", "5" = the group numbered 5) as an election error."""
    try:
        return resolve_group(typed)
    except UnknownGroupError as exc:
        raise UnknownGroup(str(exc)) from exc


def area_for_group(election: Election, group_id: int | None) -> PollingArea | None:
    if group_id is None:
        return None
    return next((a for a in election.areas if any(link.group_id == group_id for link in a.links)), None)


# --------------------------------------------------------------------------- home and news


def home_countdown(today: date | None = None) -> dict | None:
    """The next election when polling day is at most COUNTDOWN_DAYS away, else None."""
    today = today or local_today()
    election = db.session.scalar(
        sa.select(Election)
        .where(Election.polling_day >= today, Election.polling_day <= today + timedelta(days=COUNTDOWN_DAYS))
        .order_by(Election.polling_day)
        .limit(1)
    )
    if election is None:
        return None
    return {
        "election": election,
        "days_left": (election.polling_day - today).days,
        "polling_day": election.polling_day,
        "hours": hours_text(election),
    }


def countdown_for(election: Election, today: date | None = None) -> int | None:
    today = today or local_today()
    days = (election.polling_day - today).days
    return days if days >= 0 else None


NEWS_CATEGORY = "bau-cu"


def related_news(limit: int = 5) -> list:
    """Published articles in the news category "bau-cu", newest first (news' own query)."""
    from civic.news import services as news_services

    category = news_services.get_category(NEWS_CATEGORY)
    if category is None:
        return []
    return news_services.list_published(page=1, category=category, per_page=limit).items


# --------------------------------------------------------------------------- subscriptions


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _sms_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="civic.elections.sms-confirm")


def sms_reference(subscription: Subscription) -> str:
    """An opaque reference to the subscription for the code-entry page (ids are not guessable)."""
    return _sms_serializer().dumps(subscription.id)


def subscription_from_reference(reference: str) -> Subscription | None:
    try:
        sub_id = _sms_serializer().loads(reference or "")
    except BadSignature:
        return None
    return db.session.get(Subscription, sub_id) if isinstance(sub_id, int) else None


@dataclass
class SubscribeResult:
    subscription: Subscription
    created: bool
    email_sent: bool
    sms_sent: bool
    message: str


def subscribe(
    email: str | None = None,
    phone: str | None = None,
    group=None,
    channels=None,
    name: str | None = None,
    user=None,
    consent=None,
) -> SubscribeResult:
    """Subscribe (or update) a resident. Without an account, email and phone are confirmed
    by a link and a 6-digit code; from a signed-in profile the account's verified email and
    phone count as confirmed. The same email or phone again updates the existing row."""
    email = (email or "").strip() or None
    phone = (phone or "").strip() or None
    if email is None and phone is None:
        raise ElectionError(_("Enter an email address or a phone number."))
    if email is not None:
        try:
            email = normalize_email(email)
        except AccountError as exc:
            raise ElectionError(_("This email address is not valid.")) from exc
    if phone is not None:
        try:
            phone = normalize_phone(phone)
        except InvalidPhone as exc:
            raise ElectionError(
                _("This is not a valid Vietnamese phone number (for example 0912 345 678).")
            ) from exc
    if isinstance(channels, str):
        channels = [channels]
    channels = [str(c).strip().lower() for c in (channels or [])]
    if not channels:
        channels = [c for c, v in (("email", email), ("sms", phone)) if v]
    unknown = [c for c in channels if c not in ("email", "sms")]
    if unknown:
        raise ElectionError(_("Channels must be “email” and/or “sms”."))
    if "email" in channels and email is None:
        raise ElectionError(_("Enter an email address to receive reminders by email."))
    if "sms" in channels and phone is None:
        raise ElectionError(_("Enter a phone number to receive reminders by SMS."))
    if group is None or (isinstance(group, str) and not group.strip()):
        raise ElectionError(_("Choose your residential group (tổ dân phố)."))
    group_obj = _resolve_group(group)
    if consent is None:
        raise ConsentMissing(privacy.consent_missing_message())

    by_email = db.session.scalar(sa.select(Subscription).where(Subscription.email == email)) if email else None
    by_phone = db.session.scalar(sa.select(Subscription).where(Subscription.phone == phone)) if phone else None
    if by_email is not None and by_phone is not None and by_email.id != by_phone.id:
        raise ElectionError(
            _("This email address and this phone number belong to two different subscriptions. Use one of them.")
        )
    sub = by_email or by_phone
    created = sub is None
    now = utcnow()
    try:
        if created:
            sub = Subscription(email=email, phone=phone)
            db.session.add(sub)
        else:
            if email and sub.email != email:
                sub.email, sub.email_confirmed_at = email, None
            if phone and sub.phone != phone:
                sub.phone, sub.phone_confirmed_at = phone, None
            if sub.unsubscribed_at is not None:
                # Coming back: confirm again, as a new subscriber would.
                sub.unsubscribed_at = None
                sub.email_confirmed_at = sub.phone_confirmed_at = None
        sub.group = group_obj
        sub.want_email = "email" in channels
        sub.want_sms = "sms" in channels
        if name:
            sub.name = clean_line(name)[:120]
        if user is not None and getattr(user, "is_authenticated", False):
            sub.user_id = user.id
            sub.name = sub.name or user.full_name
            if email and email == user.email and user.email_verified_at is not None:
                sub.email_confirmed_at = sub.email_confirmed_at or now
            if phone and phone == user.phone:
                sub.phone_confirmed_at = sub.phone_confirmed_at or now
        # An address that unsubscribed through the engine's link must opt in again
        # (a form post alone must not undo someone's unsubscribe).
        engine = _engine()
        if sub.want_email and sub.email_confirmed_at and engine.is_suppressed(sub.email, "email", TOPIC):
            own = user is not None and getattr(user, "is_authenticated", False) and user.email == sub.email
            if own and user.email_verified_at is not None:
                _clear_suppression(sub.email, "email")
            else:
                sub.email_confirmed_at = None
        if sub.want_sms and sub.phone_confirmed_at and engine.is_suppressed(sub.phone, "sms", TOPIC):
            own = user is not None and getattr(user, "is_authenticated", False) and user.phone == sub.phone
            if own:
                _clear_suppression(sub.phone, "sms")
            else:
                sub.phone_confirmed_at = None
        db.session.flush()
        privacy.record_consent(consent, "subscription", sub.id, "election_reminders",
                               *[f"messages_{c}" for c in ("email", "sms") if c in channels])
        email_sent = sms_sent = False
        if sub.want_email and sub.email_confirmed_at is None:
            _send_email_confirmation(sub)
            email_sent = True
        if sub.want_sms and sub.phone_confirmed_at is None:
            _send_sms_code(sub)
            sms_sent = True
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    if email_sent or sms_sent:
        message = _("Almost done: confirm your subscription with the link we emailed and/or the code we sent by SMS.")
    elif created:
        message = _("You are subscribed to election reminders.")
    else:
        message = _("Your subscription was already recorded; we updated it.")
    if not created and (email_sent or sms_sent):
        message = _("Your subscription was already recorded; we updated it.") + " " + message
    return SubscribeResult(sub, created, email_sent, sms_sent, message)


def _clear_suppression(address: str, channel: str) -> None:
    """A confirmed opt-in (link, code or signed-in owner) lifts an earlier election unsubscribe.
    An unsubscribe from every topic ("*") stays: it is the stronger, wider wish."""
    from civic.notifications.models import Suppression

    db.session.execute(
        sa.delete(Suppression).where(
            Suppression.address == address, Suppression.channel == channel, Suppression.topic == TOPIC
        )
    )


def _engine():
    from civic.notifications import services as engine

    return engine


def _send_email_confirmation(sub: Subscription) -> None:
    token = secrets.token_urlsafe(24)
    sub.email_token_hash = _hash(token)
    engine = _engine()
    engine.create_campaign(
        kind="election_subscription_confirm",
        topic=TOPIC,
        subject="Xác nhận đăng ký nhận nhắc lịch bầu cử",
        body_text=(
            "Chào {name},\n\n"
            "Bạn (hoặc ai đó) vừa đăng ký nhận nhắc lịch bầu cử của phường cho {group}.\n"
            "Để xác nhận, vui lòng mở đường dẫn sau:\n{confirm_url}\n\n"
            "Nếu bạn không đăng ký, hãy bỏ qua thư này."
        ),
        channels=("email",),
        recipients=[
            engine.Recipient(
                key=f"election-sub:{sub.id}",
                name=sub.name or None,
                email=sub.email,
                phone=None,
                context={
                    "name": sub.name or "cử tri",
                    "group": sub.group.name if sub.group else "",
                    "confirm_url": _url("elections.confirm_email", token=token),
                },
            )
        ],
        transactional=True,
        dedupe_key=f"election-sub:{sub.id}:confirm-email:{sub.email_token_hash[:24]}",
    )


def _send_sms_code(sub: Subscription) -> None:
    code = f"{secrets.randbelow(1_000_000):06d}"
    sub.sms_code_hash = _hash(f"{sub.id}:{code}")
    sub.sms_code_expires_at = utcnow() + SMS_CODE_TTL
    sub.sms_code_attempts = 0
    engine = _engine()
    engine.create_campaign(
        kind="election_subscription_code",
        topic=TOPIC,
        subject="Mã xác nhận",
        body_text="Ma xac nhan dang ky nhac lich bau cu: {code}",
        sms_text="Ma xac nhan dang ky nhac lich bau cu cua phuong: {code}. Hieu luc 30 phut.",
        channels=("sms",),
        recipients=[
            engine.Recipient(
                key=f"election-sub:{sub.id}",
                name=sub.name or None,
                email=None,
                phone=sub.phone,
                context={"code": code},
            )
        ],
        transactional=True,
        urgent=True,  # the resident is waiting for it now, quiet hours do not apply
        dedupe_key=f"election-sub:{sub.id}:code:{sub.sms_code_hash[:24]}",
    )


def confirm_email(token: str) -> Subscription:
    sub = None
    if token:
        sub = db.session.scalar(sa.select(Subscription).where(Subscription.email_token_hash == _hash(token)))
    if sub is None:
        raise ElectionError(_("This confirmation link is not valid or was already used."))
    sub.email_confirmed_at = sub.email_confirmed_at or utcnow()
    sub.email_token_hash = None
    sub.unsubscribed_at = None
    if sub.email:
        _clear_suppression(sub.email, "email")
    db.session.commit()
    return sub


def confirm_sms(sub: Subscription | None, code: str) -> Subscription:
    code = "".join(ch for ch in (code or "") if ch.isdigit())
    if sub is None or sub.sms_code_hash is None:
        raise ElectionError(_("There is no code waiting for confirmation. Subscribe again to get a new one."))
    if sub.sms_code_attempts >= SMS_CODE_MAX_ATTEMPTS:
        raise ElectionError(_("Too many wrong codes. Subscribe again to get a new code."))
    if sub.sms_code_expires_at is None or sub.sms_code_expires_at < utcnow():
        raise ElectionError(_("This code has expired. Subscribe again to get a new one."))
    if len(code) != 6 or not hmac.compare_digest(_hash(f"{sub.id}:{code}"), sub.sms_code_hash):
        sub.sms_code_attempts += 1
        db.session.commit()
        raise ElectionError(_("This code is not correct."))
    sub.phone_confirmed_at = sub.phone_confirmed_at or utcnow()
    sub.sms_code_hash = None
    sub.sms_code_expires_at = None
    sub.unsubscribed_at = None
    if sub.phone:
        _clear_suppression(sub.phone, "sms")
    db.session.commit()
    return sub


def subscription_for_user(user) -> Subscription | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(
        sa.select(Subscription)
        .where(sa.or_(Subscription.user_id == user.id, Subscription.email == user.email))
        .order_by(Subscription.id)
        .limit(1)
    )


def cancel_subscription(sub: Subscription) -> None:
    sub.unsubscribed_at = utcnow()
    db.session.commit()


# --------------------------------------------------------------------------- reminders


@dataclass
class ScheduledReminder:
    key: str
    milestone: Milestone
    due_at: datetime
    valid_until: datetime


def _reminder_rules() -> list[dict]:
    return list(current_app.config.get("CIVIC_ELECTION_REMINDERS") or DEFAULT_REMINDER_RULES)


def reminder_schedule(election: Election) -> list[ScheduledReminder]:
    """Every reminder the configured offsets give this election's milestones, by due time.

    The key includes the milestone's date, so moving a milestone schedules a fresh reminder
    while one already sent for the same date is never sent again."""
    schedule = []
    for milestone in election.milestones:
        for rule in _reminder_rules():
            kinds = rule.get("milestones", "*")
            if kinds != "*" and milestone.kind not in kinds:
                continue
            days = int(rule.get("days_before", 0))
            hour, minute = (int(x) for x in str(rule.get("at", "08:00")).split(":"))
            local_due = datetime.combine(milestone.day - timedelta(days=days), time(hour, minute))
            due_at = local_to_utc(local_due)
            # Late is better than never (a worker was down), but not by more than a day, and
            # never once the milestone's day has passed.
            valid_until = min(
                due_at + REMINDER_GRACE,
                local_to_utc(datetime.combine(milestone.day + timedelta(days=1), time(0, 0))),
            )
            key = f"m{milestone.id}:{milestone.day.isoformat()}:-{days}d@{hour:02d}{minute:02d}"
            schedule.append(ScheduledReminder(key, milestone, due_at, valid_until))
    schedule.sort(key=lambda r: r.due_at)
    return schedule


def _suppressed(addresses: list[tuple[str, str]]) -> set[tuple[str, str]]:
    """(address, channel) pairs that unsubscribed from election messages (or from all) through
    the engine's one-click link: they are left out before a campaign is even created."""
    engine = _engine()
    found = set()
    for channel in ("email", "sms"):
        wanted = [a for a, c in addresses if c == channel]
        found.update((a, channel) for a in engine.suppressed_addresses(wanted, channel, TOPIC))
    return found


def reminder_recipients(election: Election, milestone: Milestone | None = None) -> list:
    """One engine Recipient per confirmed, still-subscribed subscriber whose tổ dân phố is in
    one of the election's polling areas, with their area in the context."""
    engine = _engine()
    area_by_group = {link.group_id: area for area in election.areas for link in area.links}
    if not area_by_group:
        return []
    subs = list(
        db.session.scalars(
            sa.select(Subscription)
            .where(Subscription.unsubscribed_at.is_(None), Subscription.group_id.in_(area_by_group.keys()))
            .order_by(Subscription.id)
        )
    )
    wanted = []
    for sub in subs:
        if sub.email_active:
            wanted.append((sub.email, "email"))
        if sub.sms_active:
            wanted.append((sub.phone, "sms"))
    suppressed = _suppressed(wanted)
    base = _base_context(election, milestone)
    recipients = []
    for sub in subs:
        email = sub.email if sub.email_active and (sub.email, "email") not in suppressed else None
        phone = sub.phone if sub.sms_active and (sub.phone, "sms") not in suppressed else None
        if email is None and phone is None:
            continue
        area = area_by_group[sub.group_id]
        context = {
            **base,
            "name": sub.name or "cử tri",
            "group": sub.group.name,
            "area_number": str(area.number),
            "station_name": area.station_name,
            "station_address": area.station_address,
        }
        recipients.append(
            engine.Recipient(key=f"election-sub:{sub.id}", name=sub.name or None, email=email, phone=phone, context=context)
        )
    return recipients


def _base_context(election: Election, milestone: Milestone | None) -> dict:
    polling = election.polling_day.strftime("%d/%m/%Y")
    return {
        "election": election.name,
        "polling_day": polling,
        "hours": hours_text(election),
        "what_to_bring": election.what_to_bring or "",
        "milestone": milestone.title if milestone else "Ngày bầu cử",
        "milestone_date": milestone.day.strftime("%d/%m/%Y") if milestone else polling,
        "milestone_text": milestone.text if milestone else "",
        "election_url": _url("elections.detail", election_id=election.id),
    }


def _templates(election: Election) -> dict:
    return {
        "subject": election.reminder_subject or DEFAULT_REMINDER_SUBJECT,
        "body_text": election.reminder_body or DEFAULT_REMINDER_BODY,
        "sms_text": election.reminder_sms or DEFAULT_REMINDER_SMS,
    }


def send_due_reminders(now: datetime | None = None) -> list[SentReminder]:
    """Create one campaign for every reminder that is due and not created yet.

    Idempotent: a reminder is recorded in SentReminder and its campaign has a dedupe_key,
    so running this twice (or in two workers at once) never sends a reminder twice."""
    now = now or utcnow()
    today = to_local(now).date()
    elections = list(
        db.session.scalars(
            sa.select(Election)
            .where(Election.polling_day >= today)
            .options(
                selectinload(Election.milestones),
                selectinload(Election.areas).selectinload(PollingArea.links).joinedload(PollingAreaGroup.group),
            )
        )
    )
    created = []
    for election in elections:
        done = set(db.session.scalars(sa.select(SentReminder.key).where(SentReminder.election_id == election.id)))
        for item in reminder_schedule(election):
            if item.key in done or not (item.due_at <= now < item.valid_until):
                continue
            row = _create_reminder_campaign(election, item)
            if row is not None:
                created.append(row)
    return created


def _create_reminder_campaign(election: Election, item: ScheduledReminder) -> SentReminder | None:
    from civic.notifications.services import TemplateError

    recipients = reminder_recipients(election, item.milestone)
    if not recipients:
        return None  # nobody to tell yet; a later run may find subscribers
    try:
        campaign = _engine().create_campaign(
            kind="election_reminder",
            topic=TOPIC,
            channels=("email", "sms"),
            recipients=recipients,
            dedupe_key=f"election:{election.id}:reminder:{item.key}",
            **_templates(election),
        )
    except TemplateError:
        current_app.logger.exception("election %s reminder %s: template error", election.id, item.key)
        db.session.rollback()
        return None
    row = SentReminder(
        election_id=election.id,
        milestone_id=item.milestone.id,
        key=item.key,
        due_at=item.due_at,
        campaign_id=campaign.id,
        recipients=len(recipients),
    )
    db.session.add(row)
    try:
        db.session.commit()
    except sa.exc.IntegrityError:
        db.session.rollback()  # another worker recorded it first; its campaign is the same one
        return None
    return row


def sent_reminders(election: Election) -> list[SentReminder]:
    return list(
        db.session.scalars(
            sa.select(SentReminder).where(SentReminder.election_id == election.id).order_by(SentReminder.due_at)
        )
    )


def preview_reminder(election: Election) -> dict:
    """The reminder as the first covered tổ dân phố would receive it, rendered by the engine
    (its TemplateError becomes an ElectionError message on the editor's page)."""
    engine = _engine()
    recipient = _sample_recipient(election, "Nguyễn Văn A", "cu-tri@example.vn", "+84912345678", "preview")
    try:
        return engine.check_templates(channels=("email", "sms"), recipient=recipient, body_html=None, **_templates(election))
    except engine.TemplateError as exc:
        raise ElectionError(str(exc)) from exc


def _sample_recipient(election: Election, name: str, email: str | None, phone: str | None, key: str):
    engine = _engine()
    today = local_today()
    milestone = next((m for m in election.milestones if m.day >= today), None) or (
        election.milestones[-1] if election.milestones else None
    )
    area = election.areas[0] if election.areas else None
    context = {
        **_base_context(election, milestone),
        "name": name,
        "group": area.groups[0].name if area and area.links else "Tổ dân phố số 1",
        "area_number": str(area.number) if area else "1",
        "station_name": area.station_name if area else "",
        "station_address": area.station_address if area else "",
    }
    return engine.Recipient(key=key, name=name, email=email, phone=phone, context=context)


def send_test_reminder(election: Election, user):
    """Send the reminder to the signed-in editor only, through the engine (its checks apply)."""
    engine = _engine()
    recipient = _sample_recipient(election, user.full_name, user.email, None, f"user:{user.id}")
    try:
        return engine.create_campaign(
            kind="election_reminder_test",
            topic=TOPIC,
            channels=("email",),
            recipients=[recipient],
            created_by=user,
            transactional=True,
            **_templates(election),
        )
    except engine.TemplateError as exc:
        db.session.rollback()
        raise ElectionError(str(exc)) from exc


# --------------------------------------------------------------------------- retention


def anonymise_expired_subscriptions(today: date, grace_days: int) -> int:
    """Anonymise reminder subscriptions whose purpose is served; returns how many.

    A subscription asks for the reminders of the coming election. Once the last election's
    polling day is ``grace_days`` behind ``today`` and no later election is planned, every
    subscription made up to that polling day is anonymised: address, name and codes go, the
    row stays (unsubscribed) so the subscriber counts of past elections still add up.
    A later election keeps the subscriptions (they are waiting for its reminders).
    """
    cutoff = today - timedelta(days=grace_days)
    last = db.session.scalar(sa.select(sa.func.max(Election.polling_day)))
    if last is None or last > cutoff:
        return 0
    end_of_day = local_to_utc(datetime.combine(last + timedelta(days=1), time.min))
    rows = db.session.scalars(
        sa.select(Subscription)
        .where(
            Subscription.created_at < end_of_day,
            sa.or_(Subscription.email.is_not(None), Subscription.phone.is_not(None),
                   Subscription.name != privacy.ERASED_NAME),
        )
        .order_by(Subscription.id)
    ).all()
    now = utcnow()
    for sub in rows:
        sub.email = None
        sub.phone = None
        sub.name = privacy.ERASED_NAME
        sub.group_id = None
        sub.want_email = False
        sub.want_sms = False
        sub.email_token_hash = None
        sub.sms_code_hash = None
        sub.sms_code_expires_at = None
        sub.unsubscribed_at = sub.unsubscribed_at or now
    db.session.flush()
    return len(rows)
