"""Account rules: creating users, passwords, sign-in, links, roles, API tokens, groups, audit."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from flask import current_app, has_app_context, has_request_context
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.exc import IntegrityError

from civic.accounts import signals
from civic.accounts.models import ApiToken, PhoneCode, ResidentialGroup, User
from civic.core.db import writing
from civic.core.permissions import Role, api_user_loader
from civic.core.text import clean_line, fold
from civic.core.timeutil import utcnow
from civic.core.urls import absolute_url
from civic.extensions import db, login_manager
from civic.privacy import services as privacy
from civic.privacy.audit import record_audit  # noqa: F401 (moved there; callers import it from here too)
from civic.privacy.models import AuditLog

_hasher = PasswordHasher()
# Tests create hundreds of accounts; argon2's default cost (~0.5 s on a busy CI core) would
# dominate the suite. Only TESTING apps use it; argon2 hashes carry their own parameters.
_test_hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
TOKEN_PREFIX = "civic_"  # noqa: S105 - a marker, not a secret

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256
MAX_NAME_LENGTH = 120
MAX_EMAIL_LENGTH = 254
MAX_TOKEN_NAME_LENGTH = 80
VERIFY_SALT = "civic.accounts.verify-email"
RESET_SALT = "civic.accounts.reset-password"
VERIFY_MAX_AGE = 3 * 24 * 3600  # 3 days
RESET_MAX_AGE = 3600  # 1 hour
TOKEN_ROLES = frozenset({Role.ORGANIZER.value, Role.EDITOR.value, Role.ADMIN.value})
# Writing last_used_at on every API call would make every read a write; a minute is precise enough.
TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)


class AccountError(ValueError):
    """A rule was broken; ``str(exc)`` is a translated, user-facing message; ``status`` the HTTP code."""

    def __init__(self, message: str, status: int = 422):
        super().__init__(message)
        self.status = status


# --------------------------------------------------------------------------- basics


def normalize_email(raw: str) -> str:
    """Validated, lower-cased address; raises AccountError."""
    text = (raw or "").strip()
    if len(text) > MAX_EMAIL_LENGTH:
        raise AccountError(_("This email address is too long."))
    try:
        result = validate_email(text, check_deliverability=False)
    except EmailNotValidError as exc:
        raise AccountError(_("This email address is not valid.")) from exc
    return result.normalized.lower()


def _active_hasher() -> PasswordHasher:
    if has_app_context() and current_app.config.get("TESTING"):
        return _test_hasher
    return _hasher


def hash_password(password: str) -> str:
    return _active_hasher().hash(password)


def verify_password(user: User, password: str) -> bool:
    try:
        return _active_hasher().verify(user.password_hash, password or "")
    except (VerificationError, InvalidHashError):
        return False


def check_password_rules(password: str) -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise AccountError(_("The password must have at least %(n)s characters.", n=MIN_PASSWORD_LENGTH))
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountError(_("The password is too long."))


def clean_full_name(full_name: str) -> str:
    name = clean_line(full_name)
    if not name:
        raise AccountError(_("Please enter your full name."))
    if len(name) > MAX_NAME_LENGTH:
        raise AccountError(_("The full name is too long (at most %(max)d characters).", max=MAX_NAME_LENGTH))
    return name


# A real hash (per hasher) to spend the same time on unknown emails as on wrong passwords.
_DUMMY_HASHES: dict[int, str] = {}


def _spend_hash_time(password: str) -> None:
    hasher = _active_hasher()
    dummy = _DUMMY_HASHES.get(id(hasher))
    if dummy is None:
        dummy = _DUMMY_HASHES[id(hasher)] = hasher.hash(secrets.token_hex(8))
    try:
        hasher.verify(dummy, password or "x")
    except VerificationError:
        pass


def _user_by_email(raw: str) -> User | None:
    try:
        address = normalize_email(raw)
    except AccountError:
        return None
    return db.session.scalar(sa.select(User).where(User.email == address))


def check_credentials(email: str, password: str) -> User:
    """The user with this email and password; AccountError otherwise.

    Unknown email and wrong password give the same message (and cost); only someone who
    knows the password learns that the account was deactivated.
    """
    user = _user_by_email(email)
    if user is None:
        _spend_hash_time(password)
        raise AccountError(_("The email address or password is not correct."), status=401)
    if not verify_password(user, password):
        raise AccountError(_("The email address or password is not correct."), status=401)
    if not user.is_active:
        raise AccountError(
            _("This account has been deactivated. Please contact the ward office."), status=403
        )
    if _active_hasher().check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    db.session.commit()
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active user with this email and password, or None (same cost either way)."""
    try:
        return check_credentials(email, password)
    except AccountError:
        return None


