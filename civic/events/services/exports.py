"""The organizer's view of the answers: CSV and .xlsx exports, the charts' data, the audit
of who saw them, and retention of guest answers."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from civic.accounts.models import ResidentialGroup
from civic.core.phone import format_phone_local
from civic.core.spreadsheets import safe_cell
from civic.core.timeutil import format_datetime, to_local, utcnow
from civic.events.links import place
from civic.events.models import Event, Rsvp, RsvpHistory, RsvpStatus
from civic.events.services.labels import HOLDS_SEATS, response_labels, status_labels
from civic.events.services.queries import answer_list
from civic.extensions import db
from civic.privacy import services as privacy
from civic.privacy.audit import record_and_commit

XLSX_WIDTHS = [6, 28, 16, 28, 20, 10, 16, 8, 8, 18, 40]


def export_headers() -> list[str]:
    return [
        _("Row number"), _("Full name"), _("Phone"), _("Email"), _("Residential group"), _("Answer"),
        _("Status"), _("Guests"), _("People"), _("Answered at"), _("Notes"),
    ]  # fmt: skip


def export_rows(event: Event) -> list[list]:
    statuses = status_labels()
    responses = response_labels()
    rows = []
    for i, r in enumerate(answer_list(event), start=1):
        notes = "; ".join(f"{q}: {a}" for q, a in (r.answers or {}).items())
        rows.append([
            i, r.name, format_phone_local(r.phone), r.email or "",
            r.residential_group.name if r.residential_group else "",
            responses.get(r.response, r.response), statuses.get(r.status, r.status), r.guests,
            r.seats if r.status in HOLDS_SEATS else 0,
            to_local(r.updated_at).strftime("%d/%m/%Y %H:%M"), notes,
        ])  # fmt: skip
    return rows


def export_csv(event: Event) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(export_headers())
    # Spreadsheet formula injection: a cell typed by a guest must not start a formula.
    for row in export_rows(event):
        writer.writerow([safe_cell(c) for c in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def export_xlsx(event: Event) -> bytes:
    from openpyxl import Workbook  # defers openpyxl (~10 MB) to the organizers' exports
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = _("Answers")[:31]
    ws.append([event.title])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append([format_datetime(event.starts_at), place(event)])
    ws.append([])
    ws.append(export_headers())
    for cell in ws[4]:
        cell.font = Font(bold=True)
    for row in export_rows(event):
        ws.append([safe_cell(c) for c in row])
    for i, width in enumerate(XLSX_WIDTHS):
        ws.column_dimensions[chr(ord("A") + i)].width = width
    ws.freeze_panes = "A5"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _over_time(event: Event) -> list[tuple[date, int, int]]:
    """Cumulative people registered and maybe, per local day (from the answer history)."""
    history = db.session.execute(
        sa.select(RsvpHistory.rsvp_id, RsvpHistory.status, RsvpHistory.guests, RsvpHistory.created_at)
        .where(RsvpHistory.event_id == event.id)
        .order_by(RsvpHistory.created_at, RsvpHistory.id)
    )
    current: dict[int, tuple[str, int]] = {}
    per_day: list[tuple[date, int, int]] = []
    for rsvp_id, status, guests, created_at in history:
        current[rsvp_id] = (status, guests)
        day = to_local(created_at).date()
        yes = sum(1 + g for s, g in current.values() if s == RsvpStatus.CONFIRMED)
        maybe = sum(1 + g for s, g in current.values() if s == RsvpStatus.TENTATIVE)
        if per_day and per_day[-1][0] == day:
            per_day[-1] = (day, yes, maybe)
        else:
            per_day.append((day, yes, maybe))
    return per_day


def chart_data(event: Event) -> dict:
    """Cumulative yes answers by day (from the answer history) and people by tổ dân phố."""
    groups = db.session.execute(
        sa.select(ResidentialGroup.name, sa.func.coalesce(sa.func.sum(1 + Rsvp.guests), 0))
        .select_from(Rsvp)
        .outerjoin(ResidentialGroup, Rsvp.residential_group_id == ResidentialGroup.id)
        .where(Rsvp.event_id == event.id, Rsvp.status == RsvpStatus.CONFIRMED)
        .group_by(ResidentialGroup.name)
    ).all()
    by_group = sorted(((name or _("Not given"), int(n)) for name, n in groups), key=lambda x: -x[1])
    return {"over_time": _over_time(event), "by_group": by_group}


def record_answers_access(user, event: Event, action: str, fmt: str | None = None, rows: int | None = None) -> None:
    """Write to the audit log that ``user`` saw or exported ``event``'s answers (with phones)."""
    if rows is None:
        rows = db.session.scalar(sa.select(sa.func.count()).select_from(Rsvp).where(Rsvp.event_id == event.id)) or 0
    record_and_commit(user, action, None, event_id=event.id, event_title=event.title, rows=int(rows),
                      format=fmt)


def is_anonymised(rsvp: Rsvp) -> bool:
    return rsvp.erased_at is not None


def anonymise_guest_rsvps(before: datetime) -> int:
    """Anonymise guest answers to events that ended before ``before``; returns how many.

    Guest answers are those given on the public form or the API without an account. Kept:
    answers of signed-in residents (their account holds the data and its own rights apply)
    and answers given through an invitation (the attendance of an official meeting is part
    of the record). Response, status, guests and waiting-list time stay, so counts, seats
    and reports are unchanged; name, phone, e-mail, tổ dân phố, free-text answers and the
    client hash go. Running it again changes nothing. Runs in the caller's transaction
    (civic.portal.retention).
    """
    stmt = (
        sa.select(Rsvp)
        .join(Event, Event.id == Rsvp.event_id)
        .where(
            Event.ends_at < before,
            Rsvp.user_id.is_(None),
            Rsvp.invitation_id.is_(None),
            Rsvp.erased_at.is_(None),
        )
        .order_by(Rsvp.id)
    )
    rows = db.session.scalars(stmt).all()
    now = utcnow()
    for rsvp in rows:
        rsvp.name = privacy.ERASED_NAME
        rsvp.phone = rsvp.email = None
        rsvp.erased_at = now
        rsvp.residential_group_id = None
        rsvp.answers = {}
        rsvp.client_key = None
    db.session.flush()
    return len(rows)
