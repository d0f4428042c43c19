"""A resident on a phone and on a desktop finds their polling station (real Chromium)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


@pytest.fixture
def db_backend():
    return "sqlite"  # the browser path does not depend on the database


def test_where_do_i_vote_by_choosing_the_group(page, election):
    from civic.extensions import db

    election_id, name = election.id, election.name
    db.session.rollback()  # end the test's read transaction: SQLite takes the write lock at BEGIN
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(f"/bau-cu/{election_id}")
    assert page.locator("h1").inner_text() == name
    # Choosing the tổ dân phố shows the result (elections.js submits; the button works without JS).
    with page.expect_navigation():
        page.get_by_label("Tổ dân phố của bạn").select_option(label="Tổ dân phố số 4")
    result = page.locator(".wtv-result")
    assert "khu vực bỏ phiếu số 2" in result.inner_text()
    assert "Số 2 phố Vĩnh Phúc" in result.inner_text()
    assert not [e for e in errors if "Content Security Policy" in e], errors
