"""One loader and one policy: hidden is 404, visible but not yours to manage is 403."""

from __future__ import annotations

import pytest
from werkzeug.exceptions import Forbidden, NotFound

from civic.news import access


def test_a_draft_is_hidden_from_residents_and_shown_to_editors(make_article, make_user, editor):
    draft = make_article("Bản nháp", status="draft")
    resident = make_user(role="resident")
    with pytest.raises(NotFound):
        access.viewable(resident, draft.slug)
    with pytest.raises(NotFound):
        access.viewable(None, draft.id)
    assert access.viewable(editor, draft.slug) is draft
    with pytest.raises(NotFound):  # not visible to them: hidden, not refused
        access.editable(resident, draft.id)


def test_a_public_article_is_readable_by_all_and_managed_by_editors(make_article, make_user, editor):
    article = make_article("Bài đã đăng")
    resident = make_user(role="resident")
    assert access.viewable(resident, article.slug) is article
    with pytest.raises(Forbidden):
        access.editable(resident, article.id)
    assert access.editable(editor, article.id) is article


def test_missing_objects_are_404(app, categories, editor):
    for load in (lambda: access.viewable(editor, "khong-co"), lambda: access.editable(editor, 10**6),
                 lambda: access.viewable_category("khong-co")):
        with pytest.raises(NotFound):
            load()
    assert access.viewable_category(categories[0].slug) == categories[0]


def test_an_old_address_loads_the_article_at_its_new_one(make_article, editor, client):
    from civic.news import services

    article = make_article("Tên cũ")
    services.update_article(article, services.article_input_from(article, title="Tên mới", slug="ten-moi"), editor)
    assert access.viewable(None, "ten-cu").slug == "ten-moi"
    assert client.get("/tin-tuc/ten-cu").status_code == 301
    assert client.get("/api/v1/articles/ten-cu").status_code == 301
