"""The citizen reception schedule (lịch tiếp công dân, Law 42/2013/QH13): rules, days off,
per-session overrides, and the sessions they give.

Sessions are computed, not stored: a session is (rule, original date) plus, when there is one, its
override. Editing a rule, adding a day off or handing a post over shows at once on every page,
the API and the ICS, with no regeneration job and no stale rows; only a ward's decisions about
one session (cancel, move) are written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from civic.accounts.models import ResidentialGroup
from civic.core import pagecache
from civic.core.collation import sort_key
from civic.core.db import transaction
from civic.core.text import clean_line
from civic.core.timeutil import format_date, isoformat_local, local_to_utc, local_today, to_local, utcnow
from civic.extensions import db
from civic.invitations.models import Contact, Post, PostHolding
from civic.invitations.services import list_posts
from civic.schedule.models import (
    HOLIDAY_POLICIES,
    OVERRIDE_ACTIONS,
    HolidayPolicy,
    OverrideAction,
    ReceptionHoliday,
    ReceptionOverride,
    ReceptionRule,
)
from civic.schedule.services import holidays as hol
from civic.schedule.services.errors import ScheduleError

# The home page shows the next session (with the leader holding the post, by name, and the
# post's tổ dân phố): it must not be stale.
PAGE_SCOPES = ("reception",)
pagecache.watch(ReceptionRule, ReceptionHoliday, ReceptionOverride, Post, PostHolding, Contact, ResidentialGroup,
                scopes=PAGE_SCOPES)



class SessionStatus(StrEnum):
    """What became of one reception session: as the rule says, moved, skipped on a day off, cancelled."""

    SCHEDULED = "scheduled"
    MOVED = "moved"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"


SCHEDULED, MOVED = SessionStatus.SCHEDULED, SessionStatus.MOVED
SKIPPED, CANCELLED = SessionStatus.SKIPPED, SessionStatus.CANCELLED
HORIZON_WEEKS = 8


class ReceptionError(ScheduleError):
    """A rule was broken; ``str(exc)`` is a translated, user-facing message; ``field`` names
    the form field it is about."""

    def __init__(self, message: str, status: int = 400, field: str | None = None):
        super().__init__(message, status)
        self.field = field

    @property
    def status(self) -> int:
        return self.code


def policy_labels() -> dict[str, str]:
    return {
        HolidayPolicy.SKIP: _("Skip the session"),
        HolidayPolicy.NEXT: _("Move to the next working day"),
        HolidayPolicy.PREVIOUS: _("Move to the previous working day"),
    }


def weekday_labels() -> list[tuple[int, str]]:
    names = [_("Monday"), _("Tuesday"), _("Wednesday"), _("Thursday"), _("Friday"), _("Saturday"), _("Sunday")]
    return list(enumerate(names))


# --------------------------------------------------------------------------- sessions


@dataclass
class Session:
    rule: ReceptionRule
    original_on: date
    on: date | None  # None when skipped or cancelled
    status: str
    post_label: str
    holder_name: str
    holiday: hol.Holiday | None = None
    reason: str = ""
    override: ReceptionOverride | None = None

    @property
    def starts(self) -> datetime | None:
        return local_to_utc(datetime.combine(self.on, self.rule.starts_at)) if self.on else None

    @property
    def ends(self) -> datetime | None:
        return local_to_utc(datetime.combine(self.on, self.rule.ends_at)) if self.on else None

    @property
    def place(self) -> str:
        return self.rule.place

    @property
    def takes_place(self) -> bool:
        return self.on is not None

    @property
    def hours(self) -> str:
        return f"{self.rule.starts_at:%H:%M}–{self.rule.ends_at:%H:%M}"

    @property
    def explanation(self) -> str:
        """Why this session is not where the rule puts it, in a sentence; "" when it is."""
        original = format_date(self.original_on)
        if self.status == MOVED:
            target = format_date(self.on)
            if self.override is not None:
                return _("Moved from %(original)s to %(target)s: %(reason)s", original=original, target=target,
                         reason=self.reason) if self.reason else _(
                    "Moved from %(original)s to %(target)s.", original=original, target=target)
            return _("Moved to %(target)s (instead of %(original)s) because of the holiday: %(holiday)s.",
                     target=target, original=original, holiday=hol.holiday_label(self.holiday))
        if self.status == SKIPPED:
            return _("No session on %(original)s because of the holiday: %(holiday)s.", original=original,
                     holiday=hol.holiday_label(self.holiday))
        if self.status == CANCELLED:
            return _("The session of %(original)s is cancelled: %(reason)s", original=original, reason=self.reason)
        return ""

    def as_dict(self) -> dict:
        return {
            "rule_id": self.rule.id,
            "post_id": self.rule.post_id,
            "post": self.post_label,
            "holder": self.holder_name or None,
            "original_date": self.original_on.isoformat(),
            "date": self.on.isoformat() if self.on else None,
            "starts_at": isoformat_local(self.starts),
            "ends_at": isoformat_local(self.ends),
            "place": self.rule.place,
            "status": self.status,
            "explanation": self.explanation or None,
        }


def holder_on(post: Post, day: date) -> str:
    """Who holds ``post`` on ``day`` (a planned hand-over shows from its date); else today's holder."""
    current = None
    for holding in post.holdings:
        if holding.started_on <= day and (holding.ended_on is None or holding.ended_on > day):
            return holding.contact.full_name
        if holding.ended_on is None:
            current = holding
    return current.contact.full_name if current is not None else ""


