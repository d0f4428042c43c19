"""Invitations and the directory of leaders, for civic.privacy.

Both serve a public duty (official meetings, the ward's directory): erasure keeps the
attendance record and the directory and says so; it takes away a substitute's phone."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload  # noqa: F401

from civic.core.phone import format_phone_local
from civic.core.timeutil import format_datetime
from civic.extensions import db
from civic.invitations.labels import status_labels
from civic.invitations.models import Contact, Invitation
from civic.privacy.registry import Erased, Identity, Provider, Section, register


def _own(identity: Identity) -> list[Invitation]:
    clauses = []
    if identity.phones:
        clauses += [Invitation.phone.in_(identity.phones), Invitation.substitute_phone.in_(identity.phones)]
    if identity.emails:
        clauses.append(Invitation.email.in_(identity.emails))
    if not clauses:
        return []
    return list(db.session.scalars(sa.select(Invitation).where(sa.or_(*clauses)).order_by(Invitation.id)))


def _contacts(identity: Identity) -> list[Contact]:
    clauses = []
    if identity.phones:
        clauses.append(Contact.phone.in_(identity.phones))
    if identity.emails:
        clauses.append(Contact.email.in_(identity.emails))
    if identity.user_id:
        clauses.append(Contact.user_id == identity.user_id)
    if not clauses:
        return []
    return list(db.session.scalars(sa.select(Contact).where(sa.or_(*clauses)).order_by(Contact.id)))


def _event_titles(invs: list[Invitation]) -> dict[int, tuple[str, str]]:
    from civic.events.models import Event

    ids = {i.event_id for i in invs}
    if not ids:
        return {}
    return {e.id: (e.title, format_datetime(e.starts_at)) for e in db.session.scalars(sa.select(Event).where(Event.id.in_(ids)))}


def _find(identity: Identity) -> Section:
    invs = _own(identity)
    titles = _event_titles(invs)
    statuses = status_labels()
    rows = []
    for i in invs:
        title, when = titles.get(i.event_id, ("", ""))
        substitute = identity.phones and i.substitute_phone in identity.phones and i.phone not in identity.phones
        rows.append([
            title, when, _("Substitute") if substitute else i.full_name, i.position,
            format_phone_local(i.substitute_phone if substitute else i.phone) if (i.substitute_phone if substitute else i.phone) else "",
            "" if substitute else (i.email or ""), statuses.get(i.status, i.status),
            i.substitute_name, format_datetime(i.checked_in_at) if i.checked_in_at else "",
        ])
    contacts = _contacts(identity)
    for c in contacts:
        rows.append([_("Directory of leaders"), "", c.full_name, c.position, format_phone_local(c.phone) if c.phone else "",
                     c.email or "", "", "", ""])
    return Section(
        key="invitations", title=_("Invitations and the directory of leaders"),
        headers=[_("Meeting"), _("Time"), _("Full name"), _("Position"), _("Phone number"), _("Email"), _("Answer"),
                 _("Substitute"), _("Checked in at")],
        rows=rows,
        subjects=[("invitation", i.id) for i in invs],
        note=_("Invitations to official meetings and the directory of leaders are processed for the ward's public "
               "duty: their attendance records are kept as official records.") if rows else "",
    )


def _erase(identity: Identity) -> Erased:
    invs = _own(identity)
    erased = 0
    for i in invs:
        if identity.phones and i.substitute_phone in identity.phones:
            i.substitute_phone = None
            erased += 1
    kept = []
    if any(identity.phones and i.phone in identity.phones or identity.emails and i.email in identity.emails for i in invs):
        kept.append(_("The attendance of official meetings you were invited to (name, position, answer, check-in) "
                      "is kept: it is an official record."))
    if _contacts(identity):
        kept.append(_("Your entry in the ward's directory of leaders is kept: it serves a public duty. "
                      "Ask the ward's office to correct it."))
    return Erased(erased=erased, kept=kept)


def register_privacy() -> None:
    register("invitations", Provider(order=40, find=_find, erase=_erase))
