"""Cells for the CSV and .xlsx files the portal writes.

Text typed by the public (a decline reason, a name, an answer) must not become a formula in the
organizer's spreadsheet: Excel and LibreOffice start one on =, +, - and @, and a leading tab or
carriage return lets a formula slip past some of them (OWASP "CSV injection"). openpyxl itself
stores any text starting with "=" as a formula. A leading apostrophe is the spreadsheet's own
"this is text" mark, so such text is written after one; numbers, dates and booleans pass unchanged
(a negative number stays a number cell). The importer takes the apostrophe off again, so an export
goes back in unchanged.
"""

from __future__ import annotations

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
TEXT_MARK = "'"


def safe_cell(value):
    """``value`` ready for a CSV or .xlsx cell: text that a spreadsheet would run as a formula
    gets a leading apostrophe; every other value is returned as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return TEXT_MARK + value
    return value


def safe_row(values) -> list:
    """``safe_cell`` over a whole row (for ``csv.writer.writerow`` and ``Worksheet.append``)."""
    return [safe_cell(v) for v in values]


def unguard(value):
    """The inverse for the importer: "'=x" as written by ``safe_cell`` reads back as "=x"."""
    if isinstance(value, str) and value.startswith(TEXT_MARK) and value[1:2] and value[1] in FORMULA_TRIGGERS:
        return value[1:]
    return value
