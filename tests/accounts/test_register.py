"""Registration through the real form: CSRF, NFC, phones, duplicates, long fields."""

from __future__ import annotations

import unicodedata

import pytest
import sqlalchemy as sa

from tests.accounts.helpers import links_in, outbox, text
from tests.conftest import submit_form

pytestmark = pytest.mark.usefixtures("app")


@pytest.fixture
def app_config():
    return {"MAIL_BACKEND": "locmem"}


def _users():
    from civic.accounts.models import User
    from civic.extensions import db

    return db.session.scalars(sa.select(User)).all()


def _form(**overrides):
    data = {
        "email": "lan.nguyen@example.vn",
        "full_name": "Nguyễn Thị Lan",
        "password": "mat-khau-rat-dai",
        "confirm": "mat-khau-rat-dai",
        "phone": "",
        "group": "",
    }
    data.update(overrides)
    return data


def test_register_creates_account_sends_vietnamese_mail_and_signal(app, client):
    from civic.accounts.services import get_or_create_group
    from civic.accounts.signals import user_registered
    from civic.extensions import db

    group = get_or_create_group("Tổ dân phố số 3")
    db.session.commit()
    received = []

    def listener(sender, user, **extra):
        received.append((sender, user.email))

    user_registered.connect(listener)
    try:
        response = submit_form(client, "/dang-ky", _form(phone="0912.345.678", group=str(group.id)))
    finally:
        user_registered.disconnect(listener)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/tai-khoan")
    [user] = _users()
    assert user.email == "lan.nguyen@example.vn"
    assert user.phone == "+84912345678"
    assert user.residential_group_id == group.id
    assert user.role == "resident"
    assert not user.is_verified
    assert user.password_hash.startswith("$argon2")
    assert received == [(app, "lan.nguyen@example.vn")]
    [mail] = outbox(app)
    assert mail.to[0].endswith("<lan.nguyen@example.vn>")
    assert "Xác nhận" in mail.subject
    assert "Chào Nguyễn Thị Lan" in mail.body
    assert any(link.startswith("/xac-nhan-email/") for link in links_in(mail))
    # Signed in straight away; the profile shows the role and the unconfirmed address.
    page = text(client.get("/tai-khoan"))
    assert "Cư dân" in page and "Chưa xác nhận" in page


def test_register_without_csrf_is_400_and_writes_nothing(app, client):
    response = client.post("/dang-ky", data=_form())
    assert response.status_code == 400
    assert "Biểu mẫu đã hết hạn" in text(response)
    assert _users() == []
    assert outbox(app) == []


def test_duplicate_email_gets_vietnamese_message_and_nothing_written(app, client, make_user):
    make_user(email="lan.nguyen@example.vn", full_name="Người Cũ")
    response = submit_form(client, "/dang-ky", _form(email="Lan.Nguyen@Example.VN", full_name="Người Mới"))
    assert response.status_code == 422
    assert "Đã có tài khoản dùng địa chỉ email này" in text(response)
    assert [u.full_name for u in _users()] == ["Người Cũ"]
    assert outbox(app) == []


def test_decomposed_vietnamese_is_stored_nfc_and_found_without_tone_marks(app, client):
    from civic.accounts.services import search_users

    decomposed = unicodedata.normalize("NFD", "Nguyễn Thị Ánh Tuyết")
    assert decomposed != unicodedata.normalize("NFC", decomposed)
    response = submit_form(client, "/dang-ky", _form(full_name="  " + decomposed + "  "))
    assert response.status_code == 302
    [user] = _users()
    assert user.full_name == "Nguyễn Thị Ánh Tuyết"
    assert unicodedata.is_normalized("NFC", user.full_name)
    assert [u.id for u in search_users("nguyen thi anh tuyet").items] == [user.id]


@pytest.mark.parametrize("typed", ["0912 345 678", "0912.345.678", "+84 912 345 678", "84912345678", "0912-345-678"])
def test_phone_forms_are_stored_as_e164(client, typed):
    response = submit_form(client, "/dang-ky", _form(phone=typed))
    assert response.status_code == 302, text(response)[:400]
    assert _users()[0].phone == "+84912345678"


@pytest.mark.parametrize("typed", ["12345", "0912 345", "số điện thoại", "0123 456 789", "0912 345 6789"])
def test_bad_phone_is_422_with_vietnamese_message(client, typed):
    response = submit_form(client, "/dang-ky", _form(phone=typed))
    assert response.status_code == 422
    assert "Số điện thoại không hợp lệ" in text(response)
    assert _users() == []


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"full_name": "A" * 1000}, "Họ và tên quá dài"),
        ({"email": "a" * 300 + "@example.vn"}, "Địa chỉ email quá dài"),
        ({"email": "khong-phai-email"}, "Địa chỉ email không hợp lệ"),
        ({"password": "ngan", "confirm": "ngan"}, "Mật khẩu phải có từ 10"),
        ({"confirm": "khac-hoan-toan-1"}, "Hai mật khẩu không giống nhau"),
        ({"full_name": "   "}, "Vui lòng nhập họ và tên"),
        ({"group": "999"}, "Vui lòng chọn tổ dân phố trong danh sách"),
        ({"group": "abc"}, "Vui lòng chọn tổ dân phố trong danh sách"),
    ],
)
def test_bad_input_is_4xx_with_vietnamese_message_and_nothing_stored(app, client, overrides, message):
    response = submit_form(client, "/dang-ky", _form(**overrides))
    assert 400 <= response.status_code < 500
    assert message in text(response)
    assert _users() == []
    assert outbox(app) == []


def test_register_page_has_labelled_fields_and_group_list(client):
    from civic.accounts.services import get_or_create_group
    from civic.extensions import db

    for n in (2, 10, 1):
        get_or_create_group(f"Tổ dân phố số {n}")
    db.session.commit()
    page = text(client.get("/dang-ky"))
    assert page.index("Tổ dân phố số 1<") < page.index("Tổ dân phố số 2<") < page.index("Tổ dân phố số 10<")
    for name in ("email", "full_name", "password", "confirm", "phone", "group"):
        assert f'for="{name}"' in page
    assert "style=" not in page and "<script>" not in page
