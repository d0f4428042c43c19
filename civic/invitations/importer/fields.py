"""The columns a contacts sheet may have, how their headers are spelt, and what the preview calls them."""

from __future__ import annotations

import functools
import re

from flask import current_app, has_app_context
from flask_babel import gettext as _

from civic.core.text import fold

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

@functools.lru_cache(maxsize=4096)
def fold_cached(value: str) -> str:
    """fold() of values that repeat across rows (units, tổ dân phố names)."""
    return fold(value)

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

