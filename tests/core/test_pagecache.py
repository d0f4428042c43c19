"""The anonymous page cache: fresh after every change, per-visitor parts, who is never served it."""

from __future__ import annotations

import re
import uuid
from datetime import date, time, timedelta

import pytest

from tests.conftest import csrf_from


@pytest.fixture(params=["file", "memory", "redis"])
def app_config(request):
    # No lag: every hit is counted and its counters filled at once (tests/core/test_pagehits.py has the lag).
    cfg = {"CIVIC_PAGE_CACHE": 1, "CIVIC_PAGE_CACHE_LAG": 0, "MAIL_BACKEND": "locmem", "RATELIMIT_ENABLED": False}
    if request.param == "redis":
        cfg["REDIS_URL"] = request.getfixturevalue("redis_url")
    else:
        cfg["CIVIC_PAGE_CACHE_STORE"] = request.param
    return cfg


def visit(app, url, **kwargs):
    """A new anonymous visitor (own cookie jar) opens ``url``."""
    return app.test_client().get(url, **kwargs)


def cached(app, url):
    """Open ``url`` until it is served from the cache; returns that response."""
    first = visit(app, url)
    second = visit(app, url)
    assert second.headers.get("X-Page-Cache") == "hit", (url, first.status_code, second.headers)
    return second


def test_article_publish_edit_unpublish_delete_show_at_once(app, article, editor):
    from civic.news import services

    url = f"/tin-tuc/{article.slug}"
    assert "Lịch tiêm chủng tháng Năm" in cached(app, url).get_data(as_text=True)
    assert "Lịch tiêm chủng tháng Năm" in cached(app, "/tin-tuc/").get_data(as_text=True)
    assert "Lịch tiêm chủng tháng Năm" in cached(app, "/").get_data(as_text=True)

    services.update_article(article, services.article_input_from(article, title="Lịch tiêm chủng đã đổi"), editor)
    for page in (url, "/tin-tuc/", "/"):
        body = visit(app, page).get_data(as_text=True)
        assert "Lịch tiêm chủng đã đổi" in body and "Lịch tiêm chủng tháng Năm" not in body, page

    cached(app, url)
    services.unpublish_article(article, editor)  # a withdrawn notice is gone at once
    assert visit(app, url).status_code == 404
    assert "Lịch tiêm chủng đã đổi" not in visit(app, "/tin-tuc/").get_data(as_text=True)
    assert "Lịch tiêm chủng đã đổi" not in visit(app, "/").get_data(as_text=True)

    services.publish_article(article, editor)
    assert visit(app, url).status_code == 200
    cached(app, url)
    services.delete_article(article)
    assert visit(app, url).status_code == 404
    assert "Lịch tiêm chủng đã đổi" not in visit(app, "/tin-tuc/").get_data(as_text=True)


def test_scheduled_article_published_by_the_worker_shows_at_once(app, editor):
    from civic.core.timeutil import utcnow
    from civic.news import services

    soon = utcnow() + timedelta(minutes=5)
    services.create_article(
        services.ArticleInput(title="Thông báo hẹn giờ", body="<p>x</p>", status="scheduled", publish_at=soon), editor
    )
    assert "Thông báo hẹn giờ" not in cached(app, "/tin-tuc/").get_data(as_text=True)
    services.publish_due_articles(now=soon + timedelta(seconds=1))  # a bulk UPDATE, bumped explicitly
    assert "Thông báo hẹn giờ" in visit(app, "/tin-tuc/").get_data(as_text=True)


def _event_data(event, **changes):
    from civic.events import services

    fields = {name: getattr(event, name) for name in ("title", "starts_at", "ends_at", "venue_name",
                                                      "venue_address", "category", "audience", "capacity", "status")}
    fields["description"] = event.description_source
    fields.update(changes)
    return services.EventData(**fields)


@pytest.fixture
def event(app, organizer_user):
    from civic.core.timeutil import utcnow
    from civic.events import services

    starts = utcnow().replace(microsecond=0) + timedelta(days=10)
    return services.create_event(organizer_user, services.EventData(
        title="Họp tổ dân phố số 3", starts_at=starts, ends_at=starts + timedelta(hours=2),
        venue_name="Nhà văn hóa tổ 3", venue_address="12 ngõ 5", category="meeting", status="published",
        capacity=10,
    ))


@pytest.fixture
def organizer_user(make_user):
    return make_user(role="organizer")


