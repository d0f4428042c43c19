"""What privacy sends: the texts of its two messages, and the signal that asks for them.

Privacy imports no other domain: ``signals.message_requested`` is sent inside the caller's
transaction and notifications answers it (with ``create_campaign``), so the message's ledger
rows commit with the code or the closed request, or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _

from civic.privacy import signals


@dataclass(frozen=True)
class PrivacyMessage:
    """One message's texts (str.format placeholders), by e-mail or SMS as the address is."""

    kind: str
    subject: str
    body: str
    sms_text: str


def code_message() -> PrivacyMessage:
    """Placeholder: ``code``."""
    return PrivacyMessage(
        kind="privacy_code",
        subject=_("Your code to see your personal data"),
        body=_("Your code to see the personal data held about you: {code}\nIt is valid for 15 minutes. "
               "If you did not ask for it, ignore this message."),
        sms_text=_("Your code to see your personal data: {code}"),
    )


def done_message() -> PrivacyMessage:
    """Placeholders: ``received`` (a local date and time) and ``note`` (what the ward did)."""
    return PrivacyMessage(
        kind="privacy_done",
        subject=_("Your request about your personal data is done"),
        body=_("Your request about your personal data (received {received}) is done.\n\n{note}"),
        sms_text=_("Your request about your personal data is done: {note}"),
    )


def send_message(message: PrivacyMessage, address: str, context: dict, dedupe: str) -> None:
    """Ask for ``message`` to go to ``address`` (an e-mail or an E.164 phone)."""
    signals.message_requested.send(
        current_app._get_current_object(), kind=message.kind, address=address, subject=message.subject,
        body=message.body, sms_text=message.sms_text, context=context, dedupe=dedupe,
    )
