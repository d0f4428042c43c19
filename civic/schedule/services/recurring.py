"""What a new week starts with: last week's items copied, the recurring items (the Monday
briefing) on the week's working days, and the citizen reception sessions the reception rules
give for the week (a session on a holiday skipped or moved, as its rule says)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from civic.core.db import transaction
from civic.core.text import clean_line, nfc
from civic.core.timeutil import local_to_utc, to_local
from civic.extensions import db
from civic.schedule.models import RecurringItem, ScheduleItem, ScheduleParticipant, ScheduleWeek
from civic.schedule.services import reception
from civic.schedule.services.dates import session_for, shift_week
from civic.schedule.services.errors import ScheduleError
from civic.schedule.services.rows import _claim, _posts, get_week


def _copy(week: ScheduleWeek, source: ScheduleItem, day: date) -> ScheduleItem:
    item = ScheduleItem(week_id=week.id)
    start = to_local(source.starts_at).time()
    end = to_local(source.ends_at).time() if source.ends_at else None
    item.day, item.session = day, source.session
    item.starts_at = local_to_utc(datetime.combine(day, start))
    item.ends_at = local_to_utc(datetime.combine(day, end)) if end else None
    for name in ("content", "place", "preparing_unit", "participants_note", "participants_legal_basis",
                 "separate_letter", "is_public", "recurring_id"):
        setattr(item, name, getattr(source, name))
    item.chairs = list(source.chairs)
    item.participants = [ScheduleParticipant(kind=p.kind, post_id=p.post_id, group_id=p.group_id,
                                             contact_id=p.contact_id, text=p.text) for p in source.participants]
    return item


def copy_last_week(week: ScheduleWeek, item_ids=None, user=None, expected_version=None) -> int:
    """Copy last week's (chosen) items, not cancelled ones, to the same weekday of this week."""
    if week.is_published:
        raise ScheduleError(_("Copy items into a draft week only."), 409)
    last = get_week(*shift_week(week.iso_year, week.iso_week, -1))
    sources = [i for i in (last.items if last else []) if not i.is_cancelled]
    if item_ids is not None:
        wanted = {str(i) for i in item_ids}
        sources = [i for i in sources if str(i.id) in wanted]
    if not sources:
        raise ScheduleError(_("Last week has no items to copy."))
    with transaction():
        _claim(week, expected_version)
        for source in sources:
            week.items.append(_copy(week, source, week.monday + timedelta(days=source.day.weekday())))
    return len(sources)


def list_recurring() -> list[RecurringItem]:
    return list(db.session.scalars(sa.select(RecurringItem).order_by(RecurringItem.weekday,
                                                                     RecurringItem.start_time)))


def save_recurring(*, weekday: int, start: time, content: str, end: time | None = None, place: str = "",
                   preparing_unit: str = "", participants_note: str = "", chair_post_ids=(),
                   is_public: bool = True) -> RecurringItem:
    content = nfc(content or "").strip()
    if not content:
        raise ScheduleError(_("Enter what the item is (at most 2,000 characters)."))
    if weekday not in range(7):
        raise ScheduleError(_("Choose a weekday."))
    if end is not None and end < start:
        raise ScheduleError(_("The item cannot end before it starts."))
    posts = _posts(chair_post_ids)
    row = RecurringItem(weekday=weekday, session=session_for(start), start_time=start, end_time=end,
                        content=content[:2000], place=clean_line(place)[:300],
                        preparing_unit=clean_line(preparing_unit)[:200], participants_note=participants_note.strip(),
                        chair_post_ids=[p.id for p in posts], is_public=is_public)
    with transaction():
        db.session.add(row)
    return row


def _reception_items(week: ScheduleWeek, have: set) -> list[ScheduleItem]:
    """The week's citizen reception sessions, where they take place (a holiday has already
    skipped or moved them), each once."""

    items = []
    for s in reception.sessions_between(week.monday, week.sunday):
        if not s.takes_place or ("reception", s.rule.id, s.on) in have:
            continue
        item = ScheduleItem(week_id=week.id, day=s.on, session=session_for(s.rule.starts_at),
                            content=_("Citizen reception (Law on Citizen Reception 2013)"), place=s.rule.place,
                            participants_note=s.explanation, reception_rule_id=s.rule.id,
                            starts_at=local_to_utc(datetime.combine(s.on, s.rule.starts_at)),
                            ends_at=local_to_utc(datetime.combine(s.on, s.rule.ends_at)))
        item.chairs = [s.rule.post]
        items.append(item)
    return items


def _recurring_items(week: ScheduleWeek, have: set) -> list[ScheduleItem]:
    days_off = reception.days_off_between(week.monday, week.sunday)
    items = []
    for r in list_recurring():
        day = week.monday + timedelta(days=r.weekday)
        if not r.active or ("recurring", r.id, day) in have or day in days_off:
            continue
        item = ScheduleItem(week_id=week.id, day=day, session=r.session, content=r.content, place=r.place,
                            preparing_unit=r.preparing_unit, participants_note=r.participants_note,
                            is_public=r.is_public, recurring_id=r.id,
                            starts_at=local_to_utc(datetime.combine(day, r.start_time)),
                            ends_at=local_to_utc(datetime.combine(day, r.end_time)) if r.end_time else None)
        item.chairs = _posts(r.chair_post_ids)
        items.append(item)
    return items


def generate_recurring(week: ScheduleWeek, user=None, expected_version=None) -> int:
    """Add this week's recurring items (not on a day off) and its citizen reception sessions,
    each once: running it again adds nothing."""
    if week.is_published:
        raise ScheduleError(_("Add recurring items to a draft week only."), 409)
    have = {("recurring", i.recurring_id, i.day) for i in week.items if i.recurring_id}
    have |= {("reception", i.reception_rule_id, i.day) for i in week.items if i.reception_rule_id}
    items = _recurring_items(week, have) + _reception_items(week, have)
    if not items:
        raise ScheduleError(_("The recurring items are already in this week."))
    with transaction():
        _claim(week, expected_version)
        week.items.extend(items)
    return len(items)
