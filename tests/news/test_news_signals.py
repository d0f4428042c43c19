"""Each saved change of an article is announced once, after the commit; a rollback announces nothing."""

from __future__ import annotations

import pytest

from civic.news import services
from civic.news.signals import article_changed, article_published, article_withdrawn


@pytest.fixture
def heard(app):
    log: list[tuple[str, dict]] = []

    def listen(name):
        def receiver(_app, **kw):
            log.append((name, kw))
        return receiver

    receivers = {article_published: listen("published"), article_changed: listen("changed"),
                 article_withdrawn: listen("withdrawn")}
    for signal, receiver in receivers.items():
        signal.connect(receiver)
    yield log
    for signal, receiver in receivers.items():
        signal.disconnect(receiver)


def test_the_workflow_announces_each_step_once(heard, make_article, editor):
    article = make_article("Họp tổ dân phố", status="draft")
    assert heard == []  # a draft is not news yet
    services.publish_article(article, editor)
    services.update_article(article, services.article_input_from(article, title="Họp tổ dân phố số 3"), editor)
    services.set_pinned(article, True, editor)
    services.unpublish_article(article, editor)
    article_id = article.id
    services.delete_article(article)
    assert [name for name, _ in heard] == ["published", "changed", "changed", "withdrawn", "withdrawn"]
    assert heard[1][1]["changes"]["title"] == ("Họp tổ dân phố", "Họp tổ dân phố số 3")
    assert heard[3][1]["deleted"] is False and heard[3][1]["article"].id == article_id
    assert heard[4][1] == {"article": None, "article_id": article_id, "slug": "hop-to-dan-pho", "deleted": True}


def test_creating_published_and_the_scheduler_announce_publication(heard, make_article):
    from datetime import timedelta

    from civic.core.timeutil import utcnow

    make_article("Thông báo mới")
    soon = utcnow() + timedelta(minutes=5)
    scheduled = make_article("Thông báo hẹn giờ", status="scheduled", publish_at=soon)
    services.publish_due_articles(now=soon + timedelta(seconds=1))
    assert [name for name, _ in heard] == ["published", "published"]
    assert heard[1][1]["article"].id == scheduled.id


def test_a_refused_edit_announces_nothing(heard, make_article, editor):
    article = make_article("Bài đã đăng")
    heard.clear()
    with pytest.raises(services.NewsError):
        services.update_article(article, services.article_input_from(article, title=""), editor)
    assert heard == []
