"""Import the directory of leaders from the spreadsheets officials actually keep.

Reads .xlsx, .xls (Excel 97-2003), .xlsb and .ods through python-calamine (Rust) and CSV (utf-8,
utf-8-sig, cp1258), finds the header under
title rows by folded matching of the usual Vietnamese spellings, fills merged cells, and
classifies every row as create / update (matched by phone, then email) / unchanged / reject
with the spreadsheet's own row number. Nothing is written until ``write_import`` runs, and
then everything is written in one transaction with bulk statements (no per-row queries).
"""

from __future__ import annotations

import csv
import functools
import io
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time

import sqlalchemy as sa
from flask import current_app, has_app_context
from flask_babel import gettext as _

from civic.core.collation import split_full_name
from civic.core.phone import try_normalize_phone
from civic.core.spreadsheets import unguard
from civic.core.text import clean_line, fold

DEFAULT_MAX_ROWS = 20_000
HEADER_SCAN_ROWS = 30

# Columns a sheet may have, with the folded spellings seen in ward files.
FIELDS = ("stt", "full_name", "family_middle", "given_name", "position", "unit", "residential_group",
          "phone", "email", "groups", "notes")
HEADER_ALIASES: dict[str, set[str]] = {
    "stt": {"stt", "tt", "so tt", "so thu tu", "no"},
    "full_name": {"ho va ten", "ho ten", "ho va ten dai bieu", "ho ten dai bieu", "ten dai bieu", "ho va ten khach moi",
                  "dai bieu", "full name", "name", "ho va ten nguoi duoc moi"},
    "family_middle": {"ho", "ho dem", "ho va ten dem", "ho va dem", "ho lot"},
    "given_name": {"ten", "given name"},
    "position": {"chuc vu", "chuc danh", "chuc vu chuc danh", "chuc vu/chuc danh", "position"},
    "unit": {"don vi", "co quan", "don vi cong tac", "co quan don vi", "co quan/don vi", "unit", "noi cong tac"},
    "residential_group": {"to dan pho", "tdp", "to", "khu pho", "to dp", "thuoc to dan pho"},
    "phone": {"sdt", "so dien thoai", "dien thoai", "dt", "so dt", "dien thoai di dong", "dtdd", "phone", "mobile",
              "so di dong", "dien thoai lien he"},
    "email": {"email", "e-mail", "thu dien tu", "dia chi email", "mail"},
    "groups": {"nhom", "thanh phan", "group", "groups", "nhom dai bieu"},
    "notes": {"ghi chu", "notes", "note"},
}
_PUNCT_RE = re.compile(r"[\s:.*()\[\]]+")
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE_SPLIT_RE = re.compile(r"\s*(?:/|;|,|\bva\b|\bhoac\b| - |\n)\s*")
_SECTION_RE = re.compile(r"^[ivxlcdm]+[.)]\s|^[a-z][.)]\s", re.IGNORECASE)
_COLUMN_NUMBER_RE = re.compile(r"^\(?\d{1,2}\)?$")


@functools.lru_cache(maxsize=4096)
def _fold_cached(value: str) -> str:
    """fold() of values that repeat across rows (units, tổ dân phố names)."""
    return fold(value)


class ImportError_(ValueError):  # noqa: N801 - ImportError is a builtin
    """The file cannot be imported at all; ``str()`` is a user-facing message."""


class _FormulaWithoutValue:
    """Marks a formula cell whose cached value is missing (file saved by a script, never opened)."""

    def __repr__(self) -> str:
        return "<formula without value>"


FORMULA_NO_VALUE = _FormulaWithoutValue()


def field_labels() -> dict[str, str]:
    return {
        "": _("(ignore)"),
        "stt": _("Item no."),
        "full_name": _("Full name"),
        "family_middle": _("Family and middle name"),
        "given_name": _("Given name"),
        "position": _("Position"),
        "unit": _("Unit"),
        "residential_group": _("Residential group"),
        "phone": _("Phone"),
        "email": _("Email"),
        "groups": _("Groups"),
        "notes": _("Notes"),
    }


