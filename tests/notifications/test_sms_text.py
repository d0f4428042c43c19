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
