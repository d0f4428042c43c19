"""The directory export and the attendance report: text from the public never becomes a formula."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from civic.extensions import db
from civic.invitations import services as svc
from civic.invitations.importer import import_contacts
from civic.privacy.services import ConsentGiven

HOSTILE = ['=HYPERLINK("http://x.example/","Xem")', "+1+1", "-2+3", "@SUM(A1:A9)", "\t=1+1", "\r=1+1"]


def _cells(sheet):
    return [cell for row in sheet.iter_rows() for cell in row if cell.value is not None]


def test_decline_reasons_in_the_report_are_text(directory, make_event):
    event = make_event()
    svc.add_invitees(event, contact_ids=[c.id for c in directory.values()])
    invitations = svc.list_invitations(event)
    svc.answer(invitations[0], "decline", reason='=HYPERLINK("http://x.example/","Xem")', consent=ConsentGiven())
    for inv, text in zip(invitations[1:], HOSTILE[1:], strict=True):
        svc.answer(inv, "decline", reason="lý do", consent=ConsentGiven())
        inv.reason = text  # stored as typed (a tab or CR cannot come through the form's strip)
    db.session.commit()
    book = load_workbook(io.BytesIO(svc.report_xlsx(event)))
    detail = book["Danh sách"]
    reasons = {row[1].value: row[10] for row in detail.iter_rows(min_row=2)}
    for inv, text in zip(invitations, HOSTILE, strict=True):
        cell = reasons[inv.full_name]
        assert cell.data_type == "s", text
        assert cell.value == "'" + text
    assert not [c for s in book.worksheets for c in _cells(s) if c.data_type == "f"]
    summary = book["Tổng hợp"]
    assert summary["B3"].data_type == "n"  # counts stay numbers


def test_directory_export_is_text_and_goes_back_in_unchanged(directory):
    people = list(directory.values())
    for contact, text in zip(people, HOSTILE, strict=True):
        contact.notes = text
    people[0].position = "-Phó bí thư"
    db.session.commit()
    sheet = load_workbook(io.BytesIO(svc.export_contacts_xlsx())).active
    assert not [c for c in _cells(sheet) if c.data_type == "f"]
    notes = {row[1].value: row[11] for row in sheet.iter_rows(min_row=2)}
    for contact, text in zip(people, HOSTILE, strict=True):
        assert notes[contact.full_name].data_type == "s"
        assert notes[contact.full_name].value == "'" + text
    assert sheet["A2"].data_type == "n"
    # Re-imported, the guard's apostrophe comes off: the positions are unchanged ("-Phó bí thư").
    report = import_contacts(svc.export_contacts_xlsx(), "danh-ba.xlsx", dry_run=True)
    first = next(r for r in report.rows if r.contact_id == people[0].id)
    assert first.values["position"] == "-Phó bí thư"
