"""What accounts sends: the texts of its e-mails and its SMS code, and the signals that ask for them.

Accounts sits below notifications and never imports it. The e-mails go out through
``signals.account_mail_requested`` and the SMS code through privacy's ``message_requested``;
notifications answers both with ``create_campaign``, inside the caller's transaction, so the
ledger's rows commit (or roll back) with the change that asked for them.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _

from civic.accounts import signals
from civic.accounts.models import User
from civic.core.timeutil import utcnow
from civic.privacy.signals import message_requested


@dataclass(frozen=True)
class AccountMessage:
    """One message's texts, with str.format placeholders filled per recipient."""

    kind: str
    subject: str
    body: str
    sms_text: str | None = None


def verification_message() -> AccountMessage:
    """Placeholders: ``name``, ``verify_url``."""
    return AccountMessage(
        kind="account_verify",
        subject=_("Confirm your email address for the ward portal"),
        body=_(
            "Hello {name},\n\n"
            "Please confirm your email address by opening the link below. The link is valid for 3 days.\n\n"
            "{verify_url}\n\n"
            "If you did not create an account on the ward portal, you can ignore this email."
        ),
    )


def password_reset_message() -> AccountMessage:
    """Placeholders: ``name``, ``reset_url``."""
    return AccountMessage(
        kind="account_password_reset",
        subject=_("Reset your ward portal password"),
        body=_(
            "Hello {name},\n\n"
            "Someone asked to reset the password of your ward portal account. "
            "To choose a new password, open the link below. It is valid for 1 hour and works once.\n\n"
            "{reset_url}\n\n"
            "If you did not ask for this, ignore this email: your password stays the same."
        ),
    )


def phone_code_message() -> AccountMessage:
    """Placeholder: ``code``."""
    return AccountMessage(
        kind="account_phone_code",
        subject=_("Your confirmation code"),
        body=_("Your ward portal confirmation code is {code}. It is valid for 10 minutes."),
        sms_text=_("Ward portal: your confirmation code is {code} (valid 10 minutes). Do not give it to anyone."),
    )


def _minute_bucket() -> str:
    # A double click within the same minute returns the same campaign instead of a second email.
    return utcnow().strftime("%Y%m%d%H%M")


def _send_account_mail(user: User, message: AccountMessage, context: dict, dedupe: str) -> None:
    """Ask the notification engine (which builds on accounts) to send an account e-mail."""
    answered = signals.account_mail_requested.send(
        current_app._get_current_object(), user=user, kind=message.kind, subject=message.subject,
        body=message.body, context=context, dedupe=dedupe,
    )
    if not answered:  # never drop a verification or reset mail silently
        raise RuntimeError("no receiver for account mail: is civic.notifications loaded?")


def send_verification_mail(user: User, verify_url: str) -> None:
    _send_account_mail(user, verification_message(), {"verify_url": verify_url},
                       dedupe=f"account:verify:{user.id}:{_minute_bucket()}")


def send_password_reset_mail(user: User, reset_url: str) -> None:
    _send_account_mail(user, password_reset_message(), {"reset_url": reset_url},
                       dedupe=f"account:reset:{user.id}:{user.session_version}:{_minute_bucket()}")


def send_phone_code_sms(user: User, code: str) -> None:
    """The code goes to the account's phone as an urgent, transactional SMS."""
    message = phone_code_message()
    answered = message_requested.send(
        current_app._get_current_object(), kind=message.kind, address=user.phone, subject=message.subject,
        body=message.body, sms_text=message.sms_text, context={"code": code},
        dedupe=f"account:phone-code:{user.id}:{secrets.token_hex(8)}",
    )
    if not answered:  # a code that never leaves would look like a broken phone
        raise RuntimeError("no receiver for the SMS code: is civic.notifications loaded?")