def test_event_change_and_cancel_show_at_once(app, event, organizer_user):
    from civic.events import services

    url = f"/su-kien/{event.id}-{event.slug}"
    assert "Nhà văn hóa tổ 3" in cached(app, url).get_data(as_text=True)
    assert "Họp tổ dân phố số 3" in cached(app, "/su-kien/").get_data(as_text=True)
    cached(app, "/su-kien/thang")

    services.update_event(event, organizer_user, _event_data(event, venue_name="Sân trường Tiểu học"))
    assert "Sân trường Tiểu học" in visit(app, url).get_data(as_text=True)
    assert "Sân trường Tiểu học" in visit(app, "/su-kien/").get_data(as_text=True)

    cached(app, url)
    services.cancel_event(event, organizer_user, reason="Mưa bão")
    body = visit(app, url).get_data(as_text=True)
    assert "Sự kiện này đã bị hủy" in body or "ev-cancel-notice" in body


def test_rsvp_changes_the_seats_shown_on_the_event_page(app, event):
    from civic.events import services
    from civic.privacy.services import ConsentGiven

    url = f"/su-kien/{event.id}-{event.slug}"
    before = cached(app, url).get_data(as_text=True)
    services.answer_event(event, services.Answer(response="yes", guests=0, name="Lê Văn Bình",
                                                 phone="0912345678", email=None, group_id=None, answers={}),
                          consent=ConsentGiven())
    after = visit(app, url)
    assert after.headers.get("X-Page-Cache") == "miss"
    assert before != after.get_data(as_text=True)


@pytest.fixture
def election(app):
    from civic.accounts.services import get_or_create_group
    from civic.elections import services
    from civic.extensions import db

    groups = [get_or_create_group(f"Tổ dân phố số {n}") for n in (1, 2)]
    db.session.commit()
    e = services.create_election(
        {"name": "Bầu cử đại biểu Quốc hội khóa XV", "polling_day": date(2031, 5, 23), "polls_open": time(7, 0),
         "polls_close": time(19, 0), "bodies": ["national_assembly"], "what_to_bring": "Thẻ cử tri"},
        use_template=True,
    )
    services.save_polling_area(e, {"number": 1, "station_name": "Nhà văn hóa số 1", "station_address": "Số 1 phố A",
                                   "map_url": "", "group_ids": [groups[0].id]})
    return e


def test_milestone_change_shows_at_once(app, election):
    from civic.elections import services

    url = f"/bau-cu/{election.id}"
    cached(app, url)
    milestone = election.milestones[0]
    services.save_milestone(election, {"kind": milestone.kind, "day": milestone.day, "title": "Niêm yết danh sách mới"},
                            milestone)
    assert "Niêm yết danh sách mới" in visit(app, url).get_data(as_text=True)


def test_polling_area_change_shows_at_once_on_where_to_vote(app, election):
    from civic.elections import services

    url = f"/bau-cu/{election.id}/bo-phieu-o-dau?group=1"
    assert "Nhà văn hóa số 1" in cached(app, url).get_data(as_text=True)
    area = election.areas[0]
    services.save_polling_area(election, {"number": 1, "station_name": "Trường Mầm non Hoa Sen",
                                          "station_address": "Số 1 phố A", "map_url": "",
                                          "group_ids": [link.group.id for link in area.links]}, area)
    body = visit(app, url).get_data(as_text=True)
    assert "Trường Mầm non Hoa Sen" in body and "Nhà văn hóa số 1" not in body


TOKEN_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def test_no_cookie_or_csrf_token_of_one_visitor_in_anothers_page(app, event):
    url = f"/su-kien/{event.id}-{event.slug}"
    first = visit(app, url)
    assert first.headers.get("X-Page-Cache") == "miss"
    second = visit(app, url)
    assert second.headers.get("X-Page-Cache") == "hit"
    first_tokens = set(TOKEN_RE.findall(first.get_data(as_text=True)))
    second_tokens = set(TOKEN_RE.findall(second.get_data(as_text=True)))
    assert first_tokens and second_tokens and not first_tokens & second_tokens
    # Each visitor gets their own session cookie, never the first visitor's.
    assert first.headers.get("Set-Cookie") != second.headers.get("Set-Cookie")
    assert "<!--pc:" not in second.get_data(as_text=True)


