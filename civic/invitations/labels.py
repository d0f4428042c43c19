"""What pages, letters, exports and the API show for the domain's codes (roles, answers, legal bases)."""

from __future__ import annotations

from flask_babel import gettext as _

from civic.invitations.models import (
    AnswerChannel,
    Contact,
    ImportJobState,
    Invitation,
    InvitationRole,
    InvitationStatus,
    LegalBasis,
    SheetGrouping,
)


def role_labels() -> dict[str, str]:
    """The plain invitee first: chairing is chosen on purpose, never by default."""
    return {InvitationRole.DELEGATE: _("Delegate"), InvitationRole.GUEST: _("Guest"), InvitationRole.CHAIR: _("Chair")}


def status_labels() -> dict[str, str]:
    return {InvitationStatus.PENDING: _("No answer yet"), InvitationStatus.ATTEND: _("Will attend"),
            InvitationStatus.DECLINE: _("Declined"), InvitationStatus.SUBSTITUTE: _("Sends a substitute")}


def recorded_via_labels() -> dict[str, str]:
    """How an organizer received the answer they recorded (the list's "Recorded by … (Phone)")."""
    return {AnswerChannel.PHONE: _("Phone"), AnswerChannel.PAPER: _("Paper")}


def recorded_via_label(inv: Invitation) -> str:
    return recorded_via_labels().get(inv.answered_via, _("Paper"))


def sheet_grouping_labels() -> dict[str, str]:
    return {SheetGrouping.BY_NAME: _("One list by given name"),
            SheetGrouping.BY_UNIT: _("Grouped by residential group or unit")}


def import_state_flags(state: str) -> dict[str, bool]:
    """What the preview page shows for a job's state (the page waits, fails, or is done)."""
    return {"busy": state in (ImportJobState.QUEUED, ImportJobState.RUNNING),
            "failed": state == ImportJobState.ERROR, "written": state == ImportJobState.WRITTEN}


def legal_basis_labels() -> dict[str, str]:
    """Why the ward may hold a contact's data (Law 91/2025/QH15, Art. 19)."""
    return {
        LegalBasis.PUBLIC_DUTY: _("Carrying out a public duty"),
        LegalBasis.LEGAL_OBLIGATION: _("A legal obligation"),
        LegalBasis.CONSENT: _("The person's consent"),
    }


def source_label(contact: Contact) -> str:
    if contact.source is None:
        return _("Source not recorded (added before sources were kept)")
    return _("File %(name)s", name=contact.source) if contact.source else _("Entered by hand")


def answer_label(inv: Invitation, statuses: dict[str, str] | None = None) -> str:
    """The answer as the report shows it: checking in wins over a decline, which stays in view."""
    statuses = statuses or status_labels()
    if inv.declined_but_came:
        return _("Attended (had declined)")
    return statuses.get(inv.status, inv.status)
