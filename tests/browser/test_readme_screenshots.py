"""The README's screenshots, taken from the demo ward in Chromium.

Always runs as a test (the pictures go to a tmp dir and are checked); with CIVIC_WRITE_SCREENSHOTS=1
it also writes them to docs/screenshots/ for the README:

    CIVIC_WRITE_SCREENSHOTS=1 .venv/bin/pytest tests/browser/test_readme_screenshots.py -p no:cacheprovider
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PHONE = {"width": 390, "height": 844}
# A4 at the CSS 96 dpi: 210 × 297 mm.
A4 = {"width": 794, "height": 1123}
MAX_BYTES = 300 * 1024


def _small_png(path: Path) -> Path:
    """Re-save with a 256-colour palette: text pages keep their look at a fraction of the size."""
    from PIL import Image

    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    small.save(path, format="PNG", optimize=True)
    return path


def _context(browser, live_server, viewport):
    context = browser.new_context(viewport=viewport, base_url=live_server, locale="vi-VN", device_scale_factor=1)
    context.set_default_timeout(20_000)
    return context


def test_readme_screenshots(app, demo, browser, live_server, web, tmp_path):
    from civic.events.models import Event
    from civic.extensions import db
    from civic.invitations.demo import CONFERENCE
    from civic.invitations.models import Contact, Invitation

    event_id = db.session.scalar(sa.select(Event.id).where(Event.title == CONFERENCE))
    # The giấy mời of the chair of the ward's Fatherland Front committee, one of the demo's leaders.
    invitation_id = db.session.scalar(
        sa.select(Invitation.id).join(Contact, Invitation.contact_id == Contact.id)
        .where(Invitation.event_id == event_id, Contact.phone == "+84913100008"))
    assert event_id and invitation_id
    web.release(app)
    shots: dict[str, Path] = {}

    phone = _context(browser, live_server, PHONE)
    page = phone.new_page()
    page.goto("/")
    page.wait_for_load_state("networkidle")
    assert "ngày nữa đến ngày bầu cử" in page.locator("main").inner_text()
    page.screenshot(path=str(tmp_path / "home-phone.png"))
    shots["home-phone.png"] = tmp_path / "home-phone.png"
    phone.close()

    desk = _context(browser, live_server, A4)
    page = desk.new_page()
    web.sign_in(page, "tochuc@phuong.example.vn", demo.password)
    page.emulate_media(media="print")
    page.goto(f"/su-kien/{event_id}/giay-moi/in?id={invitation_id}")
    page.wait_for_load_state("networkidle")
    letter = page.locator(".gm-letter")
    assert letter.count() == 1 and "GIẤY MỜI" in letter.inner_text()
    assert "Bùi Thị Kim Oanh" in letter.inner_text()
    page.screenshot(path=str(tmp_path / "giay-moi-a4.png"))
    shots["giay-moi-a4.png"] = tmp_path / "giay-moi-a4.png"

    page.goto(f"/su-kien/{event_id}/danh-sach-ky")
    page.wait_for_load_state("networkidle")
    assert "DANH SÁCH ĐẠI BIỂU" in page.locator("main").inner_text()
    # The first A4 page of the sheet, as it comes out of the printer.
    page.screenshot(path=str(tmp_path / "danh-sach-ky-a4.png"))
    shots["danh-sach-ky-a4.png"] = tmp_path / "danh-sach-ky-a4.png"
    desk.close()

    for name, path in shots.items():
        _small_png(path)
        assert 0 < path.stat().st_size < MAX_BYTES, (name, path.stat().st_size)
    if os.environ.get("CIVIC_WRITE_SCREENSHOTS") == "1":
        DOCS.mkdir(parents=True, exist_ok=True)
        for name, path in shots.items():
            shutil.copyfile(path, DOCS / name)