def test_rsvp_from_a_cached_event_page_works_for_two_visitors(app, event):
    from civic.events.models import Rsvp
    from civic.extensions import db

    url = f"/su-kien/{event.id}-{event.slug}"
    visit(app, url)
    visitors = [(app.test_client(), name, phone)
                for name, phone in (("Nguyễn Thị Hoa", "0912000001"), ("Phạm Văn Nam", "0912000002"))]
    pages = [client.get(url) for client, _name, _phone in visitors]  # both opened before either answers
    assert [page.headers.get("X-Page-Cache") for page in pages] == ["hit", "hit"]
    for (client, name, phone), page in zip(visitors, pages, strict=True):
        response = client.post(f"/su-kien/{event.id}/tra-loi", data={
            "csrf_token": csrf_from(page.get_data(as_text=True)), "response": "yes", "guests": "0",
            "name": name, "phone": phone, "email": "",
        })
        assert response.status_code == 303, response.get_data(as_text=True)[:800]
        assert "/cau-tra-loi/" in response.headers["Location"]
    assert db.session.query(Rsvp).filter_by(event_id=event.id).count() == 2


def _footer(body: str) -> tuple[int, int]:
    online = re.search(r"Đang trực tuyến: <strong>([\d.]+)</strong>", body)
    total = re.search(r"Số lượt truy cập: <strong>([\d.]+)</strong>", body)
    assert online and total, "the footer counters are missing"
    return int(online.group(1).replace(".", "")), int(total.group(1).replace(".", ""))


def test_counters_count_views_served_from_the_cache(app, article):
    from civic.core import counters

    url = f"/tin-tuc/{article.slug}"
    run = uuid.uuid4().hex  # Redis remembers a visitor for 30 minutes: new visitors every run
    first = visit(app, url, headers={"User-Agent": f"visitor-first-{run}"})
    online_before, total_before = _footer(first.get_data(as_text=True))
    views_before = counters.pending(f"article:{article.id}")  # (Redis keeps other tests' counts)
    for n in range(3):
        assert visit(app, url, headers={"User-Agent": f"visitor-{n}-{run}"}).headers.get("X-Page-Cache") == "hit"
    assert counters.pending(f"article:{article.id}") == views_before + 3
    last = visit(app, url, headers={"User-Agent": f"visitor-last-{run}"})
    assert last.headers.get("X-Page-Cache") == "hit"
    body = last.get_data(as_text=True)
    assert f"{views_before + 4} lượt xem" in body  # the count shown is filled in on every view
    online, total = _footer(body)
    assert online == online_before + 4 and total == total_before + 4


def test_signed_in_users_and_flashes_are_not_served_cached_pages(app, article, make_user, client, login):
    url = f"/tin-tuc/{article.slug}"
    cached(app, url)
    user = make_user(role="editor")
    login(user)
    response = client.get(url)
    assert response.headers.get("X-Page-Cache") is None
    assert "Đăng xuất" in response.get_data(as_text=True)
    # A visitor with a flashed message sees it, and that page is never stored for others.
    visitor = app.test_client()
    with visitor.session_transaction() as sess:
        sess["_flashes"] = [("success", "Cảm ơn bạn đã đăng ký")]
    flashed = visitor.get(url)
    assert flashed.headers.get("X-Page-Cache") is None and "Cảm ơn bạn đã đăng ký" in flashed.get_data(as_text=True)
    assert "Cảm ơn bạn đã đăng ký" not in visit(app, url).get_data(as_text=True)


def test_locales_and_unknown_query_arguments_never_share_a_page(app, article):
    url = f"/tin-tuc/{article.slug}"
    cached(app, url)
    english = visit(app, url + "?lang=en")
    assert english.headers.get("X-Page-Cache") == "miss" and 'lang="en"' in english.get_data(as_text=True)
    assert 'lang="vi"' in visit(app, url).get_data(as_text=True)
    assert visit(app, url + "?token=abc").headers.get("X-Page-Cache") is None


def test_links_shared_on_zalo_and_facebook_are_served_from_the_cache_without_their_tracking(app, article):
    url = f"/tin-tuc/{article.slug}"
    zalo = url + "?zarsrc=31&utm_source=zalo&utm_medium=zalo&utm_campaign=zalo"
    first = visit(app, zalo)
    assert first.headers.get("X-Page-Cache") == "miss"
    assert "zarsrc" not in first.get_data(as_text=True)  # the switcher's `next` is the clean path
    plain = visit(app, url)
    assert plain.headers.get("X-Page-Cache") == "hit"  # one page for every shared link
    assert visit(app, url + "?fbclid=IwAR0abc").headers.get("X-Page-Cache") == "hit"
    # A real argument still counts; with tracking next to it, so does its own page.
    assert visit(app, "/tin-tuc/?page=2&utm_source=zalo").headers.get("X-Page-Cache") == "miss"
    assert visit(app, "/tin-tuc/?page=2").headers.get("X-Page-Cache") == "hit"
    assert visit(app, url + "?token=abc&utm_source=zalo").headers.get("X-Page-Cache") is None
