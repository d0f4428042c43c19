"""Browser flows run on SQLite only (the flows are about what a person sees, not the database)."""

from __future__ import annotations

import re
import types

import pytest

DEMO_PASSWORD = "matkhau-demo-2021"
STAFF = {
    "admin": "admin@phuong.example.vn",
    "editor": "bientap@phuong.example.vn",
    "organizer": "tochuc@phuong.example.vn",
}


@pytest.fixture
def db_backend():
    return "sqlite"


@pytest.fixture
def app_config():
    return {"RATELIMIT_ENABLED": False, "MAIL_BACKEND": "locmem"}


def release(app):
    """End the test thread's transaction so the live server's threads can write to SQLite."""
    from civic.extensions import db

    db.session.commit()
    db.session.remove()


@pytest.fixture
def demo(app):
    from civic.portal.demo import load_demo

    load_demo()
    release(app)
    return types.SimpleNamespace(password=DEMO_PASSWORD, staff=STAFF)


def mails(app) -> list:
    return list(getattr(app.extensions["mailman"], "outbox", []))


def mail_text(message) -> str:
    parts = [message.body or ""]
    for content, _mimetype in getattr(message, "alternatives", []) or []:
        parts.append(content if isinstance(content, str) else content.decode("utf-8", "replace"))
    return "\n".join(parts)


def link_in_mail(app, to: str, pattern: str) -> str:
    """The first link matching ``pattern`` in the newest mail sent to ``to`` (path only)."""
    for message in reversed(mails(app)):
        if any(to in address for address in message.to):
            text = mail_text(message)
            match = re.search(r"https?://[^\s\"'<>]*" + pattern + r"[^\s\"'<>]*", text)
            if match:
                return re.sub(r"^https?://[^/]+", "", match.group(0).replace("&amp;", "&"))
    raise AssertionError(f"no mail to {to} with a link like {pattern}; sent: {[m.to for m in mails(app)]}")


def sign_in(page, email: str, password: str):
    page.goto("/dang-nhap")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert "/dang-nhap" not in page.url, page.locator("main").inner_text()[:500]


@pytest.fixture
def make_article(app):
    """make_article(title, user=None) -> a published article, through the news service."""
    from civic.news import services as news

    def _make(title: str, user=None, body: str = "<p>Nội dung thông báo của phường.</p>"):
        article = news.create_article(
            news.ArticleInput(title=title, summary="Tóm tắt: " + title, body=body, status="published"), user
        )
        release(app)
        return article

    return _make


@pytest.fixture
def make_event(app):
    """make_event(organizer, title=..., **fields) -> a published public event in ten days."""
    from datetime import timedelta

    from civic.core.timeutil import utcnow
    from civic.events import services as ev

    def _make(organizer=None, title: str = "Họp tổ dân phố số 3 quý I", **fields):
        start = (utcnow() + timedelta(days=10)).replace(hour=12, minute=0, second=0, microsecond=0)
        data = ev.EventData(title=title, starts_at=start, ends_at=start + timedelta(hours=2),
                            description="Bàn về vệ sinh môi trường và an ninh trật tự.",
                            venue_name="Nhà văn hóa tổ 3", status="published", **fields)
        event = ev.create_event(organizer, data)
        from civic.extensions import db

        db.session.commit()
        event_id = event.id
        release(app)
        return event_id

    return _make


@pytest.fixture(scope="session")
def web():
    return types.SimpleNamespace(mails=mails, mail_text=mail_text, link_in_mail=link_in_mail, sign_in=sign_in,
                                 release=release)
