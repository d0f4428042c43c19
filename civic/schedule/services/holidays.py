"""Vietnamese public holidays (ngày nghỉ lễ, Tết) for the civil service, as pure functions.

The rule, after the Labour Code 2019 (Bộ luật Lao động 45/2019/QH14, art. 112) and art. 111(3):

- Tết Dương lịch: 1/1.
- Tết Nguyên Đán: five days, taken here as the last day of the last lunar month ("30 Tết", which
  is the 29th in a short month) to mùng 4 tháng Giêng. The government announces the exact days
  each year (often with swapped working days); the ward adds the rest as extra days off.
- Giỗ Tổ Hùng Vương: 10 tháng 3 âm lịch.
- Ngày Chiến thắng 30/4 and Quốc tế Lao động 1/5.
- Quốc khánh: 2/9 and one day beside it. The law lets the government pick 1/9 or 3/9; this takes
  1/9 (the choice of 2022, 2023 and 2025), and the ward adds 3/9 as an extra day in a year that
  differs.
- A holiday that falls on a Saturday or Sunday gives a compensatory day off (nghỉ bù) on the next
  working day (art. 111(3)).

Lunar dates come from :mod:`civic.events.lunar` (searched forwards, not re-derived).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from civic.core.timeutil import format_date
from civic.events.lunar import solar_to_lunar

NEW_YEAR = "new_year"
TET = "tet"
HUNG_KINGS = "hung_kings"
REUNIFICATION = "reunification"
LABOUR = "labour"
NATIONAL_DAY = "national_day"
COMPENSATORY = "compensatory"
EXTRA = "extra"


@dataclass(frozen=True)
class Holiday:
    day: date
    kind: str
    name: str = ""  # the ward's own name for an extra day; built-in kinds are labelled by holiday_label()
    compensates: date | None = None  # for a compensatory day: the holiday it makes up for


def _find_lunar(year: int, month: int, day: int, start: date, days: int) -> date:
    """The solar date in [start, start + days) whose lunar date is day/month (not a leap month)."""
    for offset in range(days):
        candidate = start + timedelta(days=offset)
        lunar = solar_to_lunar(candidate)
        if lunar.month == month and lunar.day == day and not lunar.leap and lunar.year == year:
            return candidate
    raise ValueError(f"lunar {day}/{month}/{year} not found")  # pragma: no cover - the calendar is total


@lru_cache(maxsize=512)
def tet_day(year: int) -> date:
    """Mùng 1 tháng Giêng of the lunar year starting in ``year``: between 21/01 and 20/02."""
    return _find_lunar(year, 1, 1, date(year, 1, 19), 35)


@lru_cache(maxsize=512)
def hung_kings_day(year: int) -> date:
    """Giỗ Tổ Hùng Vương, 10 tháng 3 âm lịch (late March to early May)."""
    return _find_lunar(year, 3, 10, date(year, 3, 15), 70)


def tet_days(year: int) -> list[date]:
    """The last day of the old lunar year to mùng 4: five days."""
    first = tet_day(year)
    return [first + timedelta(days=d) for d in range(-1, 4)]


def _fixed_holidays(year: int) -> list[Holiday]:
    days = [Holiday(date(year, 1, 1), NEW_YEAR)]
    days += [Holiday(d, TET) for d in tet_days(year)]
    days.append(Holiday(hung_kings_day(year), HUNG_KINGS))
    days += [Holiday(date(year, 4, 30), REUNIFICATION), Holiday(date(year, 5, 1), LABOUR)]
    days += [Holiday(date(year, 9, 1), NATIONAL_DAY), Holiday(date(year, 9, 2), NATIONAL_DAY)]
    return days


def is_weekend(day: date) -> bool:
    return day.weekday() >= 5


def public_holidays(year: int, extra: Iterable[Holiday] = ()) -> dict[date, Holiday]:
    """Every day off of ``year`` (holidays, compensatory days, the ward's extra days), by date.

    A holiday and an extra day on the same date keep the holiday; a compensatory day goes to the
    first weekday that is not already off, so two weekend holidays make up on two days."""
    days: dict[date, Holiday] = {}
    for holiday in _fixed_holidays(year):
        days.setdefault(holiday.day, holiday)
    # Extra days are entered by the ward for this and neighbouring years: keep this year's.
    extras = [h for h in extra if h.day.year == year]
    for holiday in extras:
        days.setdefault(holiday.day, Holiday(holiday.day, EXTRA, holiday.name))
    for holiday in sorted((h for h in _fixed_holidays(year) if is_weekend(h.day)), key=lambda h: h.day):
        candidate = holiday.day + timedelta(days=1)
        while is_weekend(candidate) or candidate in days:
            candidate += timedelta(days=1)
        days[candidate] = Holiday(candidate, COMPENSATORY, compensates=holiday.day)
    return dict(sorted(days.items()))


def holidays_between(start: date, end: date, extra: Iterable[Holiday] = ()) -> dict[date, Holiday]:
    """Days off from ``start`` to ``end`` inclusive (a compensatory day may spill into January)."""
    extra = list(extra)
    found: dict[date, Holiday] = {}
    for year in range(start.year - 1, end.year + 1):
        for day, holiday in public_holidays(year, extra).items():
            if start <= day <= end:
                found.setdefault(day, holiday)
    return dict(sorted(found.items()))


def is_working_day(day: date, days_off: dict[date, Holiday]) -> bool:
    return not is_weekend(day) and day not in days_off


def shift_to_working_day(day: date, days_off: dict[date, Holiday], step: int) -> date:
    """The nearest working day after (step=1) or before (step=-1) ``day``."""
    candidate = day + timedelta(days=step)
    for _ in range(60):
        if is_working_day(candidate, days_off):
            return candidate
        candidate += timedelta(days=step)
    raise ValueError("no working day within 60 days")  # pragma: no cover


def holiday_label(holiday: Holiday) -> str:
    """The holiday's Vietnamese (or English) name, at request time."""
    from flask_babel import gettext as _

    if holiday.kind == EXTRA:
        return holiday.name or _("Day off announced by the government")
    if holiday.kind == COMPENSATORY:
        return _("Compensatory day off for %(day)s", day=format_date(holiday.compensates, with_weekday=False))
    labels = {
        NEW_YEAR: _("New Year's Day"),
        TET: _("Lunar New Year (Tết Nguyên Đán)"),
        HUNG_KINGS: _("Hung Kings Commemoration Day"),
        REUNIFICATION: _("Reunification Day"),
        LABOUR: _("International Labour Day"),
        NATIONAL_DAY: _("National Day"),
    }
    return labels[holiday.kind]
