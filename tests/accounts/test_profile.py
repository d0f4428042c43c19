"""Profile page: shows the role, edits name/phone/tổ dân phố with the same rules as sign-up."""

from __future__ import annotations

import unicodedata

from tests.accounts.helpers import text
from tests.conftest import submit_form


def _group(name):
    from civic.accounts.services import get_or_create_group
    from civic.extensions import db

    group = get_or_create_group(name)
    db.session.commit()
    return group


def test_profile_needs_sign_in(client):
    response = client.get("/tai-khoan")
    assert response.status_code == 302
    assert "/dang-nhap?next=" in response.headers["Location"]


def test_profile_shows_role_and_saves_details(client, make_user, login, db_session):
    group = _group("Tổ dân phố số 7")
    user = make_user(role="organizer", phone="+84912345678")
    login(user)
    page = text(client.get("/tai-khoan"))
    assert "Người tổ chức sự kiện" in page
    assert "0912 345 678" in page  # shown in the local form
    assert "/tai-khoan/ma-api" in page
    response = submit_form(
        client,
        "/tai-khoan",
        {"full_name": unicodedata.normalize("NFD", "Hoàng Thị Thùy Dương"), "phone": "098 765 4321", "group": str(group.id)},
    )
    assert response.status_code == 302
    db_session.refresh(user)
    assert user.full_name == "Hoàng Thị Thùy Dương"
    assert user.phone == "+84987654321"
    assert user.residential_group_id == group.id
    assert "Tổ dân phố số 7" in text(client.get("/tai-khoan"))
    # Clearing the optional fields is allowed.
    assert submit_form(client, "/tai-khoan", {"full_name": "Hoàng Thị Thùy Dương", "phone": "", "group": ""}).status_code == 302
    db_session.refresh(user)
    assert user.phone is None and user.residential_group_id is None


def test_profile_bad_input_keeps_the_stored_details(client, make_user, login, db_session):
    user = make_user(full_name="Vũ Văn Nam", phone="+84912345678")
    login(user)
    for data, message in [
        ({"full_name": "N" * 1000, "phone": "", "group": ""}, "Họ và tên quá dài"),
        ({"full_name": "Vũ Văn Nam", "phone": "0912", "group": ""}, "Số điện thoại không hợp lệ"),
        ({"full_name": "", "phone": "", "group": ""}, "Vui lòng nhập họ và tên"),
        ({"full_name": "Vũ Văn Nam", "phone": "", "group": "424242"}, "Vui lòng chọn tổ dân phố"),
    ]:
        response = submit_form(client, "/tai-khoan", data)
        assert response.status_code == 422, data
        assert message in text(response)
    db_session.refresh(user)
    assert (user.full_name, user.phone) == ("Vũ Văn Nam", "+84912345678")


def test_production_uses_full_argon2_cost(app):
    from civic.accounts.services import hash_password

    assert "m=1024" in hash_password("mat-khau-thu-nghiem")
    app.config["TESTING"] = False
    try:
        assert "m=65536" in hash_password("mat-khau-thu-nghiem")
    finally:
        app.config["TESTING"] = True
