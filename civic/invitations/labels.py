"""What pages, letters, exports and the API show for the domain's codes (roles, answers, legal bases)."""

from __future__ import annotations

from flask_babel import gettext as _

from civic.invitations.models import Contact, Invitation


def role_labels() -> dict[str, str]:
    """The plain invitee first: chairing is chosen on purpose, never by default."""
    return {"dai_bieu": _("Delegate"), "khach_moi": _("Guest"), "chu_tri": _("Chair")}


def status_labels() -> dict[str, str]:
    return {"pending": _("No answer yet"), "attend": _("Will attend"), "decline": _("Declined"),
            "substitute": _("Sends a substitute")}


def legal_basis_labels() -> dict[str, str]:
    """Why the ward may hold a contact's data (Law 91/2025/QH15, Art. 19)."""
    return {
        "public_duty": _("Carrying out a public duty"),
        "legal_obligation": _("A legal obligation"),
        "consent": _("The person's consent"),
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
