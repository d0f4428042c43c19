"""Campaign pages and the outbox in Vietnamese: real titles, labels instead of codes, local times,
transactional messages apart from broadcasts, and menus that lead there."""

from __future__ import annotations

import re
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest

from civic.core.timeutil import format_datetime
from civic.notifications import services
from civic.notifications.services import Recipient, create_campaign


@pytest.fixture
def app_config():
    # No MAIL_URL and no locmem: the default .eml file transport feeds the outbox page.
    return {"NOTIFY_EMAIL_RATE": 0}


def _text(response) -> str:
    return response.get_data(as_text=True)


def test_outbox_shows_vietnamese_local_time(app, client, make_user, login):
    create_campaign(kind="announcement", topic="announcements", subject="Lịch tiêm chủng", body_text="Chào {name}",
                    sms_text="Lich tiem chung", channels=("email", "sms"), urgent=True,
                    recipients=[Recipient(key="r1", name="Lan", email="lan@example.vn", phone="0912345678")])
    login(make_user("admin"))
    html = _text(client.get("/quan-tri/hop-thu-di"))
    assert "+0000" not in html and not re.search(r"\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun),", html)
    assert not re.search(r">[^<]*\d{4}-\d\d-\d\dT\d\d:\d\d", html)  # the SMS file's ISO date, as text
    eml = next(Path(app.config["MAIL_FILE_PATH"]).glob("*.eml"))
    date_header = next(line for line in eml.read_text().splitlines() if line.startswith("Date: "))
    with app.test_request_context():
        expected = format_datetime(parsedate_to_datetime(date_header[6:]))
    assert expected in html
    assert html.count(expected[:-6]) >= 2  # the SMS shows the same local day too
