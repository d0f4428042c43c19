import unicodedata

import pytest

from civic.core.collation import name_sort_key, sort_key, split_full_name
from civic.core.phone import InvalidPhone, normalize_phone
from civic.core.text import fold, nfc, slugify


def test_nfc_composes_decomposed_vietnamese():
    decomposed = unicodedata.normalize("NFD", "Nguyễn Thị Hường")
    assert decomposed != "Nguyễn Thị Hường"
    assert nfc(decomposed) == "Nguyễn Thị Hường"


@pytest.mark.parametrize(
    ("text", "folded"),
    [("Hội nghị", "hoi nghi"), ("ĐẢNG ỦY", "dang uy"), ("đường  Đê La Thành", "duong de la thanh"), ("", "")],
)
def test_fold_removes_tones_and_d_bar(text, folded):
    assert fold(text) == folded


def test_slugify_vietnamese_title():
    title = "Phường Vĩnh Hưng tổ chức hội nghị triển khai nhiệm vụ năm 2021, mừng Đảng"
    assert slugify(title) == "phuong-vinh-hung-to-chuc-hoi-nghi-trien-khai-nhiem-vu-nam-2021-mung-dang"
    assert slugify("!!!") == ""
    assert len(slugify("a " * 200, max_length=40)) <= 40


@pytest.mark.parametrize("raw", ["0912.345.678", "0912 345 678", "+84 912 345 678", "84912345678", "(+84) 912-345-678"])
def test_phone_forms_normalise_to_e164(raw):
    assert normalize_phone(raw) == "+84912345678"


@pytest.mark.parametrize("raw", ["", "123", "abc", "0912 345 67", "+1 555"])
def test_bad_phones_are_rejected(raw):
    with pytest.raises(InvalidPhone):
        normalize_phone(raw)


def test_vietnamese_alphabet_order():
    words = ["ơ", "ô", "o", "đ", "d", "ư", "u", "â", "ă", "a", "b"]
    assert sorted(words, key=sort_key) == ["a", "ă", "â", "b", "d", "đ", "o", "ô", "ơ", "u", "ư"]


def test_tones_break_ties_after_letters():
    # Letters decide first (an < anh), tones only among equal letters: a à ả ã á ạ.
    assert sorted(["ạ", "á", "ã", "ả", "à", "a"], key=sort_key) == ["a", "à", "ả", "ã", "á", "ạ"]
    assert sorted(["Ánh", "An", "Anh"], key=sort_key) == ["An", "Anh", "Ánh"]


def test_names_sort_by_given_then_family_then_middle():
    people = [("Trần", "Văn", "Bình"), ("Nguyễn", "Thị", "Bình"), ("Lê", "", "An"), ("Đỗ", "Minh", "Đức")]
    ordered = sorted(people, key=lambda p: name_sort_key(*p))
    assert ordered == [("Lê", "", "An"), ("Nguyễn", "Thị", "Bình"), ("Trần", "Văn", "Bình"), ("Đỗ", "Minh", "Đức")]


def test_split_full_name():
    assert split_full_name("Nguyễn Thị Minh Khai") == ("Nguyễn", "Thị Minh", "Khai")
    assert split_full_name("  Lan ") == ("", "", "Lan")
    assert split_full_name("Lê Lợi") == ("Lê", "", "Lợi")
