"""Page-cache hits served in front of Flask (civic.core.pagehits): what a visitor gets is what a
render would have given them; views are counted in batches and never lost."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
import uuid

import pytest

from tests.conftest import csrf_from


@pytest.fixture(params=["file", "memory", "redis"])
def app_config(request):
    cfg = {"CIVIC_PAGE_CACHE": 1, "MAIL_BACKEND": "locmem", "RATELIMIT_ENABLED": False}  # the default lag
    if request.param == "redis":
        cfg["REDIS_URL"] = request.getfixturevalue("redis_url")
    else:
        cfg["CIVIC_PAGE_CACHE_STORE"] = request.param
    return cfg


@pytest.fixture
def event(app, make_user):
    from datetime import timedelta

    from civic.core.timeutil import utcnow
    from civic.events import services

    starts = utcnow().replace(microsecond=0) + timedelta(days=7)
    return services.create_event(make_user(role="organizer"), services.EventData(
        title="Họp tổ dân phố số 5", starts_at=starts, ends_at=starts + timedelta(hours=2),
        venue_name="Nhà văn hóa tổ 5", venue_address="3 ngõ 8", category="meeting", status="published",
        capacity=30,
    ))


def hits(app):
    from civic.core.pagehits import PageHits

    assert isinstance(app.wsgi_app, PageHits)
    return app.wsgi_app


def test_a_hit_carries_the_headers_a_render_does(app, event):
    url = f"/su-kien/{event.id}-{event.slug}"
    render = app.test_client().get(url)
    hit = app.test_client().get(url)
    assert (render.headers["X-Page-Cache"], hit.headers["X-Page-Cache"]) == ("miss", "hit")
    ignore = {"X-Page-Cache", "Set-Cookie"}
    assert {k: v for k, v in render.headers.items() if k not in ignore} == \
           {k: v for k, v in hit.headers.items() if k not in ignore}
    # A new visitor's session cookie is written with the same attributes Flask writes.
    attributes = [re.sub(r"^session=[^;]+", "session=…", c) for c in (render.headers["Set-Cookie"],
                                                                        hit.headers["Set-Cookie"])]
    assert attributes[0] == attributes[1]
    assert hit.get_data(as_text=True).count(csrf_from(hit.get_data(as_text=True))) >= 1


def test_a_returning_visitor_keeps_their_session_and_their_form_works(app, event):
    from civic.events.models import Rsvp
    from civic.extensions import db

    url = f"/su-kien/{event.id}-{event.slug}"
    app.test_client().get(url)  # stored
    visitor = app.test_client()
    first = visitor.get(url)
    again = visitor.get(url)
    assert (first.headers["X-Page-Cache"], again.headers["X-Page-Cache"]) == ("hit", "hit")
    assert "Set-Cookie" in first.headers and "Set-Cookie" not in again.headers  # the same session
    answer = visitor.post(f"/su-kien/{event.id}/tra-loi", data={
        "csrf_token": csrf_from(again.get_data(as_text=True)), "response": "yes", "guests": "0",
        "name": "Trần Thị Lan", "phone": "0912000009", "email": "",
    })
    assert answer.status_code == 303, answer.get_data(as_text=True)[:600]
    assert db.session.query(Rsvp).filter_by(event_id=event.id).count() == 1


def test_a_forged_session_cookie_is_a_new_visitor_not_an_error(app, event):
    url = f"/su-kien/{event.id}-{event.slug}"
    app.test_client().get(url)
    visitor = app.test_client()
    visitor.set_cookie("session", "eyJfdXNlcl9pZCI6IjEifQ.forged.signature")
    page = visitor.get(url)
    assert page.status_code == 200 and page.headers["X-Page-Cache"] == "hit"
    assert "Đăng xuất" not in page.get_data(as_text=True)
    assert page.headers["Set-Cookie"].startswith("session=") and "forged" not in page.headers["Set-Cookie"]


def test_a_remember_cookie_or_an_api_token_goes_to_flask(app, article):
    url = f"/tin-tuc/{article.slug}"
    app.test_client().get(url)
    assert app.test_client().get(url).headers["X-Page-Cache"] == "hit"
    remembered = app.test_client()
    remembered.set_cookie("remember_token", "1|abc")
    assert "X-Page-Cache" not in remembered.get(url).headers
    assert "X-Page-Cache" not in app.test_client().get(url, headers={"Authorization": "Bearer x"}).headers


def test_views_within_the_lag_are_counted_and_shown_after_it(app, article):
    from civic.core import counters

    url = f"/tin-tuc/{article.slug}"
    front = hits(app)
    run = uuid.uuid4().hex
    app.test_client().get(url, headers={"User-Agent": f"first-{run}"})  # rendered and stored
    app.test_client().get(url, headers={"User-Agent": f"second-{run}"})  # its fragments filled
    views_before = counters.pending(f"article:{article.id}")
    front.views.last_drain = float("inf")  # the lag has not passed (time.monotonic() is smaller)
    shown = [app.test_client().get(url, headers={"User-Agent": f"v{n}-{run}"}) for n in range(5)]
    assert all(r.headers["X-Page-Cache"] == "hit" for r in shown)
    assert counters.pending(f"article:{article.id}") == views_before  # held in the process
    front.views.last_drain = 0.0  # the lag has passed
    front.fragments.clear()
    last = app.test_client().get(url, headers={"User-Agent": f"last-{run}"})
    assert counters.pending(f"article:{article.id}") == views_before + 6  # none lost
    assert f"{views_before + 6} lượt xem" in last.get_data(as_text=True)


EXIT_SCRIPT = textwrap.dedent("""
    import sys
    from civic import create_app
    app = create_app({"CIVIC_DATA_DIR": sys.argv[1], "SQLALCHEMY_DATABASE_URI": sys.argv[2],
                      "CIVIC_PAGE_CACHE": 1, "RATELIMIT_ENABLED": False, "REDIS_URL": None, "TESTING": True})
    for n in range(int(sys.argv[4])):
        response = app.test_client().get(sys.argv[3], headers={"User-Agent": f"exit-visitor-{n}"})
        assert response.status_code == 200, response.status_code
    print(response.headers.get("X-Page-Cache"))
""")


def test_views_still_held_by_a_process_are_written_when_it_exits(app, article, db_backend):
    """Without Redis the counters live in the process: a worker that stops must not lose them."""
    from civic.extensions import db
    from civic.news.models import Article
    from civic.portal.models import SiteCounter

    if db_backend != "sqlite" or app.config.get("REDIS_URL"):
        pytest.skip("one process and its own memory buffer: SQLite without Redis")
    visits_before = db.session.query(SiteCounter.value).filter_by(name="visits").scalar() or 0
    article_id, url = article.id, f"/tin-tuc/{article.slug}"
    db.session.commit()
    db.session.remove()
    db.engine.dispose()  # no connection of ours holds SQLite's lock while the other process writes
    done = subprocess.run(
        [sys.executable, "-c", EXIT_SCRIPT, app.config["CIVIC_DATA_DIR"], app.config["SQLALCHEMY_DATABASE_URI"],
         url, "7"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "hit"
    db.session.expire_all()
    assert db.session.get(Article, article_id).view_count == 7
    assert db.session.query(SiteCounter.value).filter_by(name="visits").scalar() == visits_before + 7