NAME_PARTS = ("family_name", "middle_name", "given_name")


def describe_changes(changes: list[str]) -> str:
    """The preview's "Changes" cell: the changed fields in words ("Họ và tên, Nhóm"), in form order."""
    labels = field_labels()
    words = {"position": labels["position"], "unit": labels["unit"], "residential_group": labels["residential_group"],
             "phone": labels["phone"], "email": labels["email"], "notes": labels["notes"], "groups": labels["groups"]}
    out = [labels["full_name"]] if any(c in NAME_PARTS for c in changes) else []
    out += [words[c] for c in words if c in changes]
    out += [c for c in changes if c not in words and c not in NAME_PARTS]  # a field added later, never silent
    return ", ".join(out)


def max_rows() -> int:
    if has_app_context():
        return int(current_app.config.get("CIVIC_CONTACT_IMPORT_MAX_ROWS", DEFAULT_MAX_ROWS))
    return DEFAULT_MAX_ROWS


def _header_key(value) -> str:
    if not isinstance(value, str):
        return ""
    return _PUNCT_RE.sub(" ", fold(value)).strip()


def match_header(value) -> str | None:
    key = _header_key(value)
    if not key:
        return None
    for name, aliases in HEADER_ALIASES.items():
        if key in aliases or key.replace(" ", "") in {a.replace(" ", "") for a in aliases}:
            return name
    # Longer spellings: "Họ và tên đại biểu được mời", "Số điện thoại liên hệ (di động)".
    for name, prefix in (("full_name", "ho va ten"), ("full_name", "ho ten"), ("phone", "so dien thoai"),
                         ("phone", "dien thoai"), ("position", "chuc vu"), ("unit", "don vi"),
                         ("residential_group", "to dan pho"), ("email", "email"), ("notes", "ghi chu")):
        if key.startswith(prefix + " "):
            return name
    return None


# --------------------------------------------------------------------------- reading

# What the upload page and the CLI take: workbooks through calamine, text through the csv module.
WORKBOOK_KINDS = ("xlsx", "xls", "xlsb", "ods")
ACCEPT = ".xlsx,.xlsm,.xls,.xlsb,.ods,.csv"
_WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"


def _not_a_spreadsheet() -> ImportError_:
    return ImportError_(_("This file is not a spreadsheet. Upload an Excel (.xlsx, .xls, .xlsb), "
                          "LibreOffice (.ods) or CSV file."))


def _damaged() -> ImportError_:
    return ImportError_(_("This spreadsheet is damaged and cannot be read. Open it in Excel or LibreOffice, "
                          "save it again and upload the new file."))


def _password_protected() -> ImportError_:
    return ImportError_(_("This file is protected with a password. Open it, remove the password, save it "
                          "and upload it again."))


def sniff_kind(data: bytes, filename: str = "") -> str:
    """"xlsx", "xlsb", "xls", "ods" or "csv" from the content (the name only explains a mismatch);
    raises ImportError_ for anything else (pdf, images, docx, a web page named .xls...)."""
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
        raise ImportError_(
            _("The file is named \"%(name)s\" but it is not an Excel or LibreOffice workbook (it may be a web page "
              "or text saved under that name). Open it in Excel or LibreOffice, save it as .xlsx, .xls or .ods, "
              "and upload it again.", name=clean_line(filename)[-80:])
        )
    if b"\x00" in data[:4096]:
        raise _not_a_spreadsheet()
    return "csv"


def check_readable(data: bytes, filename: str = "") -> str:
    """What the upload page checks before queueing the analysis: the kind, and for a workbook that
    it opens (not damaged, no password) and has cells. Returns the kind; raises ImportError_."""
    kind = sniff_kind(data, filename)
    if kind in WORKBOOK_KINDS:
        if _open_sheet(data).start is None:
            raise ImportError_(_("The file is empty."))
    elif not _decode_csv(data).strip():
        raise ImportError_(_("The file is empty."))
    return kind