def days_off_between(start: date, end: date) -> dict[date, hol.Holiday]:
    extra = [hol.Holiday(h.day, hol.EXTRA, h.name) for h in db.session.scalars(
        sa.select(ReceptionHoliday).where(ReceptionHoliday.day.between(start - timedelta(days=40), end + timedelta(days=40))))]
    return hol.holidays_between(start - timedelta(days=40), end + timedelta(days=40), extra)


def _rule_dates(rule: ReceptionRule, start: date, end: date):
    weekdays = set(rule.weekday_numbers)
    day = max(start, rule.valid_from)
    last = min(end, rule.valid_until) if rule.valid_until else end
    while day <= last:
        if day.weekday() in weekdays:
            yield day
        day += timedelta(days=1)


def session_for(rule: ReceptionRule, original_on: date, days_off: dict[date, hol.Holiday],
                overrides: dict[date, ReceptionOverride]) -> Session:
    post = rule.post
    override = overrides.get(original_on)
    holiday = days_off.get(original_on)
    status, on, reason = SCHEDULED, original_on, ""
    if override is not None:
        reason = override.reason
        if override.action == OverrideAction.CANCEL:
            status, on = CANCELLED, None
        else:
            status, on = MOVED, override.moved_to
    elif holiday is not None:
        if rule.holiday_policy == HolidayPolicy.SKIP:
            status, on = SKIPPED, None
        else:
            status = MOVED
            on = hol.shift_to_working_day(original_on, days_off, 1 if rule.holiday_policy == HolidayPolicy.NEXT else -1)
    return Session(rule=rule, original_on=original_on, on=on, status=status, post_label=post.label,
                   holder_name=holder_on(post, on or original_on), holiday=holiday if override is None else None,
                   reason=reason, override=override)


def _rules(rule_ids=None) -> list[ReceptionRule]:
    stmt = sa.select(ReceptionRule).options(
        selectinload(ReceptionRule.overrides),
        selectinload(ReceptionRule.post).selectinload(Post.holdings).joinedload(PostHolding.contact),
    )
    if rule_ids is not None:
        stmt = stmt.where(ReceptionRule.id.in_(list(rule_ids)))
    return list(db.session.scalars(stmt).unique())


