"""Accounts themselves: creating, registering, the profile, and an administrator's changes."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from civic.accounts import signals
from civic.accounts.models import ResidentialGroup, User
from civic.accounts.services.credentials import (
    check_password_rules,
    clean_full_name,
    hash_password,
    normalize_email,
)
from civic.accounts.services.errors import AccountError
from civic.accounts.services.groups import group_by_id
from civic.accounts.services.links import _queue_verification
from civic.accounts.services.phone import _retire_phone_codes
from civic.core.db import announce, transaction
from civic.core.permissions import Role
from civic.core.text import fold
from civic.core.timeutil import utcnow
from civic.extensions import db
from civic.privacy import services as privacy
from civic.privacy.audit import record_audit


def create_user(
    email: str,
    full_name: str,
    password: str,
    role: Role | str = Role.RESIDENT,
    phone: str | None = None,
    group: ResidentialGroup | None = None,
    verified: bool = False,
) -> User:
    """Add a user to the session (the caller commits). Raises AccountError on a duplicate email."""
    address = normalize_email(email)
    try:
        role_value = Role(role).value
    except ValueError as exc:
        raise AccountError(_("Unknown role: %(role)s.", role=role)) from exc
    if db.session.scalar(sa.select(User.id).where(User.email == address)) is not None:
        raise AccountError(_("An account with this email address already exists."))
    user = User(
        email=address,
        full_name=clean_full_name(full_name),
        password_hash=hash_password(password),
        role=role_value,
        phone=phone or None,
        residential_group=group,
        email_verified_at=utcnow() if verified else None,
    )
    db.session.add(user)
    db.session.flush()
    return user


def register_user(
    email: str,
    full_name: str,
    password: str,
    phone: str | None = None,
    group_id: int | None = None,
    consent=None,
) -> User:
    """A new resident account plus its verification email, written together or not at all.
    ``consent`` (civic.privacy.services.ConsentGiven) is required and recorded with it."""
    check_password_rules(password)
    group = group_by_id(group_id)
    if consent is None:
        raise AccountError(privacy.consent_missing_message(), 422)
    try:
        with transaction():
            user = create_user(email, full_name, password, phone=phone, group=group)
            privacy.record_consent(consent, "user", user.id, "account", "messages_email")
            _queue_verification(user)
            announce(signals.user_registered, user=user)
    except IntegrityError as exc:  # two sign-ups with the same email at the same moment
        raise AccountError(_("An account with this email address already exists.")) from exc
    return user


def update_profile(user: User, full_name: str, phone: str | None, group_id: int | None) -> User:
    # Check everything before touching the user, so a bad field changes nothing.
    name = clean_full_name(full_name)
    group = group_by_id(group_id)
    with transaction():
        user.full_name = name
        if (phone or None) != user.phone:
            # A new number is not proved yet; neither is a pending code for the old one.
            user.phone_verified_at = None
            _retire_phone_codes(user, utcnow())
        user.phone = phone or None
        user.residential_group = group
    return user


def get_user(user_id: int) -> User:
    # An id no database integer holds names no account (SQLite would overflow on it).
    user = db.session.get(User, user_id) if 0 < user_id < 2**63 else None
    if user is None:
        raise AccountError(_("This account does not exist."), status=404)
    return user


def change_role(actor: User, target: User, new_role: str) -> bool:
    """Give ``target`` a new role; True when something changed. Written to the audit log."""
    try:
        role = Role(new_role).value
    except ValueError as exc:
        raise AccountError(_("Unknown role: %(role)s.", role=new_role)) from exc
    if actor.id == target.id:
        raise AccountError(_("You cannot change your own role."), status=403)
    if target.role == role:
        return False
    old = target.role
    with transaction():
        target.role = role
        record_audit(actor, "role_change", target, old=old, new=role)
    return True


def set_active(actor: User, target: User, active: bool) -> bool:
    """Deactivate or reactivate ``target``; True when something changed. Written to the audit log."""
    if actor.id == target.id:
        raise AccountError(_("You cannot deactivate or reactivate your own account."), status=403)
    if bool(target.active) == bool(active):
        return False
    with transaction():
        target.active = bool(active)
        record_audit(actor, "reactivate" if active else "deactivate", target, old=not active, new=bool(active))
    return True


def update_account(actor: User, target: User, role: str | None = None, active: bool | None = None) -> bool:
    """An administrator's change of role and/or active (None: unchanged), both or neither
    (one transaction); True when something changed. The same rules and audit rows as
    ``change_role`` and ``set_active``, which the admin page's two forms call."""
    if role is None and active is None:
        raise AccountError(_("Give a role and/or whether the account is active."))
    with transaction():
        changed = change_role(actor, target, role) if role is not None else False
        if active is not None:
            changed = set_active(actor, target, active) or changed
    return changed


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_users(query: str = "", role: str | None = None, page: int = 1, per_page: int = 25):
    """Users matching ``query`` (name or email, tone marks optional) and ``role``, paginated."""
    stmt = sa.select(User)
    folded = fold(query)
    if folded:
        stmt = stmt.where(User.search_folded.like(_like_pattern(folded), escape="\\"))
    if role:
        stmt = stmt.where(User.role == role)
    stmt = stmt.order_by(User.search_folded, User.id)
    return db.paginate(stmt, page=max(page, 1), per_page=per_page, error_out=False)