def _decode_csv(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1258"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportError_(_("The CSV file's text encoding is not recognised. Save it as UTF-8 and try again."))


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
    import python_calamine

    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        if not workbook.sheet_names:
            raise ImportError_(_("The workbook has no sheet."))
        return workbook.get_sheet_by_index(0)
    except ImportError_:
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
    from xml.etree import ElementTree as ET

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
    from xml.etree import ElementTree as ET

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
    from xml.etree import ElementTree as ET

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
    except ImportError_:
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


# --------------------------------------------------------------------------- analysis


@dataclass
class RowResult:
    row: int
    action: str  # create | update | unchanged | reject
    values: dict = field(default_factory=dict)
    reason: str = ""
    contact_id: int | None = None
    changes: list[str] = field(default_factory=list)

    @property
    def full_name(self) -> str:
        v = self.values
        return clean_line(" ".join(x for x in (v.get("family_name"), v.get("middle_name"), v.get("given_name")) if x))

    def as_dict(self) -> dict:
        return {"row": self.row, "action": self.action, "values": self.values, "reason": self.reason,
                "contact_id": self.contact_id, "changes": self.changes}


@dataclass
class ImportReport:
    header_row: int
    headers: list[str]
    mapping: dict[int, str]
    rows: list[RowResult]
    written: bool = False

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)

    @property
    def rejected(self) -> list[RowResult]:
        return [r for r in self.rows if r.action == "reject"]

    def summary(self) -> dict:
        return {
            "created": self.count("create"),
            "updated": self.count("update"),
            "unchanged": self.count("unchanged"),
            "rejected": [{"row": r.row, "reason": r.reason} for r in self.rejected],
            "header_row": self.header_row,
            "mapping": {str(k): v for k, v in self.mapping.items()},
            "written": self.written,
        }

    def as_dict(self) -> dict:
        return {"header_row": self.header_row, "headers": self.headers,
                "mapping": {str(k): v for k, v in self.mapping.items()},
                "rows": [r.as_dict() for r in self.rows], "written": self.written}

    @classmethod
    def from_dict(cls, data: dict) -> ImportReport:
        return cls(header_row=data["header_row"], headers=data["headers"],
                   mapping={int(k): v for k, v in data["mapping"].items()},
                   rows=[RowResult(**r) for r in data["rows"]], written=data.get("written", False))


def detect_header(rows: list[tuple[int, list]]) -> tuple[int, dict[int, str], list[str]]:
    """The header row's number, its column mapping and its texts; raises when none is found."""
    for index, (number, cells) in enumerate(rows):
        mapping: dict[int, str] = {}
        for col, value in enumerate(cells):
            name = match_header(value)
            if name and name not in mapping.values():
                mapping[col] = name
        has_name = "full_name" in mapping.values() or {"family_middle", "given_name"} <= set(mapping.values())
        if has_name and len(mapping) >= 2:
            # "Họ" + "Tên" in two columns with a merged "Họ và tên" above: prefer the split columns.
            return number, mapping, ["" if c is None else clean_line(str(c)) for c in cells]
        if index >= HEADER_SCAN_ROWS:
            break
    raise ImportError_(
        _("No header row was found. The sheet needs a header such as \"Họ và tên\", \"Chức vụ\", \"Số điện thoại\" "
          "in one of its first rows.")
    )


def _text(value) -> str:
    if value is None or value is FORMULA_NO_VALUE:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return clean_line(str(value))


_MOBILE_RE = re.compile(r"^(?:\+?84|0)((?:3[2-9]|5[25689]|7[06-9]|8[1-9]|9\d)\d{7})$")
_SEPARATORS_RE = re.compile(r"[\s.\-()]")


def _fast_phone(raw: str) -> str | None:
    """Vietnamese mobile numbers without the phonenumbers parse (the common case, 10x faster)."""
    m = _MOBILE_RE.match(_SEPARATORS_RE.sub("", raw))
    return "+84" + m.group(1) if m else None