# --------------------------------------------------------------------------- groups


def get_or_create_group(name: str) -> ResidentialGroup:
    name = clean_line(name)
    group = db.session.scalar(sa.select(ResidentialGroup).where(ResidentialGroup.name == name))
    if group is None:
        digits = "".join(ch for ch in name if ch.isdigit())
        group = ResidentialGroup(name=name, name_folded=fold(name), number=int(digits) if digits else None)
        db.session.add(group)
        db.session.flush()
    return group


class UnknownGroupError(AccountError):
    """No tổ dân phố matches what a resident typed (404 where a page or the API looks one up)."""

    def __init__(self, typed):
        shown = clean_line(str(typed if typed is not None else ""))[:60]
        super().__init__(
            _("We do not know the residential group “%(group)s”.", group=shown)
            + " "
            + _("Write its number, for example “5” or “tổ 5”."),
            404,
        )


# "tổ 5", "TDP 5", "to dan pho 5", "Tổ dân phố số 5", "tdp05", "To 05", "5" once folded
# (tone marks off, lower case) and with punctuation turned into spaces.
_GROUP_NUMBER_RE = re.compile(r"^(?:(?:to\s*dan\s*pho|tdp|to|t\s*d\s*p)\s*)?(?:so\s*)?0*(\d{1,6})$")
_GROUP_SPACE_RE = re.compile(r"\s+")
_GROUP_PUNCT_RE = re.compile(r"[.,:;#_/\\()\-]+")


def resolve_group(typed: ResidentialGroup | str | int | None) -> ResidentialGroup:
    """The tổ dân phố a resident means, however loosely typed; UnknownGroupError otherwise.

    Tried in order: the exact name (tone marks and case optional), the group's *number*
    ("tổ 5", "TDP 05", "5"), and last, for a bare number only, the database id (old links).
    """
    if isinstance(typed, ResidentialGroup):
        return typed
    if typed is None or isinstance(typed, bool) or not str(typed).strip():
        raise UnknownGroupError(typed)
    folded = fold(str(typed))
    group = db.session.scalar(
        sa.select(ResidentialGroup).where(ResidentialGroup.name_folded == folded).order_by(ResidentialGroup.id).limit(1)
    )
    if group is not None:
        return group
    compact = _GROUP_SPACE_RE.sub(" ", _GROUP_PUNCT_RE.sub(" ", folded)).strip()
    match = _GROUP_NUMBER_RE.match(compact)
    if match is None:
        raise UnknownGroupError(typed)
    number = int(match.group(1))
    candidates = db.session.scalars(sa.select(ResidentialGroup).where(ResidentialGroup.number == number)).all()
    if candidates:
        # Several names may carry the same digits; prefer the plain "Tổ dân phố số N".
        return min(candidates, key=lambda g: (not g.name_folded.startswith("to dan pho"), g.id))
    if compact.isdigit():
        group = db.session.get(ResidentialGroup, number)
        if group is not None:
            return group
    raise UnknownGroupError(typed)


