"""Signed links: email verification (3 days), password reset (1 hour, works once), change password."""

from __future__ import annotations

import contextlib
import time

import pytest
from itsdangerous import TimestampSigner

from tests.accounts.helpers import links_in, outbox, text
from tests.conftest import submit_form


@pytest.fixture
def app_config():
    return {"MAIL_BACKEND": "locmem"}


def _signed_in(client) -> bool:
    return client.get("/tai-khoan").status_code == 200


@pytest.fixture
def back_in_time(monkeypatch):
    """``with back_in_time(s):`` links signed inside the block look ``s`` seconds old."""

    @contextlib.contextmanager
    def _shift(seconds):
        real = TimestampSigner.get_timestamp
        with monkeypatch.context() as patch:
            patch.setattr(TimestampSigner, "get_timestamp", lambda self: real(self) - seconds)
            yield

    return _shift


# --------------------------------------------------------------------------- verification


def test_verification_link_confirms_the_address_and_sends_the_signal(app, client, make_user):
    from civic.accounts import services
    from civic.accounts.signals import email_verified

    user = make_user(verified=False)
    services.send_verification(user)
    [mail] = outbox(app)
    [link] = [x for x in links_in(mail) if x.startswith("/xac-nhan-email/")]
    received = []

    def listener(sender, user, **extra):
        received.append(user.id)

    email_verified.connect(listener)
    try:
        response = client.get(link)
        again = client.get(link)
    finally:
        email_verified.disconnect(listener)
    assert response.status_code == 302
    assert again.status_code == 302  # a second click is harmless
    assert received == [user.id]
    assert services.get_user(user.id).is_verified


def test_expired_verification_link_is_410_in_vietnamese(app, client, make_user, back_in_time):
    from civic.accounts import services

    user = make_user(verified=False)
    with back_in_time(3 * 24 * 3600 + 60):
        token = services.make_verify_token(user)
    response = client.get(f"/xac-nhan-email/{token}")
    assert response.status_code == 410
    assert "Đường dẫn này đã hết hạn" in text(response)
    assert not services.get_user(user.id).is_verified


def test_link_two_days_old_still_works(app, client, make_user, back_in_time):
    from civic.accounts import services

    user = make_user(verified=False)
    with back_in_time(2 * 24 * 3600):
        token = services.make_verify_token(user)
    assert client.get(f"/xac-nhan-email/{token}").status_code == 302
    assert services.get_user(user.id).is_verified