def sessions_between(start: date, end: date, rules: list[ReceptionRule] | None = None) -> list[Session]:
    """Every session whose date (or, when skipped/cancelled, whose rule date) is in [start, end],
    in date order. A session moved into the range from just outside it is included too."""
    rules = _rules() if rules is None else rules
    days_off = days_off_between(start, end)
    found: list[Session] = []
    for rule in rules:
        overrides = {o.original_on: o for o in rule.overrides}
        for original_on in _rule_dates(rule, start - timedelta(days=14), end + timedelta(days=14)):
            s = session_for(rule, original_on, days_off, overrides)
            shown_on = s.on or s.original_on
            if start <= shown_on <= end:
                found.append(s)
    found.sort(key=lambda s: (s.on or s.original_on, s.rule.starts_at, s.post_label))
    return found


def upcoming_sessions(today: date | None = None, weeks: int = HORIZON_WEEKS) -> list[Session]:
    today = today or local_today()
    return sessions_between(today, today + timedelta(weeks=weeks) - timedelta(days=1))


def next_session(now: datetime | None = None, sessions: list[Session] | None = None) -> Session | None:
    """The first session that takes place and has not ended yet."""
    now = now or utcnow()
    today = to_local(now).date()
    sessions = upcoming_sessions(today) if sessions is None else sessions
    return next((s for s in sessions if s.takes_place and s.ends > now), None)


@dataclass
class LeaderSessions:
    post_label: str
    holder_name: str
    rules: list[ReceptionRule] = field(default_factory=list)
    sessions: list[Session] = field(default_factory=list)


def by_leader(sessions: list[Session]) -> list[LeaderSessions]:
    groups: dict[int, LeaderSessions] = {}
    for s in sessions:
        group = groups.setdefault(s.rule.post_id, LeaderSessions(s.post_label, holder_on(s.rule.post, local_today())))
        if s.rule not in group.rules:
            group.rules.append(s.rule)
        group.sessions.append(s)
    return sorted(groups.values(), key=lambda g: sort_key(g.post_label))


def rule_summary(rule: ReceptionRule) -> str:
    """"Thứ Năm hằng tuần, 07:30–11:30, Trụ sở UBND phường"."""
    names = dict(weekday_labels())
    days = ", ".join(names[d] for d in rule.weekday_numbers)
    return _("Every %(days)s, %(start)s–%(end)s, %(place)s", days=days, start=f"{rule.starts_at:%H:%M}",
             end=f"{rule.ends_at:%H:%M}", place=rule.place)


# --------------------------------------------------------------------------- writing rules


@dataclass
class RuleInput:
    post_id: int | str | None
    weekdays: list[int]
    starts_at: time | None
    ends_at: time | None
    place: str
    valid_from: date | None
    valid_until: date | None = None
    holiday_policy: str = HolidayPolicy.NEXT
    note: str = ""


def list_rules() -> list[ReceptionRule]:
    return sorted(_rules(), key=lambda r: (sort_key(r.post.label), r.valid_from, r.id))


def get_rule(rule_id) -> ReceptionRule | None:
    try:
        return db.session.get(ReceptionRule, int(rule_id))
    except (TypeError, ValueError, OverflowError):
        return None


def _post(post_id) -> Post:
    try:
        post = db.session.get(Post, int(post_id))
    except (TypeError, ValueError, OverflowError):
        post = None
    if post is None:
        raise ReceptionError(_("This post is not in the leaders' directory."), 404 if post_id else 400, "post_id")
    return post


def _overlaps(a_from: date, a_until: date | None, b_from: date, b_until: date | None) -> bool:
    return (b_until is None or a_from <= b_until) and (a_until is None or b_from <= a_until)


