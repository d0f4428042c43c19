"""Election pages as residents and editors use them: timeline, where to vote, subscribing
with double opt-in, and the editors' pages with their bad inputs (Vietnamese messages, 4xx)."""

from __future__ import annotations

import re
from datetime import date, timedelta

import sqlalchemy as sa

from civic.elections import services
from civic.elections.models import Election, Milestone, PollingArea, Subscription
from civic.extensions import db
from tests.conftest import submit_form


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def text(response) -> str:
    return response.get_data(as_text=True)


# --------------------------------------------------------------------------- residents


def test_election_page_shows_timeline_areas_and_where_to_vote_form(client, election):
    response = client.get(f"/bau-cu/{election.id}")
    assert response.status_code == 200
    html = text(response)
    assert "Các mốc thời gian" in html
    for milestone in ("Niêm yết danh sách cử tri", "Niêm yết danh sách người ứng cử", "Hạn cuối kiểm tra danh sách cử tri"):
        assert milestone in html
    assert "13/04/2021" in html and "23/05/2021" in html
    assert "Nhà văn hóa số 2" in html and "Tổ dân phố số 3, Tổ dân phố số 4" in html
    assert "Quốc hội" in html and "07:00–19:00" in html
    assert "Tôi bỏ phiếu ở đâu?" in html


def test_election_list_and_unknown_election(client, election):
    assert election.name in text(client.get("/bau-cu/"))
    assert client.get("/bau-cu/99999").status_code == 404


def test_where_to_vote_by_group(client, election, groups):
    response = client.get(f"/bau-cu/{election.id}/bo-phieu-o-dau?group={groups[2].id}")
    html = text(response)
    assert response.status_code == 200
    assert "Tổ dân phố số 3 bỏ phiếu tại khu vực bỏ phiếu số 2" in html
    assert "Số 2 phố Vĩnh Phúc" in html and "Thẻ cử tri và căn cước công dân" in html


def test_where_to_vote_unknown_group_is_a_404_with_a_message(client, election):
    response = client.get(f"/bau-cu/{election.id}/bo-phieu-o-dau?group=Tổ+dân+phố+số+77")
    assert response.status_code == 404
    assert "Không tìm thấy tổ dân phố" in text(response)


def test_where_to_vote_from_the_residents_profile(client, election, groups, make_user, login):
    user = make_user(group=groups[4])
    login(user)
    html = text(client.get(f"/bau-cu/{election.id}/bo-phieu-o-dau"))
    assert "Tổ dân phố số 5 bỏ phiếu tại khu vực bỏ phiếu số 3" in html


def test_home_page_countdown_in_the_weeks_before(client, groups):
    from datetime import time

    assert "ngày nữa đến ngày bầu cử" not in text(client.get("/"))
    day = services.local_today() + timedelta(days=30)
    services.create_election({"name": "Bầu cử bổ sung", "polling_day": day, "polls_open": time(7), "polls_close": time(19)})
    html = text(client.get("/"))
    assert "Bầu cử bổ sung" in html and "<strong>30</strong> ngày nữa đến ngày bầu cử" in html


def test_subscribe_by_email_then_confirm_by_clicking(client, election, groups, outbox):
    page = "/bau-cu/dang-ky-nhan-tin"
    response = submit_form(
        client, page, {"name": "Trần Thị Lan", "email": "lan@example.vn", "phone": "", "group": str(groups[0].id), "channels": "email"}
    )
    assert response.status_code == 302
    assert count(Subscription) == 1
    link = re.search(r"http://localhost(/bau-cu/xac-nhan/\S+)", outbox[0].body).group(1)
    # Opening the link alone (a mail scanner) confirms nothing; the button does.
    assert client.get(link).status_code == 200
    assert db.session.scalar(sa.select(Subscription)).email_confirmed_at is None
    response = submit_form(client, link, {})
    assert response.status_code == 200 and "đã được xác nhận" in text(response)
    db.session.expire_all()
    assert db.session.scalar(sa.select(Subscription)).email_active
    # A tampered link: a clear message and a 400.
    response = submit_form(client, link[:-3] + "zzz", {})
    assert response.status_code == 400 and "không hợp lệ" in text(response)


def test_subscribe_twice_keeps_one_row_and_says_so(client, election, groups):
    data = {"email": "lan@example.vn", "phone": "", "group": str(groups[0].id), "channels": "email"}
    submit_form(client, "/bau-cu/dang-ky-nhan-tin", data)
    response = submit_form(client, "/bau-cu/dang-ky-nhan-tin", {**data, "group": str(groups[1].id)}, follow_redirects=True)
    assert count(Subscription) == 1
    assert "đã có từ trước" in text(response)