def find_group(text_or_id: str | int | None) -> ResidentialGroup | None:
    """resolve_group(), or None when nothing matches or nothing was given."""
    try:
        return resolve_group(text_or_id)
    except UnknownGroupError:
        return None


def group_id_from_form(typed) -> int | None:
    """A form's tổ dân phố (its key "5", or as typed "tổ 5"); "" -> None; unknown -> AccountError 422."""
    if typed is None or str(typed).strip() in ("", "None"):
        return None
    try:
        return resolve_group(typed).id
    except UnknownGroupError as exc:
        raise AccountError(_("Please choose a residential group from the list.")) from exc


def group_key(group: ResidentialGroup, groups: list[ResidentialGroup] | None = None) -> str:
    """What a form sends for ``group``: its number when no other group shares it, else its name.
    resolve_group() reads either back to the same group."""
    if group.number is not None:
        others = groups if groups is not None else list_groups()
        if sum(1 for g in others if g.number == group.number) == 1:
            return str(group.number)
    return group.name


def group_choices() -> list[tuple[str, str]]:
    """(group_key, name) for a select of every tổ dân phố, in ward order."""
    groups = list_groups()
    return [(group_key(g, groups), g.name) for g in groups]


def list_groups() -> list[ResidentialGroup]:
    groups = db.session.scalars(sa.select(ResidentialGroup)).all()
    return sorted(groups, key=lambda g: g.sort_key)


def group_by_id(group_id: int | None) -> ResidentialGroup | None:
    """The chosen tổ dân phố, None for "none"; AccountError when the id is unknown."""
    if not group_id:
        return None
    group = db.session.get(ResidentialGroup, int(group_id))
    if group is None:
        raise AccountError(_("Please choose a residential group from the list."))
    return group


# --------------------------------------------------------------------------- users


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
        user = create_user(email, full_name, password, phone=phone, group=group)
        privacy.record_consent(consent, "user", user.id, "account", "messages_email")
        _queue_verification(user)
        db.session.commit()
    except IntegrityError as exc:  # two sign-ups with the same email at the same moment
        db.session.rollback()
        raise AccountError(_("An account with this email address already exists.")) from exc
    except Exception:
        db.session.rollback()
        raise
    signals.user_registered.send(current_app._get_current_object(), user=user)
    return user


def update_profile(user: User, full_name: str, phone: str | None, group_id: int | None) -> User:
    # Check everything before touching the user, so a bad field changes nothing.
    name = clean_full_name(full_name)
    group = group_by_id(group_id)
    user.full_name = name
    if (phone or None) != user.phone:
        # A new number is not proved yet; neither is a pending code for the old one.
        user.phone_verified_at = None
        _retire_phone_codes(user, utcnow())
    user.phone = phone or None
    user.residential_group = group
    db.session.commit()
    return user


# --------------------------------------------------------------------------- phone verification

PHONE_CODE_TTL = timedelta(minutes=10)
PHONE_CODE_MAX_ATTEMPTS = 5
PHONE_CODE_INTERVAL = timedelta(minutes=1)
PHONE_CODES_PER_DAY = 5


def _hash_phone_code(user: User, phone: str, code: str) -> str:
    # Keyed with the app secret and bound to the account and number: a leaked table reveals nothing.
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hashlib.sha256(key + f":{user.id}:{phone}:{code}".encode()).hexdigest()


def _retire_phone_codes(user: User, now) -> None:
    if user.id is None:
        return
    db.session.execute(
        sa.update(PhoneCode).where(PhoneCode.user_id == user.id, PhoneCode.used_at.is_(None)).values(used_at=now)
    )


