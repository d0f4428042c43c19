"""The printed giấy mời: the ward's letterhead and signer, each event's letter settings, QR codes."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from civic.config import ward_settings as configured_ward
from civic.core.db import transaction
from civic.core.text import nfc
from civic.core.timeutil import local_today
from civic.extensions import db
from civic.invitations.errors import InvitationError, check_length
from civic.invitations.models import LetterSettings


def ward_settings() -> dict[str, str]:
    """The issuing body and place names printed on letters (civic.config.ward_settings), and who signs."""
    cfg = current_app.config
    settings = dict(configured_ward(cfg))
    # Who signs the giấy mời unless a letter's settings say otherwise; no name = a blank line.
    settings["signer_title"] = (cfg.get("CIVIC_WARD_SIGNER_TITLE") or "").replace("\\n", "\n").strip() or (
        _("ON BEHALF OF THE PEOPLE'S COMMITTEE") + "\n" + _("CHAIRMAN"))
    settings["signer_name"] = (cfg.get("CIVIC_WARD_SIGNER_NAME") or "").strip()
    return settings



def letter_settings(event) -> LetterSettings:
    settings = db.session.scalar(sa.select(LetterSettings).where(LetterSettings.event_id == event.id))
    if settings is None:
        # Not saved yet: every field filled (column defaults only apply on insert, and a
        # transient None would print as "None"); the signer comes from the ward settings.
        ward = ward_settings()
        settings = LetterSettings(event_id=event.id, number=f"{event.id:02d}/GM-UBND", issued_on=local_today(),
                                  participants="", agenda="", contact_person="",
                                  signer_title=ward["signer_title"], signer_name=ward["signer_name"])
    return settings


# The letter form's limits (the columns' sizes, and a page's worth for the long texts).
_LIMITS = {"number": 40, "participants": 4000, "agenda": 4000, "contact_person": 200, "signer_title": 120,
           "signer_name": 120}


def _limit_labels() -> dict[str, str]:
    return {"number": _("Number"), "participants": _("Participants"), "agenda": _("Agenda"),
            "contact_person": _("Contact person"), "signer_title": _("Signer's title"),
            "signer_name": _("Signer's name")}


def save_letter_settings(event, **values) -> LetterSettings:
    """Save the given fields (None: unchanged); the letter's number may not be blank."""
    labels = _limit_labels()
    for key, max_len in _LIMITS.items():
        if values.get(key) is not None:
            check_length(nfc(values[key]).strip(), max_len, labels[key])
    if values.get("number") is not None and not nfc(values["number"]).strip():
        raise InvitationError(_("Enter the number of the letter."))
    settings = letter_settings(event)
    for key in ("number", "participants", "agenda", "contact_person", "signer_title", "signer_name"):
        if key in values and values[key] is not None:
            setattr(settings, key, nfc(values[key]).strip())
    if values.get("issued_on"):
        settings.issued_on = values["issued_on"]
    with transaction():
        db.session.add(settings)
    return settings


def qr_data_uri(url: str) -> str:
    import segno  # heavy: only where a letter or answer page shows a code

    return segno.make(url, error="m").svg_data_uri(scale=3, border=2)

