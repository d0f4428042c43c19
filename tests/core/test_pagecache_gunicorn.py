"""Two real gunicorn workers: an edit made through one is never served stale by the other."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import free_port

pytestmark = pytest.mark.slow

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _prepare(data_dir: Path) -> tuple[str, str]:
    """A SQLite portal with one editor and one published article; returns (email, slug)."""
    from civic import create_app
    from civic.accounts.services import create_user
    from civic.extensions import db
    from civic.news import services

    app = create_app({"CIVIC_DATA_DIR": str(data_dir), "SECRET_KEY": "gunicorn-test-secret", "TESTING": True,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{data_dir / 'civic.sqlite3'}", "REDIS_URL": None})
    with app.app_context():
        db.create_all()
        services.ensure_default_categories()
        editor = create_user(email="bientap@example.vn", full_name="Lê Thị Biên Tập", password="mat-khau-du-dai-1",
                             role="editor", verified=True)
        db.session.commit()
        article = services.create_article(
            services.ArticleInput(title="Thông báo cắt điện ngày 12", body="<p>Cắt điện</p>", status="published"),
            editor,
        )
        slug, article_id = article.slug, article.id
        db.session.remove()
        db.engine.dispose()
    return slug, article_id


@pytest.fixture(params=["file", "memory"])
def gunicorn_portal(request, tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    slug, article_id = _prepare(data_dir)
    port = free_port()
    env = {**os.environ, "CIVIC_DATA_DIR": str(data_dir), "SECRET_KEY": "gunicorn-test-secret",
           "CIVIC_PAGE_CACHE": "1", "CIVIC_PAGE_CACHE_STORE": request.param, "CIVIC_BASE_URL": f"http://127.0.0.1:{port}",
           "RATELIMIT_ENABLED": "0"}
    env.pop("REDIS_URL", None)
    env.pop("DATABASE_URL", None)
    gunicorn = Path(sys.executable).with_name("gunicorn")
    proc = subprocess.Popen([str(gunicorn), "-c", "python:civic.gunicorn_conf", "--workers", "2",
                             "--bind", f"127.0.0.1:{port}", "civic:create_app()"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    import requests

    deadline = time.monotonic() + 60
    while True:
        try:
            if requests.get(base + "/healthz", timeout=10).status_code == 200:
                break
        except requests.RequestException:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail("gunicorn did not start: " + proc.stderr.read().decode()[-2000:])
        time.sleep(0.2)
    try:
        yield base, slug, article_id, proc, data_dir
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=20)


def test_an_edit_through_one_worker_is_never_stale_on_the_other(gunicorn_portal):
    import requests

    base, slug, article_id, _proc, _data_dir = gunicorn_portal
    url = f"{base}/tin-tuc/{slug}"
    # Many fresh connections reach both workers; each caches the page (the memory store keeps
    # one copy per worker, which is what the shared generations must overrule).
    seen = [requests.get(url, timeout=10) for _ in range(30)]
    assert all(r.status_code == 200 and "Thông báo cắt điện ngày 12" in r.text for r in seen)
    assert any(r.headers.get("X-Page-Cache") == "hit" for r in seen)

    editor = requests.Session()
    page = editor.get(f"{base}/dang-nhap", timeout=10)
    signed_in = editor.post(f"{base}/dang-nhap", data={
        "csrf_token": CSRF_RE.search(page.text).group(1), "email": "bientap@example.vn",
        "password": "mat-khau-du-dai-1"}, allow_redirects=False, timeout=10)
    assert signed_in.status_code in (302, 303), signed_in.text[:500]
    manage = editor.get(f"{base}/tin-tuc/quan-ly", timeout=10)
    withdrawn = editor.post(f"{base}/tin-tuc/quan-ly/{article_id}/go-xuong",
                            data={"csrf_token": CSRF_RE.search(manage.text).group(1)}, allow_redirects=False,
                            timeout=10)
    assert withdrawn.status_code in (302, 303), withdrawn.text[:500]

    after = [requests.get(url, timeout=10) for _ in range(30)]
    assert [r.status_code for r in after] == [404] * 30  # withdrawn: gone at once on both workers
    listing = [requests.get(f"{base}/tin-tuc/", timeout=10) for _ in range(10)]
    assert not any("Thông báo cắt điện ngày 12" in r.text for r in listing)


def test_views_counted_by_the_workers_are_written_when_they_stop(gunicorn_portal):
    """Without Redis each worker holds its counts in memory; stopping gunicorn must not lose them."""
    import sqlite3

    import requests

    base, slug, article_id, proc, data_dir = gunicorn_portal
    url = f"{base}/tin-tuc/{slug}"
    seen = [requests.get(url, headers={"User-Agent": f"reader-{n}"}, timeout=10) for n in range(40)]
    assert all(r.status_code == 200 for r in seen)
    assert sum(r.headers.get("X-Page-Cache") == "hit" for r in seen) >= 30
    proc.terminate()
    assert proc.wait(timeout=30) == 0
    with sqlite3.connect(data_dir / "civic.sqlite3") as conn:
        views = conn.execute("SELECT view_count FROM news_articles WHERE id = ?", (article_id,)).fetchone()[0]
        visits = conn.execute("SELECT value FROM site_counters WHERE name = 'visits'").fetchone()
    assert views == 40
    assert visits is not None and visits[0] == 40
