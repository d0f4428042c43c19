"""At the door: check-in (search, QR code, paper sheet), walk-ins, and the sign-in sheet's order."""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask_babel import gettext as _

from civic.core.collation import sort_key
from civic.core.db import transaction
from civic.core.text import clean_line, fold
from civic.core.timeutil import utcnow
from civic.extensions import db
from civic.invitations.models import (
    AnswerChannel,
    CheckinMethod,
    Invitation,
    InvitationRole,
    InvitationStatus,
    SheetGrouping,
)
from civic.invitations.services.directory import person_name
from civic.invitations.services.invites import list_invitations, new_token


def check_in(inv: Invitation, user=None, method: str = CheckinMethod.SEARCH) -> tuple[Invitation, bool]:
    """Mark arrival; a second check-in changes nothing and reports the first time."""
    if inv.checked_in_at is not None:
        return inv, False
    with transaction():
        # Re-read under the transaction so two organizers scanning at once keep the first time.
        updated = db.session.execute(
            sa.update(Invitation).where(Invitation.id == inv.id, Invitation.checked_in_at.is_(None))
            .values(checked_in_at=utcnow(), checkin_method=CheckinMethod(method), checked_in_by_id=user.id if user else None)
        ).rowcount
    db.session.refresh(inv)
    return inv, bool(updated)


def invitation_by_checkin_code(code: str | None) -> Invitation | None:
    if not code or len(code) < 32 or len(code) > 64:
        return None
    return db.session.scalar(sa.select(Invitation).where(Invitation.checkin_code == code))


def search_invitees(event, q: str) -> list[Invitation]:
    folded = fold(q)
    if not folded:
        return []
    rows = db.session.scalars(sa.select(Invitation).where(
        Invitation.event_id == event.id,
        sa.or_(Invitation.name_folded.contains(folded), sa.func.lower(Invitation.substitute_name).contains(q.lower())),
    )).all()
    if not rows:
        # Substitute names are stored with tone marks; compare folded in Python as a fallback.
        rows = [i for i in list_invitations(event) if folded in fold(i.substitute_name)]
    return sorted(rows, key=lambda i: i.name_key)[:50]


def add_walk_in(event, full_name: str, position: str = "", unit: str = "", user=None) -> Invitation:
    family, middle, given = person_name(full_name)
    inv = Invitation(event_id=event.id, token=new_token(), checkin_code=new_token(), role=InvitationRole.GUEST,
                     source=_("Walk-in"), family_name=family, middle_name=middle, given_name=given,
                     position=clean_line(position)[:200], unit=clean_line(unit)[:200], is_walk_in=True,
                     status=InvitationStatus.ATTEND, answered_at=utcnow(), answered_via=AnswerChannel.WALK_IN,
                     recorded_by_id=user.id if user else None,
                     checked_in_at=utcnow(), checkin_method=CheckinMethod.WALK_IN, checked_in_by_id=user.id if user else None)
    inv.name_folded = fold(inv.full_name)
    with transaction():
        db.session.add(inv)
    return inv


def tick_signed(event, invitation_ids: list[int], user=None) -> int:
    """Check in everyone ticked on the paper sign-in sheet, in one statement."""
    ids = {int(i) for i in invitation_ids}
    if not ids:
        return 0
    with transaction():
        count = db.session.execute(
            sa.update(Invitation)
            .where(Invitation.event_id == event.id, Invitation.id.in_(ids), Invitation.checked_in_at.is_(None))
            .values(checked_in_at=utcnow(), checkin_method=CheckinMethod.PAPER, checked_in_by_id=user.id if user else None)
        ).rowcount
    return count


def unit_of(inv: Invitation) -> str:
    return inv.unit or inv.residential_group_name or _("Other")


def section_of(inv: Invitation) -> str:
    """The sheet's and the report's unit rows: a tổ dân phố gathers its bí thư, tổ trưởng,
    Mặt trận… (each has a unit of their own); others by their unit."""
    return inv.residential_group_name or unit_of(inv)


_NUMBER = re.compile(r"(\d+)")


def unit_sort_key(name: str) -> tuple:
    """Units that carry a number sort by it ("Tổ dân phố số 2" before "… số 10"), the text
    around it in Vietnamese order; "Other" goes last."""
    if name == _("Other"):
        return (1,)
    parts = _NUMBER.split(name)
    return (0, *(int(p) if n % 2 else sort_key(p.strip()) for n, p in enumerate(parts)))


SHEET_GROUPINGS = tuple(SheetGrouping)  # one list by given name (the default), or by unit


def sign_in_sheet(event, grouping: str = SheetGrouping.BY_NAME) -> list[tuple[str, list[Invitation]]]:
    """Who signs: invitees who did not decline (and anyone already checked in). Default one
    list in Vietnamese name order (given, middle, family name), as wards sign; ``"don-vi"``
    groups by tổ dân phố, else by unit, numbered ones by their number. The tick page and report use the same order."""
    people = [i for i in list_invitations(event) if i.status != InvitationStatus.DECLINE or i.present]
    if grouping != SheetGrouping.BY_UNIT:
        return [("", people)] if people else []
    groups: dict[str, list[Invitation]] = {}
    for inv in people:
        groups.setdefault(section_of(inv), []).append(inv)
    return [(unit, groups[unit]) for unit in sorted(groups, key=unit_sort_key)]

