"""What a newcomer's walk through the privacy pages found (each test failed before its fix)."""

from __future__ import annotations

import base64

import sqlalchemy as sa

from civic.extensions import db
from tests.conftest import get_csrf
from tests.privacy.test_privacy import E164, _guest_answer, _mine_url


def test_the_data_link_does_not_carry_the_address_readably(app, client, make_event):
    result = _guest_answer(make_event(), email="lan.nguyen@example.vn")
    token = _mine_url(client, result).rsplit("/", 1)[1]
    padded = token + "=" * (-len(token) % 4)
    decoded = base64.urlsafe_b64decode(padded.encode())
    assert b"lan.nguyen" not in decoded and E164.encode() not in decoded and b"912345678" not in decoded
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    page = client.get(f"/du-lieu-ca-nhan/xem/{forged}")
    assert page.status_code == 404 and "không hợp lệ hoặc đã hết hạn" in page.get_data(as_text=True)


def test_opening_the_data_page_again_is_one_request(app, client, make_event):
    from civic.privacy.models import Request

    mine = _mine_url(client, _guest_answer(make_event()))
    for _ in range(3):
        assert client.get(mine).status_code == 200
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Request).where(Request.kind == "access")) == 1


def test_an_empty_correction_comes_back_on_the_data_page_with_a_422(app, client, make_event):
    mine = _mine_url(client, _guest_answer(make_event()))
    r = client.post(mine + "/sua", data={"csrf_token": get_csrf(client, mine), "name": "   "})
    text = r.get_data(as_text=True)
    assert r.status_code == 422
    assert "Dữ liệu cá nhân của tôi" in text and "Tải về (JSON)" in text or "JSON" in text
    assert "Nguyễn Thị Lan" in text  # the page, with what is held, not a bare error page


def test_an_erased_answer_link_no_longer_opens_and_the_group_is_gone(app, client, make_event):
    from civic.accounts.models import ResidentialGroup
    from civic.events.models import Rsvp
    from civic.privacy import services as privacy

    group = ResidentialGroup(name="Tổ 3", name_folded="to 3", number=3)
    db.session.add(group)
    db.session.commit()
    result = _guest_answer(make_event(), group_id=group.id)
    privacy.erase(privacy.identity_of_link(None, E164), "link")
    rsvp = db.session.get(Rsvp, result.rsvp.id)
    assert rsvp.erased_at is not None and rsvp.residential_group_id is None
    r = client.get(result.manage_url.replace("http://localhost", ""))
    assert r.status_code == 404 and "đã được xóa" in r.get_data(as_text=True)


def test_privacy_rows_in_the_audit_log_are_in_words(app, client, login, make_user, make_event):
    from civic.privacy import services as privacy

    mine = _mine_url(client, _guest_answer(make_event()))
    client.get(mine)
    admin = make_user(role="admin")
    privacy.publish_notice(privacy.default_notice_text(), admin)
    login(admin)
    text = client.get("/quan-tri/nhat-ky").get_data(as_text=True)
    assert "privacy_" not in text.split("audit-list", 1)[1]  # the entries (the filter's values are keys)
    assert "Yêu cầu về dữ liệu cá nhân: " in text and "Công bố thông báo xử lý dữ liệu cá nhân" in text
    assert "chính người có dữ liệu" in text
    empty = client.get("/quan-tri/nhat-ky?nguoi=khong-co-ai-ten-nay").get_data(as_text=True)
    assert "Không có ghi nhận nào khớp với bộ lọc này." in empty


def test_a_wrong_code_says_wrong_and_the_right_one_still_opens(app, client):
    import re

    from civic.privacy import services as privacy

    privacy.request_code("0903777888", limited=False)
    from civic.notifications.models import Delivery

    delivery = db.session.scalars(sa.select(Delivery).order_by(Delivery.id.desc())).first()
    code = delivery.context["code"]
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    try:
        privacy.verify_code("0903777888", wrong)
    except privacy.PrivacyError as exc:
        assert "không đúng" in str(exc) and "hết hạn" not in str(exc)
    else:
        raise AssertionError("a wrong code was accepted")
    assert privacy.verify_code("0903777888", code)
    assert re.fullmatch(r"\d{6}", code)
