"""ISO weeks and the day's sessions: pure date arithmetic."""

from __future__ import annotations

from datetime import date, time, timedelta

from civic.core.timeutil import local_today
from civic.schedule.models import DaySession


def iso_week_of(day: date) -> tuple[int, int]:
    year, week, _day = day.isocalendar()
    return year, week


def this_week() -> tuple[int, int]:
    return iso_week_of(local_today())


def coming_week() -> tuple[int, int]:
    return iso_week_of(local_today() + timedelta(days=7))


def shift_week(year: int, week: int, by: int) -> tuple[int, int]:
    return iso_week_of(date.fromisocalendar(year, week, 1) + timedelta(days=7 * by))


def valid_week(year: int, week: int) -> bool:
    try:
        date.fromisocalendar(year, week, 1)
    except ValueError:
        return False
    return 2000 <= year <= 2100


def session_for(start: time) -> str:
    if start.hour < 12:
        return DaySession.MORNING
    return DaySession.AFTERNOON if start.hour < 18 else DaySession.EVENING
