"""Campaign pages and the outbox in Vietnamese: real titles, labels instead of codes, local times,
transactional messages apart from broadcasts, and menus that lead there."""

from __future__ import annotations

import re
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest

from civic.core.timeutil import format_datetime
from civic.notifications import services
from civic.notifications.services import Recipient, create_campaign


@pytest.fixture
def app_config():
    # No MAIL_URL and no locmem: the default .eml file transport feeds the outbox page.
    return {"NOTIFY_EMAIL_RATE": 0}


def _text(response) -> str:
    return response.get_data(as_text=True)


def test_outbox_shows_vietnamese_local_time(app, client, make_user, login):
    create_campaign(kind="announcement", topic="announcements", subject="Lịch tiêm chủng", body_text="Chào {name}",
                    sms_text="Lich tiem chung", channels=("email", "sms"), urgent=True,
                    recipients=[Recipient(key="r1", name="Lan", email="lan@example.vn", phone="0912345678")])
    login(make_user("admin"))
    html = _text(client.get("/quan-tri/hop-thu-di"))
    assert "+0000" not in html and not re.search(r"\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun),", html)
    assert not re.search(r">[^<]*\d{4}-\d\d-\d\dT\d\d:\d\d", html)  # the SMS file's ISO date, as text
    eml = next(Path(app.config["MAIL_FILE_PATH"]).glob("*.eml"))
    date_header = next(line for line in eml.read_text().splitlines() if line.startswith("Date: "))
    with app.test_request_context():
        expected = format_datetime(parsedate_to_datetime(date_header[6:]))
    assert expected in html
    assert html.count(expected[:-6]) >= 2  # the SMS shows the same local day too


def _event_changed(owner=None, title="Họp tổ dân phố số 3"):
    return create_campaign(
        kind="event_changed", topic="events", subject="Thay đổi: {event_title}", body_text="Chào {name}",
        created_by=owner,
        recipients=[Recipient(key=f"rsvp:{i}", name=f"Lê Văn {i}", email=f"le{i}@example.vn",
                              context={"event_title": title, "manage_url": f"https://x.vn/{i}"}) for i in range(2)],
    )


def _confirmation(i: int):
    return create_campaign(
        kind="event_confirmation", topic="events", subject="Xác nhận đăng ký: {event_title}",
        body_text="Chào {name}", urgent=True, dedupe_key=f"event:1:confirm:rsvp:{i}:0",
        recipients=[Recipient(key=f"rsvp:{i}", name=f"Trần Thị {i}", email=f"tran{i}@example.vn",
                              context={"event_title": "Ngày Chủ nhật xanh"})],
    )


def test_title_is_the_subject_filled_with_what_recipients_share(app):
    campaign = _event_changed()
    assert campaign.title == "Thay đổi: Họp tổ dân phố số 3"
    people = [Recipient(key="a", name="Lan"), Recipient(key="b", name="Hùng")]
    assert services.campaign_title("Chào {name}, lịch họp", people) == "Chào …, lịch họp"
    assert services.campaign_title("Chào {name}", people[:1]) == "Chào Lan"
    assert services.campaign_title("Mã {code.x}", people) == "Mã {code.x}"  # cannot fill: the template as written
    named = create_campaign(kind="announcement", topic="announcements", subject="Thông báo {n}", body_text="x",
                            title="Lịch cắt điện tuần này",
                            recipients=[Recipient(key="a", email="a@example.vn", context={"n": 1})])
    assert named.title == "Lịch cắt điện tuần này"


def test_campaign_pages_show_titles_and_labels_not_codes(app, client, make_user, login):
    campaign = _event_changed()
    login(make_user("admin"))
    listing = _text(client.get("/quan-ly/thong-bao"))
    detail = _text(client.get(f"/quan-ly/thong-bao/{campaign.id}"))
    for html in (listing, detail):
        assert "Thay đổi: Họp tổ dân phố số 3" in html
        assert "{event_title}" not in html
        assert "event_changed" not in html and "· email" not in html and "email,sms" not in html
        assert "Sự kiện thay đổi" in html
    assert "Chủ đề: sự kiện" in detail
    assert "<title>Thay đổi: Họp tổ dân phố số 3" in detail