def send_phone_code(user: User) -> None:
    """Send a 6-digit code by SMS to the account's phone; entering it proves the number."""
    if not user.phone:
        raise AccountError(_("Please add your phone number first."))
    if user.phone_is_verified:
        raise AccountError(_("Your phone number is already confirmed."), status=409)
    now = utcnow()
    recent = list(
        db.session.scalars(
            sa.select(PhoneCode.created_at)
            .where(PhoneCode.user_id == user.id, PhoneCode.created_at > now - timedelta(days=1))
            .order_by(PhoneCode.created_at.desc())
        )
    )
    if recent and now - recent[0] < PHONE_CODE_INTERVAL:
        raise AccountError(_("We have just sent you a code. Please wait a minute before asking for another."), 429)
    if len(recent) >= PHONE_CODES_PER_DAY:
        raise AccountError(_("We have sent you several codes today. Please try again tomorrow."), 429)
    from civic.core import ratelimits

    if has_request_context() and not ratelimits.count_message(user.phone):
        raise AccountError(ratelimits.recipient_limit_message(), 429)
    code = f"{secrets.randbelow(10**6):06d}"
    _retire_phone_codes(user, now)
    db.session.add(
        PhoneCode(user_id=user.id, phone=user.phone, code_hash=_hash_phone_code(user, user.phone, code),
                  created_at=now, expires_at=now + PHONE_CODE_TTL)
    )
    # The notification engine builds on accounts; imported here, when a code is really sent.
    from civic.notifications.services import Recipient, create_campaign

    create_campaign(
        kind="account_phone_code",
        topic="account",
        subject=_("Your confirmation code"),
        body_text=_("Your ward portal confirmation code is {code}. It is valid for 10 minutes."),
        sms_text=_("Ward portal: your confirmation code is {code} (valid 10 minutes). Do not give it to anyone."),
        channels=("sms",),
        recipients=[Recipient(key=f"user:{user.id}:phone", name=user.full_name, email=None, phone=user.phone,
                              context={"code": code})],
        urgent=True,
        transactional=True,
        dedupe_key=f"account:phone-code:{user.id}:{secrets.token_hex(8)}",
    )
    db.session.commit()


def phone_code_pending(user: User) -> bool:
    """A code for the account's current phone is waiting to be entered."""
    if not user.phone or user.phone_is_verified:
        return False
    return db.session.scalar(
        sa.select(PhoneCode.id).where(
            PhoneCode.user_id == user.id, PhoneCode.used_at.is_(None), PhoneCode.phone == user.phone,
            PhoneCode.expires_at > utcnow(),
        ).limit(1)
    ) is not None


def verify_phone_code(user: User, code: str) -> User:
    """Mark the phone verified when ``code`` is the latest code sent to it (limited attempts)."""
    code = "".join(ch for ch in (code or "") if ch.isdigit())
    now = utcnow()
    pending = db.session.scalar(
        sa.select(PhoneCode)
        .where(PhoneCode.user_id == user.id, PhoneCode.used_at.is_(None))
        .order_by(PhoneCode.created_at.desc(), PhoneCode.id.desc())
        .limit(1)
    )
    if pending is None or pending.phone != user.phone:
        raise AccountError(_("There is no code waiting for this phone number. Please ask for a new code."), 410)
    if pending.expires_at <= now:
        pending.used_at = now
        db.session.commit()
        raise AccountError(_("This code has expired. Please ask for a new code."), 410)
    if len(code) != 6 or not secrets.compare_digest(pending.code_hash, _hash_phone_code(user, user.phone, code)):
        pending.attempts = (pending.attempts or 0) + 1
        if pending.attempts >= PHONE_CODE_MAX_ATTEMPTS:
            pending.used_at = now
            db.session.commit()
            raise AccountError(_("The code was wrong too many times. Please ask for a new code."), 429)
        db.session.commit()
        raise AccountError(_("This code is not correct. Please check the SMS and try again."), 422)
    pending.used_at = now
    user.phone_verified_at = now
    db.session.commit()
    signals.phone_verified.send(current_app._get_current_object(), user=user)
    return user


def role_label(role: str) -> str:
    labels = {
        Role.RESIDENT.value: _("Resident"),
        Role.ORGANIZER.value: _("Event organizer"),
        Role.EDITOR.value: _("Editor"),
        Role.ADMIN.value: _("Administrator"),
    }
    return labels.get(role, role)


