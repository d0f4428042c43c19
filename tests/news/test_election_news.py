"""The election category's news: one home for its slug, one service the election pages call."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from civic.core.timeutil import utcnow
from civic.extensions import db
from civic.news import services
from civic.news.models import Article


def test_the_slug_has_one_home_in_the_default_categories(categories):
    assert services.ELECTION_CATEGORY_SLUG == "bau-cu"
    assert services.get_category(services.ELECTION_CATEGORY_SLUG) is not None


def test_published_election_articles_newest_first_within_the_limit(make_article, editor):
    slug = services.ELECTION_CATEGORY_SLUG
    older = make_article("Danh sách cử tri đã niêm yết", category=slug)
    newer = make_article("Lịch bỏ phiếu ngày 23/5", category=slug)
    db.session.execute(sa.update(Article).where(Article.id == older.id)
                       .values(published_at=utcnow() - timedelta(days=3)))
    db.session.commit()
    make_article("Dự thảo thông báo bầu cử", category=slug, status="draft")
    make_article("Tiêm chủng mở rộng", category="thong-bao")
    withdrawn = make_article("Thông báo đã rút", category=slug)
    services.unpublish_article(withdrawn, editor)

    assert [a.title for a in services.election_news()] == [newer.title, older.title]
    assert [a.title for a in services.election_news(limit=1)] == [newer.title]


def test_the_list_reads_no_long_text_and_is_empty_without_the_category(app, make_article):
    article = make_article("Hướng dẫn bỏ phiếu", category=services.ELECTION_CATEGORY_SLUG, body="<p>Dài</p>")
    db.session.expire_all()
    (found,) = services.election_news()
    assert found.id == article.id and found.published_at is not None
    assert "body_html" not in found.__dict__  # deferred: the list shows title, address and date
    assert found.category.slug == services.ELECTION_CATEGORY_SLUG


def test_no_election_news_before_the_categories_exist(app):
    assert services.election_news() == []
