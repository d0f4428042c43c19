"""Every account e-mail and SMS, as the person reads it in Vietnamese and English (issue 13):
a changed text shows up as a reviewed diff of tests/accounts/snapshots/."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask_babel import force_locale

from civic.accounts.services import password_reset_message, phone_code_message, verification_message
from tests.snapshots import assert_snapshot

SNAPSHOTS = Path(__file__).parent / "snapshots"
CONTEXT = {
    "name": "Nguyễn Thị Lan",
    "verify_url": "https://phuong.example.vn/tai-khoan/xac-nhan/token=<token>",
    "reset_url": "https://phuong.example.vn/tai-khoan/dat-lai-mat-khau/token=<token>",
    "code": "123456",
}
MESSAGES = {"verification": verification_message, "password_reset": password_reset_message,
            "phone_code": phone_code_message}


def render(message) -> str:
    parts = [f"kind: {message.kind}", f"subject: {message.subject.format(**CONTEXT)}", "", message.body.format(**CONTEXT)]
    if message.sms_text:
        parts += ["", "--- SMS", message.sms_text.format(**CONTEXT)]
    return "\n".join(parts)


@pytest.mark.parametrize("locale", ["vi", "en"])
@pytest.mark.parametrize("name", sorted(MESSAGES))
def test_account_message_text(app, name, locale):
    with app.test_request_context(), force_locale(locale):
        text = render(MESSAGES[name]())
    assert_snapshot(SNAPSHOTS / f"{name}.{locale}.txt", text)


def test_the_sent_verification_mail_is_the_snapshot_text(app, db_session):
    """The snapshot is what goes out: registering queues exactly these texts."""
    from civic.accounts.services import register_user
    from civic.notifications.models import Campaign
    from civic.privacy.services import ConsentGiven

    with app.test_request_context(), force_locale("vi"):
        register_user("lan@example.vn", "Nguyễn Thị Lan", "mật khẩu dài đủ", consent=ConsentGiven())
        expected = verification_message()
        campaign = db_session.query(Campaign).filter_by(kind="account_verify").one()
        assert (campaign.subject, campaign.body_text) == (expected.subject, expected.body)
