"""Elections and their milestones: reading, editing, the 2021 calendar, the home countdown."""

from __future__ import annotations

import string
from dataclasses import dataclass
from datetime import date, time, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from civic.core import refcache
from civic.core.db import announce, transaction
from civic.core.text import clean_line, nfc
from civic.core.timeutil import local_today
from civic.elections import signals
from civic.elections.errors import ElectionError
from civic.elections.labels import hours_text, milestone_label
from civic.elections.models import Body, Election, Milestone, MilestoneKind, PollingArea, PollingAreaGroup
from civic.elections.services import common, defaults
from civic.elections.services.common import check_day, check_length
from civic.extensions import db

COUNTDOWN_DAYS = 60

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


def with_calendar(query):
    """Eager-load what election pages show: milestones, areas and their tổ dân phố."""
    return query.options(
        selectinload(Election.milestones),
        selectinload(Election.areas).selectinload(PollingArea.links).joinedload(PollingAreaGroup.group),
    )


def get_election(election_id) -> Election | None:
    try:
        election_id = int(election_id)
    except (TypeError, ValueError):
        return None
    if not 1 <= election_id < 2**63:  # beyond any id, and beyond what the database can compare
        return None
    return db.session.scalar(with_calendar(sa.select(Election).where(Election.id == election_id)))


def list_elections() -> list[Election]:
    """Upcoming elections first (soonest first), then past ones (latest first)."""
    today = local_today()
    elections = list(db.session.scalars(with_calendar(sa.select(Election))))
    upcoming = sorted((e for e in elections if e.polling_day >= today), key=lambda e: e.polling_day)
    past = sorted((e for e in elections if e.polling_day < today), key=lambda e: e.polling_day, reverse=True)
    return upcoming + past


def check_template_text(text: str, label: str) -> None:
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


def _clean_bodies(values) -> list[str]:
    bodies = []
    for value in values or []:
        try:
            bodies.append(Body(value).value)
        except ValueError as exc:
            raise ElectionError(_("Unknown elected body: %(body)s.", body=value)) from exc
    return bodies


def _clean_reminder_texts(data: dict) -> dict:
    fields = {}
    for key, label, limit in (
        ("reminder_subject", _("reminder subject"), common.REMINDER_SUBJECT_MAX),
        ("reminder_body", _("reminder text"), common.REMINDER_BODY_MAX),
        ("reminder_sms", _("reminder SMS"), common.REMINDER_SMS_MAX),
    ):
        if key in data:
            value = nfc(data.get(key) or "").strip()
            if not value:
                raise ElectionError(_("Enter the %(part)s.", part=label))
            check_length(value, limit, _("The %(part)s must be at most %(max)s characters.", part=label, max=limit))
            check_template_text(value, label)
            fields[key] = value
    return fields


def _clean_election_fields(data: dict) -> dict:
    name = clean_line(data.get("name"))
    if not name:
        raise ElectionError(_("Enter the election's name."))
    check_length(name, common.NAME_MAX,
                 _("The election's name must be at most %(max)s characters.", max=common.NAME_MAX))
    polling_day = data.get("polling_day")
    if not isinstance(polling_day, date):
        raise ElectionError(_("Enter the polling day."))
    opens = data.get("polls_open") or time(7, 0)
    closes = data.get("polls_close") or time(19, 0)
    if closes <= opens:
        raise ElectionError(_("Polls must close after they open."))
    what_to_bring, description = nfc(data.get("what_to_bring") or "").strip(), nfc(data.get("description") or "").strip()
    check_length(what_to_bring, common.WHAT_TO_BRING_MAX,
                 _("“What to bring” must be at most %(max)s characters.", max=common.WHAT_TO_BRING_MAX))
    check_length(description, common.DESCRIPTION_MAX,
                 _("The description must be at most %(max)s characters.", max=common.DESCRIPTION_MAX))
    return {
        "name": name,
        "polling_day": check_day(polling_day),
        "polls_open": opens,
        "polls_close": closes,
        "bodies": _clean_bodies(data.get("bodies")),
        "what_to_bring": what_to_bring,
        "description": description,
        **_clean_reminder_texts(data),
    }


def election_fields(election: Election) -> dict:
    """The election's current values as a service input (the API's PATCH changes only what it gives)."""
    return {
        "name": election.name,
        "polling_day": election.polling_day,
        "polls_open": election.polls_open,
        "polls_close": election.polls_close,
        "bodies": list(election.bodies or []),
        "what_to_bring": election.what_to_bring,
        "description": election.description,
    }


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
    fields.setdefault("reminder_subject", defaults.reminder_subject())
    fields.setdefault("reminder_body", defaults.reminder_body())
    fields.setdefault("reminder_sms", defaults.reminder_sms())
    with transaction():
        election = Election(created_by=user if getattr(user, "id", None) else None, **fields)
        db.session.add(election)
        if use_template:
            for item in defaults.template_2021_milestones(election.polling_day):
                election.milestones.append(Milestone(**item))
        db.session.flush()
        announce(signals.election_changed, election_id=election.id, change="created")
    return election


