"""Sign-in and sign-out: same message for unknown email and wrong password, deactivated
accounts, safe next=, remember me, rate limiting."""

from __future__ import annotations

import pytest

from tests.accounts.helpers import text
from tests.conftest import get_csrf, submit_form


def _login(client, email, password, **extra):
    return submit_form(client, "/dang-nhap", {"email": email, "password": password, **extra})


def _signed_in(client) -> bool:
    return client.get("/tai-khoan").status_code == 200


def test_login_and_logout_through_the_forms(client, make_user):
    user = make_user()
    response = _login(client, user.email.upper(), user.test_password)
    assert response.status_code == 302
    assert _signed_in(client)
    # Logging out is a POST with CSRF; without the token nothing happens.
    assert client.post("/dang-xuat").status_code == 400
    assert _signed_in(client)
    token = get_csrf(client, "/tai-khoan")
    response = client.post("/dang-xuat", data={"csrf_token": token})
    assert response.status_code == 302
    assert not _signed_in(client)


def test_wrong_password_and_unknown_email_get_the_same_answer(client, make_user):
    user = make_user()
    wrong = _login(client, user.email, "khong-dung-mat-khau")
    unknown = _login(client, "khong-co@example.vn", "khong-dung-mat-khau")
    assert wrong.status_code == unknown.status_code == 401
    assert "Email hoặc mật khẩu không đúng." in text(wrong)
    assert "Email hoặc mật khẩu không đúng." in text(unknown)
    # The pages differ only by the echoed email address and the CSRF token.
    def scrub(r, email):
        import re

        return re.sub(r'value="[^"]*"', "", text(r).replace(email, "EMAIL"))

    assert scrub(wrong, user.email) == scrub(unknown, "khong-co@example.vn")
    assert not _signed_in(client)


def test_deactivated_account_cannot_sign_in_and_loses_its_session(client, make_user, db_session):
    user = make_user()
    _login(client, user.email, user.test_password)
    assert _signed_in(client)
    user.active = False
    db_session.commit()
    assert not _signed_in(client)
    response = _login(client, user.email, user.test_password)
    assert response.status_code == 403
    assert "Tài khoản này đã bị khóa" in text(response)
    assert not _signed_in(client)


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        ("/tai-khoan", "/tai-khoan"),
        ("//evil.example/x", "/"),
        ("https://evil.example/", "/"),
        ("/\\evil.example", "/"),
    ],
)
def test_next_only_goes_to_local_paths(client, make_user, next_url, expected):
    user = make_user()
    page = text(client.get("/dang-nhap", query_string={"next": next_url}))
    assert 'name="next"' in page
    response = _login(client, user.email, user.test_password, next=next_url)
    assert response.status_code == 302
    assert response.headers["Location"] == expected


def test_remember_me_sets_a_lasting_cookie(client, make_user):
    user = make_user()
    _login(client, user.email, user.test_password, remember="y")
    assert client.get_cookie("remember_token") is not None
    other = make_user()
    fresh = client.application.test_client()
    submit_form(fresh, "/dang-nhap", {"email": other.email, "password": other.test_password})
    assert fresh.get_cookie("remember_token") is None


def test_login_form_errors_are_422_in_vietnamese(client):
    response = submit_form(client, "/dang-nhap", {"email": "", "password": ""})
    assert response.status_code == 422
    assert "Vui lòng nhập địa chỉ email." in text(response)


def test_login_posts_are_rate_limited_with_a_vietnamese_429(client, make_user):
    user = make_user()
    token = get_csrf(client, "/dang-nhap")
    codes = [
        client.post("/dang-nhap", data={"csrf_token": token, "email": user.email, "password": "sai-mat-khau-1"}).status_code
        for _ in range(10)
    ]
    assert codes == [401] * 10
    blocked = client.post("/dang-nhap", data={"csrf_token": token, "email": user.email, "password": user.test_password})
    assert blocked.status_code == 429
    assert "Bạn đã thử quá nhiều lần" in text(blocked)
    assert "Retry-After" in blocked.headers
    assert not _signed_in(client)
    # Opening the form is not limited.
    assert client.get("/dang-nhap").status_code == 200


def test_password_reset_posts_are_rate_limited(client):
    token = get_csrf(client, "/quen-mat-khau")
    codes = [
        client.post("/quen-mat-khau", data={"csrf_token": token, "email": f"x{i}@example.vn"}).status_code
        for i in range(11)
    ]
    assert codes[:10] == [200] * 10
    assert codes[10] == 429
