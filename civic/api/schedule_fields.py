"""Reading the schedule API's JSON fields with their types checked. A wrong type or a missing
field is a ScheduleError (422) with a translated message, so routes answer it like the
services' own errors; values are then judged by the same services as the pages."""

from __future__ import annotations

import re
from datetime import date, time

from flask_babel import gettext as _

from civic.api import bp
from civic.api.common import json_error
from civic.schedule.services import ScheduleError

_TIME = re.compile(r"^\d{2}:\d{2}(:\d{2})?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
LIMIT = 2**53  # larger numbers are no id or version of ours (and overflow SQLite's integers)
MISSING = object()


@bp.errorhandler(ScheduleError)
def schedule_refused(exc: ScheduleError):
    """Every schedule route answers the domain's refusal (a type check here, or a service's rule)
    with its status and message; the routes need no try/except of their own."""
    return json_error(exc.code, str(exc))


class Fields:
    """``Fields(body).text("place")``: the value, the default when absent, ScheduleError when
    the JSON type is wrong. ``required=True`` refuses an absent (or null) field."""

    def __init__(self, body: dict):
        self.body = body

    def has(self, key: str) -> bool:
        return key in self.body

    def _raw(self, key: str, required: bool):
        value = self.body.get(key, MISSING)
        if value is MISSING or value is None:
            if required:
                raise ScheduleError(_("%(name)s is required.", name=key), 422)
            return MISSING
        return value

    def text(self, key: str, default: str = "", required: bool = False) -> str:
        value = self._raw(key, required)
        if value is MISSING:
            return default
        if not isinstance(value, str):
            raise ScheduleError(_("%(name)s must be text.", name=key), 422)
        return value

    def integer(self, key: str, default=None, required: bool = False):
        value = self._raw(key, required)
        if value is MISSING:
            return default
        if isinstance(value, bool) or not isinstance(value, int) or abs(value) >= LIMIT:
            raise ScheduleError(_("%(name)s must be a whole number.", name=key), 422)
        return value

    def boolean(self, key: str, default=None):
        value = self._raw(key, False)
        if value is MISSING:
            return default
        if not isinstance(value, bool):
            raise ScheduleError(_("%(name)s must be true or false.", name=key), 422)
        return value

    def day(self, key: str, default=None, required: bool = False):
        value = self._raw(key, required)
        if value is MISSING:
            return default
        try:
            if not isinstance(value, str) or not _DATE.match(value):
                raise ValueError(value)
            return date.fromisoformat(value)
        except ValueError:
            raise ScheduleError(_("%(name)s: dates are written YYYY-MM-DD.", name=key), 422) from None

    def clock(self, key: str, default=None, required: bool = False):
        value = self._raw(key, required)
        if value is MISSING:
            return default
        try:
            if not isinstance(value, str) or not _TIME.match(value):
                raise ValueError(value)
            return time.fromisoformat(value)
        except ValueError:
            raise ScheduleError(_("%(name)s: times are written HH:MM.", name=key), 422) from None

    def integers(self, key: str, default=None) -> list[int] | None:
        value = self._raw(key, False)
        if value is MISSING:
            return default
        if not isinstance(value, list) or any(
                isinstance(v, bool) or not isinstance(v, int) or abs(v) >= LIMIT for v in value):
            raise ScheduleError(_("%(name)s must be a list of numbers.", name=key), 422)
        return value

    def version(self) -> int:
        """The week's version the caller read: the optimistic lock of every week write."""
        return self.integer("expected_version", required=True)


def participant_pairs(value, kinds) -> list[tuple[str, object]]:
    """``[{"post": 3}, {"unit": "Công an phường"}]`` as the services' (kind, value) pairs;
    ``kinds`` are the ones this call takes (the page's choices)."""
    if not isinstance(value, list):
        raise ScheduleError(_("Choose participants from the list."), 422)
    pairs = []
    for entry in value:
        if not isinstance(entry, dict) or len(entry) != 1:
            raise ScheduleError(_("Choose participants from the list."), 422)
        ((kind, ref),) = entry.items()
        by_text = kind in ("unit", "text")
        ok = isinstance(ref, str) if by_text else (isinstance(ref, int) and not isinstance(ref, bool)
                                                      and abs(ref) < LIMIT)
        if kind not in kinds or not ok:
            raise ScheduleError(_("Choose participants from the list."), 422)
        pairs.append((kind, ref))
    return pairs


def item_input(body: dict, base=None):
    """An item's JSON as the services' ItemData. Without ``base`` (a new item) day and start are
    required; with it (PATCH) an absent field keeps the item's current value."""
    from civic.schedule.models import ParticipantKind
    from civic.schedule.services.weeks import ItemData

    f, new = Fields(body), base is None
    b = base or ItemData(day=None, start=None, content="")
    participants = body.get("participants")
    return ItemData(
        day=f.day("day", b.day, new), start=f.clock("start", b.start, new),
        end=f.clock("end") if f.has("end") else b.end, content=f.text("content", b.content),
        place=f.text("place", b.place), preparing_unit=f.text("preparing_unit", b.preparing_unit),
        participants_note=f.text("participants_note", b.participants_note),
        participants_legal_basis=f.text("participants_legal_basis", b.participants_legal_basis),
        separate_letter=f.boolean("separate_letter", b.separate_letter), is_public=f.boolean("public", b.is_public),
        chair_post_ids=f.integers("chair_post_ids", b.chair_post_ids),
        participants=b.participants if participants is None else participant_pairs(participants, tuple(ParticipantKind)),
        own_event_id=b.own_event_id)