@pytest.mark.parametrize("how", ["flip", "truncate", "garbage", "other-salt"])
def test_tampered_verification_link_is_400(app, client, make_user, how):
    from civic.accounts import services

    user = make_user(verified=False)
    token = services.make_verify_token(user)
    if how == "flip":
        token = token[:-3] + ("A" if token[-3] != "A" else "B") + token[-2:]
    elif how == "truncate":
        token = token[: len(token) // 2]
    elif how == "garbage":
        token = "khong-phai-ma"
    else:  # a reset token must not verify an address
        token = services.make_reset_token(user)
    response = client.get(f"/xac-nhan-email/{token}")
    assert response.status_code == 400
    assert "Đường dẫn không hợp lệ" in text(response)
    assert not services.get_user(user.id).is_verified


def test_resend_verification_from_the_profile(app, client, make_user, login):
    user = make_user(verified=False)
    login(user)
    response = submit_form(client, "/tai-khoan", {}, action="/tai-khoan/gui-lai-xac-nhan")
    assert response.status_code == 302
    assert len(outbox(app)) == 1


# --------------------------------------------------------------------------- password reset


def _request_reset(client, email):
    return submit_form(client, "/quen-mat-khau", {"email": email})


def test_forgotten_password_answers_the_same_whether_or_not_the_email_exists(app, client, make_user):
    user = make_user()
    known = _request_reset(client, user.email)
    unknown = _request_reset(client, "khong-ai@example.vn")
    assert known.status_code == unknown.status_code == 200
    assert text(known).replace(user.email, "X") == text(unknown).replace("khong-ai@example.vn", "X")
    [mail] = outbox(app)  # only the real account gets mail
    assert "Đặt lại mật khẩu" in mail.subject


def test_reset_link_works_once_and_ends_other_sessions(app, client, make_user, login):
    from civic.accounts.services import authenticate

    user = make_user()
    login(user)  # a session elsewhere, which the reset must end
    other = app.test_client()
    _request_reset(other, user.email)
    [link] = [x for x in links_in(outbox(app)[0]) if x.startswith("/dat-lai-mat-khau/")]
    assert other.get(link).status_code == 200
    response = submit_form(other, link, {"password": "mat-khau-moi-rat-dai", "confirm": "mat-khau-moi-rat-dai"})
    assert response.status_code == 302
    assert authenticate(user.email, "mat-khau-moi-rat-dai") is not None
    assert authenticate(user.email, user.test_password) is None
    assert not _signed_in(client)
    # The same link a second time: refused, password unchanged.
    reused = other.get(link)
    assert reused.status_code == 410
    assert "Đường dẫn này đã được sử dụng" in text(reused)


def test_expired_reset_link_is_410(app, client, make_user, back_in_time):
    from civic.accounts.services import make_reset_token

    user = make_user()
    with back_in_time(3600 + 60):
        token = make_reset_token(user)
    response = client.get(f"/dat-lai-mat-khau/{token}")
    assert response.status_code == 410
    assert "hết hạn" in text(response)


def test_reset_form_rejects_short_and_mismatched_passwords(app, client, make_user):
    from civic.accounts.services import authenticate, make_reset_token

    user = make_user()
    url = f"/dat-lai-mat-khau/{make_reset_token(user)}"
    short = submit_form(client, url, {"password": "ngan", "confirm": "ngan"})
    assert short.status_code == 422 and "Mật khẩu phải có từ 10" in text(short)
    mismatch = submit_form(client, url, {"password": "mat-khau-moi-1", "confirm": "mat-khau-moi-2"})
    assert mismatch.status_code == 422 and "Hai mật khẩu không giống nhau" in text(mismatch)
    assert authenticate(user.email, user.test_password) is not None


def test_tampered_reset_link_is_400(client, make_user):
    from civic.accounts.services import make_reset_token

    token = make_reset_token(make_user())
    response = client.get(f"/dat-lai-mat-khau/{token[:-4]}AAAA")
    assert response.status_code == 400


# --------------------------------------------------------------------------- change password


def test_change_password_ends_other_sessions_but_keeps_this_one(app, client, make_user, login):
    from civic.accounts.services import authenticate

    user = make_user()
    login(user)
    elsewhere = app.test_client()
    submit_form(elsewhere, "/dang-nhap", {"email": user.email, "password": user.test_password, "remember": "y"})
    assert _signed_in(elsewhere)
    response = submit_form(
        client,
        "/tai-khoan/mat-khau",
        {"current": user.test_password, "password": "mat-khau-moi-rat-dai", "confirm": "mat-khau-moi-rat-dai"},
    )
    assert response.status_code == 302
    assert _signed_in(client)
    # The other browser's session and its remember-me cookie both carry the old version.
    assert client.application.test_client().get("/tai-khoan").status_code == 302
    elsewhere_response = elsewhere.get("/tai-khoan")
    assert elsewhere_response.status_code == 302
    assert "/dang-nhap" in elsewhere_response.headers["Location"]
    assert authenticate(user.email, "mat-khau-moi-rat-dai") is not None


def test_change_password_needs_the_current_one(client, make_user, login):
    from civic.accounts.services import authenticate

    user = make_user()
    login(user)
    response = submit_form(
        client, "/tai-khoan/mat-khau", {"current": "sai-mat-khau-1", "password": "mat-khau-moi-rat-dai", "confirm": "mat-khau-moi-rat-dai"}
    )
    assert response.status_code == 422
    assert "Mật khẩu hiện tại không đúng" in text(response)
    assert authenticate(user.email, user.test_password) is not None


def test_signing_window_is_real_time(back_in_time):
    # Guard for the fixture itself: it must move timestamps back, not forward.
    signer = TimestampSigner("k")
    now = int(time.time())
    with back_in_time(100):
        assert signer.get_timestamp() <= now - 99
    assert signer.get_timestamp() >= now
