"""What the events domain holds about a person (their answers), for civic.privacy."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from civic.core.phone import format_phone_local
from civic.core.timeutil import format_datetime, utcnow
from civic.events.models import Rsvp
from civic.events.services.labels import response_labels, status_labels
from civic.extensions import db
from civic.privacy.registry import Erased, Identity, Provider, Section, register
from civic.privacy.services import ERASED_NAME


def _rsvps(identity: Identity) -> list[Rsvp]:
    clauses = []
    if identity.phones:
        clauses.append(Rsvp.phone.in_(identity.phones))
    if identity.emails:
        clauses.append(Rsvp.email.in_(identity.emails))
    if identity.user_id:
        clauses.append(Rsvp.user_id == identity.user_id)
    if not clauses:
        return []
    return list(db.session.scalars(
        sa.select(Rsvp).where(sa.or_(*clauses), Rsvp.erased_at.is_(None))
        .options(joinedload(Rsvp.event)).order_by(Rsvp.created_at, Rsvp.id)
    ).unique())


def _find(identity: Identity) -> Section:
    responses, statuses = response_labels(), status_labels()
    rows = _rsvps(identity)
    return Section(
        key="events", title=_("Your answers to events"),
        headers=[_("Event"), _("Time"), _("Answer"), _("Status"), _("People coming with you"), _("Full name"),
                 _("Phone number"), _("Email"), _("Residential group"), _("Your answers to questions"), _("Answered on")],
        rows=[[r.event.title, format_datetime(r.event.starts_at), responses.get(r.response, r.response),
               statuses.get(r.status, r.status), r.guests, r.name, format_phone_local(r.phone) if r.phone else "",
               r.email or "", r.residential_group.name if r.residential_group else "",
               "; ".join(f"{q}: {a}" for q, a in (r.answers or {}).items()), format_datetime(r.created_at)]
              for r in rows],
        subjects=[("rsvp", r.id) for r in rows],
    )


def _correct(identity: Identity, name: str) -> int:
    rows = _rsvps(identity)
    for r in rows:
        r.name = name
    return len(rows)


def _erase(identity: Identity) -> Erased:
    """Answers stay in the counts (status, guests) with no one's name, phone or e-mail."""
    now = utcnow()
    rows = _rsvps(identity)
    for r in rows:
        r.name = ERASED_NAME
        r.phone = r.email = None
        r.user_id = None
        r.answers = {}
        r.client_key = None
        r.residential_group_id = None
        r.erased_at = now
    return Erased(erased=len(rows))


def register_privacy() -> None:
    register("events", Provider(order=20, find=_find, correct=_correct, erase=_erase))
