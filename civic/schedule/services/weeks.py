"""Building a week: items, validation, copying, recurring items, publishing and revisions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from civic.core.db import after_commit, announce, transaction
from civic.core.text import clean_line, nfc
from civic.core.timeutil import local_to_utc, utcnow
from civic.extensions import db
from civic.invitations.models import Contact, ContactGroup, Post
from civic.invitations.services import LEGAL_BASES
from civic.schedule.models import (
    PARTICIPANT_KINDS,
    SESSIONS,
    ItemStatus,
    ScheduleItem,
    ScheduleParticipant,
    ScheduleRevision,
    ScheduleWeek,
    WeekStatus,
)

# The week's dates and loaders live beside; views and the API reach them through this module.
from civic.schedule.services import outputs
from civic.schedule.services import participants as parts
from civic.schedule.services.dates import (  # noqa: F401
    coming_week,
    iso_week_of,
    session_for,
    shift_week,
    this_week,
    valid_week,
)
from civic.schedule.services.errors import ScheduleConflict, ScheduleError  # noqa: F401
from civic.schedule.services.labels import day_heading, participant_label, time_text
from civic.schedule.services.rows import _claim, _load, _posts, get_item, get_week, get_week_by_id  # noqa: F401
from civic.schedule.signals import week_revised


def list_weeks(limit: int = 30) -> list[ScheduleWeek]:
    return list(db.session.scalars(sa.select(ScheduleWeek).order_by(
        ScheduleWeek.iso_year.desc(), ScheduleWeek.iso_week.desc()).limit(limit)))


def published_weeks(limit: int = 20) -> list[ScheduleWeek]:
    return list(db.session.scalars(sa.select(ScheduleWeek).where(ScheduleWeek.status == WeekStatus.PUBLISHED).order_by(
        ScheduleWeek.iso_year.desc(), ScheduleWeek.iso_week.desc()).limit(limit).options(*_load())))


def create_week(year: int, week: int, user=None) -> ScheduleWeek:
    if not valid_week(year, week):
        raise ScheduleError(_("This week does not exist."), 404)
    if get_week(year, week) is not None:
        raise ScheduleError(_("The schedule of this week already exists."), 409)
    row = ScheduleWeek(iso_year=year, iso_week=week, created_by_id=getattr(user, "id", None))
    try:
        with transaction():
            db.session.add(row)
    except sa.exc.IntegrityError:  # two editors created it at the same moment
        raise ScheduleError(_("The schedule of this week already exists."), 409) from None
    return row


# --------------------------------------------------------------------------- item input


@dataclass
class ItemData:
    """Validated input for an item (from the form or the API). ``participants`` holds
    (kind, value) pairs: ("post", id), ("group", id), ("contact", id), ("unit", name), ("text", words)."""

    day: date
    start: time
    content: str
    session: str = ""
    end: time | None = None
    place: str = ""
    preparing_unit: str = ""
    participants_note: str = ""
    participants_legal_basis: str = "public_duty"
    separate_letter: bool = False
    is_public: bool = True
    chair_post_ids: list[int] = field(default_factory=list)
    participants: list[tuple[str, object]] = field(default_factory=list)
    own_event_id: int | None = None


def item_data(item: ScheduleItem) -> ItemData:
    """An item's current values as input: what the edit form starts from, what an API change
    (PATCH) keeps of the fields it does not send."""
    from civic.core.timeutil import to_local

    pairs = [(p.kind, p.text if p.kind in ("unit", "text") else getattr(p, f"{p.kind}_id")) for p in item.participants]
    return ItemData(day=item.day, start=to_local(item.starts_at).time(), content=item.content,
                    end=to_local(item.ends_at).time() if item.ends_at else None, place=item.place,
                    preparing_unit=item.preparing_unit, participants_note=item.participants_note,
                    participants_legal_basis=item.participants_legal_basis, separate_letter=item.separate_letter,
                    is_public=item.is_public, chair_post_ids=[p.id for p in item.chairs], participants=pairs,
                    own_event_id=item.own_event_id)


def _participant_rows(pairs) -> list[ScheduleParticipant]:
    rows, seen = [], set()
    for kind, value in pairs:
        if kind not in PARTICIPANT_KINDS:
            raise ScheduleError(_("Choose participants from the list."))
        if kind in ("unit", "text"):
            text = clean_line(str(value or ""))[:300]
            if not text:
                continue
            key = (kind, text.casefold())
            row = ScheduleParticipant(kind=kind, text=text)
        else:
            model = {"post": Post, "group": ContactGroup, "contact": Contact}[kind]
            try:
                ref = db.session.get(model, int(value))
            except (TypeError, ValueError):
                ref = None
            if ref is None:
                raise ScheduleError({"post": _("This post does not exist."),
                                     "group": _("This group does not exist."),
                                     "contact": _("This contact does not exist.")}[kind])
            key = (kind, ref.id)
            row = ScheduleParticipant(kind=kind, **{f"{kind}_id": ref.id})
            setattr(row, kind, ref)
        if key in seen:
            continue
        seen.add(key)
        rows.append(row)
    return rows


def _validate(week: ScheduleWeek, data: ItemData) -> tuple[datetime, datetime | None]:
    data.content = nfc(data.content or "").strip()
    if not data.content or len(data.content) > 2000:
        raise ScheduleError(_("Enter what the item is (at most 2,000 characters)."))
    if not isinstance(data.day, date) or not (week.monday <= data.day <= week.sunday):
        raise ScheduleError(_("The day must be within the week from %(start)s to %(end)s.",
                              start=week.monday.strftime("%d/%m/%Y"), end=week.sunday.strftime("%d/%m/%Y")))
    if not isinstance(data.start, time):
        raise ScheduleError(_("Enter the start time."))
    if data.end is not None and data.end < data.start:
        raise ScheduleError(_("The item cannot end before it starts."))
    data.session = data.session or session_for(data.start)
    if data.session not in SESSIONS:
        raise ScheduleError(_("Choose morning, afternoon or evening."))
    data.place = clean_line(data.place or "")[:300]
    data.preparing_unit = clean_line(data.preparing_unit or "")[:200]
    data.participants_note = nfc(data.participants_note or "").strip()[:2000]
    if data.participants_legal_basis not in LEGAL_BASES:
        raise ScheduleError(_("Choose the legal basis for holding this data."))
    if data.own_event_id is not None:
        from civic.events.services import get_event

        if get_event(data.own_event_id) is None:
            raise ScheduleError(_("This event does not exist."))
    starts = local_to_utc(datetime.combine(data.day, data.start))
    ends = local_to_utc(datetime.combine(data.day, data.end)) if data.end else None
    return starts, ends


def _apply(item: ScheduleItem, data: ItemData, starts, ends) -> None:
    item.day, item.session, item.starts_at, item.ends_at = data.day, data.session, starts, ends
    item.content, item.place, item.preparing_unit = data.content, data.place, data.preparing_unit
    item.participants_note, item.separate_letter = data.participants_note, bool(data.separate_letter)
    item.participants_legal_basis = data.participants_legal_basis
    item.is_public, item.own_event_id = bool(data.is_public), data.own_event_id


# --------------------------------------------------------------------------- writes


def _revise(week: ScheduleWeek, user, changed: list[ScheduleItem], summary: str) -> int | None:
    """Inside the write's transaction: on a published week the write becomes a revision (snapshot,
    items marked, carrying events kept in step); returns its number, None for a draft week."""
    if not week.is_published:
        return None
    week.revision += 1
    week.revised_at = utcnow()
    number = week.revision
    for item in changed:
        item.changed_in = number
    db.session.flush()
    db.session.add(ScheduleRevision(week_id=week.id, number=number, created_by_id=getattr(user, "id", None),
                                    summary=summary, changed_item_ids=[i.id for i in changed],
                                    snapshot=snapshot(week)))
    for item in changed:
        parts.sync_event(item, user)
    return number


def _tell(week: ScheduleWeek, user, number: int | None, changes: list[dict] | None = None,
          invite_items: list[ScheduleItem] | None = None) -> None:
    """Called inside the revision's transaction: once it commits, the newly invited and the
    participants of moved items hear, once each. A failure there is logged; the schedule stays saved."""
    if number is None:
        return
    if invite_items:
        after_commit(_invite_after_commit, week, invite_items, user, number)
    if changes:
        announce(week_revised, week=week, number=number, changes=changes)


def _invite_after_commit(week: ScheduleWeek, items: list[ScheduleItem], user, number: int) -> None:
    try:
        with transaction():
            parts.invite(week, items, user, number)
    except Exception:  # noqa: BLE001 - the schedule is saved; the sending is logged
        current_app.logger.exception("could not invite the participants of week %s", week.id)


def add_item(week: ScheduleWeek, data: ItemData, user=None, expected_version=None) -> ScheduleItem:
    starts, ends = _validate(week, data)
    chairs = _posts(data.chair_post_ids)
    rows = _participant_rows(data.participants)
    with transaction():
        _claim(week, expected_version if expected_version is not None else week.version)
        item = ScheduleItem(week_id=week.id)
        _apply(item, data, starts, ends)
        item.chairs = chairs
        item.participants = rows
        week.items.append(item)
        db.session.add(item)
        db.session.flush()
        number = _revise(week, user, [item], _("Added: %(content)s", content=item.content[:120]))
        _tell(week, user, number, invite_items=[item])
    return item


def _when_text(item_or_values) -> str:
    starts, day = item_or_values
    return f"{time_text(starts)} {weekday_day(day)}"


def weekday_day(day: date) -> str:
    return day_heading(day).title()


def update_item(item: ScheduleItem, data: ItemData, user=None, expected_version=None) -> ScheduleItem:
    update_items(item.week, [(item, data)], user, expected_version)
    return item


def _prepare(week: ScheduleWeek, item: ScheduleItem, data: ItemData) -> tuple:
    """Every check of one change, before anything is written."""
    if item.is_cancelled:
        raise ScheduleError(_("A cancelled item cannot be edited."), 409)
    if item.week_id != week.id:
        raise ScheduleError(_("This item is not in this week."), 404)
    starts, ends = _validate(week, data)
    return item, data, starts, ends, _posts(data.chair_post_ids), _participant_rows(data.participants)


def _change(prepared: tuple) -> tuple[dict, bool]:
    """Apply one checked change; returns the reader-visible diff (time, place) and whether
    participants were added."""
    item, data, starts, ends, chairs, rows = prepared
    old_when, old_place = (item.starts_at, item.day), item.place
    old_keys = {_key(p) for p in item.participants}
    _apply(item, data, starts, ends)
    item.chairs = chairs
    kept = {_key(p): p for p in item.participants}
    item.participants = [kept.get(_key(r), r) for r in rows]
    fields = {}
    if old_when[0] != item.starts_at:
        fields["when"] = [_when_text(old_when), _when_text((item.starts_at, item.day))]
    if old_place != item.place:
        fields["place"] = [old_place, item.place]
    return fields, bool({_key(r) for r in rows} - old_keys)


def update_items(week: ScheduleWeek, changes_in, user=None, expected_version=None) -> list[ScheduleItem]:
    """Change several items at once: on a published week that is ONE revision, and each
    participant of the moved items hears once, with all of their moved items listed."""
    prepared = [_prepare(week, item, data) for item, data in changes_in]
    if not prepared:
        raise ScheduleError(_("Nothing to change."))
    changed, changes, invite_items = [], [], []
    with transaction():
        _claim(week, expected_version)
        for one in prepared:
            item = one[0]
            fields, added = _change(one)
            changed.append(item)
            if fields:
                changes.append({"item_id": item.id, "fields": fields, "cancelled": False})
            if added:
                invite_items.append(item)
        summary = (_("Changed: %(content)s", content=changed[0].content[:120]) if len(changed) == 1
                   else _("Changed: %(n)s items", n=len(changed)))
        number = _revise(week, user, changed, summary)
        _tell(week, user, number, changes, invite_items=invite_items or None)
    return changed


def _key(p: ScheduleParticipant):
    return (p.kind, p.post_id or p.group_id or p.contact_id or p.text.casefold())


def add_participants(item: ScheduleItem, pairs, user=None, expected_version=None) -> int:
    """Add participants to an item; on a published week just they are invited. Someone already
    on the item (or already invited through another entry) is refused."""
    if item.is_cancelled:
        raise ScheduleError(_("A cancelled item cannot be edited."), 409)
    rows = _participant_rows(pairs)
    if not rows:
        raise ScheduleError(_("Nobody to add: choose a group, a post or a person."))
    present = {_key(p) for p in item.participants}
    invited = parts.invited_contact_ids(item)
    for row in rows:
        if _key(row) in present:
            raise ScheduleError(_("%(name)s is already a participant of this item.", name=participant_label(row)), 409)
        ids = parts.contact_ids_of([row])
        if ids and invited and ids <= invited:
            raise ScheduleError(_("%(name)s is already invited to this item.", name=participant_label(row)), 409)
    with transaction():
        _claim(item.week, expected_version)
        item.participants.extend(rows)
        number = _revise(item.week, user, [item], _("Participants added: %(content)s", content=item.content[:120]))
        _tell(item.week, user, number, invite_items=[item])
    return len(rows)


def cancel_item(item: ScheduleItem, reason: str, user=None, expected_version=None) -> ScheduleItem:
    reason = clean_line(reason or "")[:500]
    if item.is_cancelled:
        raise ScheduleError(_("This item is already cancelled."), 409)
    if not reason:
        raise ScheduleError(_("Give the reason for cancelling, so readers know why."))
    week = item.week
    if not week.is_published:
        return remove_draft_item(item, user, expected_version)  # a draft item is simply removed
    with transaction():
        _claim(week, expected_version)
        item.status, item.cancel_reason = ItemStatus.CANCELLED, reason
        number = _revise(week, user, [item], _("Cancelled: %(content)s", content=item.content[:120]))
        _tell(week, user, number, [{"item_id": item.id, "fields": {}, "cancelled": True}])
    return item


def remove_draft_item(item: ScheduleItem, user=None, expected_version=None) -> ScheduleItem:
    """Take an item off a draft week; a published week's readers were told of it, so there it is cancelled."""
    week = item.week
    if week.is_published:
        raise ScheduleError(_("An item of a published week is cancelled, with the reason, not deleted."), 409)
    with transaction():
        _claim(week, expected_version)
        db.session.delete(item)
    return item