def test_subscribe_with_bad_email_or_phone_is_a_400_with_a_message(client, election, groups):
    bad_email = {"email": "lan@@example", "phone": "", "group": str(groups[0].id), "channels": "email"}
    response = submit_form(client, "/bau-cu/dang-ky-nhan-tin", bad_email)
    assert response.status_code == 400 and "Địa chỉ email không hợp lệ" in text(response)
    bad_phone = {"email": "", "phone": "0912", "group": str(groups[0].id), "channels": "sms"}
    response = submit_form(client, "/bau-cu/dang-ky-nhan-tin", bad_phone)
    assert response.status_code == 400 and "Số điện thoại không hợp lệ" in text(response)
    assert count(Subscription) == 0


def test_subscribe_by_sms_then_enter_the_code(client, election, groups):
    from civic.notifications.models import Delivery

    response = submit_form(
        client, "/bau-cu/dang-ky-nhan-tin", {"email": "", "phone": "0912 345 678", "group": str(groups[0].id), "channels": "sms"}
    )
    assert response.status_code == 302 and "/bau-cu/xac-nhan-sms/" in response.headers["Location"]
    page = response.headers["Location"]
    code = db.session.scalars(sa.select(Delivery).where(Delivery.channel == "sms")).one().context["code"]
    wrong = submit_form(client, page, {"code": "000000" if code != "000000" else "111111"})
    assert wrong.status_code == 400 and "Mã xác nhận không đúng" in text(wrong)
    ok = submit_form(client, page, {"code": code})
    # POST/redirect/GET: a reload or a bookmark of the page later still says it is confirmed.
    assert ok.status_code == 303 and ok.headers["Location"].endswith(page.split("localhost")[-1])
    assert "số điện thoại đã được xác nhận" in text(client.get(page))
    again = text(client.get(page))
    assert "Số điện thoại này đã được xác nhận" in again and "Không có mã nào" not in again
    assert client.get("/bau-cu/xac-nhan-sms/forged.reference").status_code == 404


def test_signed_in_resident_subscribes_from_the_profile_without_confirmation(client, election, groups, make_user, login, outbox):
    user = make_user(group=groups[1])
    login(user)
    form = text(client.get("/bau-cu/dang-ky-nhan-tin"))
    assert user.email in form
    response = submit_form(
        client, "/bau-cu/dang-ky-nhan-tin", {"email": user.email, "phone": "", "group": str(groups[1].id), "channels": "email"}
    )
    assert response.status_code == 302
    sub = db.session.scalar(sa.select(Subscription))
    assert sub.email_active and sub.user_id == user.id
    assert len(outbox) == 0


# --------------------------------------------------------------------------- editors


def test_residents_cannot_manage_elections(client, election, make_user, login):
    login(make_user())
    assert client.get("/bau-cu/quan-ly").status_code == 403
    assert client.get(f"/bau-cu/quan-ly/{election.id}").status_code == 403


def test_editor_creates_an_election_from_the_2021_template(client, groups, make_user, login):
    login(make_user(role="editor"))
    response = submit_form(
        client,
        "/bau-cu/quan-ly/moi",
        {
            "name": "Bầu cử đại biểu Quốc hội khóa XVI",
            "polling_day": "2026-03-15",
            "polls_open": "07:00",
            "polls_close": "19:00",
            "bodies": ["national_assembly", "city_council"],
            "what_to_bring": "Thẻ cử tri",
            "use_template": "y",
        },
    )
    assert response.status_code == 302
    election = db.session.scalar(sa.select(Election))
    assert election.polling_day == date(2026, 3, 15)
    assert [m.day for m in election.milestones][0] == date(2026, 2, 3)


def test_editor_milestone_after_polling_day_is_a_400(client, election, make_user, login):
    login(make_user(role="editor"))
    before = count(Milestone)
    response = submit_form(
        client,
        f"/bau-cu/quan-ly/{election.id}/moc/moi",
        {"kind": "other", "day": "2021-05-30", "title": "Công bố kết quả", "text": ""},
    )
    assert response.status_code == 400
    assert "nằm sau ngày bầu cử" in text(response)
    assert count(Milestone) == before


def test_editor_area_without_group_or_with_taken_group_is_a_400(client, election, groups, make_user, login):
    login(make_user(role="editor"))
    page = f"/bau-cu/quan-ly/{election.id}/khu-vuc/moi"
    base = {"number": "7", "station_name": "Trường THCS", "station_address": "Số 1 phố Đốc Ngữ", "map_url": ""}
    response = submit_form(client, page, base)
    assert response.status_code == 400 and "ít nhất một tổ dân phố" in text(response)
    response = submit_form(client, page, {**base, "group_ids": [str(groups[5].id), str(groups[0].id)]})
    assert response.status_code == 400 and "Tổ dân phố số 1 đã thuộc khu vực bỏ phiếu số 1" in text(response)
    assert count(PollingArea) == 3
    response = submit_form(client, page, {**base, "group_ids": [str(groups[5].id)]})
    assert response.status_code == 302 and count(PollingArea) == 4


