"""Reading a contacts file into numbered rows: workbooks (.xlsx, .xls, .xlsb, .ods) through
python-calamine (Rust), CSV in utf-8, utf-8-sig or cp1258; merged cells filled from their
top-left cell, formulas saved without a value marked, damaged or protected files refused."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from xml.etree import ElementTree as ET

from flask_babel import gettext as _

from civic.core.spreadsheets import unguard
from civic.core.text import clean_line
from civic.invitations.errors import ImportFileError
from civic.invitations.importer.fields import FORMULA_NO_VALUE

# What the upload page and the CLI take: workbooks through calamine, text through the csv module.
WORKBOOK_KINDS = ("xlsx", "xls", "xlsb", "ods")
ACCEPT = ".xlsx,.xlsm,.xls,.xlsb,.ods,.csv"
_WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"


def _not_a_spreadsheet() -> ImportFileError:
    return ImportFileError(_("This file is not a spreadsheet. Upload an Excel (.xlsx, .xls, .xlsb), "
                          "LibreOffice (.ods) or CSV file."))


def _damaged() -> ImportFileError:
    return ImportFileError(_("This spreadsheet is damaged and cannot be read. Open it in Excel or LibreOffice, "
                          "save it again and upload the new file."))


def _password_protected() -> ImportFileError:
    return ImportFileError(_("This file is protected with a password. Open it, remove the password, save it "
                          "and upload it again."))


def sniff_kind(data: bytes, filename: str = "") -> str:
    """"xlsx", "xlsb", "xls", "ods" or "csv" from the content (the name only explains a mismatch);
    raises ImportFileError for anything else (pdf, images, docx, a web page named .xls...)."""
    head = data[:8]
    suffix = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                names = set(zf.namelist())
                mimetype = zf.read("mimetype")[:100] if "mimetype" in names else b""
                manifest = zf.read("META-INF/manifest.xml") if "META-INF/manifest.xml" in names else b""
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as exc:
            raise (_damaged() if suffix in _WORKBOOK_SUFFIXES else _not_a_spreadsheet()) from exc
        if "xl/workbook.xml" in names:
            return "xlsx"
        if "xl/workbook.bin" in names:
            return "xlsb"
        if mimetype.strip() == _ODS_MIMETYPE and "content.xml" in names:
            if b"encryption-data" in manifest:
                raise _password_protected()
            return "ods"
        raise _not_a_spreadsheet()
    if head.startswith(_OLE_MAGIC):
        return "xls"  # or an .xlsx that Excel encrypted with a password: the same container (see _open_sheet)
    if suffix in _WORKBOOK_SUFFIXES:
        raise ImportFileError(
            _("The file is named \"%(name)s\" but it is not an Excel or LibreOffice workbook (it may be a web page "
              "or text saved under that name). Open it in Excel or LibreOffice, save it as .xlsx, .xls or .ods, "
              "and upload it again.", name=clean_line(filename)[-80:])
        )
    if b"\x00" in data[:4096]:
        raise _not_a_spreadsheet()
    return "csv"


def check_readable(data: bytes, filename: str = "") -> str:
    """What the upload page checks before queueing the analysis: the kind, and for a workbook that
    it opens (not damaged, no password) and has cells. Returns the kind; raises ImportFileError."""
    kind = sniff_kind(data, filename)
    if kind in WORKBOOK_KINDS:
        if _open_sheet(data).start is None:
            raise ImportFileError(_("The file is empty."))
    elif not _decode_csv(data).strip():
        raise ImportFileError(_("The file is empty."))
    return kind


def _decode_csv(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1258"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFileError(_("The CSV file's text encoding is not recognised. Save it as UTF-8 and try again."))


def _csv_rows(data: bytes) -> Iterator[tuple[int, list]]:
    text = _decode_csv(data)
    sample = text[:8192]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        for number, row in enumerate(reader, start=1):
            yield number, [unguard(cell) if cell != "" else None for cell in row]
    except csv.Error as exc:
        raise _not_a_spreadsheet() from exc


def _open_sheet(data: bytes):
    """The first worksheet through calamine (the Rust reader: .xlsx, .xls, .xlsb, .ods)."""
    import python_calamine  # heavy (Rust reader): only when a file comes in

    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        if not workbook.sheet_names:
            raise ImportFileError(_("The workbook has no sheet."))
        return workbook.get_sheet_by_index(0)
    except ImportFileError:
        raise
    except Exception as exc:  # CalamineError, XmlError, ZipError and friends: a damaged file
        if isinstance(exc, python_calamine.PasswordError) or "password" in str(exc).lower() or (
                data.startswith(_OLE_MAGIC) and "EncryptedPackage".encode("utf-16-le") in data):
            raise _password_protected() from exc
        raise _damaged() from exc
    except BaseException as exc:  # a panic inside the Rust reader (pyo3 raises it as BaseException)
        if type(exc).__name__ == "PanicException":
            raise _damaged() from exc
        raise


_XLSX_FORMULA_RE = re.compile(rb"<f[\s>/]")
# A formula cell with no cached value: <c r="F12"><f>...</f><v></v></c>, <f .../> with no <v>.
_XLSX_EMPTY_FORMULA_RE = re.compile(
    rb'<c\s+r="([A-Z]+)(\d+)"[^>]*>\s*<f(?:\s[^>]*)?(?:/>|>[^<]*</f>)\s*(?:<v\s*/>|<v>\s*</v>)?\s*</c>'
)


def _xlsx_formulas_without_value(data: bytes) -> dict[int, list[int]]:
    """{row: [columns]} of formula cells saved without a calculated value (by a script, never opened
    in Excel): calamine reads them as blank, and a blank phone would silently lose the number."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            content = archive.read(_first_sheet_path(archive))
    except (KeyError, zipfile.BadZipFile, ET.ParseError, ValueError, OSError):
        return {}
    found: dict[int, list[int]] = {}
    if _XLSX_FORMULA_RE.search(content):
        for m in _XLSX_EMPTY_FORMULA_RE.finditer(content):
            found.setdefault(int(m.group(2)), []).append(_col_index(m.group(1)))
    return found


