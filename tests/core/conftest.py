"""Fixtures shared by the page cache's tests (test_pagecache.py, test_pagehits.py)."""

from __future__ import annotations

import pytest


@pytest.fixture
def editor(app, make_user):
    from civic.news.services import ensure_default_categories

    ensure_default_categories()
    return make_user(role="editor")


@pytest.fixture
def article(app, editor):
    from civic.news import services

    return services.create_article(
        services.ArticleInput(title="Lịch tiêm chủng tháng Năm", summary="Tóm tắt", body="<p>Nội dung</p>",
                              status="published"),
        editor,
    )
