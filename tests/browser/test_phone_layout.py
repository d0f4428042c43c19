"""At 390×844: boxes do not touch the menu or the footer, the language button looks like a button,
radio choices have no bullets."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

GAP = 8  # px of air at least


def _box(page, selector):
    box = page.locator(selector).first.bounding_box()
    assert box is not None, selector
    return box


@pytest.mark.parametrize("page", ["phone"], indirect=True)
def test_phone_layout_has_air_buttons_and_no_bullets(app, demo, page, live_server):
    from civic.extensions import db
    from civic.invitations.models import Invitation

    with app.app_context():
        token = db.session.scalar(sa.select(Invitation.token).where(Invitation.status == "pending").limit(1))

    page.goto("/")
    nav = _box(page, ".site-nav")
    countdown = _box(page, ".election-countdown")
    assert countdown["y"] >= nav["y"] + nav["height"] + GAP

    # "Đổi" on the red header: its own background, not the header's red.
    button = page.locator(".lang-switch button")
    header_bg = page.eval_on_selector(".site-header", "e => getComputedStyle(e).backgroundColor")
    button_bg = button.evaluate("e => getComputedStyle(e).backgroundColor")
    assert button_bg != header_bg and button_bg not in ("rgba(0, 0, 0, 0)", "transparent")

    page.goto("/bau-cu/dang-ky-nhan-tin")
    submit = _box(page, "main form button[type=submit]")
    footer = _box(page, ".site-footer")
    assert submit["y"] + submit["height"] + GAP <= footer["y"]

    page.goto(f"/giay-moi/{token}")
    radio_item = page.locator("input[type=radio]").first.locator("xpath=..")
    assert radio_item.evaluate("e => getComputedStyle(e).listStyleType") == "none"
    card_bottom = page.locator("main form").first.bounding_box()
    assert card_bottom["y"] + card_bottom["height"] + GAP <= _box(page, ".site-footer")["y"]