def _phone_from(value) -> tuple[str | None, bool]:
    """(E.164 or None, was_invalid)."""
    if value is None:
        return None, False
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        digits = str(int(value))
        # Excel drops the leading zero of numbers typed as numbers: 912345678.
        candidates = [digits, "0" + digits]
    else:
        text = _text(value)
        if not text:
            return None, False
        fast = _fast_phone(text)
        if fast:
            return fast, False
        candidates = [p for p in _PHONE_SPLIT_RE.split(fold(text)) if p]
    for raw in candidates:
        phone = _fast_phone(raw) or try_normalize_phone(raw)
        if phone:
            return phone, False
    return None, True


GROUP_SPLIT_RE = re.compile(r"\s*[;,\n]\s*")


def parse_rows(
    rows: Iterator[tuple[int, list]],
    mapping: dict[int, str] | None = None,
    progress: Callable[[int], None] | None = None,
) -> tuple[int, list[str], dict[int, str], list[RowResult]]:
    """Turn raw rows into validated values (no database): header, mapping, results."""
    limit = max_rows()
    head: list[tuple[int, list]] = []
    iterator = iter(rows)
    for number, cells in iterator:
        if any(c is not None and _text(c) for c in cells):
            head.append((number, cells))
        if len(head) > HEADER_SCAN_ROWS:
            break
    if not head:
        raise ImportError_(_("The file is empty."))
    header_row, guessed, headers = detect_header(head)
    if mapping:
        mapping = {int(k): v for k, v in mapping.items() if v in FIELDS}
        values = set(mapping.values())
        if not ("full_name" in values or "given_name" in values):
            raise ImportError_(_("Choose which column holds the names."))
    else:
        mapping = guessed
    remaining = [(n, c) for n, c in head if n > header_row]

    def all_rows():
        yield from remaining
        yield from iterator

    results: list[RowResult] = []
    seen: dict[str, int] = {}
    count = 0
    for number, cells in all_rows():
        nonempty = [c for c in cells if c is not None and c != ""]
        if not nonempty:
            continue
        count += 1
        if count > limit:
            raise ImportError_(
                _("The file has more than %(limit)s rows. Split it into smaller files and import them one by one.",
                  limit=f"{limit:,}".replace(",", "."))
            )
        if progress and count % 500 == 0:
            progress(count)
        result = _parse_row(number, cells, mapping, nonempty)
        if result is None:
            continue
        if result.action != "reject":
            v = result.values
            keys = []
            if v.get("phone"):
                keys.append("p:" + v["phone"])
            if v.get("email"):
                keys.append("e:" + v["email"])
            if not keys:
                keys.append("n:" + fold(result.full_name) + "|" + _fold_cached(v.get("unit") or "") + "|"
                            + _fold_cached(v.get("residential_group") or ""))
            earlier = next((seen[k] for k in keys if k in seen), None)
            if earlier is not None:
                result.action = "reject"
                result.reason = _("Same person as row %(row)s.", row=earlier)
            else:
                for k in keys:
                    seen[k] = number
        results.append(result)
    return header_row, headers, mapping, results


