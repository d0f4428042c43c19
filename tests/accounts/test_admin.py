"""Admin pages under /quan-tri/: access, search without tone marks, roles, deactivation, audit."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.accounts.helpers import text
from tests.conftest import submit_form

ADMIN_GETS = ["/quan-tri/nguoi-dung", "/quan-tri/nguoi-dung/{id}", "/quan-tri/nhat-ky"]
ADMIN_POSTS = ["/quan-tri/nguoi-dung/{id}/vai-tro", "/quan-tri/nguoi-dung/{id}/trang-thai"]


def _audit():
    from civic.accounts.models import AuditLog
    from civic.extensions import db

    return db.session.scalars(sa.select(AuditLog).order_by(AuditLog.id)).all()


def test_anonymous_is_sent_to_login(client, make_user):
    target = make_user()
    for url in ADMIN_GETS:
        response = client.get(url.format(id=target.id))
        assert response.status_code == 302, url
        assert "/dang-nhap" in response.headers["Location"]
    for url in ADMIN_POSTS:
        # CSRF is checked first for anonymous posts; either way nothing changes.
        assert client.post(url.format(id=target.id), data={"role": "admin"}).status_code in (302, 400)
    assert _audit() == []


@pytest.mark.parametrize("role", ["resident", "organizer", "editor"])
def test_non_admins_get_403_everywhere(client, make_user, login, role, db_session):
    target = make_user()
    login(make_user(role=role))
    for url in ADMIN_GETS:
        assert client.get(url.format(id=target.id)).status_code == 403, url
    # With a valid CSRF token (taken from a page they may see) the answer is still 403.
    for url, data in zip(ADMIN_POSTS, [{"role": "admin"}, {"active": "0"}], strict=True):
        response = submit_form(client, "/tai-khoan", data, action=url.format(id=target.id))
        assert response.status_code == 403, url
    db_session.refresh(target)
    assert target.role == "resident" and target.active
    assert _audit() == []


def test_search_without_tone_marks_filter_by_role_and_paginate(client, make_user, login):
    login(make_user(role="admin", full_name="Quản Trị Viên"))
    make_user(full_name="Nguyễn Thị Ánh Tuyết", email="tuyet@example.vn")
    make_user(full_name="Đặng Văn Đức", role="editor", email="duc@example.vn")
    for n in range(30):
        make_user(full_name=f"Trần Văn Hộ {n:02d}")
    page = text(client.get("/quan-tri/nguoi-dung", query_string={"q": "nguyen thi anh"}))
    assert "Nguyễn Thị Ánh Tuyết" in page and "Trần Văn Hộ" not in page
    page = text(client.get("/quan-tri/nguoi-dung", query_string={"q": "dang van duc"}))
    assert "Đặng Văn Đức" in page
    page = text(client.get("/quan-tri/nguoi-dung", query_string={"q": "TUYET@example"}))
    assert "Nguyễn Thị Ánh Tuyết" in page
    page = text(client.get("/quan-tri/nguoi-dung", query_string={"role": "editor"}))
    assert "Đặng Văn Đức" in page and "Nguyễn Thị Ánh Tuyết" not in page
    # Wildcards typed by the admin are literal.
    assert "Không có tài khoản nào phù hợp" in text(client.get("/quan-tri/nguoi-dung", query_string={"q": "%"}))
    first = text(client.get("/quan-tri/nguoi-dung", query_string={"q": "tran van ho"}))
    second = text(client.get("/quan-tri/nguoi-dung", query_string={"q": "tran van ho", "page": "2"}))
    assert "Tìm thấy 30 tài khoản" in first
    assert "Trần Văn Hộ 00" in first and "Trần Văn Hộ 29" not in first
    assert "Trần Văn Hộ 29" in second
    assert client.get("/quan-tri/nguoi-dung", query_string={"page": "abc", "role": "vua"}).status_code == 200


def test_role_change_is_audited_and_shown(client, make_user, login, db_session):
    admin = make_user(role="admin", full_name="Quản Trị Viên")
    target = make_user(full_name="Lê Thị Hoa")
    login(admin)
    url = f"/quan-tri/nguoi-dung/{target.id}"
    response = submit_form(client, url, {"role": "editor"}, action=url + "/vai-tro")
    assert response.status_code == 302
    db_session.refresh(target)
    assert target.role == "editor"
    [entry] = _audit()
    assert (entry.actor_id, entry.target_user_id, entry.action) == (admin.id, target.id, "role_change")
    assert entry.detail == {"old": "resident", "new": "editor"}
    assert entry.created_at is not None
    page = text(client.get("/quan-tri/nhat-ky"))
    assert "Đổi vai trò" in page and "Cư dân → Biên tập viên" in page and "Lê Thị Hoa" in page
    assert "Quản Trị Viên" in page
    # The same role again changes nothing and writes nothing.
    submit_form(client, url, {"role": "editor"}, action=url + "/vai-tro")
    assert len(_audit()) == 1


def test_unknown_role_is_422(client, make_user, login, db_session):
    target = make_user()
    login(make_user(role="admin"))
    url = f"/quan-tri/nguoi-dung/{target.id}"
    response = submit_form(client, url, {"role": "superuser"}, action=url + "/vai-tro")
    assert response.status_code == 422
    db_session.refresh(target)
    assert target.role == "resident"
    assert _audit() == []


def test_deactivate_and_reactivate(app, client, make_user, login, db_session):
    from civic.accounts.services import authenticate

    admin = make_user(role="admin")
    target = make_user()
    login(admin)
    url = f"/quan-tri/nguoi-dung/{target.id}"
    assert submit_form(client, url, {"active": "0"}, action=url + "/trang-thai").status_code == 302
    db_session.refresh(target)
    assert not target.active
    assert authenticate(target.email, target.test_password) is None
    assert "Đã khóa" in text(client.get("/quan-tri/nguoi-dung"))
    assert submit_form(client, url, {"active": "1"}, action=url + "/trang-thai").status_code == 302
    db_session.refresh(target)
    assert target.active
    assert [(e.action, e.detail) for e in _audit()] == [
        ("deactivate", {"old": True, "new": False}),
        ("reactivate", {"old": False, "new": True}),
    ]
    bad = submit_form(client, url, {"active": "maybe"}, action=url + "/trang-thai")
    assert bad.status_code == 422


def test_admin_cannot_deactivate_or_demote_themselves(client, make_user, login, db_session):
    admin = make_user(role="admin")
    login(admin)
    url = f"/quan-tri/nguoi-dung/{admin.id}"
    page = text(client.get(url))
    assert "Đây là tài khoản của chính bạn" in page
    deactivate = submit_form(client, url, {"active": "0"}, action=url + "/trang-thai")
    assert deactivate.status_code == 403
    assert "Bạn không thể tự khóa" in text(deactivate)
    demote = submit_form(client, "/tai-khoan", {"role": "resident"}, action=url + "/vai-tro")
    assert demote.status_code == 403
    db_session.refresh(admin)
    assert admin.active and admin.role == "admin"
    assert _audit() == []


def test_unknown_user_is_404(client, make_user, login):
    login(make_user(role="admin"))
    assert client.get("/quan-tri/nguoi-dung/999999").status_code == 404


def test_admin_link_in_menu_only_for_admins(client, make_user, login):
    login(make_user(role="editor"))
    assert "/quan-tri/nguoi-dung" not in text(client.get("/tai-khoan"))
    admin_client = client.application.test_client()
    admin = make_user(role="admin")
    submit_form(admin_client, "/dang-nhap", {"email": admin.email, "password": admin.test_password})
    assert "/quan-tri/nguoi-dung" in text(admin_client.get("/tai-khoan"))
