"""The organizer's whole loop in a real browser (phone and desktop): import a spreadsheet,
build the list, send, answer as the invitee without an account, check in, read the report."""

from __future__ import annotations

import re

import pytest

from tests.invitations.test_inv_import import messy_workbook

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def db_backend():
    return "sqlite"


def release():
    from civic.extensions import db

    db.session.commit()
    db.session.remove()


def test_organizer_loop(app, page, browser, live_server, organizer, make_event):
    event_id = make_event().id
    email, password = organizer.email, organizer.test_password
    release()

    page.goto("/dang-nhap")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()

    # Import: preview first, then write all of it.
    page.goto("/danh-ba/nhap")
    page.locator("input[name=file]").set_input_files(
        {"name": "danh-sach-dai-bieu.xlsx", "mimeType": "application/octet-stream", "buffer": messy_workbook()})
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/danh-ba/nhap/[A-Za-z0-9_-]+$"))
    main = page.locator("main")
    assert "Nguyễn Văn An" in main.inner_text()
    assert "Trùng người với dòng 6" in main.inner_text()
    page.get_by_role("button", name="Ghi vào danh bạ").click()
    page.wait_for_url("**/danh-ba")
    assert "Đỗ Minh Hải" in page.locator("main").inner_text()

    # Build the list from individuals and send.
    page.goto(f"/su-kien/{event_id}/giay-moi")
    options = page.locator("select[name=contacts] option")
    values = [options.nth(i).get_attribute("value") for i in range(options.count())]
    assert len(values) == 5
    page.locator("select[name=contacts]").select_option(values)
    page.get_by_role("button", name="Thêm", exact=True).click()
    page.wait_for_load_state()
    assert page.locator("#invitee-list tbody tr").count() == 5
    page.get_by_role("button", name=re.compile("Gửi giấy mời")).click()
    page.wait_for_load_state()
    assert "Đã gửi" in page.locator(".flashes").inner_text()

    outbox = app.extensions["mailman"].outbox
    mail = next(m for m in outbox if any("hai@example.vn" in t for t in m.to))
    link = re.search(r"https?://[^\s]+/giay-moi/[A-Za-z0-9_-]+", mail.body).group(0)

    # The invitee answers without an account (a fresh browser context) and sends a substitute.
    other = browser.new_context(base_url=live_server, locale="vi-VN")
    guest = other.new_page()
    guest.goto(re.sub(r"^https?://[^/]+", "", link))
    assert "Đỗ Minh Hải" in guest.locator("main").inner_text()
    guest.locator("input[name=response][value=substitute]").check()
    guest.locator("input[name=substitute_name]").fill("Trịnh Văn Phó")
    guest.locator("input[name=substitute_position]").fill("Phó trưởng Công an phường")
    guest.locator("input[name=consent]").check()
    guest.get_by_role("button", name="Gửi trả lời").click()
    guest.wait_for_load_state()
    assert "Cử người đi thay" in guest.locator("#current-answer").inner_text()
    other.close()

    # Check in at the door by searching without tone marks.
    page.goto(f"/su-kien/{event_id}/diem-danh")
    page.locator("input[name=q]").fill("do minh hai")
    page.locator("form[role=search] button[type=submit]").click()
    page.wait_for_load_state()
    page.locator("#checkin-results").get_by_role("button", name="Điểm danh").click()
    page.wait_for_load_state()
    assert "Đã điểm danh: Đỗ Minh Hải" in page.locator(".flashes").inner_text()

    # The report counts it.
    page.goto(f"/su-kien/{event_id}/bao-cao")
    row = page.locator("table.inv-report").first.locator("tbody tr").first.locator("td")
    cells = [row.nth(i).inner_text().strip() for i in range(row.count())]
    # Total: invited 5, answered 1, attend 0, substitutes 1, declined 0, attended 1.
    assert cells[1:] == ["5", "1", "0", "1", "0", "1"]
    assert page.locator("figure svg.inv-chart").count() == 1
