"""Tổ dân phố (residential groups): finding the one a resident means, however it is typed."""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask_babel import gettext as _

from civic.accounts.models import ResidentialGroup
from civic.accounts.services.errors import AccountError
from civic.core.text import clean_line, fold
from civic.extensions import db


def get_or_create_group(name: str) -> ResidentialGroup:
    name = clean_line(name)
    group = db.session.scalar(sa.select(ResidentialGroup).where(ResidentialGroup.name == name))
    if group is None:
        digits = "".join(ch for ch in name if ch.isdigit())
        group = ResidentialGroup(name=name, name_folded=fold(name), number=int(digits) if digits else None)
        db.session.add(group)
        db.session.flush()
    return group


class UnknownGroupError(AccountError):
    """No tổ dân phố matches what a resident typed (404 where a page or the API looks one up)."""

    def __init__(self, typed):
        shown = clean_line(str(typed if typed is not None else ""))[:60]
        super().__init__(
            _("We do not know the residential group “%(group)s”.", group=shown)
            + " "
            + _("Write its number, for example “5” or “tổ 5”."),
            404,
        )


# "tổ 5", "TDP 5", "to dan pho 5", "Tổ dân phố số 5", "tdp05", "To 05", "5" once folded
# (tone marks off, lower case) and with punctuation turned into spaces.
_GROUP_NUMBER_RE = re.compile(r"^(?:(?:to\s*dan\s*pho|tdp|to|t\s*d\s*p)\s*)?(?:so\s*)?0*(\d{1,6})$")
_GROUP_SPACE_RE = re.compile(r"\s+")


_GROUP_PUNCT_RE = re.compile(r"[.,:;#_/\\()\-]+")


def resolve_group(typed: ResidentialGroup | str | int | None) -> ResidentialGroup:
    """The tổ dân phố a resident means, however loosely typed; UnknownGroupError otherwise.

    Tried in order: the exact name (tone marks and case optional), the group's *number*
    ("tổ 5", "TDP 05", "5"), and last, for a bare number only, the database id (old links).
    """
    if isinstance(typed, ResidentialGroup):
        return typed
    if typed is None or isinstance(typed, bool) or not str(typed).strip():
        raise UnknownGroupError(typed)
    folded = fold(str(typed))
    group = db.session.scalar(
        sa.select(ResidentialGroup).where(ResidentialGroup.name_folded == folded).order_by(ResidentialGroup.id).limit(1)
    )
    if group is not None:
        return group
    compact = _GROUP_SPACE_RE.sub(" ", _GROUP_PUNCT_RE.sub(" ", folded)).strip()
    match = _GROUP_NUMBER_RE.match(compact)
    if match is None:
        raise UnknownGroupError(typed)
    number = int(match.group(1))
    candidates = db.session.scalars(sa.select(ResidentialGroup).where(ResidentialGroup.number == number)).all()
    if candidates:
        # Several names may carry the same digits; prefer the plain "Tổ dân phố số N".
        return min(candidates, key=lambda g: (not g.name_folded.startswith("to dan pho"), g.id))
    if compact.isdigit():
        group = db.session.get(ResidentialGroup, number)
        if group is not None:
            return group
    raise UnknownGroupError(typed)


def find_group(text_or_id: str | int | None) -> ResidentialGroup | None:
    """resolve_group(), or None when nothing matches or nothing was given."""
    try:
        return resolve_group(text_or_id)
    except UnknownGroupError:
        return None


def group_id_from_form(typed) -> int | None:
    """A form's tổ dân phố (its key "5", or as typed "tổ 5"); "" -> None; unknown -> AccountError 422."""
    if typed is None or str(typed).strip() in ("", "None"):
        return None
    try:
        return resolve_group(typed).id
    except UnknownGroupError as exc:
        raise AccountError(_("Please choose a residential group from the list.")) from exc


def group_key(group: ResidentialGroup, groups: list[ResidentialGroup] | None = None) -> str:
    """What a form sends for ``group``: its number when no other group shares it, else its name.
    resolve_group() reads either back to the same group."""
    if group.number is not None:
        others = groups if groups is not None else list_groups()
        if sum(1 for g in others if g.number == group.number) == 1:
            return str(group.number)
    return group.name


def group_choices() -> list[tuple[str, str]]:
    """(group_key, name) for a select of every tổ dân phố, in ward order."""
    groups = list_groups()
    return [(group_key(g, groups), g.name) for g in groups]


def list_groups() -> list[ResidentialGroup]:
    groups = db.session.scalars(sa.select(ResidentialGroup)).all()
    return sorted(groups, key=lambda g: g.sort_key)


def group_by_id(group_id: int | None) -> ResidentialGroup | None:
    """The chosen tổ dân phố, None for "none"; AccountError when the id is unknown."""
    if not group_id:
        return None
    group = db.session.get(ResidentialGroup, int(group_id))
    if group is None:
        raise AccountError(_("Please choose a residential group from the list."))
    return group