def role_choices() -> list[tuple[str, str]]:
    return [(role.value, role_label(role.value)) for role in Role]


# --------------------------------------------------------------------------- signed links


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def make_verify_token(user: User) -> str:
    return _serializer(VERIFY_SALT).dumps({"u": user.id, "e": user.email})


def _reset_fingerprint(user: User) -> str:
    # Bound to the password hash and session version: a successful reset changes both,
    # so a link works once.
    raw = f"{user.password_hash}:{user.session_version}".encode()
    return hashlib.sha256(raw).hexdigest()[:24]


def make_reset_token(user: User) -> str:
    return _serializer(RESET_SALT).dumps({"u": user.id, "f": _reset_fingerprint(user)})


def _load(salt: str, token: str, max_age: int) -> dict:
    try:
        data = _serializer(salt).loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise AccountError(_("This link has expired. Please ask for a new one."), status=410) from exc
    except BadSignature as exc:
        raise AccountError(_("This link is not valid. Please check that you copied it completely."), status=400) from exc
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        raise AccountError(_("This link is not valid. Please check that you copied it completely."), status=400)
    return data


def _send_account_mail(user: User, kind: str, subject: str, body: str, context: dict, dedupe: str) -> None:
    """Ask the notification engine (which builds on accounts) to send an account e-mail."""
    answered = signals.account_mail_requested.send(
        current_app._get_current_object(), user=user, kind=kind, subject=subject, body=body,
        context=context, dedupe=dedupe,
    )
    if not answered:  # never drop a verification or reset mail silently
        raise RuntimeError("no receiver for account mail: is civic.notifications loaded?")


def _absolute(endpoint: str, **values) -> str:
    """An address for an email, also from the CLI or a worker (no request)."""
    if has_request_context():
        return absolute_url(endpoint, **values)
    with current_app.test_request_context("/"):
        return absolute_url(endpoint, **values)


def _minute_bucket() -> str:
    # A double click within the same minute returns the same campaign instead of a second email.
    return utcnow().strftime("%Y%m%d%H%M")


def _queue_verification(user: User) -> None:
    url = _absolute("accounts.verify_email", token=make_verify_token(user))
    _send_account_mail(
        user,
        kind="account_verify",
        subject=_("Confirm your email address for the ward portal"),
        body=_(
            "Hello {name},\n\n"
            "Please confirm your email address by opening the link below. The link is valid for 3 days.\n\n"
            "{verify_url}\n\n"
            "If you did not create an account on the ward portal, you can ignore this email."
        ),
        context={"verify_url": url},
        dedupe=f"account:verify:{user.id}:{_minute_bucket()}",
    )


def send_verification(user: User) -> None:
    """(Re)send the verification link; nothing to do for a verified address."""
    if user.is_verified:
        return
    _queue_verification(user)
    db.session.commit()


def verify_email(token: str) -> User:
    data = _load(VERIFY_SALT, token, VERIFY_MAX_AGE)
    user = db.session.get(User, data["u"])
    if user is None or user.email != data.get("e"):
        raise AccountError(_("This link is not valid. Please check that you copied it completely."), status=400)
    if user.is_verified:
        return user
    user.email_verified_at = utcnow()
    db.session.commit()
    signals.email_verified.send(current_app._get_current_object(), user=user)
    return user


def request_password_reset(email: str) -> None:
    """Mail a reset link when an active account has this address; the caller answers the same either way."""
    user = _user_by_email(email)
    if user is None or not user.is_active:
        return
    url = _absolute("accounts.reset_password", token=make_reset_token(user))
    _send_account_mail(
        user,
        kind="account_password_reset",
        subject=_("Reset your ward portal password"),
        body=_(
            "Hello {name},\n\n"
            "Someone asked to reset the password of your ward portal account. "
            "To choose a new password, open the link below. It is valid for 1 hour and works once.\n\n"
            "{reset_url}\n\n"
            "If you did not ask for this, ignore this email: your password stays the same."
        ),
        context={"reset_url": url},
        dedupe=f"account:reset:{user.id}:{user.session_version}:{_minute_bucket()}",
    )
    db.session.commit()