def _parse_row(number: int, cells: list, mapping: dict[int, str], nonempty: list) -> RowResult | None:
    raw = {name: (cells[col] if col < len(cells) else None) for col, name in mapping.items()}
    # Column-number rows ("(1) (2) (3)") under the header, and section rows ("I. ĐẢNG ỦY").
    if all(_COLUMN_NUMBER_RE.match(_text(c)) for c in nonempty):
        return None
    name_cells = [raw.get(k) for k in ("full_name", "family_middle", "given_name") if raw.get(k) is not None]
    other = [raw.get(k) for k in ("phone", "email", "position", "unit") if raw.get(k) not in (None, "")]
    if len(nonempty) == 1 and _SECTION_RE.match(_text(nonempty[0])) and not other:
        return None
    if len(set(map(str, nonempty))) == 1 and len(nonempty) > 2:
        # One value spread over the whole row by a horizontal merge: a section title.
        return None
    result = RowResult(row=number, action="create")
    for name, value in raw.items():
        if value is FORMULA_NO_VALUE:
            result.action = "reject"
            result.reason = _("The column \"%(column)s\" holds a formula without a calculated value. Open the file in "
                              "Excel, save it, and import again.", column=field_labels().get(name, name))
            return result
    for value in name_cells:
        if isinstance(value, (datetime, date, time)):
            result.action = "reject"
            result.reason = _("The name cell holds a date, not a name.")
            return result
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            result.action = "reject"
            result.reason = _("The name cell holds a number, not a name.")
            return result
    if "full_name" in raw and raw.get("full_name") is not None:
        family, middle, given = split_full_name(_text(raw["full_name"]))
    else:
        family_middle = _text(raw.get("family_middle")).split()
        family = family_middle[0] if family_middle else ""
        middle = " ".join(family_middle[1:])
        given = _text(raw.get("given_name"))
    if not given:
        result.action = "reject"
        result.reason = _("The row has no name.")
        return result
    if any(ch.isdigit() for ch in family + middle + given):
        result.action = "reject"
        result.reason = _("The name contains digits: %(name)s.", name=clean_line(f"{family} {middle} {given}"))
        return result
    phone, bad_phone = _phone_from(raw.get("phone"))
    if bad_phone:
        result.action = "reject"
        result.reason = _("The phone number \"%(phone)s\" is not valid.", phone=_text(raw.get("phone")))
        return result
    email = _text(raw.get("email")).lower() or None
    if email and not _EMAIL_RE.match(email):
        result.action = "reject"
        result.reason = _("The email address \"%(email)s\" is not valid.", email=email)
        return result
    for name in ("position", "unit", "residential_group", "notes", "groups"):
        value = raw.get(name)
        if isinstance(value, (datetime, date)):
            value = value.strftime("%d/%m/%Y")
        raw[name] = _text(value)
    result.values = {
        "family_name": family[:60], "middle_name": middle[:80], "given_name": given[:60],
        "position": raw["position"][:200], "unit": raw["unit"][:200],
        "residential_group": raw["residential_group"][:120], "phone": phone, "email": email,
        "notes": raw["notes"], "groups": [g for g in GROUP_SPLIT_RE.split(raw["groups"]) if g] if raw["groups"] else [],
    }
    return result


# --------------------------------------------------------------------------- matching and writing


COMPARED = ("family_name", "middle_name", "given_name", "position", "unit", "phone", "email", "notes")


def _group_label(name: str) -> str:
    text = clean_line(name)
    if text.isdigit():
        return _("Residential group %(number)s", number=text)
    return text


