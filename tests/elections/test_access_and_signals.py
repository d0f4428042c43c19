"""One loader and one policy per election object (404 not visible, 403 not allowed), the
signals announced after the commit, and the layers: suppressions lifted through the
notifications domain, related news through the portal's provider."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
import sqlalchemy as sa

from civic.elections import access, related, services, signals
from civic.elections.errors import NotAllowed, NotVisible
from civic.elections.models import SentReminder
from civic.extensions import db


def test_an_unknown_election_is_not_visible_to_anyone(election, make_user):
    editor = make_user(role="editor")
    with pytest.raises(NotVisible):
        access.viewable(999_999)
    with pytest.raises(NotVisible):
        access.managed(editor, 999_999)
    with pytest.raises(NotVisible):
        access.managed(make_user(), "x")


def test_a_resident_sees_an_election_but_may_not_manage_it(election, make_user):
    resident, editor = make_user(), make_user(role="editor")
    assert access.viewable(election.id) is not None
    with pytest.raises(NotAllowed):
        access.managed(resident, election.id)
    with pytest.raises(NotAllowed):
        access.managed_area(resident, election.id, election.areas[0].id)
    assert access.managed(editor, election.id).id == election.id


def test_milestones_and_areas_are_found_only_in_their_own_election(election, make_user):
    editor = make_user(role="editor")
    other = services.create_election({"name": "Bầu cử bổ sung", "polling_day": date(2027, 1, 10)}, use_template=True)
    foreign_milestone = other.milestones[0]
    assert access.managed_milestone(editor, election.id, election.milestones[0].id)[1].id == election.milestones[0].id
    with pytest.raises(NotVisible):
        access.managed_milestone(editor, election.id, foreign_milestone.id)
    with pytest.raises(NotVisible):
        access.managed_area(editor, other.id, election.areas[0].id)


def test_editor_pages_answer_404_for_what_is_not_there(client, election, make_user, login):
    login(make_user(role="editor"))
    assert client.get(f"/bau-cu/quan-ly/{election.id}/moc/999999").status_code == 404
    assert client.get(f"/bau-cu/quan-ly/{election.id}/khu-vuc/999999").status_code == 404
    assert client.get("/bau-cu/quan-ly/999999/tin-nhac").status_code == 404
    assert client.get(f"/bau-cu/quan-ly/{election.id}/moc/{election.milestones[0].id}").status_code == 200


def test_the_api_uses_the_same_loader(client, election):
    response = client.get("/api/v1/elections/999999/where-to-vote?group=1")
    assert response.status_code == 404 and response.get_json()["error"]["message"]


def test_confirming_lifts_only_the_elections_suppression_in_the_same_transaction(app):
    from civic.notifications import services as engine
    from civic.notifications.suppressions import lift_suppression

    engine.suppress("lan@example.vn", "email", "elections")
    engine.suppress("lan@example.vn", "email", "*")
    assert lift_suppression("lan@example.vn", "email", "elections") == 1
    db.session.rollback()  # nothing committed by the lift itself
    assert engine.is_suppressed("lan@example.vn", "email", "elections")
    assert lift_suppression("lan@example.vn", "email", "elections") == 1
    db.session.commit()
    assert engine.is_suppressed("lan@example.vn", "email", "elections")  # "*" stays: the wider wish
    assert lift_suppression("lan@example.vn", "email", "elections") == 0


def test_related_news_without_a_provider_is_empty(app):
    saved = related._provider
    try:
        related.set_news_provider(None)
        assert related.related_news(5) == []
        related.set_news_provider(lambda limit: ["a", "b", "c"][:limit])
        assert services.related_news(limit=2) == ["a", "b"]
    finally:
        related.set_news_provider(saved)


def test_the_portal_registers_the_election_news_provider(app):
    from civic.portal.election_news import election_news

    assert related._provider is election_news


def test_changes_are_announced_after_the_commit_and_never_for_a_refused_change(app, election):
    heard = []

    def listener(sender, **kwargs):
        heard.append(kwargs)

    signals.milestone_changed.connect(listener)
    try:
        item = services.save_milestone(election, {"kind": "other", "day": date(2021, 5, 1), "title": "Họp tổ"})
        assert heard == [{"election_id": election.id, "milestone_id": item.id, "change": "created"}]
        with pytest.raises(services.ElectionError):
            services.save_milestone(election, {"kind": "other", "day": date(2021, 6, 1), "title": "Sau ngày bầu"})
        assert len(heard) == 1
    finally:
        signals.milestone_changed.disconnect(listener)


def test_reminders_listen_a_milestone_due_today_is_reminded_at_once(app, groups, confirmed_sub):
    """Reminders hear the calendar's signals: no five-minute wait for a reminder already due."""
    from civic.core.timeutil import local_today

    app.config["CIVIC_ELECTION_REMINDERS"] = [{"milestones": "*", "days_before": 0, "at": "00:00"}]
    today = local_today()
    election = services.create_election(
        {"name": "Bầu cử bổ sung", "polling_day": today + timedelta(days=1), "polls_open": time(7, 0),
         "polls_close": time(19, 0)})
    services.save_polling_area(
        election, {"number": 1, "station_name": "Nhà văn hóa", "station_address": "Số 1", "group_ids": [groups[0].id]})
    confirmed_sub("lan@example.vn", groups[0])
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SentReminder)) == 0
    services.save_milestone(election, {"kind": "other", "day": today, "title": "Tiếp xúc cử tri"})
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SentReminder)) == 1