def user_for_reset_token(token: str) -> User:
    data = _load(RESET_SALT, token, RESET_MAX_AGE)
    user = db.session.get(User, data["u"])
    if user is None or not user.is_active:
        raise AccountError(_("This link is not valid. Please check that you copied it completely."), status=400)
    if not secrets.compare_digest(str(data.get("f", "")), _reset_fingerprint(user)):
        raise AccountError(_("This link has already been used. Please ask for a new one."), status=410)
    return user


def _set_password(user: User, password: str) -> None:
    check_password_rules(password)
    user.password_hash = hash_password(password)
    # Every other session (and remember-me cookie) carries the old version and ends.
    user.session_version = (user.session_version or 1) + 1


def reset_password(token: str, password: str) -> User:
    user = user_for_reset_token(token)
    _set_password(user, password)
    # Whoever holds the mailbox has proved it.
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    db.session.commit()
    return user


def change_password(user: User, current: str, new: str) -> User:
    if not verify_password(user, current):
        raise AccountError(_("The current password is not correct."))
    _set_password(user, new)
    db.session.commit()
    return user


# --------------------------------------------------------------------------- administration


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
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
    target.role = role
    record_audit(actor, "role_change", target, old=old, new=role)
    db.session.commit()
    return True


def set_active(actor: User, target: User, active: bool) -> bool:
    """Deactivate or reactivate ``target``; True when something changed. Written to the audit log."""
    if actor.id == target.id:
        raise AccountError(_("You cannot deactivate or reactivate your own account."), status=403)
    if bool(target.active) == bool(active):
        return False
    target.active = bool(active)
    record_audit(actor, "reactivate" if active else "deactivate", target, old=not active, new=bool(active))
    db.session.commit()
    return True


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


def audit_labels() -> dict[str, str]:
    """Every kind of audit row, in words (the filter lists them all)."""
    return {
        "role_change": _("Role changed"),
        "deactivate": _("Account deactivated"),
        "reactivate": _("Account reactivated"),
        "token_create": _("API token created"),
        "token_revoke": _("API token revoked"),
        "answers_view": _("Answers list viewed (with phone numbers)"),
        "answers_export": _("Answers exported"),
        "contacts_export": _("Directory exported"),
        "letters_print": _("Invitation letters printed"),
        "sign_in_sheet": _("Sign-in sheet printed"),
        "attendance_report": _("Attendance report viewed or exported"),
        "schedule_print": _("Work schedule printed with its internal items"),
        "schedule_docx": _("Work schedule downloaded (.docx) with its internal items"),
        **privacy.audit_labels(),
    }


def audit_label(action: str) -> str:
    return audit_labels().get(action, action)


def audit_actor(entry: AuditLog) -> str:
    """Who acted, in words: a guest's own privacy request was made by the person, not the system."""
    if entry.actor:
        return entry.actor.full_name
    return _("the person themselves") if entry.action.startswith("privacy_") else _("system")


def describe_audit(entry: AuditLog) -> str:
    """old → new in words for the audit page."""
    detail = entry.detail or {}
    if entry.action == "role_change":
        return f"{role_label(detail.get('old', ''))} → {role_label(detail.get('new', ''))}"
    if entry.action in {"deactivate", "reactivate"}:
        state = {True: _("active"), False: _("deactivated")}
        return f"{state.get(detail.get('old'), '')} → {state.get(detail.get('new'), '')}"
    if entry.action.startswith("token_"):
        return f"{detail.get('name', '')} ({detail.get('prefix', '')}…)"
    if entry.action.startswith("privacy_"):
        return privacy.describe_audit(entry.action, detail)
    if "rows" in detail:
        rows = _("%(count)s rows", count=detail.get("rows") or 0)
        fmt = {"csv": "CSV", "xlsx": "Excel (.xlsx)", "api": "API", "docx": "Word (.docx)"}.get(detail.get("format") or "")
        return " · ".join(p for p in (detail.get("event_title") or "", rows, fmt or "") if p)
    return ""