def classify(results: list[RowResult]) -> None:
    """Match valid rows to existing contacts by phone, then email, in two queries."""
    from civic.accounts.models import ResidentialGroup
    from civic.extensions import db
    from civic.invitations.models import Contact, contact_group_members

    columns = [Contact.id, Contact.residential_group_id, Contact.name_folded, *(getattr(Contact, c) for c in COMPARED)]
    existing = db.session.execute(sa.select(*columns)).all()
    by_phone = {r.phone: r for r in existing if r.phone}
    by_email = {r.email: r for r in existing if r.email}
    # Rows without phone or email match a contact without them by name and unit.
    by_name = {(r.name_folded, fold(r.unit)): r for r in existing if not r.phone and not r.email}
    groups_by_folded = {fold(g.name): g.id for g in db.session.execute(sa.select(ResidentialGroup.id, ResidentialGroup.name))}
    groups_by_number = {
        g.number: g.id for g in db.session.execute(sa.select(ResidentialGroup.id, ResidentialGroup.number)) if g.number is not None
    }
    from civic.invitations.models import ContactGroup

    cgroups = {r.name_folded: r.id for r in db.session.execute(sa.select(ContactGroup.id, ContactGroup.name_folded))}
    memberships: dict[int, set[int]] = {}
    for contact_id, group_id in db.session.execute(sa.select(contact_group_members.c.contact_id, contact_group_members.c.group_id)):
        memberships.setdefault(contact_id, set()).add(group_id)
    for result in results:
        if result.action == "reject":
            continue
        v = result.values
        match = by_phone.get(v["phone"]) if v.get("phone") else None
        if match is None and v.get("email"):
            match = by_email.get(v["email"])
        if match is None and not v.get("phone") and not v.get("email"):
            match = by_name.get((fold(result.full_name), fold(v.get("unit"))))
        if match is None:
            result.action = "create"
            continue
        result.contact_id = match.id
        changes = []
        for name in COMPARED:
            new = v.get(name)
            if new and new != (getattr(match, name) or ""):
                changes.append(name)
        rg = v.get("residential_group")
        if rg:
            gid = _find_group_id(rg, groups_by_folded, groups_by_number)
            if gid != match.residential_group_id:
                changes.append("residential_group")
        if v.get("groups"):
            wanted = {cgroups.get(fold(g)) for g in v["groups"]}
            if None in wanted or not wanted <= memberships.get(match.id, set()):
                changes.append("groups")
        result.changes = changes
        result.action = "update" if changes else "unchanged"


def _find_group_id(text: str, by_folded: dict, by_number: dict) -> int | None:
    folded = _fold_cached(text)
    if folded in by_folded:
        return by_folded[folded]
    digits = "".join(ch for ch in text if ch.isdigit())
    if digits and (text.isdigit() or folded.startswith(("to", "tdp", "khu"))):
        return by_number.get(int(digits))
    return None


