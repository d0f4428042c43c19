"""The schedule in Chromium: an editor drafts and publishes a week (desktop), an invitee answers
from the link in their message, a resident reads this week's schedule on a phone and sees the
next citizen reception session; the printed A4 page as PDF. Screenshots are kept as artefacts."""

from __future__ import annotations

import io
import re
import unicodedata
from datetime import date, time, timedelta

import pytest

from civic.schedule.services import weeks as svc
from tests.browser.conftest import link_in_mail, release, sign_in
from tests.conftest import ARTIFACTS

PASSWORD = "mat-khau-du-dai-1"  # make_user's default
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def db_backend():
    return "sqlite"


def _page(browser, live_server, viewport):
    context = browser.new_context(viewport=viewport, base_url=live_server, locale="vi-VN")
    context.set_default_timeout(15_000)
    return context, context.new_page()


def _shot(page, name):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"schedule-{name}.png"), full_page=True)


def _no_english(text):
    for word in ("None", "True", "False", "{", "Morning", "Afternoon", "Published", "Draft", "Citizen reception"):
        assert word not in text, (word, text[:600])


def test_editor_drafts_and_publishes_the_coming_week(app, browser, live_server, make_user, ward):
    make_user(role="editor", email="bientap@phuong.example.vn", full_name="Phan Thị Biên")
    release(app)
    year, number = svc.coming_week()
    tuesday = date.fromisocalendar(year, number, 2)
    context, page = _page(browser, live_server, DESKTOP)
    try:
        sign_in(page, "bientap@phuong.example.vn", PASSWORD)
        page.goto("/lich-cong-tac/quan-ly")
        page.get_by_role("button", name=re.compile("Soạn lịch tuần tới")).click()
        page.wait_for_load_state()
        form = page.locator("form.sch-form").last
        form.locator("input[name=day]").fill(tuesday.isoformat())
        form.locator("input[name=start]").fill("08:00")
        form.locator("input[name=end]").fill("11:00")
        form.locator("textarea[name=content]").fill("Họp Ban chỉ đạo công tác bầu cử phường")
        form.locator("input[name=place]").fill("Phòng họp tầng 2, trụ sở UBND phường")
        form.locator("select[name=chairs]").select_option(label="Chủ tịch UBND phường")
        form.locator("select[name=groups]").select_option(label="Bí thư chi bộ")
        form.locator("button[type=submit]").click()
        page.wait_for_load_state()
        main = page.locator("main").inner_text()
        assert "Họp Ban chỉ đạo công tác bầu cử phường" in main and "08 giờ 00’" in main, main[:800]
        _shot(page, "editor-draft")
        page.get_by_role("button", name="Ban hành lịch tuần").click()
        page.wait_for_load_state()
        main = page.locator("main").inner_text()
        assert "Đã ban hành" in main, main[:800]
        _no_english(main)
        _shot(page, "editor-published")
        page.goto(f"/lich-cong-tac/{year}/tuan-{number}")
        main = page.locator("main").inner_text()
        assert "Họp Ban chỉ đạo công tác bầu cử phường" in main and "Đỗ Mạnh Cường" in main
        assert "LỊCH NÀY THAY THƯ MỜI HỌP" in main
        _no_english(main)
        _shot(page, "editor-public-week")
    finally:
        context.close()
    assert svc.get_week(year, number).is_published
    assert link_in_mail(app, "an@example.vn", "/giay-moi/")  # the week stood in for the letter


def test_an_invitee_answers_from_the_message(app, browser, live_server, organizer, ward):
    from civic.extensions import db
    from civic.invitations.models import Invitation

    year, number = svc.coming_week()  # answers close once a meeting is past
    week = svc.create_week(year, number, organizer)
    group = ("group", ward["group"].id)
    for day, content in [(1, "Họp Ban chỉ đạo bầu cử phường"), (3, "Kiểm tra các khu vực bỏ phiếu")]:
        svc.add_item(svc.get_week(year, number), svc.ItemData(
            day=date.fromisocalendar(year, number, day), start=time(8), content=content,
            place="Hội trường UBND phường", participants=[group]))
    week = svc.get_week(year, number)
    svc.publish(week, organizer, week.version, replaces_letters=True)
    link = link_in_mail(app, "an@example.vn", "/giay-moi/")
    release(app)
    context, page = _page(browser, live_server, PHONE)
    try:
        page.goto(link)
        main = page.locator("main").inner_text()
        assert "Họp Ban chỉ đạo bầu cử phường" in main, main[:600]
        _shot(page, "invitee-letter")
        page.locator("input[name=response][value=attend]").check()
        page.get_by_role("button", name="Gửi trả lời").click()
        page.wait_for_load_state()
        _no_english(page.locator("main").inner_text())
        _shot(page, "invitee-answered")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, width
    finally:
        context.close()
    answered = db.session.scalars(db.select(Invitation).where(Invitation.email == "an@example.vn")).all()
    assert sorted(i.status for i in answered) == ["attend", "pending"]  # one item answered, the other still open