def list_audit(page: int = 1, per_page: int = 50, target_id: int | None = None,
               person: str = "", kind: str = ""):
    """Audit rows, newest first; ``person`` matches the actor's or the concerned person's
    name or e-mail (tone marks optional), ``kind`` one action."""
    stmt = sa.select(AuditLog).order_by(AuditLog.created_at.desc(), AuditLog.id.desc())
    if target_id:
        stmt = stmt.where(AuditLog.target_user_id == target_id)
    folded = fold(person or "")
    if folded:
        matching = sa.select(User.id).where(User.search_folded.like(_like_pattern(folded), escape="\\"))
        stmt = stmt.where(sa.or_(AuditLog.actor_id.in_(matching), AuditLog.target_user_id.in_(matching)))
    if kind:
        stmt = stmt.where(AuditLog.action == kind)
    return db.paginate(stmt, page=max(page, 1), per_page=per_page, error_out=False)


# --------------------------------------------------------------------------- API tokens


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def can_use_api_tokens(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.role in TOKEN_ROLES)


def create_api_token(user: User, name: str = "cli") -> tuple[ApiToken, str]:
    """A new token for ``user``; the plain text is returned once and never stored."""
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=user, name=clean_line(name)[:MAX_TOKEN_NAME_LENGTH] or "token",
                     token_hash=_hash_token(plain), prefix=plain[:12])
    db.session.add(token)
    db.session.flush()
    return token, plain


def issue_api_token(user: User, name: str) -> tuple[ApiToken, str]:
    """A personal token for an editor, organizer or admin, audited and committed."""
    if user.role not in TOKEN_ROLES or not user.is_active:
        raise AccountError(_("Only editors, organizers and administrators can have API tokens."), status=403)
    name = clean_line(name)
    if not name:
        raise AccountError(_("Please give the token a name."))
    if len(name) > MAX_TOKEN_NAME_LENGTH:
        raise AccountError(_("The name is too long (at most %(max)d characters).", max=MAX_TOKEN_NAME_LENGTH))
    token, plain = create_api_token(user, name)
    record_audit(user, "token_create", user, name=token.name, prefix=token.prefix)
    db.session.commit()
    return token, plain


def list_tokens(user: User) -> list[ApiToken]:
    return list(
        db.session.scalars(
            sa.select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def revoke_token(user: User, token_id: int) -> ApiToken:
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise AccountError(_("This token does not exist."), status=404)
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        record_audit(user, "token_revoke", user, name=token.name, prefix=token.prefix)
        db.session.commit()
    return token


def user_for_token(plain: str) -> User | None:
    if not plain or not plain.startswith(TOKEN_PREFIX):
        return None
    token = db.session.scalar(
        sa.select(ApiToken).where(ApiToken.token_hash == _hash_token(plain), ApiToken.revoked_at.is_(None))
    )
    if token is None or not token.user.is_active:
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at > TOKEN_TOUCH_INTERVAL:
        with writing():
            db.session.execute(sa.update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))
            db.session.commit()
    return token.user


@api_user_loader
def user_for_api_request(request) -> User | None:
    """The API authenticates by ``Authorization: Bearer`` only; it is exempt from CSRF."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return user_for_token(header[7:].strip())
    return None


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    try:
        raw_id, version = user_id.split(":", 1)
        user = db.session.get(User, int(raw_id))
    except (ValueError, TypeError):
        return None
    if user is None or str(user.session_version) != version or not user.is_active:
        return None
    return user