def write_import(report: ImportReport, group_id: int | None = None, new_group_name: str = "",
                 legal_basis: str = "public_duty", source: str = "") -> dict:
    """Write every create/update of a classified report in ONE transaction; all or nothing.

    With ``group_id`` or ``new_group_name`` every person of the file (new, changed and unchanged)
    is also put in that group (made when new), in the same transaction."""
    from civic.accounts.models import ResidentialGroup
    from civic.core.db import transaction
    from civic.core.timeutil import utcnow
    from civic.extensions import db
    from civic.invitations.models import Contact, ContactGroup, contact_group_members

    creates = [r for r in report.rows if r.action == "create"]
    updates = [r for r in report.rows if r.action == "update"]
    now = utcnow()
    with transaction():
        by_folded = {fold(g.name): g.id for g in db.session.execute(sa.select(ResidentialGroup.id, ResidentialGroup.name))}
        by_number = {g.number: g.id for g in db.session.execute(sa.select(ResidentialGroup.id, ResidentialGroup.number))
                     if g.number is not None}
        new_groups = {}
        for r in creates + updates:
            name = r.values.get("residential_group")
            if name and _find_group_id(name, by_folded, by_number) is None and fold(_group_label(name)) not in new_groups:
                label = _group_label(name)
                new_groups[fold(label)] = label
        for label in new_groups.values():
            digits = "".join(ch for ch in label if ch.isdigit())
            group = ResidentialGroup(name=label, name_folded=fold(label), number=int(digits) if digits else None)
            db.session.add(group)
            db.session.flush()
            by_folded[fold(label)] = group.id
            if group.number is not None:
                by_number.setdefault(group.number, group.id)

        cgroups = {r.name_folded: r.id for r in db.session.execute(sa.select(ContactGroup.id, ContactGroup.name_folded))}
        for r in creates + updates:
            for g in r.values.get("groups") or ():
                folded = fold(g)
                if folded not in cgroups:
                    group = ContactGroup(name=clean_line(g)[:160], name_folded=folded)
                    db.session.add(group)
                    db.session.flush()
                    cgroups[folded] = group.id

        file_group = None
        if group_id or clean_line(new_group_name):
            from civic.invitations.services import _bulk_group

            file_group = _bulk_group(group_id, new_group_name)
            cgroups[file_group.name_folded] = file_group.id

        def group_id_for(r):
            name = r.values.get("residential_group")
            if not name:
                return None
            return _find_group_id(name, by_folded, by_number) or by_folded.get(fold(_group_label(name)))

        if creates:
            params = []
            for r in creates:
                v = r.values
                params.append({
                    "family_name": v["family_name"], "middle_name": v["middle_name"], "given_name": v["given_name"],
                    "name_folded": fold(r.full_name), "position": v["position"], "unit": v["unit"],
                    "residential_group_id": group_id_for(r), "phone": v["phone"], "email": v["email"],
                    "notes": v["notes"], "created_at": now, "updated_at": now,
                    "legal_basis": legal_basis, "source": source,
                })
            table = Contact.__table__
            if file_group is not None or any(r.values.get("groups") for r in creates):
                ids = db.session.scalars(table.insert().returning(table.c.id, sort_by_parameter_order=True), params).all()
                for r, new_id in zip(creates, ids, strict=True):
                    r.contact_id = new_id
            else:
                # No group memberships to link: a plain executemany, without RETURNING.
                db.session.execute(table.insert(), params)
        if updates:
            params = []
            for r in updates:
                v = r.values
                row = {"id": r.contact_id, "updated_at": now, "legal_basis": legal_basis, "source": source}
                for name in COMPARED:
                    if name in r.changes:
                        row[name] = v[name]
                if any(n in r.changes for n in ("family_name", "middle_name", "given_name")):
                    row.update(family_name=v["family_name"], middle_name=v["middle_name"], given_name=v["given_name"],
                               name_folded=fold(r.full_name))
                if "residential_group" in r.changes:
                    row["residential_group_id"] = group_id_for(r)
                params.append(row)
            # Rows with different key sets go in separate executemany batches.
            by_keys: dict[tuple, list] = {}
            for row in params:
                by_keys.setdefault(tuple(sorted(row)), []).append(row)
            for batch in by_keys.values():
                db.session.execute(sa.update(Contact), batch)
        links = set()
        for r in creates + updates:
            for g in r.values.get("groups") or ():
                links.add((r.contact_id, cgroups[fold(g)]))
        unchanged = [r for r in report.rows if r.action == "unchanged"] if file_group is not None else []
        if file_group is not None:
            links.update((r.contact_id, file_group.id) for r in creates + updates + unchanged)
        grouped = 0
        if links:
            present = set()
            update_ids = [r.contact_id for r in updates + unchanged]
            for i in range(0, len(update_ids), 500):
                present.update(db.session.execute(
                    sa.select(contact_group_members.c.contact_id, contact_group_members.c.group_id)
                    .where(contact_group_members.c.contact_id.in_(update_ids[i:i + 500]))
                ).all())
            rows = [{"contact_id": c, "group_id": g} for c, g in links - present]
            if rows:
                db.session.execute(contact_group_members.insert(), rows)
            if file_group is not None:
                grouped = sum(1 for c, g in links - present if g == file_group.id)
    report.written = True
    summary = report.summary()
    summary["legal_basis"] = legal_basis
    if file_group is not None:
        summary.update(group=file_group.name, grouped=grouped)
    return summary


def analyse(data: bytes, filename: str = "", mapping: dict[int, str] | None = None,
            progress: Callable[[int], None] | None = None) -> ImportReport:
    """Read, parse and classify (no writes)."""
    header_row, headers, used_mapping, results = parse_rows(read_rows(data, filename), mapping, progress)
    classify(results)
    return ImportReport(header_row=header_row, headers=headers, mapping=used_mapping, rows=results)


def import_contacts(data: bytes, filename: str = "", dry_run: bool = False,
                    mapping: dict[int, str] | None = None, legal_basis: str = "public_duty") -> ImportReport:
    report = analyse(data, filename, mapping)
    if not dry_run:
        from pathlib import PurePath

        write_import(report, legal_basis=legal_basis, source=clean_line(PurePath(filename).name)[:200])
    return report
