"""The demo loads a believable archive once; running it again changes nothing."""

from __future__ import annotations

import sqlalchemy as sa

from civic.extensions import db
from civic.news.models import Article, ArticleImage, Category


def test_demo_is_believable_and_idempotent(app, client):
    from civic.news.demo import load_demo

    load_demo()
    count = db.session.scalar(sa.select(sa.func.count()).select_from(Article))
    images = db.session.scalar(sa.select(sa.func.count()).select_from(ArticleImage))
    assert count >= 25
    assert images >= 10
    load_demo()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Article)) == count
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ArticleImage)) == images
    categories = db.session.scalars(sa.select(Category.slug)).all()
    assert {"tin-tuc-su-kien", "thong-bao", "hoat-dong-to-dan-pho", "bau-cu"} <= set(categories)
    pinned = db.session.scalars(sa.select(Article).where(Article.pinned.is_(True))).all()
    assert pinned
    years = {a.published_at.year for a in db.session.scalars(sa.select(Article).where(Article.status == "published"))}
    assert years <= {2020, 2021} and len(years) == 2
    conference = db.session.scalar(sa.select(Article).where(Article.title_folded.like("%hoi nghi trien khai%")))
    assert conference is not None and conference.album
    html = client.get("/").get_data(as_text=True)
    assert "news-pinned" in html
    page = client.get(f"/tin-tuc/{conference.slug}")
    assert page.status_code == 200
    assert "album-track" in page.get_data(as_text=True)
