"""The event page comes from a per-process copy (civic.events.services.copies), page cache off:
an edit, a cancellation, unpublishing, a group rename and an organizer rename must show on the
next render; seats left and the change log stay exact."""

from __future__ import annotations

from dataclasses import replace

from civic.privacy.services import ConsentGiven


def _page(client, event, status=200) -> str:
    from civic.extensions import db

    url = f"/su-kien/{event.id}-{event.slug}"
    db.session.commit()  # reading the test's event began a transaction: end it as a request would
    response = client.get(url)
    assert response.status_code == status
    return response.get_data(as_text=True)


def _event_queries(client, event) -> list[str]:
    from sqlalchemy import event as sa_event

    from civic.extensions import db

    seen: list[str] = []

    def listener(_conn, _cursor, statement, *_args):
        seen.append(statement)

    url = f"/su-kien/{event.id}-{event.slug}"  # the test's own reads are not the page's
    db.session.commit()
    sa_event.listen(db.engine, "before_cursor_execute", listener)
    try:
        assert client.get(url).status_code == 200
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", listener)
    return [s for s in seen if "FROM events" in s or "FROM residential_groups" in s or "FROM event_changes" in s]


def test_an_edit_a_cancellation_and_unpublishing_show_on_the_next_render(app, client, make_event, organizer):
    from civic.events import services

    event = make_event(title="Họp tổ dân phố số 3 quý này")
    assert "quý này" in _page(client, event)
    assert not _event_queries(client, event)  # the copy is in use
    services.update_event(event, organizer, replace(services.data_of(event), title="Họp tổ dân phố số 3 dời lịch",
                                                    venue_name="Hội trường phường"))
    page = _page(client, event)
    assert "dời lịch" in page and "quý này" not in page
    assert "Hội trường phường" in page  # and the change log says where it moved
    assert "Nhà văn hóa tổ 3 → Hội trường phường" in page
    services.cancel_event(event, organizer, reason="Trùng lịch")
    page = _page(client, event)
    assert "Trùng lịch" in page and 'name="response"' not in page  # no answer form on a cancelled event

    draft = make_event(title="Sinh hoạt chi hội")
    assert "Sinh hoạt chi hội" in _page(client, draft)
    services.update_event(draft, organizer, replace(services.data_of(draft), status="draft"))
    _page(client, draft, status=404)


def test_seats_left_follow_every_answer(app, client, make_event):
    from civic.events import services

    event = make_event(capacity=10)
    assert "Còn 10/10 chỗ" in _page(client, event)
    services.answer_event(event, services.Answer(response="yes", name="Nguyễn Thị Lan", email="lan@example.vn", guests=0),
                          consent=ConsentGiven())
    assert "Còn 9/10 chỗ" in _page(client, event)


def test_a_renamed_group_shows_in_the_answer_form(app, client, make_event, groups):
    from civic.core.text import fold
    from civic.extensions import db

    event = make_event()
    assert "Tổ dân phố số 2" in _page(client, event)
    groups[1].name = "Tổ dân phố Hàng Bông"
    groups[1].name_folded = fold(groups[1].name)
    db.session.commit()
    page = _page(client, event)
    assert "Tổ dân phố Hàng Bông" in page and "Tổ dân phố số 2" not in page


def test_a_renamed_organizer_shows_on_the_page(app, client, make_event, organizer):
    from civic.accounts.services.users import update_profile

    event = make_event()
    assert "Trần Thị Tổ Chức" in _page(client, event)
    update_profile(organizer, "Trần Thị Đổi Tên", organizer.phone, None)
    page = _page(client, event)
    assert "Trần Thị Đổi Tên" in page and "Trần Thị Tổ Chức" not in page


def test_a_sign_in_does_not_throw_the_event_pages_away(app, make_user):
    from civic.core.timeutil import utcnow
    from civic.events.services import PAGE_SCOPES
    from civic.events.services.copies import _renamed_organizer
    from civic.extensions import db

    user = make_user(full_name="Lê Văn Cư")
    db.session.commit()
    user.last_login_at = utcnow()
    assert _renamed_organizer(user) == ()
    user.full_name = "Lê Văn Cư Mới"
    assert _renamed_organizer(user) == PAGE_SCOPES
