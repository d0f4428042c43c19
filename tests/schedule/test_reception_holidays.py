"""Vietnamese public holidays, pure functions, against known dates."""

from datetime import date

from civic.schedule.services import holidays as hol


def test_tet_and_hung_kings_known_dates():
    assert hol.tet_day(2026) == date(2026, 2, 17)
    assert hol.tet_day(2027) == date(2027, 2, 6)
    assert hol.tet_day(2025) == date(2025, 1, 29)
    assert hol.hung_kings_day(2026) == date(2026, 4, 26)
    assert hol.hung_kings_day(2021) == date(2021, 4, 21)


def test_tet_span_is_last_day_of_lunar_year_to_mung_4():
    assert hol.tet_days(2026) == [date(2026, 2, d) for d in range(16, 21)]


def test_weekend_holiday_gives_a_compensatory_day():
    days = hol.public_holidays(2026)
    assert days[date(2026, 4, 26)].kind == hol.HUNG_KINGS  # a Sunday
    assert days[date(2026, 4, 27)].kind == hol.COMPENSATORY
    assert days[date(2026, 9, 1)].kind == days[date(2026, 9, 2)].kind == hol.NATIONAL_DAY
    # Tết 2027 takes a Saturday and a Sunday: two make-up days after the span.
    days = hol.public_holidays(2027)
    assert days[date(2027, 2, 10)].kind == days[date(2027, 2, 11)].kind == hol.COMPENSATORY


def test_extra_days_and_shifting():
    extra = [hol.Holiday(date(2026, 2, 13), hol.EXTRA, "Nghỉ Tết theo thông báo")]
    days = hol.public_holidays(2026, extra)
    assert days[date(2026, 2, 13)].kind == hol.EXTRA
    assert hol.shift_to_working_day(date(2026, 2, 19), days, 1) == date(2026, 2, 23)
    assert hol.shift_to_working_day(date(2026, 2, 16), days, -1) == date(2026, 2, 12)
