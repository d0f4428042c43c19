"""The account itself, for civic.privacy."""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from flask_babel import gettext as _

from civic.accounts.models import ApiToken, PhoneCode, User
from civic.core.permissions import Role
from civic.core.phone import format_phone_local
from civic.core.timeutil import format_datetime
from civic.extensions import db
from civic.privacy.registry import Erased, Identity, Provider, Section, register

ERASED_USER_NAME = "Người dùng đã xóa dữ liệu"


def _user(identity: Identity) -> User | None:
    return db.session.get(User, identity.user_id) if identity.user_id else None


def _find(identity: Identity) -> Section | None:
    user = _user(identity)
    if user is None:
        return None
    return Section(
        key="account", title=_("Your account"),
        headers=[_("Full name"), _("Email"), _("Phone number"), _("Residential group"), _("Created on"), _("Last sign-in")],
        rows=[[user.full_name, user.email, format_phone_local(user.phone) if user.phone else "",
               user.residential_group.name if user.residential_group else "", format_datetime(user.created_at),
               format_datetime(user.last_login_at) if user.last_login_at else ""]],
        subjects=[("user", user.id)],
    )


def _correct(identity: Identity, name: str) -> int:
    user = _user(identity)
    if user is None:
        return 0
    user.full_name = name
    return 1


def _erase(identity: Identity) -> Erased:
    user = _user(identity)
    if user is None:
        return Erased()
    if user.role != Role.RESIDENT.value:
        # A staff account signs off pages and records; an administrator hands over its role first.
        return Erased(kept=[_("Your staff account is kept until an administrator hands over its role; "
                              "your request stays open until then.")], needs_admin=True)
    user.full_name = ERASED_USER_NAME
    user.email = f"da-xoa-{user.id}@invalid.invalid"
    user.email_verified_at = None
    user.phone = None
    user.phone_verified_at = None
    user.residential_group_id = None
    user.active = False
    user.password_hash = "!" + secrets.token_hex(16)  # no password matches
    user.session_version = (user.session_version or 1) + 1
    db.session.execute(sa.delete(PhoneCode).where(PhoneCode.user_id == user.id))
    db.session.execute(sa.delete(ApiToken).where(ApiToken.user_id == user.id))
    return Erased(erased=1)


def register_privacy() -> None:
    register("accounts", Provider(order=10, find=_find, correct=_correct, erase=_erase))