def _col_index(letters: bytes) -> int:
    n = 0
    for ch in letters.decode():
        n = n * 26 + (ord(ch) - 64)
    return n - 1


_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def _first_sheet_path(archive: zipfile.ZipFile) -> str:
    workbook = ET.fromstring(archive.read("xl/workbook.xml"))  # noqa: S314 - expat resolves no external entities and limits entity expansion
    sheet = workbook.find(f"{_NS}sheets/{_NS}sheet")
    if sheet is None:
        raise ValueError("no sheet")
    rel_id = sheet.get(f"{_REL_NS}id")
    rels = ET.fromstring(archive.read("xl/_rels/workbook.xml.rels"))  # noqa: S314 - as above
    for rel in rels.iter(f"{_PKG_REL_NS}Relationship"):
        if rel.get("Id") == rel_id:
            target = rel.get("Target")
            return target.lstrip("/") if target.startswith("/") else "xl/" + target
    raise ValueError("no sheet")


_TABLE_NS = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"


def _ods_merged_ranges(data: bytes) -> list[tuple[int, int, int, int]]:
    """(min_row, min_col, max_row, max_col), 1-based rows and 0-based columns, of the first table's
    merged cells: calamine gives merged ranges for Excel files only, ODS keeps them as spans."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        content = archive.read("content.xml")
    if b"-spanned=" not in content:
        return []
    table, row_tag = f"{{{_TABLE_NS}}}table", f"{{{_TABLE_NS}}}table-row"
    cell_tags = (f"{{{_TABLE_NS}}}table-cell", f"{{{_TABLE_NS}}}covered-table-cell")
    repeated_rows, repeated_cols = f"{{{_TABLE_NS}}}number-rows-repeated", f"{{{_TABLE_NS}}}number-columns-repeated"
    span_rows, span_cols = f"{{{_TABLE_NS}}}number-rows-spanned", f"{{{_TABLE_NS}}}number-columns-spanned"
    ranges: list[tuple[int, int, int, int]] = []
    depth = 0  # tables open (a table inside a cell does not move the outer one's rows)
    row = col = 0
    for event, elem in ET.iterparse(io.BytesIO(content), events=("start", "end")):  # noqa: S314 - as above
        tag = elem.tag
        if tag == table:
            depth += 1 if event == "start" else -1
            if event == "end" and depth == 0:
                break
        elif depth != 1:
            continue
        elif tag == row_tag:
            if event == "start":
                col = 0
            else:
                row += int(elem.get(repeated_rows, "1"))
                elem.clear()
        elif tag in cell_tags and event == "start":
            rows, cols = int(elem.get(span_rows, "1")), int(elem.get(span_cols, "1"))
            if rows > 1 or cols > 1:
                ranges.append((row + 1, col, row + rows, col + cols - 1))
            col += int(elem.get(repeated_cols, "1"))
    return ranges


def _cell(value):
    """calamine's value as the parser expects it: blank is None, whole numbers are int."""
    if value == "":
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        return unguard(value)
    return value


