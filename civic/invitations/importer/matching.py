"""Matching parsed rows to the directory: by phone, then e-mail, else (with neither) by name and
unit; a matched row is "update" with the fields that differ, or "unchanged"."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from civic.accounts.models import ResidentialGroup
from civic.core.text import clean_line, fold
from civic.extensions import db
from civic.invitations.importer.fields import fold_cached
from civic.invitations.importer.report import RowResult
from civic.invitations.models import Contact, ContactGroup, RowAction, contact_group_members

COMPARED = ("family_name", "middle_name", "given_name", "position", "unit", "phone", "email", "notes")


def group_label(name: str) -> str:
    """The name of a tổ dân phố the file names ("3" is "Tổ dân phố 3")."""
    text = clean_line(name)
    if text.isdigit():
        return _("Residential group %(number)s", number=text)
    return text


def residential_groups() -> tuple[dict[str, int], dict[int, int]]:
    """The tổ dân phố ids by folded name and by number."""
    by_folded = {fold(g.name): g.id for g in db.session.execute(sa.select(ResidentialGroup.id, ResidentialGroup.name))}
    by_number = {g.number: g.id for g in db.session.execute(sa.select(ResidentialGroup.id, ResidentialGroup.number))
                 if g.number is not None}
    return by_folded, by_number


def find_group_id(text: str, by_folded: dict, by_number: dict) -> int | None:
    folded = fold_cached(text)
    if folded in by_folded:
        return by_folded[folded]
    digits = "".join(ch for ch in text if ch.isdigit())
    if digits and (text.isdigit() or folded.startswith(("to", "tdp", "khu"))):
        return by_number.get(int(digits))
    return None


@dataclass
class _Directory:
    """What the rows are matched against, read in a few queries (no query per row)."""

    by_phone: dict
    by_email: dict
    by_name: dict
    groups_by_folded: dict
    groups_by_number: dict
    contact_groups: dict
    memberships: dict[int, set[int]]


def _load_directory() -> _Directory:
    columns = [Contact.id, Contact.residential_group_id, Contact.name_folded, *(getattr(Contact, c) for c in COMPARED)]
    existing = db.session.execute(sa.select(*columns)).all()
    by_folded, by_number = residential_groups()
    memberships: dict[int, set[int]] = {}
    for contact_id, group_id in db.session.execute(
            sa.select(contact_group_members.c.contact_id, contact_group_members.c.group_id)):
        memberships.setdefault(contact_id, set()).add(group_id)
    return _Directory(
        by_phone={r.phone: r for r in existing if r.phone},
        by_email={r.email: r for r in existing if r.email},
        # Rows without phone or email match a contact without them by name and unit.
        by_name={(r.name_folded, fold(r.unit)): r for r in existing if not r.phone and not r.email},
        groups_by_folded=by_folded, groups_by_number=by_number,
        contact_groups={r.name_folded: r.id for r in db.session.execute(sa.select(ContactGroup.id, ContactGroup.name_folded))},
        memberships=memberships,
    )


def _match(result: RowResult, directory: _Directory):
    v = result.values
    match = directory.by_phone.get(v["phone"]) if v.get("phone") else None
    if match is None and v.get("email"):
        match = directory.by_email.get(v["email"])
    if match is None and not v.get("phone") and not v.get("email"):
        match = directory.by_name.get((fold(result.full_name), fold(v.get("unit"))))
    return match


def _changes(result: RowResult, match, directory: _Directory) -> list[str]:
    v = result.values
    changes = [name for name in COMPARED if v.get(name) and v.get(name) != (getattr(match, name) or "")]
    if v.get("residential_group"):
        gid = find_group_id(v["residential_group"], directory.groups_by_folded, directory.groups_by_number)
        if gid != match.residential_group_id:
            changes.append("residential_group")
    if v.get("groups"):
        wanted = {directory.contact_groups.get(fold(g)) for g in v["groups"]}
        if None in wanted or not wanted <= directory.memberships.get(match.id, set()):
            changes.append("groups")
    return changes


def classify(results: list[RowResult]) -> None:
    """Match valid rows to existing contacts (the preview's buckets; refreshed before writing)."""
    directory = _load_directory()
    for result in results:
        if result.action == RowAction.REJECT:
            continue
        match = _match(result, directory)
        if match is None:
            result.action = RowAction.CREATE
            continue
        result.contact_id = match.id
        result.changes = _changes(result, match, directory)
        result.action = RowAction.UPDATE if result.changes else RowAction.UNCHANGED
