"""What a resident does on a phone or a desktop: read and search the news, register, RSVP."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_read_news_and_search_without_tone_marks(app, demo, page, web, make_article):
    from civic.core.text import fold

    title = "Thông báo lịch tiêm chủng mở rộng tháng Ba"
    make_article(title)
    make_article("Kế hoạch tổng vệ sinh đường phố")
    page.goto("/")
    page.locator("nav.site-nav a[href='/tin-tuc/']").click()
    page.wait_for_url("**/tin-tuc/**")
    assert page.locator("main").get_by_text(title).count() >= 1
    # A resident on a phone types without tone marks: "bau cu", not "bầu cử".
    words = " ".join(fold(title).split()[:3])
    assert words != " ".join(title.lower().split()[:3]), "pick a title with tone marks"
    page.goto("/tin-tuc/tim-kiem")
    page.locator("input[name=q]").fill(words)
    page.locator("form[role=search] button[type=submit]").click()
    page.wait_for_load_state()
    link = page.locator("main").get_by_role("link", name=title).first
    link.click()
    page.wait_for_load_state()
    assert page.locator("h1").first.inner_text().strip() == title


def test_register_verify_and_sign_in(app, demo, page, web):
    email = f"lan.{page.viewport_size['width']}@example.vn"
    page.goto("/dang-ky")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=full_name]").fill("Nguyễn Thị Lan")
    page.locator("input[name=password]").fill("mat-khau-rat-dai-2024")
    page.locator("input[name=confirm]").fill("mat-khau-rat-dai-2024")
    page.locator("input[name=phone]").fill("0912 345 678")
    group = page.locator("select[name=group]")
    if group.count():
        group.select_option(index=1)
    page.locator("input[name=consent]").check()
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert "/dang-ky" not in page.url, page.locator("main").inner_text()[:500]

    verify = web.link_in_mail(app, email, "/xac-nhan-email/")
    page.goto(verify)
    assert page.locator(".flash").first.is_visible()
    page.context.clear_cookies()
    web.sign_in(page, email, "mat-khau-rat-dai-2024")
    from civic.accounts.models import User
    from civic.extensions import db

    user = db.session.scalar(sa.select(User).where(User.email == email))
    assert user is not None and user.email_verified_at is not None
    web.release(app)


def test_rsvp_as_guest(app, demo, page, web, make_event):
    from civic.events.models import Rsvp
    from civic.extensions import db

    event_id = make_event()
    email = f"khach.{page.viewport_size['width']}@example.vn"
    page.goto(f"/su-kien/{event_id}")
    form = page.locator("form.ev-rsvp-form")
    form.locator("input[name=response][value=yes]").check()
    form.locator("input[name=name]").fill("Trần Văn Khách")
    form.locator("input[name=email]").fill(email)
    group = form.locator("select[name=group]")
    if group.count():
        group.select_option(index=1)
    form.locator("input[name=consent]").check()
    form.locator("button[type=submit]").last.click()
    page.wait_for_load_state()
    rsvp = db.session.scalar(sa.select(Rsvp).where(Rsvp.event_id == event_id, Rsvp.email == email))
    assert rsvp is not None, page.locator("main").inner_text()[:800]
    # The confirmation carries a personal link that reopens the answer.
    manage = web.link_in_mail(app, email, "/cau-tra-loi/")
    web.release(app)
    page.goto(manage)
    assert page.locator("main").get_by_text("Trần Văn Khách").count() + page.locator(
        "input[value='Trần Văn Khách']").count() >= 1


def test_rsvp_as_resident_with_consent_and_one_tap(app, demo, page, web, make_user, make_event):
    from civic.events.models import Rsvp
    from civic.extensions import db

    user = make_user(role="resident", email=f"cu-dan.{page.viewport_size['width']}@example.vn")
    user_id, email, password = user.id, user.email, user.test_password
    event_id = make_event()
    web.sign_in(page, email, password)
    page.goto(f"/su-kien/{event_id}")
    page.locator("form.ev-rsvp-form input[name=consent]").check()
    page.locator("form.ev-rsvp-form button[value=yes]").click()
    page.wait_for_load_state()
    rsvp = db.session.scalar(sa.select(Rsvp).where(Rsvp.event_id == event_id, Rsvp.user_id == user_id))
    assert rsvp is not None and rsvp.response == "yes", page.locator("main").inner_text()[:800]
    web.release(app)
    page.goto(f"/su-kien/{event_id}")
    assert page.locator(".ev-own").is_visible()
