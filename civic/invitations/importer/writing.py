"""Writing a classified report: every create and update in ONE transaction with bulk
statements (no per-row queries), all or nothing; new tổ dân phố and groups the file names are
made on the way, and with a file group everyone in the file joins it."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from civic.accounts.models import ResidentialGroup
from civic.core.db import transaction
from civic.core.text import clean_line, fold
from civic.core.timeutil import utcnow
from civic.extensions import db
from civic.invitations.importer.matching import COMPARED, find_group_id, group_label, residential_groups
from civic.invitations.importer.report import ImportReport, RowResult
from civic.invitations.models import Contact, ContactGroup, LegalBasis, RowAction, contact_group_members

NAME_FIELDS = ("family_name", "middle_name", "given_name")


class _Groups:
    """The tổ dân phố ids (by folded name and number), adding those the file names that do not exist."""

    def __init__(self, rows: list[RowResult]):
        self.by_folded, self.by_number = residential_groups()
        new: dict[str, str] = {}
        for r in rows:
            name = r.values.get("residential_group")
            if name and find_group_id(name, self.by_folded, self.by_number) is None:
                new.setdefault(fold(group_label(name)), group_label(name))
        for label in new.values():
            digits = "".join(ch for ch in label if ch.isdigit())
            group = ResidentialGroup(name=label, name_folded=fold(label), number=int(digits) if digits else None)
            db.session.add(group)
            db.session.flush()
            self.by_folded[fold(label)] = group.id
            if group.number is not None:
                self.by_number.setdefault(group.number, group.id)

    def id_for(self, r: RowResult) -> int | None:
        name = r.values.get("residential_group")
        if not name:
            return None
        return find_group_id(name, self.by_folded, self.by_number) or self.by_folded.get(fold(group_label(name)))


def _contact_groups(rows: list[RowResult]) -> dict[str, int]:
    """Group ids by folded name, making the groups the file names that do not exist yet."""
    groups = {r.name_folded: r.id for r in db.session.execute(sa.select(ContactGroup.id, ContactGroup.name_folded))}
    for r in rows:
        for g in r.values.get("groups") or ():
            folded = fold(g)
            if folded not in groups:
                group = ContactGroup(name=clean_line(g)[:160], name_folded=folded)
                db.session.add(group)
                db.session.flush()
                groups[folded] = group.id
    return groups


def _insert_contacts(creates: list[RowResult], groups: _Groups, stamp: dict, need_ids: bool) -> None:
    params = []
    for r in creates:
        v = r.values
        params.append({
            **{name: v[name] for name in (*NAME_FIELDS, "position", "unit", "phone", "email", "notes")},
            "name_folded": fold(r.full_name), "residential_group_id": groups.id_for(r),
            "created_at": stamp["updated_at"], **stamp,
        })
    table = Contact.__table__
    if need_ids:
        ids = db.session.scalars(table.insert().returning(table.c.id, sort_by_parameter_order=True), params).all()
        for r, new_id in zip(creates, ids, strict=True):
            r.contact_id = new_id
    else:
        # No group memberships to link: a plain executemany, without RETURNING.
        db.session.execute(table.insert(), params)


def _update_contacts(updates: list[RowResult], groups: _Groups, stamp: dict) -> None:
    by_keys: dict[tuple, list] = {}  # rows with different key sets go in separate executemany batches
    for r in updates:
        v = r.values
        row = {"id": r.contact_id, **stamp, **{name: v[name] for name in COMPARED if name in r.changes}}
        if any(n in r.changes for n in NAME_FIELDS):
            row.update({name: v[name] for name in NAME_FIELDS}, name_folded=fold(r.full_name))
        if "residential_group" in r.changes:
            row["residential_group_id"] = groups.id_for(r)
        by_keys.setdefault(tuple(sorted(row)), []).append(row)
    for batch in by_keys.values():
        db.session.execute(sa.update(Contact), batch)


def _link_groups(written: list[RowResult], existing: list[RowResult], contact_groups: dict[str, int],
                 file_group: ContactGroup | None) -> int:
    """Memberships the file asks for that are not there yet; returns how many joined the file group."""
    links = {(r.contact_id, contact_groups[fold(g)]) for r in written for g in r.values.get("groups") or ()}
    if file_group is not None:
        links.update((r.contact_id, file_group.id) for r in written)
    if not links:
        return 0
    present = set()
    ids = [r.contact_id for r in existing]
    for i in range(0, len(ids), 500):
        present.update(db.session.execute(
            sa.select(contact_group_members.c.contact_id, contact_group_members.c.group_id)
            .where(contact_group_members.c.contact_id.in_(ids[i:i + 500]))).all())
    new = links - present
    if new:
        db.session.execute(contact_group_members.insert(), [{"contact_id": c, "group_id": g} for c, g in new])
    return sum(1 for _c, g in new if file_group is not None and g == file_group.id)


def write_import(report: ImportReport, file_group: ContactGroup | None = None, legal_basis: str = LegalBasis.PUBLIC_DUTY,
                 source: str = "", now: datetime | None = None) -> dict:
    """Write every create/update of a classified report in ONE transaction; all or nothing.

    With ``file_group`` (resolved by the caller, in its transaction) every person of the file
    (new, changed and unchanged) is also put in that group."""
    creates = [r for r in report.rows if r.action == RowAction.CREATE]
    updates = [r for r in report.rows if r.action == RowAction.UPDATE]
    unchanged = [r for r in report.rows if r.action == RowAction.UNCHANGED] if file_group is not None else []
    stamp = {"updated_at": now or utcnow(), "legal_basis": legal_basis, "source": source}
    with transaction():
        groups = _Groups(creates + updates)
        contact_groups = _contact_groups(creates + updates)
        if creates:
            need_ids = file_group is not None or any(r.values.get("groups") for r in creates)
            _insert_contacts(creates, groups, stamp, need_ids)
        if updates:
            _update_contacts(updates, groups, stamp)
        grouped = _link_groups(creates + updates + unchanged, updates + unchanged, contact_groups, file_group)
    report.written = True
    summary = report.summary()
    summary["legal_basis"] = legal_basis
    if file_group is not None:
        summary.update(group=file_group.name, grouped=grouped)
    return summary
