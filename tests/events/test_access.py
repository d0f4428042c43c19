"""One loader and one policy (civic.events.access): 404 when the event is not visible to you
(missing, or a draft you cannot manage), 403 when you can see it but may not manage it."""

from __future__ import annotations

import pytest
from werkzeug.exceptions import Forbidden, NotFound

from civic.events import access

MANAGE_PATHS = ("", "/sua", "/huy", "/tra-loi.csv", "/tra-loi.xlsx")


def test_the_loader_answers_404_then_403(app, make_user, make_event, organizer):
    draft = make_event(status="draft")
    published = make_event()
    other = make_user(role="organizer")
    with app.test_request_context("/"):
        for missing in (0, 99_999, "x", 2**40):
            with pytest.raises(NotFound):
                access.viewable(other, missing)
        with pytest.raises(NotFound):
            access.viewable(None, draft.id)
        with pytest.raises(NotFound):
            access.managed(other, draft.id)
        with pytest.raises(Forbidden):
            access.managed(other, published.id)
        assert access.viewable(None, published.id) is published
        assert access.viewable(organizer, draft.id) is draft
        assert access.managed(organizer, draft.id) is draft
        assert access.managed(make_user(role="admin"), draft.id) is draft


def test_someone_elses_draft_is_hidden_on_every_page_and_the_api(app, client, login, make_user, make_event,
                                                                 api_token):
    draft = make_event(status="draft")
    other = make_user(role="organizer")
    assert client.get(f"/su-kien/{draft.id}").status_code == 404
    assert client.get(f"/api/v1/events/{draft.id}").status_code == 404
    login(other)
    for path in MANAGE_PATHS:
        assert client.get(f"/su-kien/quan-ly/{draft.id}{path}").status_code == 404, path
    response = client.get(f"/api/v1/events/{draft.id}/rsvps", headers={"Authorization": f"Bearer {api_token(other)}"})
    assert response.status_code == 404 and response.json["error"]["code"] == 404


def test_someone_elses_published_event_is_refused_alike_on_pages_and_the_api(app, client, login, make_user,
                                                                            make_event, api_token):
    event = make_event()
    other = make_user(role="organizer")
    login(other)
    for path in MANAGE_PATHS:
        assert client.get(f"/su-kien/quan-ly/{event.id}{path}").status_code == 403, path
    response = client.get(f"/api/v1/events/{event.id}/rsvps", headers={"Authorization": f"Bearer {api_token(other)}"})
    assert response.status_code == 403 and response.json["error"]["code"] == 403
