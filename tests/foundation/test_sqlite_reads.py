"""On SQLite, page views (GET) read without the write lock; writers still queue for it."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest

from civic import create_app
from civic.core.permissions import public


@pytest.fixture
def sqlite_app(tmp_path):
    from civic.extensions import db

    app = create_app({"TESTING": True, "SECRET_KEY": "x", "CIVIC_DATA_DIR": str(tmp_path),
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'civic.sqlite3'}"})
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.engine.dispose()


def test_pages_are_served_while_a_writer_holds_the_lock(sqlite_app, tmp_path):
    """With BEGIN IMMEDIATE on every request a page view would wait for the writer."""
    client = sqlite_app.test_client()
    assert client.get("/").status_code == 200  # warm: templates compiled, tables read once
    writer = sqlite3.connect(tmp_path / "civic.sqlite3", isolation_level=None, check_same_thread=False)
    writer.execute("BEGIN IMMEDIATE")
    threading.Timer(5, writer.rollback).start()  # without the fix the page waits for this
    try:
        started = time.monotonic()
        for path in ("/", "/tin-tuc/", "/su-kien/", "/bau-cu/"):
            assert client.get(path).status_code == 200, path
        elapsed = time.monotonic() - started
    finally:
        time.sleep(max(0.0, 5.2 - (time.monotonic() - started)))
        writer.close()
    assert elapsed < 3, f"page views waited {elapsed:.1f} s for the write lock"


def test_a_get_view_that_writes_without_saying_so_is_caught(sqlite_app):
    from civic.core.db import WriteInReadRequestError, writing
    from civic.extensions import db
    from civic.portal.models import SiteCounter

    @public
    def sneaky():
        db.session.add(SiteCounter(name="sneaky", value=1))
        db.session.commit()
        return "written"

    @public
    def declared():
        with writing():
            db.session.add(SiteCounter(name="declared", value=1))
            db.session.commit()
        return "written"

    sqlite_app.add_url_rule("/_sneaky", view_func=sneaky)
    sqlite_app.add_url_rule("/_declared", view_func=declared)
    client = sqlite_app.test_client()
    sqlite_app.config["PROPAGATE_EXCEPTIONS"] = True
    with pytest.raises(WriteInReadRequestError, match="GET /_sneaky writes"):
        client.get("/_sneaky")
    sqlite_app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: the styled 500 page
    assert client.get("/_sneaky").status_code == 500
    assert client.get("/_declared").get_data(as_text=True) == "written"
    with sqlite_app.app_context():
        assert {c.name for c in db.session.query(SiteCounter)} == {"declared"}
