"""Reading typed values out of a JSON body: a wrong type raises FieldError (a translated message,
answered 422) before any service runs. Rules about the values themselves stay in the services."""

from __future__ import annotations

from datetime import UTC, datetime

from flask_babel import gettext as _

MISSING = object()


class FieldError(ValueError):
    """A value of the wrong JSON type; ``str(exc)`` is the translated message."""


def text(data: dict, key: str, default=MISSING):
    """A string (None reads as ""); ``default`` when the key is absent."""
    if key not in data:
        return default
    value = data[key]
    if value is None:
        return ""
    if not isinstance(value, str):
        raise FieldError(_("%(name)s must be text.", name=key))
    return value


def integer(data: dict, key: str, default=MISSING):
    """A whole number or None; ``default`` when the key is absent."""
    if key not in data:
        return default
    value = data[key]
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise FieldError(_("%(name)s must be a whole number.", name=key))
    return value


def boolean(data: dict, key: str, default=MISSING):
    """true or false; ``default`` when the key is absent (null counts as absent)."""
    if key not in data or data[key] is None:
        return default
    value = data[key]
    if not isinstance(value, bool):
        raise FieldError(_("%(name)s must be true or false.", name=key))
    return value


def moment(data: dict, key: str, default=MISSING):
    """An ISO 8601 date-time with an offset, as aware UTC; None for null or ""."""
    if key not in data:
        return default
    raw = text(data, key)
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError as exc:
        raise FieldError(_("%(name)s must be an ISO 8601 date-time.", name=key)) from exc
    if value.tzinfo is None:
        raise FieldError(_("%(name)s needs a time zone offset, e.g. +07:00.", name=key))
    try:
        return value.astimezone(UTC)
    except OverflowError as exc:  # year 1 at +07:00 has no UTC
        raise FieldError(_("%(name)s must be an ISO 8601 date-time.", name=key)) from exc


def int_list(data: dict, key: str, default=MISSING):
    if key not in data:
        return default
    value = data[key]
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in value):
        raise FieldError(_("%(name)s must be a list of numbers.", name=key))
    return value


def text_list(data: dict, key: str, default=MISSING):
    if key not in data:
        return default
    value = data[key]
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(q, str) for q in value):
        raise FieldError(_("%(name)s must be a list of texts.", name=key))
    return value
