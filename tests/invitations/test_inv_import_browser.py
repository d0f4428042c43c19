"""In Chromium: a ward's .xls with merged title rows imported into a new group, then three
contacts ticked in the directory and added to another group (no JavaScript needed for either)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

XLS = Path(__file__).parent / "fixtures" / "danh-sach-phuong.xls"
SHOTS = os.environ.get("CIVIC_SCREENSHOTS")  # a folder: each step is saved there to be looked at


@pytest.fixture
def db_backend():
    return "sqlite"


def shot(page, name):
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / f"{name}-{page.viewport_size['width']}.png"), full_page=True)


def test_xls_into_a_group_then_bulk_add(app, page, live_server, organizer, directory):
    from civic.extensions import db

    email, password = organizer.email, organizer.test_password
    db.session.commit()
    db.session.remove()

    page.goto("/dang-nhap")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()

    page.goto("/danh-ba/nhap")
    assert ".xls" in page.locator("input[name=file]").get_attribute("accept")
    page.locator("input[name=file]").set_input_files(
        {"name": XLS.name, "mimeType": "application/vnd.ms-excel", "buffer": XLS.read_bytes()})
    shot(page, "1-upload")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/danh-ba/nhap/[A-Za-z0-9_-]+$"))
    main = page.locator("main").inner_text()
    assert "Đinh Thị Hồng Nhung" in main and "Tạ Thu Hương" in main
    assert "ngày tháng" in main  # row 10 holds a date, not a name
    page.get_by_label("Hoặc nhóm mới có tên").fill("Mặt trận và đoàn thể")
    shot(page, "2-preview")
    page.get_by_role("button", name="Ghi vào danh bạ").click()
    page.wait_for_url("**/danh-ba")
    flashes = page.locator(".flashes").inner_text()
    assert "Đã thêm 4 người vào nhóm \"Mặt trận và đoàn thể\"" in flashes
    shot(page, "3-directory")

    for name in ("Đinh Thị Hồng Nhung", "Quách Minh Trí", "Đỗ Minh Anh"):
        page.get_by_label(f"Chọn {name}").check()
    page.locator("select[name=group_id]").select_option(label="Bí thư chi bộ")
    shot(page, "4-ticked")
    page.get_by_role("button", name="Thêm vào nhóm").click()
    page.wait_for_load_state()
    assert "Đã thêm 3 người vào nhóm \"Bí thư chi bộ\"" in page.locator(".flashes").inner_text()
    row = page.locator("tr", has_text="Quách Minh Trí").inner_text()
    assert "Bí thư chi bộ" in row and "Mặt trận và đoàn thể" in row
    shot(page, "5-added")
