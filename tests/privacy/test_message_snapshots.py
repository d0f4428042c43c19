"""The privacy messages (the code, the request done), as read in Vietnamese and English
(issue 13): a changed text shows up as a reviewed diff of tests/privacy/snapshots/."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask_babel import force_locale

from civic.privacy.services import code_message, done_message
from tests.snapshots import assert_snapshot

SNAPSHOTS = Path(__file__).parent / "snapshots"
CONTEXT = {"code": "123456", "received": "Thứ Sáu, 29/01/2021, 08:00",
           "note": "Đã xóa các câu trả lời tham dự của bạn."}
MESSAGES = {"code": code_message, "done": done_message}


def render(message) -> str:
    return "\n".join([f"kind: {message.kind}", f"subject: {message.subject.format(**CONTEXT)}", "",
                      message.body.format(**CONTEXT), "", "--- SMS", message.sms_text.format(**CONTEXT)])


@pytest.mark.parametrize("locale", ["vi", "en"])
@pytest.mark.parametrize("name", sorted(MESSAGES))
def test_privacy_message_text(app, name, locale):
    with app.test_request_context(), force_locale(locale):
        text = render(MESSAGES[name]())
    assert_snapshot(SNAPSHOTS / f"{name}.{locale}.txt", text)


def test_the_sent_code_is_the_snapshot_text(app, db_session):
    """The snapshot is what goes out: asking for a code queues exactly these texts."""
    from civic.notifications.models import Campaign
    from civic.privacy.services import request_code

    with app.test_request_context(), force_locale("vi"):
        request_code("lan@example.vn", limited=False)
        expected = code_message()
        campaign = db_session.query(Campaign).filter_by(kind="privacy_code").one()
        assert (campaign.subject, campaign.body_text, campaign.sms_text) == (
            expected.subject, expected.body, expected.sms_text)