def check_rule(data: RuleInput, rule: ReceptionRule | None = None) -> Post:
    """Every check before anything is written; raises ReceptionError."""
    post = _post(data.post_id)
    if not data.weekdays or any(d not in range(7) for d in data.weekdays):
        raise ReceptionError(_("Choose at least one weekday."), field="weekdays")
    if data.starts_at is None or data.ends_at is None:
        raise ReceptionError(_("Enter the start and end times."), field="starts_at")
    if data.ends_at <= data.starts_at:
        raise ReceptionError(_("The session must end after it starts."), field="ends_at")
    if not clean_line(data.place):
        raise ReceptionError(_("Enter the place where citizens are received."), field="place")
    if data.valid_from is None:
        raise ReceptionError(_("Enter the date the schedule starts."), field="valid_from")
    if data.valid_until is not None and data.valid_until < data.valid_from:
        raise ReceptionError(_("The schedule must end on or after the day it starts."), field="valid_until")
    if data.holiday_policy not in HOLIDAY_POLICIES:
        raise ReceptionError(_("Choose what happens to a session on a holiday."), field="holiday_policy")
    for other in db.session.scalars(sa.select(ReceptionRule).where(ReceptionRule.post_id == post.id)):
        if rule is not None and other.id == rule.id:
            continue
        same_day = set(other.weekday_numbers) & set(data.weekdays)
        same_hours = data.starts_at < other.ends_at and other.starts_at < data.ends_at
        if same_day and same_hours and _overlaps(data.valid_from, data.valid_until, other.valid_from, other.valid_until):
            raise ReceptionError(
                _("This leader already receives citizens at that time: %(rule)s.", rule=rule_summary(other)),
                409, "weekdays")
    return post


def save_rule(rule: ReceptionRule | None, data: RuleInput) -> ReceptionRule:
    post = check_rule(data, rule)
    with transaction():
        if rule is None:
            rule = ReceptionRule()
            db.session.add(rule)
        rule.post = post
        rule.weekdays = ",".join(str(d) for d in sorted(set(data.weekdays)))
        rule.starts_at, rule.ends_at = data.starts_at, data.ends_at
        rule.place = clean_line(data.place)[:300]
        rule.valid_from, rule.valid_until = data.valid_from, data.valid_until
        rule.holiday_policy = data.holiday_policy
        rule.note = clean_line(data.note)[:500]
    return rule


def delete_rule(rule: ReceptionRule) -> None:
    with transaction():
        db.session.delete(rule)


# --------------------------------------------------------------------------- days off and overrides


def list_extra_days(start: date | None = None) -> list[ReceptionHoliday]:
    stmt = sa.select(ReceptionHoliday).order_by(ReceptionHoliday.day)
    if start is not None:
        stmt = stmt.where(ReceptionHoliday.day >= start)
    return list(db.session.scalars(stmt))


def add_extra_day(day: date | None, name: str) -> ReceptionHoliday:
    name = clean_line(name)
    if day is None:
        raise ReceptionError(_("Enter a valid date (dd/mm/yyyy)."), field="day")
    if not name:
        raise ReceptionError(_("Enter the name of the day off."), field="name")
    built_in = hol.public_holidays(day.year).get(day)
    if built_in is not None and built_in.kind != hol.EXTRA:
        raise ReceptionError(_("%(day)s is already a day off: %(holiday)s.", day=format_date(day),
                               holiday=hol.holiday_label(built_in)), 409, "day")
    if db.session.scalar(sa.select(ReceptionHoliday.id).where(ReceptionHoliday.day == day)):
        raise ReceptionError(_("%(day)s is already on the list of days off.", day=format_date(day)), 409, "day")
    with transaction():
        extra = ReceptionHoliday(day=day, name=name[:200])
        db.session.add(extra)
    return extra


def get_extra_day(holiday_id) -> ReceptionHoliday | None:
    try:
        return db.session.get(ReceptionHoliday, int(holiday_id))
    except (TypeError, ValueError, OverflowError):
        return None


def delete_extra_day(extra: ReceptionHoliday) -> None:
    with transaction():
        db.session.delete(extra)


