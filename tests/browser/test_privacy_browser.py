"""A guest at 390×844: answers with consent, opens their link, downloads their data, erases it.

Screenshots: $CIVIC_TEST_ARTIFACTS/privacy/NN-step.png (a tmp dir when unset).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import sqlalchemy as sa

PHONE = {"width": 390, "height": 844}
LEAKS = re.compile(r"\b(None|True|False|nan)\b|\{[a-z_]+\}|%\(\w+\)s")


def test_guest_answers_with_consent_downloads_and_erases(app, browser, live_server, make_event, web, tmp_path):
    from civic.events import services as ev
    from civic.events.models import Rsvp
    from civic.extensions import db
    from civic.privacy.models import Consent

    root = os.environ.get("CIVIC_TEST_ARTIFACTS")
    folder = (Path(root) if root else tmp_path) / "privacy"
    folder.mkdir(parents=True, exist_ok=True)
    count = 0

    def shot(page, name):
        nonlocal count
        page.wait_for_load_state()
        count += 1
        page.screenshot(path=str(folder / f"{count:02d}-{name}.png"), full_page=True)
        text = page.locator("body").inner_text()
        assert not LEAKS.search(text), f"{page.url}: {LEAKS.search(text).group(0)}"
        return text

    event_id = make_event(title="Họp tổ dân phố số 3 quý I")
    email = "khach.rieng.tu@example.vn"
    context = browser.new_context(viewport=PHONE, base_url=live_server, locale="vi-VN", is_mobile=True,
                                  has_touch=True, accept_downloads=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        page.goto(f"/su-kien/{event_id}")
        form = page.locator("form.ev-rsvp-form")
        form.locator("input[name=response][value=yes]").check()
        form.locator("input[name=name]").fill("Trần Văn Khách")
        form.locator("input[name=email]").fill(email)
        # Without the box: refused, nothing stored.
        form.locator("button[type=submit]").last.click()
        text = shot(page, "khong-dong-y")
        assert "Vui lòng đánh dấu ô đồng ý" in text
        assert db.session.scalar(sa.select(sa.func.count(Rsvp.id)).where(Rsvp.email == email)) == 0
        web.release(app)

        form = page.locator("form.ev-rsvp-form")
        form.locator("input[name=response][value=yes]").check()
        form.locator("input[name=name]").fill("Trần Văn Khách")
        form.locator("input[name=email]").fill(email)
        assert not form.locator("input[name=consent]").is_checked()  # unticked until the person ticks it
        form.locator("input[name=consent]").check()
        shot(page, "dong-y")
        form.locator("button[type=submit]").last.click()
        shot(page, "da-tra-loi")
        rsvp = db.session.scalar(sa.select(Rsvp).where(Rsvp.email == email))
        assert rsvp is not None
        consents = db.session.scalars(sa.select(Consent).where(Consent.subject_id == rsvp.id)).all()
        assert {c.purpose for c in consents} == {"rsvp", "messages_email"} and consents[0].notice.version == 1
        rsvp_id = rsvp.id
        web.release(app)

        # The personal link from the confirmation e-mail.
        page.goto(web.link_in_mail(app, email, "/cau-tra-loi/"))
        shot(page, "duong-dan-rieng")
        page.get_by_role("link", name="Dữ liệu cá nhân của tôi").first.click()
        text = shot(page, "du-lieu-cua-toi")
        assert "Họp tổ dân phố số 3 quý I" in text and email in text

        with page.expect_download() as download:
            page.get_by_role("link", name="Tải về (JSON)").click()
        path = download.value.path()
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        rows = next(s for s in data["sections"] if s["key"] == "events")["rows"]
        assert rows[0]["Email"] == email and rows[0]["Sự kiện"] == "Họp tổ dân phố số 3 quý I"
        with page.expect_download() as download:
            page.get_by_role("link", name="Tải về (Excel)").click()
        assert download.value.suggested_filename.endswith(".xlsx")

        page.get_by_label("Có, hãy xóa dữ liệu cá nhân của tôi").check()
        page.get_by_role("button", name="Xóa dữ liệu của tôi").click()
        text = shot(page, "da-xoa")
        assert "Dữ liệu của bạn đã được xóa" in text
        web.release(app)
        db.session.expire_all()
        erased = db.session.get(Rsvp, rsvp_id)
        assert erased.email is None and erased.name == "Người tham dự đã xóa dữ liệu"
        assert ev.counts(erased.event)["confirmed"]["answers"] == 1
        web.release(app)
    finally:
        context.close()
