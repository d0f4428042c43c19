"""Privacy in words: what each point of collection gathers and why, kinds, channels, statuses."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from civic.core.phone import format_phone_local
from civic.privacy.models import (
    ConsentChannel,
    ConsentPurpose,
    Request,
    RequestKind,
    RequestProof,
    RequestStatus,
)

ERASED_NAME = "Người tham dự đã xóa dữ liệu"
# What each point of collection gathers and why: the one line beside its box, and the notice.
PURPOSES = {
    ConsentPurpose.RSVP: _l("Your name, phone or e-mail and residential group are used only to organise this event: "
               "to count places, confirm your answer and tell you if it changes."),
    ConsentPurpose.ELECTION_REMINDERS: _l("Your e-mail or phone and residential group are used only to send you the "
                             "election reminders you chose and to show your polling station."),
    ConsentPurpose.ACCOUNT: _l("Your name, e-mail, phone and residential group are used to run your account and to "
                  "fill in your answers on this portal."),
    ConsentPurpose.INVITATION_SUBSTITUTE: _l("The name and phone of the person attending in your place are used only "
                                "for this meeting: its sign-in sheet and news of any change."),
    ConsentPurpose.MESSAGES_EMAIL: _l("Messages by e-mail about what you signed up for."),
    ConsentPurpose.MESSAGES_SMS: _l("Messages by SMS about what you signed up for."),
}
MESSAGE_PURPOSES = (ConsentPurpose.MESSAGES_EMAIL, ConsentPurpose.MESSAGES_SMS)


CHANNELS = tuple(ConsentChannel)
REQUEST_KINDS = tuple(RequestKind)


def purpose_text(purpose: str) -> str:
    return str(PURPOSES[purpose])


def purpose_labels() -> dict[str, str]:
    return {
        ConsentPurpose.RSVP: _("Answer to an event"),
        ConsentPurpose.ELECTION_REMINDERS: _("Election reminders"),
        ConsentPurpose.ACCOUNT: _("Account"),
        ConsentPurpose.INVITATION_SUBSTITUTE: _("Substitute at a meeting"),
        ConsentPurpose.MESSAGES_EMAIL: _("Messages by e-mail"),
        ConsentPurpose.MESSAGES_SMS: _("Messages by SMS"),
    }


def channel_labels() -> dict[str, str]:
    return {ConsentChannel.WEB: _("On the website"), ConsentChannel.API: _("Through the API"),
            ConsentChannel.PHONE: _("By phone, recorded by staff"),
            ConsentChannel.PAPER: _("On paper, recorded by staff")}


def request_kind_labels() -> dict[str, str]:
    return {RequestKind.ACCESS: _("See my data"), RequestKind.EXPORT: _("Download my data"),
            RequestKind.CORRECT: _("Correct my data"), RequestKind.WITHDRAW: _("Withdraw consent to messages"),
            RequestKind.ERASE: _("Erase my data"), RequestKind.OTHER: _("Other request")}


def audit_labels() -> dict[str, str]:
    """The audit log's words for what privacy records there."""
    kinds = request_kind_labels()
    labels = {f"privacy_{kind}": _("Personal data request: %(kind)s", kind=label) for kind, label in kinds.items()}
    labels.update({
        "privacy_request_closed": _("Personal data request marked as done"),
        "privacy_notice_published": _("Personal data notice published"),
    })
    return labels


def describe_audit(action: str, detail: dict) -> str:
    if action == "privacy_notice_published":
        return _("Version %(version)s", version=detail.get("version", ""))
    if "request_id" in detail:
        status = request_status_labels().get(detail.get("status") or "", "")
        return " · ".join(p for p in (_("Request no. %(id)s", id=detail["request_id"]), status) if p)
    return ""


def requester_label(req: Request) -> str:
    """Who asked, for the ward's list: where to answer them and how they proved who they are."""
    proofs = {RequestProof.LINK: _("proved by their personal link"),
              RequestProof.ACCOUNT: _("signed in to their account"),
              RequestProof.CODE: _("proved by a code sent to them")}
    contact = req.contact or ""
    if contact and "@" not in contact:
        contact = format_phone_local(contact)
    parts = [contact or _("address not kept"), proofs.get(req.proof, "")]
    if req.user_id:
        parts.append(_("account no. %(id)s", id=req.user_id))
    return " · ".join(p for p in parts if p)


def request_status_labels() -> dict[str, str]:
    return {RequestStatus.OPEN: _("Open"), RequestStatus.DONE: _("Done")}


def consent_missing_message() -> str:
    return _("Please tick the box to agree to how your data will be used. Nothing has been saved.")