def set_override(rule: ReceptionRule, original_on: date | None, action: str, moved_to: date | None = None,
                 reason: str = "") -> ReceptionOverride:
    """Cancel one session (a reason is required) or move it to another date; replaces an earlier
    decision about the same session."""
    reason = clean_line(reason)
    if original_on is None:
        raise ReceptionError(_("Enter a valid date (dd/mm/yyyy)."), field="original_on")
    if original_on not in set(_rule_dates(rule, original_on, original_on)):
        raise ReceptionError(_("%(day)s is not a session day of this schedule.", day=format_date(original_on)),
                             field="original_on")
    if action not in OVERRIDE_ACTIONS:
        raise ReceptionError(_("Choose whether to cancel or move the session."), field="action")
    if action == OverrideAction.CANCEL:
        if not reason:
            raise ReceptionError(_("Give the reason for cancelling, residents will read it."), field="reason")
        moved_to = None
    else:
        if moved_to is None:
            raise ReceptionError(_("Enter the date the session moves to."), field="moved_to")
        if moved_to == original_on:
            raise ReceptionError(_("The new date is the same as the old one."), field="moved_to")
        if abs((moved_to - original_on).days) > 60:
            raise ReceptionError(_("A session can move by at most 60 days."), field="moved_to")
    with transaction():
        override = db.session.scalar(sa.select(ReceptionOverride).where(
            ReceptionOverride.rule_id == rule.id, ReceptionOverride.original_on == original_on))
        if override is None:
            override = ReceptionOverride(rule=rule, original_on=original_on)
            db.session.add(override)
        override.action, override.moved_to, override.reason = action, moved_to, reason[:500]
    return override


def get_override(override_id) -> ReceptionOverride | None:
    try:
        return db.session.get(ReceptionOverride, int(override_id))
    except (TypeError, ValueError, OverflowError):
        return None


def delete_override(override: ReceptionOverride) -> None:
    with transaction():
        db.session.delete(override)


def list_overrides(start: date | None = None) -> list[ReceptionOverride]:
    stmt = sa.select(ReceptionOverride).options(selectinload(ReceptionOverride.rule)).order_by(ReceptionOverride.original_on)
    if start is not None:
        stmt = stmt.where(ReceptionOverride.original_on >= start)
    return list(db.session.scalars(stmt))


def reception_posts() -> list[Post]:
    return list_posts()


# --------------------------------------------------------------------------- ICS


def sessions_ics(sessions: list[Session], name: str) -> bytes:
    """The sessions as iCalendar; a cancelled or skipped one is a CANCELLED event so subscribed
    calendars drop it. icalendar is imported here: most requests never need it."""
    from zoneinfo import ZoneInfo

    from flask import current_app
    from icalendar import Calendar, Event

    tz = ZoneInfo("Asia/Ho_Chi_Minh")
    host = current_app.config["CIVIC_BASE_URL"].split("://", 1)[-1].split("/", 1)[0] or "civic"
    cal = Calendar()
    cal.add("prodid", "-//civic//Citizen reception//VI")
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", "Asia/Ho_Chi_Minh")
    stamp = utcnow()
    for s in sessions:
        vevent = Event()
        vevent.add("uid", f"reception-{s.rule.id}-{s.original_on:%Y%m%d}@{host}")
        vevent.add("dtstamp", stamp)
        day = s.on or s.original_on
        vevent.add("dtstart", datetime.combine(day, s.rule.starts_at, tz))
        vevent.add("dtend", datetime.combine(day, s.rule.ends_at, tz))
        who = f"{s.post_label} {s.holder_name}".strip()
        vevent.add("summary", _("Citizen reception: %(who)s", who=who))
        vevent.add("location", s.rule.place)
        if s.explanation:
            vevent.add("description", s.explanation)
        vevent.add("status", "CONFIRMED" if s.takes_place else "CANCELLED")
        cal.add_component(vevent)
    cal.add_missing_timezones()
    return cal.to_ical()
