"""The demo ward in a test app, and a crawler that finds every page a visitor or official can reach."""

from __future__ import annotations

import re
import types
from collections import deque
from urllib.parse import urlsplit

import pytest

DEMO_PASSWORD = "matkhau-demo-2021"
STAFF = {
    "admin": "admin@phuong.example.vn",
    "editor": "bientap@phuong.example.vn",
    "organizer": "tochuc@phuong.example.vn",
}
# Not HTML pages, or pages that change state when visited.
SKIP = re.compile(
    r"^/(static|api|media)/|\.(ics|atom|csv|xlsx|xml|txt|json|png|jpg|webp|svg)(\?|$)|^/dang-xuat|^/language"
    r"|/feed|/anh/|/xac-nhan|/cau-tra-loi/|/dat-lai-mat-khau/|/huy(\?|$)"
)
HREF = re.compile(r'href="([^"#]*)"')

@pytest.fixture
def db_backend():
    """Markup and accessibility do not depend on the database: SQLite only."""
    return "sqlite"

@pytest.fixture
def app_config():
    return {"RATELIMIT_ENABLED": False, "MAIL_BACKEND": "locmem"}

@pytest.fixture
def demo(app):
    """The demo ward (residents, staff, news, events, elections, invitations)."""
    from civic.portal.demo import load_demo

    load_demo()
    _release(app)
    return types.SimpleNamespace(password=DEMO_PASSWORD, staff=STAFF)

def crawl(app, client, starts, per_endpoint: int = 2, limit: int = 80) -> list[str]:
    """Same-site HTML pages reachable from ``starts`` by links, at most ``per_endpoint`` per view."""
    adapter = app.url_map.bind("localhost")
    seen_urls, per = set(), {}
    queue = deque(starts)
    pages: list[str] = []
    while queue and len(pages) < limit:
        url = queue.popleft()
        if url in seen_urls or SKIP.search(url):
            continue
        seen_urls.add(url)
        path = urlsplit(url).path
        try:
            endpoint, _ = adapter.match(path, method="GET")
        except Exception:  # noqa: BLE001 - 404s, redirects and POST-only routes are not pages
            if url not in starts:
                continue
            endpoint = "error-page"
        if per.get(endpoint, 0) >= per_endpoint:
            continue
        response = client.get(url)
        error_page = url in starts and response.status_code == 404
        if (response.status_code != 200 and not error_page) or response.mimetype != "text/html":
            continue
        per[endpoint] = per.get(endpoint, 0) + 1
        pages.append(url)
        for href in HREF.findall(response.get_data(as_text=True)):
            href = href.replace("&amp;", "&")
            if href.startswith("http://localhost/"):
                href = href[len("http://localhost"):]
            if href.startswith("/") and not href.startswith("//"):
                queue.append(href)
    _release(app)
    return pages


def _release(app):
    """The test client shares the test's app context and session: end its transaction so the
    live server's threads can write to SQLite (page views count visits)."""
    from civic.extensions import db

    db.session.commit()
    db.session.remove()


PUBLIC_STARTS = ["/", "/tin-tuc/", "/su-kien/", "/bau-cu/", "/dang-nhap", "/dang-ky", "/quen-mat-khau",
                 "/tin-tuc/tim-kiem?q=bau+cu", "/khong-co-trang-nay"]
STAFF_STARTS = ["/su-kien/quan-ly", "/su-kien/quan-ly/moi", "/tin-tuc/quan-ly", "/tin-tuc/quan-ly/moi",
                "/bau-cu/quan-ly", "/giay-moi/", "/tai-khoan", "/quan-tri/nguoi-dung", "/thong-bao/"]


@pytest.fixture
def staff_login(login):
    """staff_login(role) signs the test client in as the demo's admin/editor/organizer."""

    def _login(role: str):
        return login(types.SimpleNamespace(email=STAFF[role], test_password=DEMO_PASSWORD))

    return _login


@pytest.fixture(scope="session")
def site():
    return types.SimpleNamespace(crawl=crawl, PUBLIC_STARTS=PUBLIC_STARTS, STAFF_STARTS=STAFF_STARTS, SKIP=SKIP)
