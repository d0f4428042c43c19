"""The Vietnamese lunar calendar against dates printed on Vietnamese calendars."""

from datetime import date

import pytest

from civic.events.lunar import LunarDate, lunar_text, solar_to_lunar


@pytest.mark.parametrize(
    ("solar", "text"),
    [
        (date(2021, 1, 29), "17 tháng Chạp năm Canh Tý"),
        (date(2021, 2, 12), "mùng 1 tháng Giêng năm Tân Sửu"),
        (date(2024, 2, 10), "mùng 1 tháng Giêng năm Giáp Thìn"),
        (date(2025, 1, 29), "mùng 1 tháng Giêng năm Ất Tỵ"),
        (date(2026, 2, 17), "mùng 1 tháng Giêng năm Bính Ngọ"),
        (date(2023, 9, 29), "15 tháng Tám năm Quý Mão"),  # Tết Trung thu
        (date(2000, 1, 1), "25 tháng Một năm Kỷ Mão"),
    ],
)
def test_known_vietnamese_dates(solar, text):
    assert lunar_text(solar) == text


@pytest.mark.parametrize(
    ("solar", "expected"),
    [
        (date(2020, 5, 23), LunarDate(1, 4, 2020, leap=True)),  # tháng 4 nhuận Canh Tý
        (date(2020, 6, 20), LunarDate(29, 4, 2020, leap=True)),
        (date(2020, 6, 21), LunarDate(1, 5, 2020)),
        (date(2023, 3, 22), LunarDate(1, 2, 2023, leap=True)),  # tháng 2 nhuận Quý Mão
        (date(2023, 4, 20), LunarDate(1, 3, 2023)),
    ],
)
def test_leap_months(solar, expected):
    assert solar_to_lunar(solar) == expected


def test_leap_month_text():
    assert lunar_text(date(2020, 5, 23)) == "mùng 1 tháng 4 nhuận năm Canh Tý"


def test_tet_1985_differs_from_the_chinese_calendar():
    # Vietnam (UTC+7) celebrated Tết Ất Sửu on 21/01/1985; China (UTC+8) on 20/02/1985.
    assert solar_to_lunar(date(1985, 1, 21)) == LunarDate(1, 1, 1985)
    assert solar_to_lunar(date(1985, 1, 21), tz=8) == LunarDate(1, 12, 1984)
    assert solar_to_lunar(date(1985, 2, 20), tz=8) == LunarDate(1, 1, 1985)
    assert solar_to_lunar(date(1985, 2, 20)) == LunarDate(1, 2, 1985)


def test_tet_2007_one_day_apart():
    assert solar_to_lunar(date(2007, 2, 17)) == LunarDate(1, 1, 2007)
    assert solar_to_lunar(date(2007, 2, 17), tz=8) == LunarDate(30, 12, 2006)


def test_tet_2030_new_moon_before_midnight_in_hanoi():
    # The new moon falls just before midnight of 2/2/2030 in Hà Nội, just after it in Beijing.
    assert solar_to_lunar(date(2030, 2, 2)) == LunarDate(1, 1, 2030)
    assert solar_to_lunar(date(2030, 2, 2), tz=8) == LunarDate(30, 12, 2029)
    assert lunar_text(date(2030, 2, 2)) == "mùng 1 tháng Giêng năm Canh Tuất"


def test_can_chi_and_tet_flag():
    assert LunarDate(1, 1, 2021).year_name == "Tân Sửu"
    assert LunarDate(1, 1, 1984).year_name == "Giáp Tý"
    assert LunarDate(2, 1, 2021).is_tet
    assert not LunarDate(2, 1, 2020, leap=True).is_tet
