"""Personal API tokens: who may have them, shown once, last use, revocation."""

from __future__ import annotations

import re

import pytest

from tests.accounts.helpers import text
from tests.conftest import submit_form

TOKEN_RE = re.compile(r'<code class="token-plain">(civic_[^<]+)</code>')


@pytest.mark.parametrize("role", ["editor", "organizer", "admin"])
def test_create_list_use_and_revoke(client, make_user, login, role, db_session):
    from civic.accounts.models import AuditLog
    from civic.accounts.services import list_tokens, user_for_token

    user = make_user(role=role)
    login(user)
    response = submit_form(client, "/tai-khoan/ma-api", {"name": "Máy tính văn phòng"})
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    [plain] = TOKEN_RE.findall(text(response))
    [token] = list_tokens(user)
    assert token.name == "Máy tính văn phòng"
    assert token.token_hash != plain and plain not in token.token_hash
    assert plain.startswith(token.prefix)
    # Shown once: the list page shows only the prefix.
    listing = text(client.get("/tai-khoan/ma-api"))
    assert plain not in listing and token.prefix in listing and "chưa lần nào" in listing
    assert token.last_used_at is None
    assert user_for_token(plain).id == user.id
    db_session.refresh(token)
    assert token.last_used_at is not None
    response = submit_form(client, "/tai-khoan/ma-api", {}, action=f"/tai-khoan/ma-api/{token.id}/thu-hoi")
    assert response.status_code == 302
    assert user_for_token(plain) is None
    assert "Đã thu hồi" in text(client.get("/tai-khoan/ma-api"))
    actions = [e.action for e in db_session.query(AuditLog).order_by(AuditLog.id)]
    assert actions == ["token_create", "token_revoke"]


def test_revoked_token_is_401_on_the_api_loader(app, make_user, api_token):
    from flask import Flask

    from civic.accounts.services import revoke_token, user_for_api_request

    user = make_user(role="editor")
    plain = api_token(user)
    with app.test_request_context(headers={"Authorization": f"Bearer {plain}"}) as ctx:
        assert user_for_api_request(ctx.request).id == user.id
    [token] = user.tokens
    revoke_token(user, token.id)
    with app.test_request_context(headers={"Authorization": f"Bearer {plain}"}) as ctx:
        assert user_for_api_request(ctx.request) is None
    assert isinstance(app, Flask)


def test_token_of_a_deactivated_user_stops_working(make_user, api_token, db_session):
    from civic.accounts.services import user_for_token

    user = make_user(role="organizer")
    plain = api_token(user)
    user.active = False
    db_session.commit()
    assert user_for_token(plain) is None
    assert user_for_token("civic_khong-ton-tai") is None
    assert user_for_token("") is None


def test_residents_cannot_have_tokens(client, make_user, login):
    login(make_user(role="resident"))
    assert client.get("/tai-khoan/ma-api").status_code == 403
    assert "/tai-khoan/ma-api" not in text(client.get("/tai-khoan"))


def test_cannot_revoke_someone_elses_token(client, make_user, login, api_token):
    from civic.accounts.services import user_for_token

    owner = make_user(role="editor")
    plain = api_token(owner)
    [token] = owner.tokens
    login(make_user(role="editor"))
    response = submit_form(client, "/tai-khoan/ma-api", {}, action=f"/tai-khoan/ma-api/{token.id}/thu-hoi")
    assert response.status_code == 404
    assert user_for_token(plain).id == owner.id


def test_token_name_rules(client, make_user, login):
    from civic.accounts.services import list_tokens

    user = make_user(role="editor")
    login(user)
    empty = submit_form(client, "/tai-khoan/ma-api", {"name": "  "})
    assert empty.status_code == 422 and "Vui lòng đặt tên cho mã" in text(empty)
    long = submit_form(client, "/tai-khoan/ma-api", {"name": "x" * 1000})
    assert long.status_code == 422 and "Tên quá dài" in text(long)
    assert list_tokens(user) == []