def publish(week: ScheduleWeek, user=None, expected_version=None, replaces_letters: bool | None = None) -> int:
    """Publish the week (portal, Atom, ICS) and invite each item's participants; returns how
    many people were sent their (one) message."""
    if week.is_published:
        raise ScheduleError(_("This week is already published."), 409)
    if not [i for i in week.items if not i.is_cancelled]:
        raise ScheduleError(_("A week with no items cannot be published. Add the items first."))
    with transaction():
        _claim(week, expected_version)
        if replaces_letters is not None:
            week.replaces_letters = bool(replaces_letters)
        week.status, week.published_at, week.revision = WeekStatus.PUBLISHED, utcnow(), 0
        db.session.flush()
        db.session.add(ScheduleRevision(week_id=week.id, number=0, created_by_id=getattr(user, "id", None),
                                        summary=_("Published"), snapshot=snapshot(week)))
    if not week.replaces_letters:
        return 0
    with transaction():
        return parts.invite(week, week.items, user, 0)


# --------------------------------------------------------------------------- snapshots


def snapshot(week: ScheduleWeek) -> list[dict]:
    """The week as readers see it (display values), stored with each publication."""
    return [outputs.item_view(i) for i in week.items]


def get_revision(week: ScheduleWeek, number: int) -> ScheduleRevision | None:
    return next((r for r in week.revisions if r.number == number), None)


# Copying last week and the recurring items live beside (kept out of this module's length).
from civic.schedule.services.recurring import (  # noqa: E402,F401
    copy_last_week,
    generate_recurring,
    list_recurring,
    save_recurring,
)