def test_editor_reminder_template_with_unknown_placeholder_is_a_400(client, election, make_user, login):
    login(make_user(role="editor"))
    page = f"/bau-cu/quan-ly/{election.id}/tin-nhac"
    html = text(client.get(page))
    assert "Xem trước" in html and "Nhà văn hóa số 1" in html
    response = submit_form(
        client, page, {"reminder_subject": "Nhắc lịch", "reminder_body": "Chào {ho_ten}", "reminder_sms": "{milestone}"}
    )
    assert response.status_code == 400 and "{ho_ten}" in text(response)


def test_editor_test_send_shows_the_engines_template_error(client, election, make_user, login, outbox):
    editor = make_user(role="editor")
    login(editor)
    page = f"/bau-cu/quan-ly/{election.id}/tin-nhac"
    response = submit_form(client, page, {}, action=f"/bau-cu/quan-ly/{election.id}/tin-nhac/gui-thu")
    assert response.status_code == 302 and len(outbox) == 1
    election.reminder_sms = "x"
    election.reminder_body = "Chào {khong_co}"
    db.session.commit()
    response = submit_form(client, f"/bau-cu/quan-ly/{election.id}", {}, action=f"/bau-cu/quan-ly/{election.id}/tin-nhac/gui-thu")
    assert response.status_code == 400 and "{khong_co}" in text(response)
    assert len(outbox) == 1


def test_editor_edit_page_lists_the_reminder_schedule(client, election, make_user, login):
    login(make_user(role="editor"))
    html = text(client.get(f"/bau-cu/quan-ly/{election.id}"))
    assert "Lịch gửi tin nhắc" in html and "Chờ gửi" in html


def test_one_click_unsubscribe_from_a_reminder_stops_later_reminders(client, election, groups, confirmed_sub, outbox):
    """The engine's List-Unsubscribe link on an election reminder: a tampered link changes
    nothing (400); the real one-click POST needs no login, and the next reminder skips them."""
    from datetime import datetime
    from urllib.parse import urlsplit

    from civic.core.timeutil import local_to_utc

    confirmed_sub("lan@example.vn", groups[0])
    confirmed_sub("hung@example.vn", groups[1])
    services.send_due_reminders(now=local_to_utc(datetime(2021, 5, 10, 8, 0)))
    mail = next(m for m in outbox if "lan@example.vn" in m.to[0])
    header = mail.extra_headers.get("List-Unsubscribe") or mail.message()["List-Unsubscribe"]
    path = urlsplit(header.strip("<>")).path

    tampered = client.post(path[:-4] + "AAAA", data={"List-Unsubscribe": "One-Click"})
    assert tampered.status_code == 400
    rows = services.send_due_reminders(now=local_to_utc(datetime(2021, 5, 20, 8, 0)))
    assert rows[0].recipients == 2

    assert client.post(path, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    before = len(outbox)
    rows = services.send_due_reminders(now=local_to_utc(datetime(2021, 5, 23, 6, 0)))
    assert rows[0].recipients == 1
    later = list(outbox)[before:]
    assert len(later) == 1 and "hung@example.vn" in later[0].to[0]


def test_election_page_lists_published_election_news(client, election):
    from civic.core.timeutil import utcnow
    from civic.news import services as news_services
    from civic.news.models import Article

    news_services.ensure_default_categories()
    category = news_services.get_category("bau-cu")
    other = next(c for c in news_services.list_categories() if c.slug != "bau-cu")
    now = utcnow()
    db.session.add_all(
        [
            Article(title="Niêm yết danh sách cử tri tại 6 khu vực", slug="niem-yet", category_id=category.id,
                    status="published", published_at=now),
            Article(title="Bản nháp chưa đăng", slug="ban-nhap", category_id=category.id, status="draft"),
            Article(title="Tin văn hóa", slug="van-hoa", category_id=other.id, status="published", published_at=now),
        ]
    )
    db.session.commit()
    html = text(client.get(f"/bau-cu/{election.id}"))
    assert "Niêm yết danh sách cử tri tại 6 khu vực" in html and "/tin-tuc/niem-yet" in html
    assert "Bản nháp chưa đăng" not in html and "Tin văn hóa" not in html


def test_subscription_form_labels_are_distinct(client, election, groups):
    """The address field and the channel checkbox were both labelled "Email"."""
    html = client.get("/bau-cu/dang-ky-nhan-tin").get_data(as_text=True)
    labels = [re.sub(r"<[^>]+>|\s+", " ", text).strip() for text in re.findall(r"<label[^>]*>(.*?)</label>", html, re.S)]
    assert len(labels) == len(set(labels)), labels
    assert "Nhận qua email" in labels and "Nhận qua SMS" in labels
