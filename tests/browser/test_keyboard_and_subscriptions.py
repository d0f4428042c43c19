"""Keyboard-only sign-in and RSVP (Tab/Enter/Space and typing only), and election reminders
subscribed, confirmed and unsubscribed through the links a resident receives."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _tab_to(page, selector: str, limit: int = 80):
    """Press Tab until the element matching ``selector`` has focus (as a keyboard user would)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(sel) => document.activeElement && document.activeElement.matches(sel)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_keyboard_only_sign_in_and_rsvp(app, demo, page, web, make_user, make_event):
    from civic.events.models import Rsvp
    from civic.extensions import db

    user = make_user(role="resident", email=f"ban-phim.{page.viewport_size['width']}@example.vn")
    user_id, email, password = user.id, user.email, user.test_password
    event_id = make_event(title="Tập huấn phòng cháy chữa cháy")
    page.goto("/dang-nhap")
    # The skip link is the first stop and is visible when focused.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.classList.contains('skip-link')")
    _tab_to(page, "input[name=email]")
    page.keyboard.type(email)
    _tab_to(page, "input[name=password]")
    page.keyboard.type(password)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/dang-nhap" not in page.url, page.locator("main").inner_text()[:300]

    page.goto(f"/su-kien/{event_id}")
    _tab_to(page, "form.ev-rsvp-form input[name=consent]")
    page.keyboard.press("Space")  # the consent box, unticked until the resident ticks it
    _tab_to(page, "form.ev-rsvp-form button[value=yes]")
    with page.expect_navigation():
        page.keyboard.press("Space")
    rsvp = db.session.scalar(sa.select(Rsvp).where(Rsvp.event_id == event_id, Rsvp.user_id == user_id))
    assert rsvp is not None and rsvp.response == "yes"
    web.release(app)


def test_keyboard_only_guest_rsvp(app, demo, page, web, make_event):
    from civic.events.models import Rsvp
    from civic.extensions import db

    event_id = make_event(title="Ngày hội đại đoàn kết toàn dân tộc")
    email = f"khach-phim.{page.viewport_size['width']}@example.vn"
    page.goto(f"/su-kien/{event_id}")
    _tab_to(page, "form.ev-rsvp-form input[name=response]")
    page.keyboard.press("Space")  # the first choice: yes
    _tab_to(page, "form.ev-rsvp-form input[name=name]")
    page.keyboard.type("Lê Thị Bàn Phím")
    _tab_to(page, "form.ev-rsvp-form input[name=email]")
    page.keyboard.type(email)
    _tab_to(page, "form.ev-rsvp-form input[name=consent]")
    page.keyboard.press("Space")
    _tab_to(page, "form.ev-rsvp-form button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    rsvp = db.session.scalar(sa.select(Rsvp).where(Rsvp.event_id == event_id, Rsvp.email == email))
    assert rsvp is not None, page.locator("main").inner_text()[:500]
    web.release(app)


def test_subscribe_to_election_reminders_and_unsubscribe(app, demo, page, web):
    from civic.notifications import services as notify

    email = f"nhac-bau-cu.{page.viewport_size['width']}@example.vn"
    page.goto("/bau-cu/dang-ky-nhan-tin")
    form = page.locator("main form").first
    form.locator("input[name=name]").fill("Phạm Thị Cử Tri")
    form.locator("input[name=email]").fill(email)
    form.locator("select[name=group]").select_option(index=1)
    form.locator("input[name=channels][value=email]").check()
    form.locator("input[name=consent]").check()
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "/dang-ky-nhan-tin/da-ghi-nhan" in page.url or "da-ghi-nhan" in page.url, page.locator(
        "main").inner_text()[:500]

    confirm = web.link_in_mail(app, email, "/bau-cu/xac-nhan/")
    page.goto(confirm)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    from civic.elections.models import Subscription
    from civic.extensions import db

    subs = db.session.scalars(sa.select(Subscription)).all()
    mine = [s for s in subs if getattr(s, "email", None) == email]
    assert mine and all(getattr(s, "email_confirmed_at", True) for s in mine), "subscription not confirmed"
    web.release(app)

    # Every reminder carries this one-click link (List-Unsubscribe); the resident follows it.
    with app.test_request_context():
        link = notify.unsubscribe_url(email, "email", "elections")
    page.goto(link.replace(app.config["CIVIC_BASE_URL"], ""))
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert notify.is_suppressed(email, "email", "elections")
    web.release(app)