def update_election(election: Election, data: dict, change: str = "updated") -> Election:
    """Change an election; a polling day earlier than a milestone is refused, nothing is saved."""
    fields = _clean_election_fields(data)
    with transaction():
        _check_milestones_before(fields["polling_day"], election.milestones)
        old_day = election.polling_day
        for key, value in fields.items():
            setattr(election, key, value)
        # The polling-day milestone follows the polling day.
        for milestone in election.milestones:
            if milestone.kind == MilestoneKind.POLLING_DAY and milestone.day == old_day:
                milestone.day = election.polling_day
        announce(signals.election_changed, election_id=election.id, change=change)
    return election


def update_reminder_texts(election: Election, texts: dict) -> Election:
    """Change only the reminder's subject, text and SMS (checked like the rest of the election)."""
    data = {
        **election_fields(election),
        **{key: texts.get(key) for key in ("reminder_subject", "reminder_body", "reminder_sms")},
    }
    return update_election(election, data, change="reminder_text")


def delete_election(election: Election) -> None:
    election_id = election.id
    with transaction():
        db.session.delete(election)
        announce(signals.election_changed, election_id=election_id, change="deleted")


def apply_2021_template(election: Election) -> Election:
    """Replace the election's milestones with the 2021 calendar computed from its polling day."""
    with transaction():
        election.milestones.clear()
        db.session.flush()
        for item in defaults.template_2021_milestones(election.polling_day):
            election.milestones.append(Milestone(**item))
        announce(signals.election_changed, election_id=election.id, change="calendar_replaced")
    return election


def get_milestone(election: Election, milestone_id) -> Milestone | None:
    try:
        milestone_id = int(milestone_id)
    except (TypeError, ValueError):
        return None
    return next((m for m in election.milestones if m.id == milestone_id), None)


def _clean_milestone(election: Election, data: dict) -> Milestone:
    """The milestone as it would be saved (not attached); refused with nothing written."""
    try:
        kind = MilestoneKind(data.get("kind") or MilestoneKind.OTHER.value).value
    except ValueError as exc:
        raise ElectionError(_("Unknown milestone type.")) from exc
    day = data.get("day")
    if not isinstance(day, date):
        raise ElectionError(_("Enter the milestone's date."))
    title = check_length(clean_line(data.get("title")), common.MILESTONE_TITLE_MAX, _(
        "The milestone's title must be at most %(max)s characters.", max=common.MILESTONE_TITLE_MAX)) or milestone_label(kind)
    text = check_length(nfc(data.get("text") or "").strip(), common.MILESTONE_TEXT_MAX, _(
        "The milestone's text must be at most %(max)s characters.", max=common.MILESTONE_TEXT_MAX))
    probe = Milestone(kind=kind, day=check_day(day), title=title, text=text)
    _check_milestones_before(election.polling_day, [probe])
    if kind == MilestoneKind.POLLING_DAY and day != election.polling_day:
        raise ElectionError(
            _("The polling-day milestone must be on polling day (%(polling)s).",
              polling=election.polling_day.strftime("%d/%m/%Y"))
        )
    return probe


def milestone_fields(milestone: Milestone) -> dict:
    """The milestone's current values as a service input."""
    return {"kind": milestone.kind, "day": milestone.day, "title": milestone.title, "text": milestone.text}


def save_milestone(election: Election, data: dict, milestone: Milestone | None = None) -> Milestone:
    """Add or change a milestone; one after polling day is refused with nothing written."""
    probe = _clean_milestone(election, data)
    change = "created" if milestone is None else "updated"
    with transaction():
        if milestone is None:
            milestone = probe
            election.milestones.append(milestone)
        else:
            milestone.kind, milestone.day, milestone.title, milestone.text = probe.kind, probe.day, probe.title, probe.text
        db.session.flush()
        announce(signals.milestone_changed, election_id=election.id, milestone_id=milestone.id, change=change)
    return milestone


def delete_milestone(election: Election, milestone: Milestone) -> None:
    with transaction():
        milestone_id = milestone.id
        election.milestones.remove(milestone)
        announce(signals.milestone_changed, election_id=election.id, milestone_id=milestone_id, change="deleted")


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
        "is_polling_day": election.polling_day == today,
        "polling_day": election.polling_day,
        "hours": hours_text(election),
    }


@dataclass(frozen=True, slots=True)
class ElectionRef:
    id: int
    name: str


def home_countdown_copy(today: date | None = None) -> dict | None:
    """home_countdown() with a plain copy of the election, kept per process for the local date."""
    today = today or local_today()

    def build():
        found = home_countdown(today)
        if found is None:
            return None
        return {**found, "election": ElectionRef(found["election"].id, found["election"].name)}

    return refcache.copy("elections.countdown", common.PAGE_SCOPES, build, key=(today,))


def countdown_for(election: Election, today: date | None = None) -> int | None:
    today = today or local_today()
    days = (election.polling_day - today).days
    return days if days >= 0 else None
