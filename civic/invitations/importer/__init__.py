"""Import the directory of leaders from the spreadsheets officials actually keep.

- ``reading``: .xlsx, .xls (Excel 97-2003), .xlsb and .ods through python-calamine (Rust) and CSV
  (utf-8, utf-8-sig, cp1258), merged cells filled, damaged or protected files refused
- ``fields`` and ``parsing``: the header found under title rows by folded matching of the usual
  Vietnamese spellings; every row validated, with the spreadsheet's own row number
- ``matching``: each row is create / update (matched by phone, then email) / unchanged / reject
- ``writing``: nothing is written until ``write_import`` runs, and then everything is written in
  one transaction with bulk statements (no per-row queries)
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import PurePath

from civic.core.text import clean_line
from civic.invitations.errors import ImportFileError
from civic.invitations.importer.fields import FIELDS, describe_changes, field_labels, match_header
from civic.invitations.importer.matching import classify
from civic.invitations.importer.parsing import detect_header, parse_rows
from civic.invitations.importer.reading import ACCEPT, WORKBOOK_KINDS, check_readable, read_rows, sniff_kind
from civic.invitations.importer.report import ImportReport, RowResult
from civic.invitations.importer.writing import write_import
from civic.invitations.models import LegalBasis

__all__ = [
    "ACCEPT", "FIELDS", "WORKBOOK_KINDS", "ImportFileError", "ImportReport", "RowResult", "analyse",
    "check_readable", "classify", "describe_changes", "detect_header", "field_labels", "import_contacts",
    "match_header", "parse_rows", "read_rows", "sniff_kind", "write_import",
]


def analyse(data: bytes, filename: str = "", mapping: dict[int, str] | None = None,
            progress: Callable[[int], None] | None = None) -> ImportReport:
    """Read, parse and classify (no writes)."""
    header_row, headers, used_mapping, results = parse_rows(read_rows(data, filename), mapping, progress)
    classify(results)
    return ImportReport(header_row=header_row, headers=headers, mapping=used_mapping, rows=results)


def import_contacts(data: bytes, filename: str = "", dry_run: bool = False,
                    mapping: dict[int, str] | None = None, legal_basis: str = LegalBasis.PUBLIC_DUTY) -> ImportReport:
    """The CLI's and the API's import: analyse, then (unless a dry run) write all rows or none."""
    report = analyse(data, filename, mapping)
    if not dry_run:
        write_import(report, legal_basis=legal_basis, source=clean_line(PurePath(filename).name)[:200])
    return report
