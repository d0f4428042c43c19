"""Vietnamese alphabetical order.

The alphabet is a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y; letters
compare first, tones only break ties (level, huyền, hỏi, ngã, sắc, nặng).
"""

from __future__ import annotations

import functools
import unicodedata

from civic.core.text import nfc

_ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_LETTER_RANK = {ch: i for i, ch in enumerate(_ALPHABET)}
# Combining marks that make a new letter (breve, circumflex, horn) versus tones.
_LETTER_MARKS = {"\u0306", "\u0302", "\u031b"}
_TONE_RANK = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}


@functools.lru_cache(maxsize=4096)  # a few hundred distinct characters; NFD twice per character was half a sheet's sort
def _split_letter(ch: str) -> tuple[str, int]:
    """Split one precomposed character into (base letter with its letter marks, tone rank)."""
    decomposed = unicodedata.normalize("NFD", ch.lower())
    base = decomposed[0]
    letter_marks = "".join(m for m in decomposed[1:] if m in _LETTER_MARKS)
    tone = max((_TONE_RANK.get(m, 0) for m in decomposed[1:]), default=0)
    letter = unicodedata.normalize("NFC", base + letter_marks)
    return letter, tone


def sort_key(value: str | None) -> tuple:
    """A key that sorts strings in Vietnamese dictionary order, case-insensitively."""
    text = nfc(value or "")
    letters: list[int] = []
    tones: list[int] = []
    for ch in text:
        letter, tone = _split_letter(ch)
        if letter in _LETTER_RANK:
            letters.append(100 + _LETTER_RANK[letter])
        elif letter.isdigit():
            letters.append(10 + int(letter))
        elif letter.isspace():
            letters.append(1)
        elif letter.isalpha():
            letters.append(200 + ord(letter))
        else:
            letters.append(2)
        tones.append(tone)
    return (tuple(letters), tuple(tones), text)


def name_sort_key(family: str | None, middle: str | None, given: str | None) -> tuple:
    """Vietnamese names sort by given name, then family name, then middle name."""
    return (sort_key(given), sort_key(family), sort_key(middle))


def split_full_name(full_name: str | None) -> tuple[str, str, str]:
    """Split "Nguyễn Thị Minh Khai" into ("Nguyễn", "Thị Minh", "Khai")."""
    parts = (nfc(full_name or "")).split()
    if not parts:
        return "", "", ""
    if len(parts) == 1:
        return "", "", parts[0]
    return parts[0], " ".join(parts[1:-1]), parts[-1]
