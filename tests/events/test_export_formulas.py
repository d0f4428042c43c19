"""The answers export (CSV and .xlsx): text typed by the public never arrives as a formula."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from civic.events import services
from civic.events.services import exports
from civic.privacy.services import ConsentGiven

HOSTILE = ['=HYPERLINK("http://x.example/","Xem")', "+1+1", "-2+3", "@SUM(A1:A9)", "\t=1+1", "\r=1+1"]


def test_every_prefix_is_neutralised_and_numbers_stay_numbers(app, make_event, monkeypatch):
    event = make_event()
    rows = [[n, text, "0912 000 001", "", "", "Có", "Tham dự", -1, 2, "01/02/2021 08:00", text]
            for n, text in enumerate(HOSTILE, start=1)]
    monkeypatch.setattr(exports, "export_rows", lambda _event: rows)

    parsed = list(csv.reader(io.StringIO(services.export_csv(event).decode("utf-8-sig"), newline="")))
    for line, text in zip(parsed[1:], HOSTILE, strict=True):
        assert line[1] == "'" + text and line[10] == "'" + text
        assert line[7] == "-1"

    sheet = load_workbook(io.BytesIO(services.export_xlsx(event))).active
    for n, text in enumerate(HOSTILE, start=5):
        for col in ("B", "K"):
            cell = sheet[f"{col}{n}"]
            assert cell.data_type == "s" and cell.value == "'" + text
        assert sheet[f"H{n}"].data_type == "n" and sheet[f"H{n}"].value == -1


def test_a_guest_named_like_a_formula(app, make_event):
    event = make_event()
    services.answer_event(event, services.Answer(response="yes", name='=HYPERLINK("http://x.example/","Xem")',
                                                 phone="0912000002"), consent=ConsentGiven())
    sheet = load_workbook(io.BytesIO(services.export_xlsx(event))).active
    assert sheet["B5"].data_type != "f" and sheet["B5"].value.startswith("'=")
