"""SMS without tone marks: punctuation outside GSM-7 is spelled out, never turned into "?"."""

from civic.notifications import sms


def test_en_dash_and_quotes_survive_stripping():
    text = sms.fit("Bầu cử: mở cửa 07:00–19:00, mang “thẻ cử tri” … đừng quên", strip=True)
    assert "?" not in text
    assert "07:00-19:00" in text
    assert '"the cu tri"' in text
    assert "..." in text
    assert sms.is_gsm7(text)


def test_every_common_typographic_mark_is_transliterated():
    raw = "a—b ‘c’ „d“ e\u00a0f g\u202fh • i · j ‹k› «l» m→n 10×2 50.000₫ x\u200by ‐ ‑ −"
    out = sms.gsm_punctuation(raw)
    assert all(ch in sms.GSM7 or ch in sms.GSM7_EXT for ch in out), out
    assert out.startswith("a-b 'c' \"d\" e f g h - i - j <k> \"l\" m->n 10x2 50.000d xy")


def test_gsm7_text_is_left_alone():
    plain = 'Hop to dan pho luc 19:00, "nha van hoa" (so 3) - 50% @ 5 €'
    assert sms.gsm_punctuation(plain) == plain


def test_text_with_marks_kept_when_it_fits_is_unchanged():
    # Accented text that fits in UCS-2 is sent as written, dash and all.
    assert sms.fit("Họp lúc 07:00–09:00") == "Họp lúc 07:00–09:00"


def test_a_link_is_never_cut_when_the_text_is_shortened():
    link = "https://phuong.example.vn/giay-moi/4b5uv0vYsp1jJZow7vizzdZNWnQk2x8aBcDeFgHiJkLmNoPqRsTuV"
    long_text = ("Thay đổi: Hội nghị triển khai nhiệm vụ năm 2021. Bắt đầu: Thứ Tư, 02/12/2026, 12:20 → "
                 "Thứ Tư, 09/12/2026, 08:00; Kết thúc: Thứ Tư, 02/12/2026, 15:50 → Thứ Tư, 09/12/2026, 11:30; "
                 "Địa điểm: Hội trường UBND phường → Nhà văn hóa tổ dân phố số 5. "
                 f"Giấy mời của đồng chí: {link} Xin cảm ơn.")
    text = sms.fit(long_text, stop_url="https://phuong.example.vn/tc/12-abcdef")
    assert link in text.split()
    assert "https://phuong.example.vn/tc/12-abcdef" in text
    assert sms.segments(text) <= sms.MAX_SEGMENTS
    assert "..." in text  # the words were shortened instead
