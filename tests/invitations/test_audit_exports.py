"""Who saw what: every export, print and phone-list view leaves an audit row; the admin filters."""

from __future__ import annotations

import pytest
import sqlalchemy as sa


def _rows(action=None):
    from civic.extensions import db
    from civic.privacy.models import AuditLog

    stmt = sa.select(AuditLog).order_by(AuditLog.id)
    if action:
        stmt = stmt.where(AuditLog.action == action)
    return db.session.scalars(stmt).all()


def _url(app, endpoint, **values):
    from flask import url_for

    with app.test_request_context():
        return url_for(endpoint, **values)


@pytest.mark.parametrize("endpoint, action, fmt, with_event", [
    ("events.answers", "answers_view", None, True),
    ("events.export_csv", "answers_export", "csv", True),
    ("events.export_xlsx", "answers_export", "xlsx", True),
    ("invitations.contacts_export", "contacts_export", "xlsx", False),
    ("invitations.letters", "letters_print", None, True),
    ("invitations.sign_in_sheet", "sign_in_sheet", None, True),
    ("invitations.report", "attendance_report", None, True),
    ("invitations.report_xlsx", "attendance_report", "xlsx", True),
])
def test_each_export_leaves_an_audit_row(app, client, login, organizer, conference, endpoint, action, fmt, with_event):
    from civic.events.models import Rsvp
    from civic.extensions import db

    db.session.add(Rsvp(event_id=conference.id, name="Khách Lẻ", phone="+84912999001", response="yes",
                        status="confirmed"))
    db.session.commit()
    login(organizer)
    assert _rows() == []
    url = _url(app, endpoint, event_id=conference.id) if with_event else _url(app, endpoint)
    assert client.get(url).status_code == 200
    [row] = _rows()
    assert row.action == action and row.actor_id == organizer.id
    assert row.detail["format"] == fmt
    from civic.events.models import Rsvp
    from civic.extensions import db
    from civic.invitations.models import Invitation

    model = Rsvp if endpoint.startswith("events.") else Invitation
    expected = 6 if not with_event else db.session.scalar(
        sa.select(sa.func.count()).select_from(model).where(model.event_id == conference.id))
    assert row.detail["rows"] == expected
    if with_event:
        assert row.detail["event_id"] == conference.id and row.detail["event_title"] == conference.title
    assert row.created_at is not None


def test_the_wrong_organizer_leaves_no_row(app, client, login, make_user, conference):
    login(make_user(role="organizer", full_name="Người Khác"))
    assert client.get(_url(app, "events.export_csv", event_id=conference.id)).status_code in (403, 404)
    assert _rows() == []


def test_api_answers_list_is_audited(app, client, organizer, conference, api_token):
    token = api_token(organizer)
    r = client.get(f"/api/v1/events/{conference.id}/rsvps", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200
    [row] = _rows("answers_export")
    assert row.detail["format"] == "api" and row.actor_id == organizer.id


def test_admin_filters_by_person_and_kind(app, client, login, make_user, organizer, conference):
    from civic.accounts import services as accounts
    from civic.extensions import db

    admin = make_user(role="admin", full_name="Quản Trị Viên")
    other = make_user(role="organizer", full_name="Đặng Văn Đức")
    resident = make_user(role="resident", full_name="Ngô Thị Lan")
    accounts.record_audit(organizer, "contacts_export", rows=6, format="xlsx")
    accounts.record_audit(other, "answers_export", rows=3, format="csv", event_id=conference.id,
                          event_title=conference.title)
    accounts.change_role(admin, resident, "organizer")  # concerns Ngô Thị Lan
    db.session.commit()

    # Folded matching: no tone marks, đ typed as d.
    assert [e.action for e in accounts.list_audit(person="dang van duc").items] == ["answers_export"]
    assert [e.action for e in accounts.list_audit(person="ngo thi lan").items] == ["role_change"]
    assert [e.action for e in accounts.list_audit(kind="contacts_export").items] == ["contacts_export"]
    assert accounts.list_audit(person="le thu ha", kind="answers_export").items == []

    login(admin)
    html = client.get("/quan-tri/nhat-ky?nguoi=dang+van+duc&loai=answers_export").get_data(as_text=True)
    assert "Đặng Văn Đức" in html and "Lê Thu Hà" not in html
    html = client.get("/quan-tri/nhat-ky?loai=bogus").get_data(as_text=True)  # unknown kind: all rows
    assert "Lê Thu Hà" in html and "Đặng Văn Đức" in html