def test_campaign_written_before_titles_is_named_from_its_first_delivery(app, client, make_user, login):
    from civic.extensions import db
    from civic.notifications.models import Campaign

    _event_changed(title="Họp chi bộ")
    db.session.execute(Campaign.__table__.update().values(title=None))
    db.session.commit()
    db.session.expire_all()
    login(make_user("admin"))
    assert "Thay đổi: Họp chi bộ" in _text(client.get("/quan-ly/thong-bao"))


def test_transactional_messages_are_listed_apart_from_broadcasts(app, client, make_user, login, monkeypatch):
    from civic.notifications import views

    monkeypatch.setattr(views, "TRANSACTIONAL_PER_PAGE", 2)
    _event_changed()
    for i in range(3):
        _confirmation(i)
    login(make_user("admin"))
    listing = _text(client.get("/quan-ly/thong-bao"))
    assert "Thay đổi: Họp tổ dân phố số 3" in listing
    assert "Xác nhận đăng ký" not in listing
    assert 'href="/quan-ly/thong-bao/giao-dich"' in listing
    first = _text(client.get("/quan-ly/thong-bao/giao-dich"))
    assert first.count("Xác nhận đăng ký: Ngày Chủ nhật xanh") == 2
    assert "Trần Thị 2" in first and "Trần Thị 1" in first and "Trần Thị 0" not in first  # newest first
    assert "Xác nhận câu trả lời" in first and "Đã gửi" in first and "Thay đổi: Họp" not in first
    second = _text(client.get("/quan-ly/thong-bao/giao-dich?page=2"))
    assert "Trần Thị 0" in second and "tran0@example.vn" in second


def test_organizer_sees_only_own_transactional_messages(app, client, make_user, login):
    _confirmation(0)
    login(make_user("organizer"))
    page = client.get("/quan-ly/thong-bao/giao-dich")
    assert page.status_code == 200 and "Trần Thị 0" not in _text(page)


def test_menus_lead_to_the_campaigns_and_the_outbox(app, client, make_user, login):
    resident_home = _text(client.get("/"))
    assert "/quan-ly/thong-bao" not in resident_home and "/quan-tri/hop-thu-di" not in resident_home
    login(make_user("organizer"))
    home = _text(client.get("/"))
    assert 'href="/quan-ly/thong-bao"' in home and "/quan-tri/hop-thu-di" not in home


def test_administration_menu_leads_to_the_outbox(app, client, make_user, login):
    login(make_user("admin"))
    admin_page = _text(client.get("/quan-tri/nguoi-dung"))
    assert 'href="/quan-tri/hop-thu-di"' in admin_page and 'href="/quan-ly/thong-bao"' in admin_page


def test_compose_asks_who_receives_the_message(app, client, make_user, login):
    from tests.conftest import submit_form

    login(make_user("organizer"))
    html = _text(client.get("/quan-ly/thong-bao/moi"))
    select = html[html.index('<select id="audience"'):]
    assert re.match(r'<select[^>]*>\s*<option[^>]*value=""[^>]*>Chọn…</option>', select), select[:200]
    response = submit_form(client, "/quan-ly/thong-bao/moi",
                           {"audience": "", "channels": "email", "subject": "Lịch họp", "body_text": "Chào {name}"})
    assert response.status_code == 422
    assert "Vui lòng chọn người nhận tin." in _text(response)


def test_every_kind_the_portal_sends_has_a_label(app):
    """A kind missing from the labels shows as "Tin khác" on the campaign pages."""
    import re
    from pathlib import Path

    from civic.notifications import labels
    from civic.notifications.models import Kind

    root = Path(__file__).resolve().parents[2] / "civic"
    kinds = set()
    for path in root.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if not any(marker in text for marker in ("create_campaign", "_send(", "Message(")):
            continue  # messages modules build Message(kind=...); the senders call create_campaign
        kinds |= set(re.findall(r'\bkind="([a-z_]+)"', text))
    kinds.discard("cancelled")  # an EventChange kind, not a message
    kinds |= {str(kind) for kind in Kind}
    kinds |= {"invitation_invitation", "invitation_reminder", "invitation_resend"}  # kind=f"invitation_{kind}"
    assert {"event_link", "account_phone_code", "invitation_change"} <= kinds
    with app.test_request_context():
        missing = sorted(k for k in kinds if k not in labels.kind_labels())
    assert not missing, missing


def test_links_and_codes_sent_to_one_person_are_transactional():
    from civic.notifications import labels

    for kind in ("event_link", "account_phone_code", "event_confirmation"):
        assert labels.is_transactional_kind(kind), kind
    assert not labels.is_transactional_kind("invitation_change")
