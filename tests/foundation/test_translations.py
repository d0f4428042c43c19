"""The Vietnamese catalogue is complete and current."""

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "civic" / "translations" / "vi" / "LC_MESSAGES" / "messages.po"


def _catalog():
    with PO.open("rb") as f:
        return read_po(f, locale="vi")


def test_every_vietnamese_entry_is_translated_and_not_fuzzy():
    untranslated = []
    for message in _catalog():
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings) or message.fuzzy:
            untranslated.append(message.id)
    assert untranslated == []


def test_catalogue_contains_every_string_in_the_code(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "-q", "extract", "-F", str(ROOT / "babel.cfg"),
         "-k", "_l", "-k", "lazy_gettext", "-k", "ngettext:1,2", "-o", str(pot), "civic", "templates"],
        cwd=ROOT, check=True,
    )
    with pot.open("rb") as f:
        extracted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}
    known = {m.id if isinstance(m.id, str) else m.id[0] for m in _catalog() if m.id}
    missing = sorted(extracted - known)
    assert missing == [], f"run `make translations` and translate: {missing[:20]}"


def test_english_locale_switch_is_remembered(client):
    response = client.get("/language?lang=en&next=/")
    assert response.status_code == 302
    assert "civic_lang=en" in response.headers["Set-Cookie"]
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in html and "Ward portal" in html
    client.get("/language?lang=vi&next=/")
    assert "Cổng thông tin phường" in client.get("/").get_data(as_text=True)


def test_language_switch_refuses_open_redirect(client):
    response = client.get("/language?lang=en&next=//evil.example/x")
    assert response.headers["Location"] in ("/", "http://localhost/")
