"""API, accounts admin: the user list and role/active changes, as the admin pages do them."""

from __future__ import annotations

import html

import sqlalchemy as sa

from civic.extensions import db
from civic.privacy.models import AuditLog
from tests.conftest import submit_form


def _audit():
    return list(db.session.scalars(sa.select(AuditLog).order_by(AuditLog.id)))


def vi(msgid: str, **values) -> str:
    """A message as the API says it in Vietnamese (new msgids read the same once translated)."""
    from flask_babel import force_locale, gettext

    with force_locale("vi"):
        return gettext(msgid, **values)


def _auth(api_token, user):
    return {"Authorization": f"Bearer {api_token(user)}"}


def test_admin_lists_and_searches_users(client, make_user, api_token):
    admin = make_user(role="admin", full_name="Quản Trị Viên")
    hoa = make_user(full_name="Lê Thị Hoa")
    make_user(role="organizer", full_name="Trần Văn Bình")
    auth = _auth(api_token, admin)
    everyone = client.get("/api/v1/users", headers=auth)
    assert everyone.status_code == 200 and everyone.json["total"] == 3
    found = client.get("/api/v1/users?q=le thi hoa", headers=auth).json
    assert [u["id"] for u in found["items"]] == [hoa.id]
    assert found["items"][0] == {**found["items"][0], "email": hoa.email, "role": "resident", "active": True,
                                 "role_label": "Cư dân"}
    assert "phone" not in found["items"][0]
    organizers = client.get("/api/v1/users?role=organizer", headers=auth).json["items"]
    assert [u["full_name"] for u in organizers] == ["Trần Văn Bình"]
    bad = client.get("/api/v1/users?role=boss", headers=auth)
    assert bad.status_code == 400 and bad.json["error"]["message"] == "Vai trò không hợp lệ: boss."
    assert client.get("/api/v1/users?page=x", headers=auth).status_code == 400
    one = client.get(f"/api/v1/users/{hoa.id}", headers=auth)
    assert one.status_code == 200 and one.json["full_name"] == "Lê Thị Hoa"
    assert client.get("/api/v1/users/987654", headers=auth).status_code == 404


def test_only_admins_reach_the_user_routes(client, make_user, api_token):
    target = make_user()
    for role in ("resident", "organizer", "editor"):
        auth = _auth(api_token, make_user(role=role))
        assert client.get("/api/v1/users", headers=auth).status_code == 403, role
        assert client.get(f"/api/v1/users/{target.id}", headers=auth).status_code == 403, role
        response = client.patch(f"/api/v1/users/{target.id}", json={"role": "admin"}, headers=auth)
        assert response.status_code == 403 and response.json["error"]["message"], role
    assert client.get("/api/v1/users").status_code == 401
    assert client.patch(f"/api/v1/users/{target.id}", json={"role": "admin"}).status_code == 401
    db.session.refresh(target)
    assert target.role == "resident" and _audit() == []


def test_admin_changes_role_and_active_with_audit(client, make_user, api_token):
    admin = make_user(role="admin")
    target = make_user(full_name="Lê Thị Hoa")
    auth = _auth(api_token, admin)
    response = client.patch(f"/api/v1/users/{target.id}", json={"role": "editor"}, headers=auth)
    assert response.status_code == 200 and response.json["role"] == "editor"
    db.session.refresh(target)
    assert target.role == "editor"
    [entry] = _audit()
    assert (entry.actor_id, entry.target_user_id, entry.action, entry.detail) == (
        admin.id, target.id, "role_change", {"old": "resident", "new": "editor"})

    both = client.patch(f"/api/v1/users/{target.id}", json={"role": "organizer", "active": False}, headers=auth)
    assert both.status_code == 200 and both.json["active"] is False and both.json["role"] == "organizer"
    db.session.refresh(target)
    assert (target.role, target.active) == ("organizer", False)
    assert [e.action for e in _audit()] == ["role_change", "role_change", "deactivate"]

    again = client.patch(f"/api/v1/users/{target.id}", json={"active": False}, headers=auth)
    assert again.status_code == 200 and len(_audit()) == 3  # nothing changed, nothing written
    back = client.patch(f"/api/v1/users/{target.id}", json={"active": True}, headers=auth)
    assert back.status_code == 200 and _audit()[-1].action == "reactivate"


def test_bad_changes_are_refused_and_write_nothing(app, client, make_user, api_token):
    admin = make_user(role="admin")
    target = make_user()
    auth = _auth(api_token, admin)
    url = f"/api/v1/users/{target.id}"
    cases = [
        ({"role": "superuser"}, 422, "Vai trò không hợp lệ: superuser."),
        ({"role": 5}, 422, "role phải là văn bản."),
        ({"active": "no"}, 422, vi("%(name)s must be true or false.", name="active")),
        ({"role": "editor", "active": "0"}, 422, vi("%(name)s must be true or false.", name="active")),
        ({}, 422, vi("Give a role and/or whether the account is active.")),
        ({"role": None}, 422, vi("Give a role and/or whether the account is active.")),
    ]
    for payload, status, message in cases:
        response = client.patch(url, json=payload, headers=auth)
        assert (response.status_code, response.json["error"]["message"]) == (status, message), payload
    assert client.patch(url, data="{", content_type="application/json", headers=auth).status_code == 400
    assert client.patch("/api/v1/users/987654", json={"role": "editor"}, headers=auth).status_code == 404
    db.session.refresh(target)
    assert (target.role, target.active) == ("resident", True)
    assert _audit() == []


def test_api_and_page_refuse_changing_yourself_with_the_same_message(client, make_user, api_token, login):
    admin = make_user(role="admin")
    auth = _auth(api_token, admin)
    api = client.patch(f"/api/v1/users/{admin.id}", json={"role": "resident", "active": False}, headers=auth)
    assert api.status_code == 403
    message = api.json["error"]["message"]
    assert message == "Bạn không thể tự đổi vai trò của chính mình."
    login(admin)
    url = f"/quan-tri/nguoi-dung/{admin.id}"
    page = submit_form(client, url, {"role": "resident"}, action=url + "/vai-tro")
    assert page.status_code == 403
    assert message in html.unescape(page.get_data(as_text=True))
    db.session.refresh(admin)
    assert (admin.role, admin.active) == ("admin", True)
    assert _audit() == []


def test_tokens_stay_on_the_page(client, make_user, api_token, app):
    """A token reaches no route that creates or revokes tokens; the document says so."""
    admin = make_user(role="admin")
    doc = client.get("/api/v1/openapi.json").json
    assert not [path for path in doc["paths"] if "tokens" in path.lower() or "ma-api" in path]
    assert "token cannot mint" in doc["paths"]["/users/{user_id}"]["patch"]["description"]
    assert doc["paths"]["/users"]["get"]["parameters"][1]["schema"]["enum"] == [
        "resident", "organizer", "editor", "admin"]
    response = client.post("/tai-khoan/ma-api", data={"name": "x"}, headers=_auth(api_token, admin))
    assert response.status_code in (302, 303, 400, 401, 403)  # a bearer token is no session
