"""What residents do on the pages: browse the calendar, answer, use their personal link."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from civic.events import services
from civic.events.models import Rsvp, RsvpHistory
from civic.extensions import db
from civic.privacy.services import ConsentGiven
from tests.conftest import get_csrf, submit_form

LINK_RE = re.compile(r'href="(http://localhost/su-kien/\d+/cau-tra-loi/[^"]+)"')


def _page(event):
    return f"/su-kien/{event.id}-{event.slug}"


def test_calendar_pages_and_filters(app, client, make_event, groups):
    meeting = make_event(title="Họp tổ dân phố số 2", audience="groups", group_ids=[groups[1].id])
    cleanup = make_event(title="Ngày Chủ nhật xanh", category="cleanup")
    old = make_event(title="Tiếp xúc cử tri quý I", category="voters",
                     starts_at=datetime.now(UTC) - timedelta(days=40))
    draft = make_event(title="Bản nháp bí mật", status="draft")

    html = client.get("/su-kien/").get_data(as_text=True)
    assert meeting.title in html and cleanup.title in html
    assert old.title not in html and draft.title not in html

    html = client.get("/su-kien/?category=cleanup").get_data(as_text=True)
    assert cleanup.title in html and meeting.title not in html
    html = client.get(f"/su-kien/?group={groups[0].id}").get_data(as_text=True)
    assert cleanup.title in html and meeting.title not in html  # public events concern every tổ
    html = client.get(f"/su-kien/?group={groups[1].id}").get_data(as_text=True)
    assert meeting.title in html

    assert old.title in client.get("/su-kien/da-dien-ra").get_data(as_text=True)
    assert client.get("/su-kien/?group=abc").status_code == 400
    assert client.get("/su-kien/?category=<script>").status_code == 400
    assert client.get(_page(draft)).status_code == 404
    assert client.get(f"/su-kien/{meeting.id}").status_code == 301


def test_month_view_lists_events_with_lunar_days(app, client, make_event):
    start = datetime(2031, 1, 22, 1, 0, tzinfo=UTC)  # 08:00 local on 22/01/2031
    event = make_event(title="Gặp mặt đầu xuân", category="culture", starts_at=start)
    html = client.get("/su-kien/thang/2031/1").get_data(as_text=True)
    assert event.title in html
    assert "Thứ Tư, 22/01/2031" in html
    assert client.get("/su-kien/thang/2031/13").status_code == 404
    assert client.get("/su-kien/thang").status_code == 200


def test_event_page_shows_lunar_date(app, client, make_event):
    event = make_event(starts_at=datetime(2030, 2, 2, 1, 0, tzinfo=UTC))  # mùng 1 Tết Canh Tuất (China: 3/2)
    html = client.get(_page(event)).get_data(as_text=True)
    assert "mùng 1 tháng Giêng năm Canh Tuất" in html
    assert "Thêm vào Google Calendar" in html


def test_guest_answers_then_changes_and_cancels_with_link(app, client, make_event, mails):
    event = make_event(capacity=2, allow_guests=True, max_guests=2, questions=["Ghi chú ăn uống"])
    response = submit_form(
        client, _page(event),
        {"response": "yes", "name": "Phạm Văn Hùng", "phone": "0912.345.678", "guests": "1",
         "answer_1": "Ăn chay"},
        action=f"/su-kien/{event.id}/tra-loi",
    )
    # POST/redirect/GET: to the person's own page, whose address is their personal link.
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    assert "/cau-tra-loi/" in response.headers["Location"]
    page = client.get(response.headers["Location"])
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "no-store" in page.headers["Cache-Control"]
    assert "Bạn đã đăng ký tham dự thành công (2 người)" in html
    assert "Phạm Văn Hùng: câu trả lời của bạn đã được ghi nhận" in html
    link = LINK_RE.search(html).group(1)
    assert f"/su-kien/{event.id}.ics" in html  # the calendar file is on the personal page too
    rsvp = db.session.scalar(sa.select(Rsvp))
    assert rsvp.phone == "+84912345678" and rsvp.answers == {"Ghi chú ăn uống": "Ăn chay"}

    path = link.removeprefix("http://localhost")
    page = client.get(path)
    assert page.status_code == 200 and "Phạm Văn Hùng" in page.get_data(as_text=True)
    # The change form starts from the answer as it is: saving it unchanged keeps the guest.
    guests_input = re.search(r'<input[^>]*name="guests"[^>]*>', page.get_data(as_text=True)).group(0)
    assert 'value="1"' in guests_input, guests_input
    # Change: come alone, maybe.
    response = submit_form(client, path, {"action": "update", "response": "maybe", "name": "Phạm Văn Hùng", "guests": "0"})
    assert response.status_code == 303
    db.session.expire_all()
    assert (db.session.get(Rsvp, rsvp.id).response, db.session.get(Rsvp, rsvp.id).guests) == ("maybe", 0)
    # Cancel.
    response = submit_form(client, path, {"action": "cancel"})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Rsvp, rsvp.id).status == "declined"
    assert db.session.scalar(sa.select(sa.func.count(Rsvp.id))) == 1


def test_personal_link_safety(app, client, make_event):
    one, two = make_event(), make_event(title="Khám sức khỏe")
    result = services.answer_event(one, services.Answer(response="yes", name="Lan", email="lan@example.vn"), consent=ConsentGiven())
    token = services.make_token(result.rsvp)
    assert client.get(f"/su-kien/{one.id}/cau-tra-loi/{token}").status_code == 200
    other = client.get(f"/su-kien/{two.id}/cau-tra-loi/{token}")
    assert other.status_code == 403
    assert "không dùng được cho sự kiện này" in other.get_data(as_text=True)
    forged = client.get(f"/su-kien/{one.id}/cau-tra-loi/{token[:-3]}xyz")
    assert forged.status_code == 403
    assert client.get(f"/su-kien/{one.id}/cau-tra-loi/abc").status_code == 403
    # A forged token cannot post changes either.
    csrf = get_csrf(client, f"/su-kien/{one.id}/cau-tra-loi/{token}")
    response = client.post(f"/su-kien/{one.id}/cau-tra-loi/{token}x", data={"csrf_token": csrf, "action": "cancel"})
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(Rsvp, result.rsvp.id).status == "confirmed"


def test_bad_form_answers_get_vietnamese_messages(app, client, make_event):
    event = make_event(allow_guests=True, max_guests=2)
    action = f"/su-kien/{event.id}/tra-loi"
    cases = [
        ({"response": "yes", "name": "Lan", "phone": "0912"}, 422, "Số điện thoại không hợp lệ"),
        ({"response": "yes", "name": "Lan"}, 422, "số điện thoại hoặc email"),
        ({"response": "yes", "name": "Lan", "phone": "0912345678", "guests": "1000"}, 422, "tối đa 2 người đi cùng"),
        ({"response": "yes", "name": "", "email": "a@example.vn"}, 422, "họ và tên"),
        ({"response": "sure", "name": "Lan", "email": "a@example.vn"}, 422, ""),
    ]
    for data, status, text in cases:
        response = submit_form(client, _page(event), data, action=action)
        assert response.status_code == status, (data, response.status_code)
        assert text in response.get_data(as_text=True), data
    assert db.session.scalar(sa.select(sa.func.count(Rsvp.id))) == 0


def test_past_and_cancelled_events_refuse_form_answers(app, client, make_event, organizer):
    past = make_event(starts_at=datetime.now(UTC) - timedelta(days=1))
    cancelled = make_event()
    services.cancel_event(cancelled, organizer)
    for event, text in ((past, "đã bắt đầu hoặc đã diễn ra"), (cancelled, "đã bị hủy")):
        page = client.get(_page(event)).get_data(as_text=True)
        assert text in page
        csrf = get_csrf(client, "/dang-nhap")  # the page itself offers no form any more
        response = client.post(
            f"/su-kien/{event.id}/tra-loi",
            data={"csrf_token": csrf, "response": "yes", "name": "Lan", "email": "lan@example.vn"},
        )
        assert response.status_code == 409
    assert db.session.scalar(sa.select(sa.func.count(Rsvp.id))) == 0


def test_signed_in_resident_answers_in_one_tap(app, client, make_event, make_user, login, groups):
    user = make_user(group=groups[0])
    login(user)
    event = make_event()
    page = client.get(_page(event)).get_data(as_text=True)
    assert 'name="response" value="yes"' in page
    response = submit_form(client, _page(event), {"response": "yes"}, action=f"/su-kien/{event.id}/tra-loi")
    assert response.status_code == 303
    response = submit_form(client, _page(event), {"response": "no"}, action=f"/su-kien/{event.id}/tra-loi")
    assert response.status_code == 303
    [rsvp] = db.session.scalars(sa.select(Rsvp)).all()
    assert (rsvp.user_id, rsvp.status, rsvp.residential_group_id) == (user.id, "declined", groups[0].id)


def test_home_page_lists_upcoming(app, client, make_event):
    event = make_event(title="Ngày hội đại đoàn kết")
    assert event.title in client.get("/").get_data(as_text=True)


def test_second_guest_with_the_same_phone_sees_no_link_and_changes_nothing(app, client, make_event, mails):
    """Issue 10 repro: another browser answering "no" as "Người Khác" with the same phone."""
    event = make_event(capacity=10)
    first = submit_form(client, _page(event), {"response": "yes", "name": "Nguyễn Thị Lan", "phone": "0912 345 678"},
                        action=f"/su-kien/{event.id}/tra-loi")
    assert first.status_code == 303
    own_path = first.headers["Location"].split("?")[0]
    other = app.test_client()
    response = submit_form(other, _page(event), {"response": "no", "name": "Người Khác", "phone": "0912345678"},
                           action=f"/su-kien/{event.id}/tra-loi")
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "đã trả lời sự kiện này" in html and "gửi lại đường dẫn riêng" in html
    assert "/cau-tra-loi/" not in html and own_path not in html
    [rsvp] = db.session.scalars(sa.select(Rsvp)).all()
    assert (rsvp.name, rsvp.response, rsvp.status) == ("Nguyễn Thị Lan", "yes", "confirmed")
    # The holder's link went (again) to the phone on file.
    sms = [p.read_text(encoding="utf-8") for p in (Path(app.config["CIVIC_DATA_DIR"]) / "sms-outbox").glob("*.txt")]
    assert sum(own_path in t and "To: +84912345678" in t for t in sms) == 2  # confirmation + resend


def test_reload_and_bookmark_of_the_result_never_post_again(app, client, make_event):
    event = make_event()
    response = submit_form(client, _page(event), {"response": "yes", "name": "Lan", "email": "lan@example.vn"},
                           action=f"/su-kien/{event.id}/tra-loi")
    assert response.status_code == 303
    location = response.headers["Location"]
    # A reload (GET of where the browser landed) and a bookmark both work, and write nothing.
    for _ in range(2):
        page = client.get(location)
        assert page.status_code == 200 and "Lan" in page.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(RsvpHistory.id))) == 1
    # The answer URL itself, opened as a bookmark, is not an error page.
    assert client.get(f"/su-kien/{event.id}/tra-loi").status_code in (301, 302, 303, 308)


def test_lost_link_is_sent_to_the_contact_on_file_only(app, client, make_event, mails):
    event = make_event()
    result = services.answer_event(event, services.Answer(response="yes", name="Lan", email="lan@example.vn"), consent=ConsentGiven())
    before = len(mails())
    for email in ("lan@example.vn", "nobody@example.vn"):
        response = submit_form(client, _page(event), {"link-email": email}, action=f"/su-kien/{event.id}/gui-lai-duong-dan")
        assert response.status_code == 303  # the same answer whether or not it is on file
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        assert "chúng tôi đã gửi lại đường dẫn riêng" in page and "/cau-tra-loi/" not in page
    sent = mails()[before:]
    assert [m.to[0] for m in sent] == ["Lan <lan@example.vn>"] and result.manage_url in sent[0].body
    response = submit_form(client, _page(event), {"link-phone": "0912"}, action=f"/su-kien/{event.id}/gui-lai-duong-dan")
    assert response.status_code == 422 and "không hợp lệ" in response.get_data(as_text=True)
    response = submit_form(client, _page(event), {}, action=f"/su-kien/{event.id}/gui-lai-duong-dan")
    assert response.status_code == 422


def test_event_page_has_share_tags_with_a_default_image(app, client, make_event):
    event = make_event(description="Họp bàn kế hoạch **vệ sinh** ngõ 5 & ngõ 7.")
    html = client.get(_page(event)).get_data(as_text=True)
    for tag in ("og:title", "og:description", "og:image", "og:url", "twitter:card", "twitter:image"):
        assert f'"{tag}"' in html, tag
    assert '<meta property="og:image" content="http://localhost/static/img/share-default.png">' in html
    assert f'<meta property="og:url" content="http://localhost/su-kien/{event.id}-{event.slug}">' in html
    assert "vệ sinh ngõ 5 &amp; ngõ 7" in html  # text without markup, escaped once
    assert client.get("/static/img/share-default.png").status_code == 200


def test_the_same_form_sent_twice_from_one_browser_leads_back_to_its_own_page(app, client, make_event, mails):
    event = make_event()
    data = {"response": "yes", "name": "Lan", "email": "lan@example.vn"}
    first = submit_form(client, _page(event), data, action=f"/su-kien/{event.id}/tra-loi")
    again = submit_form(client, _page(event), dict(data, name="Lan (lần 2)"), action=f"/su-kien/{event.id}/tra-loi")
    assert again.status_code == 303
    assert again.headers["Location"].split("?")[0] == first.headers["Location"].split("?")[0]
    assert "đã được ghi nhận" in client.get(again.headers["Location"]).get_data(as_text=True)
    [rsvp] = db.session.scalars(sa.select(Rsvp)).all()
    assert rsvp.name == "Lan"
    assert len([m for m in mails() if "lan@example.vn" in m.to[0]]) == 1  # no link sent again


def test_article_without_a_photo_shares_with_the_default_image(app, client, make_user):
    """The same rule on the news side (issue 10): never share without an image."""
    from civic.news.services import ArticleInput, create_article, ensure_default_categories

    ensure_default_categories()
    db.session.commit()
    article = create_article(ArticleInput(title="Lịch tiếp công dân tháng 12", body="Nội dung.", status="published"),
                             make_user(role="editor"))
    html = client.get(f"/tin-tuc/{article.slug}").get_data(as_text=True)
    assert '<meta property="og:image" content="http://localhost/static/img/share-default.png">' in html
    assert '<meta name="twitter:image" content="http://localhost/static/img/share-default.png">' in html
