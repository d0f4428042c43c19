"""Related articles under an article: same tags first, then the same category; newest first."""

from __future__ import annotations

from datetime import timedelta


def test_shared_tags_rank_first_then_the_category_newest_first(app, make_article, categories):
    from civic.extensions import db
    from civic.news.services import related_articles

    category = categories[0].slug
    other = categories[1].slug
    main = make_article(title="Bài chính", category=category, tags=["bầu cử"])
    tagged_old = make_article(title="Cùng thẻ, cũ", category=other, tags=["bầu cử"])
    same_new = make_article(title="Cùng chuyên mục, mới", category=category)
    same_old = make_article(title="Cùng chuyên mục, cũ", category=category)
    make_article(title="Khác hẳn", category=other)
    make_article(title="Bản nháp", category=category, status="draft")
    base = main.published_at
    tagged_old.published_at = base - timedelta(days=30)
    same_new.published_at = base - timedelta(days=1)
    same_old.published_at = base - timedelta(days=2)
    db.session.commit()

    titles = [a.title for a in related_articles(main)]
    assert titles == ["Cùng thẻ, cũ", "Cùng chuyên mục, mới", "Cùng chuyên mục, cũ"]
    assert [a.title for a in related_articles(main, limit=2)] == titles[:2]
    untagged = related_articles(same_new)  # no tags: the category only, never itself
    assert [a.title for a in untagged] == ["Bài chính", "Cùng chuyên mục, cũ"]
