"""Issue 10: a phone typed into a profile proves nothing; an SMS code does, and only then claims answers."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from civic.accounts import services
from civic.accounts.models import PhoneCode
from civic.core.timeutil import utcnow
from civic.extensions import db
from civic.privacy.services import ConsentGiven
from tests.accounts.helpers import text
from tests.conftest import get_csrf


@pytest.fixture
def app_config():
    return {"MAIL_BACKEND": "locmem", "RATELIMIT_ENABLED": False}


def sms_to(app, phone: str) -> list[str]:
    folder = Path(app.config["CIVIC_DATA_DIR"]) / "sms-outbox"
    texts = [p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.txt"))] if folder.exists() else []
    return [t for t in texts if f"To: {phone}" in t]


def last_code(app, phone: str) -> str:
    return re.findall(r"\b(\d{6})\b", sms_to(app, phone)[-1].split("\n\n", 1)[1])[-1]


def _guest_answer(make_event, phone="0912 345 678"):
    from civic.events import services as events

    event = make_event()
    return events.answer_event(event, events.Answer(response="yes", name="Bà Hoa", phone=phone), consent=ConsentGiven())


@pytest.fixture
def make_event(app, make_user):
    from civic.core.timeutil import utcnow as now
    from civic.events import services as events

    organizer = make_user(role="organizer")

    def _make(title="Họp tổ dân phố"):
        starts = now().replace(microsecond=0) + timedelta(days=5)
        return events.create_event(organizer, events.EventData(title=title, starts_at=starts,
                                                                ends_at=starts + timedelta(hours=2), status="published"))

    return _make


def test_code_by_sms_verifies_the_phone_and_then_claims_guest_answers(app, client, make_user, login, make_event):
    from civic.events.models import Rsvp

    guest = _guest_answer(make_event)
    user = make_user(phone="+84912345678")
    login(user)
    page = text(client.get("/tai-khoan"))
    assert "Chưa xác nhận" in page and "Gửi mã qua SMS" in page
    # Typed into the profile, not proved: the guest's answer stays theirs.
    assert db.session.get(Rsvp, guest.rsvp.id).user_id is None

    token = get_csrf(client, "/tai-khoan")
    response = client.post("/tai-khoan/so-dien-thoai/gui-ma", data={"csrf_token": token})
    assert response.status_code == 303
    code = last_code(app, "+84912345678")
    stored = db.session.scalar(sa.select(PhoneCode).where(PhoneCode.user_id == user.id))
    assert code not in stored.code_hash and len(stored.code_hash) == 64  # only a hash is kept
    assert stored.expires_at - stored.created_at == timedelta(minutes=10)

    page = text(client.get("/tai-khoan"))
    assert "Mã trong tin nhắn SMS" in page
    wrong = "000000" if code != "000000" else "111111"
    response = client.post("/tai-khoan/so-dien-thoai/xac-nhan", data={"csrf_token": token, "code": wrong})
    assert response.status_code == 422 and "không đúng" in text(response)
    response = client.post("/tai-khoan/so-dien-thoai/xac-nhan", data={"csrf_token": token, "code": code})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(type(user), user.id).phone_verified_at is not None
    assert db.session.get(Rsvp, guest.rsvp.id).user_id == user.id
    assert "Đã xác nhận" in text(client.get("/tai-khoan"))


def test_codes_expire_and_allow_few_attempts(app, make_user):
    user = make_user(phone="+84912000222")
    services.send_phone_code(user)
    # Five wrong tries end the code, even if the right one comes next.
    code = last_code(app, "+84912000222")
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(4):
        with pytest.raises(services.AccountError) as info:
            services.verify_phone_code(user, wrong)
        assert info.value.status == 422
    with pytest.raises(services.AccountError) as info:
        services.verify_phone_code(user, wrong)
    assert info.value.status == 429
    with pytest.raises(services.AccountError) as info:
        services.verify_phone_code(user, code)
    assert info.value.status == 410
    assert user.phone_verified_at is None

    # An expired code does not work either.
    db.session.execute(sa.update(PhoneCode).values(created_at=utcnow() - timedelta(minutes=11)))
    db.session.commit()
    services.send_phone_code(user)
    code = last_code(app, "+84912000222")
    db.session.execute(sa.update(PhoneCode).where(PhoneCode.used_at.is_(None)).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    with pytest.raises(services.AccountError) as info:
        services.verify_phone_code(user, code)
    assert info.value.status == 410 and "hết hạn" in str(info.value)


def _age_codes(minutes: int = 2) -> None:
    for code in db.session.scalars(sa.select(PhoneCode)):
        code.created_at -= timedelta(minutes=minutes)
    db.session.commit()


def test_sending_codes_is_rate_limited(app, make_user):
    user = make_user(phone="+84912000333")
    services.send_phone_code(user)
    with pytest.raises(services.AccountError) as info:
        services.send_phone_code(user)  # again within a minute
    assert info.value.status == 429
    assert len(sms_to(app, "+84912000333")) == 1
    for _ in range(services.PHONE_CODES_PER_DAY - 1):
        _age_codes()
        services.send_phone_code(user)
    _age_codes()
    with pytest.raises(services.AccountError) as info:
        services.send_phone_code(user)
    assert info.value.status == 429 and "ngày mai" in str(info.value)


def test_changing_the_phone_clears_verification(app, client, make_user, login):
    user = make_user(phone="+84912000444")
    services.send_phone_code(user)
    services.verify_phone_code(user, last_code(app, "+84912000444"))
    assert user.phone_is_verified
    services.update_profile(user, user.full_name, "+84912000444", None)
    assert user.phone_is_verified  # same number: still verified
    services.update_profile(user, user.full_name, "+84912000555", None)
    assert user.phone_verified_at is None and not user.phone_is_verified
    # A code sent to the old number does not verify the new one.
    with pytest.raises(services.AccountError):
        services.verify_phone_code(user, last_code(app, "+84912000444"))


def test_code_pages_refuse_bad_input_with_4xx(app, client, make_user, login):
    user = make_user()  # no phone
    login(user)
    token = get_csrf(client, "/tai-khoan")
    response = client.post("/tai-khoan/so-dien-thoai/gui-ma", data={"csrf_token": token})
    assert response.status_code == 422 and "thêm số điện thoại" in text(response)
    response = client.post("/tai-khoan/so-dien-thoai/xac-nhan", data={"csrf_token": token, "code": ""})
    assert response.status_code == 422 and "6 chữ số" in text(response)
    response = client.post("/tai-khoan/so-dien-thoai/xac-nhan", data={"csrf_token": token, "code": "123456"})
    assert response.status_code == 410