def _workbook_rows(data: bytes, kind: str) -> Iterator[tuple[int, list]]:
    """The first sheet's rows (cached values of formulas; FORMULA_NO_VALUE where a formula has none),
    numbered as in the spreadsheet, with merged ranges filled from their top-left cell."""
    sheet = _open_sheet(data)
    if sheet.start is None:  # no cell at all
        return
    try:
        if kind == "ods":
            merged = _ods_merged_ranges(data)
        else:
            merged = [(r1 + 1, c1, r2 + 1, c2) for (r1, c1), (r2, c2) in sheet.merged_cell_ranges or ()]
        no_value = _xlsx_formulas_without_value(data) if kind == "xlsx" else {}
        grid = sheet.to_python(skip_empty_area=False)
    except ImportFileError:
        raise
    except Exception as exc:
        raise _damaged() from exc
    fill: dict[int, list[tuple[int, int, int]]] = {}
    for min_row, min_col, max_row, max_col in merged:
        for r in range(min_row, max_row + 1):
            fill.setdefault(r, []).append((min_row, min_col, max_col))
    anchors: dict[tuple[int, int], object] = {}
    for index, raw in enumerate(grid):
        number = index + 1
        cells = [_cell(v) for v in raw]
        while cells and cells[-1] is None:
            cells.pop()
        for col in no_value.get(number, ()):
            if col >= len(cells) or cells[col] is None:
                cells.extend([None] * (col + 1 - len(cells)))
                cells[col] = FORMULA_NO_VALUE
        if number in fill:
            cells = _apply_merges(number, cells, fill, anchors)
        if cells:
            yield number, cells


def _apply_merges(number: int, cells: list, fill: dict, anchors: dict) -> list:
    spans = fill.get(number, ())
    for min_row, min_col, _max_col in spans:
        if min_row == number:
            anchors[(min_row, min_col)] = cells[min_col] if min_col < len(cells) else None
    for min_row, min_col, max_col in spans:
        value = anchors.get((min_row, min_col))
        if len(cells) <= max_col:
            cells.extend([None] * (max_col + 1 - len(cells)))
        for c in range(min_col, max_col + 1):
            if (number, c) != (min_row, min_col):
                cells[c] = value
    return cells


def read_rows(data: bytes, filename: str = "") -> Iterator[tuple[int, list]]:
    kind = sniff_kind(data, filename)
    return _workbook_rows(data, kind) if kind in WORKBOOK_KINDS else _csv_rows(data)

