"""Election reminder subscriptions, for civic.privacy."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from civic.core.phone import format_phone_local
from civic.core.timeutil import format_datetime, utcnow
from civic.elections.models import Subscription
from civic.extensions import db
from civic.privacy.registry import Erased, Identity, Provider, Section, register


def _subs(identity: Identity) -> list[Subscription]:
    clauses = []
    if identity.phones:
        clauses.append(Subscription.phone.in_(identity.phones))
    if identity.emails:
        clauses.append(Subscription.email.in_(identity.emails))
    if identity.user_id:
        clauses.append(Subscription.user_id == identity.user_id)
    if not clauses:
        return []
    return list(db.session.scalars(sa.select(Subscription).where(sa.or_(*clauses)).order_by(Subscription.id)))


def _find(identity: Identity) -> Section:
    rows = _subs(identity)
    yes, no = _("Yes"), _("No")
    return Section(
        key="elections", title=_("Election reminder subscriptions"),
        headers=[_("Full name"), _("Email"), _("Phone number"), _("Residential group"), _("By email"), _("By SMS"),
                 _("Subscribed on"), _("Unsubscribed on")],
        rows=[[s.name, s.email or "", format_phone_local(s.phone) if s.phone else "", s.group.name if s.group else "",
               yes if s.want_email else no, yes if s.want_sms else no, format_datetime(s.created_at),
               format_datetime(s.unsubscribed_at) if s.unsubscribed_at else ""] for s in rows],
        subjects=[("subscription", s.id) for s in rows],
    )


def _correct(identity: Identity, name: str) -> int:
    rows = _subs(identity)
    for s in rows:
        s.name = name
    return len(rows)


def _withdraw(identity: Identity) -> int:
    now = utcnow()
    rows = [s for s in _subs(identity) if s.unsubscribed_at is None]
    for s in rows:
        s.unsubscribed_at = now
    return len(rows)


def _erase(identity: Identity) -> Erased:
    rows = _subs(identity)
    for s in rows:
        db.session.delete(s)
    return Erased(erased=len(rows))


def register_privacy() -> None:
    register("elections", Provider(order=30, find=_find, correct=_correct, withdraw=_withdraw, erase=_erase))
