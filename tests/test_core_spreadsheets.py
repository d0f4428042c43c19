"""civic.core.spreadsheets: the formula guard every CSV and .xlsx export uses."""

from __future__ import annotations

from datetime import date

import pytest

from civic.core.spreadsheets import safe_cell, safe_row, unguard

HOSTILE = ['=HYPERLINK("http://x.example/","Xem")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)",
           "\t=1+1", "\r=1+1"]


@pytest.mark.parametrize("text", HOSTILE)
def test_text_that_would_start_a_formula_gets_the_text_mark(text):
    assert safe_cell(text) == "'" + text
    assert unguard(safe_cell(text)) == text


def test_other_values_pass_unchanged():
    for value in ("Nguyễn Văn An", "", "'already quoted", -5, -2.5, 0, True, None, date(2021, 1, 29)):
        assert safe_cell(value) == value
    assert unguard("'plain") == "'plain"
    assert safe_row(["=1", -3, "ok"]) == ["'=1", -3, "ok"]
