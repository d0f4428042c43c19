"""Times are stored in UTC and shown in the ward's time zone (Asia/Ho_Chi_Minh)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context
from flask_babel import get_locale
from flask_babel import gettext as _

DEFAULT_TZ = "Asia/Ho_Chi_Minh"


def local_tz() -> ZoneInfo:
    name = current_app.config.get("CIVIC_TIMEZONE", DEFAULT_TZ) if has_app_context() else DEFAULT_TZ
    return ZoneInfo(name)


def utcnow() -> datetime:
    """Aware UTC now."""
    return datetime.now(UTC)


def as_utc(value: datetime | None) -> datetime | None:
    """Aware UTC; a naive value is taken to be UTC already (as the database returns it)."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def to_local(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return as_utc(value).astimezone(local_tz())


def local_to_utc(value: datetime) -> datetime:
    """A naive wall-clock time in the ward's zone, as aware UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=local_tz())
    return value.astimezone(UTC)


def local_today() -> date:
    return utcnow().astimezone(local_tz()).date()


# Weekday names per locale, translated once per process: a page of dates otherwise asks the
# catalogue seven times for each date shown.
_weekday_names: dict[str, tuple[str, ...]] = {}


def _translated_weekdays() -> tuple[str, ...]:
    return (_("Monday"), _("Tuesday"), _("Wednesday"), _("Thursday"), _("Friday"), _("Saturday"), _("Sunday"))


def weekday_name(day: date) -> str:
    key = str(get_locale())
    names = _weekday_names.get(key)
    if names is None:
        names = _weekday_names[key] = _translated_weekdays()
    return names[day.weekday()]


def format_date(value: date | datetime | None, with_weekday: bool = True) -> str:
    """"Thứ Sáu, 29/01/2021" (the weekday in the current locale)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_local(value).date()
    text = value.strftime("%d/%m/%Y")
    return f"{weekday_name(value)}, {text}" if with_weekday else text


def format_datetime(value: datetime | None, with_weekday: bool = True) -> str:
    """"Thứ Sáu, 29/01/2021, 08:00" in the ward's time zone."""
    if value is None:
        return ""
    local = to_local(value)
    return f"{format_date(local.date(), with_weekday)}, {local.strftime('%H:%M')}"


def format_time(value: datetime | None) -> str:
    if value is None:
        return ""
    return to_local(value).strftime("%H:%M")


def isoformat_local(value: datetime | None) -> str | None:
    """ISO 8601 with the ward's offset, for APIs and <time datetime>."""
    if value is None:
        return None
    return to_local(value).isoformat(timespec="seconds")