def test_a_resident_reads_this_week_on_a_phone_and_sees_the_next_reception(app, browser, live_server, organizer,
                                                                         ward):
    from civic.core.timeutil import local_today
    from civic.schedule.services import reception as rec

    today = local_today()
    year, number = svc.this_week()
    week = svc.create_week(year, number, organizer)
    other = today - timedelta(days=1) if today.weekday() else today + timedelta(days=1)
    svc.add_item(week, svc.ItemData(day=other, start=time(14), content="Kiểm tra vệ sinh môi trường tổ dân phố"))
    svc.add_item(svc.get_week(year, number), svc.ItemData(day=today, start=time(8),
                 content="Giao ban lãnh đạo UBND phường", place="Phòng họp tầng 2",
                 chair_post_ids=[ward["posts"]["Chủ tịch UBND phường"].id]))
    week = svc.get_week(year, number)
    svc.publish(week, organizer, week.version, replaces_letters=False)
    rec.save_rule(None, rec.RuleInput(post_id=ward["posts"]["Chủ tịch UBND phường"].id, weekdays=list(range(5)),
                                      starts_at=time(7, 30), ends_at=time(11, 30), place="Phòng tiếp công dân",
                                      valid_from=today - timedelta(days=30), holiday_policy="next"))
    expected = rec.next_session()
    release(app)
    context, page = _page(browser, live_server, PHONE)
    try:
        page.goto("/lich-cong-tac")
        main = page.locator("main")
        text = main.inner_text()
        assert text.index("Hôm nay") < text.index("Giao ban lãnh đạo UBND phường"), text[:600]
        assert "Buổi tiếp tới:" in text and expected.on.strftime("%d/%m/%Y") in text, text[:1200]
        assert "Đỗ Mạnh Cường" in text and "Phòng tiếp công dân" in text
        _no_english(text)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        _shot(page, "resident-week-phone")
        page.get_by_role("link", name=re.compile("Lịch tiếp công dân")).first.click()
        page.wait_for_load_state()
        text = page.locator("main").inner_text()
        assert "Buổi tiếp công dân sắp tới" in text, text[:600]
        _no_english(text)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        _shot(page, "reception-phone")
    finally:
        context.close()


def test_the_a4_page_prints_on_one_a4_sheet_with_its_heading(app, browser, live_server, organizer, ward):
    from pypdf import PdfReader

    week = svc.create_week(2021, 4, organizer)
    for day in range(25, 30):
        svc.add_item(svc.get_week(2021, 4), svc.ItemData(
            day=date(2021, 1, day), start=time(8), content=f"Họp triển khai công việc ngày {day}/01/2021",
            place="Phòng họp tầng 2", chair_post_ids=[ward["posts"]["Chủ tịch UBND phường"].id]))
    week = svc.get_week(2021, 4)
    svc.publish(week, organizer, week.version, replaces_letters=True)
    release(app)
    context, page = _page(browser, live_server, DESKTOP)
    try:
        page.goto("/lich-cong-tac/2021/tuan-4/ban-in")
        pdf = page.pdf(format="A4", prefer_css_page_size=True)
        _shot(page, "print-a4")
    finally:
        context.close()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "schedule-print-a4.pdf").write_bytes(pdf)
    reader = PdfReader(io.BytesIO(pdf))
    box = reader.pages[0].mediabox
    assert abs(float(box.width) - 595.9) < 2 and abs(float(box.height) - 842.9) < 2  # A4 in points
    assert len(reader.pages) == 1, len(reader.pages)
    # pypdf spaces out the glyph clusters of Vietnamese letters: compare without whitespace.
    text = unicodedata.normalize("NFC", re.sub(r"\s+", "", "".join(p.extract_text() for p in reader.pages)))
    assert "(Tuầnthứ04từngày25/01/2021đếnngày31/01/2021)" in text, text[:500]
    assert "LỊCHLÀMVIỆCCỦALÃNHĐẠO" in text and "LỊCHNÀYTHAYTHƯMỜIHỌP" in text
    assert "THỨSÁU(29/01/2021)" in text and "Họptriểnkhaicôngviệcngày29/01/2021" in text
