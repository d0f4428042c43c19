"""The schedule's invitation and revision messages, as participants read them in Vietnamese and
English (issue 13): a changed text shows up as a reviewed diff of tests/schedule/snapshots/."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from flask_babel import force_locale

from civic.schedule.services import messages as msg
from tests.snapshots import assert_snapshot

SNAPSHOTS = Path(__file__).parent / "snapshots"
URL = "https://phuong.example.vn/giay-moi/r/<token>"


def _context() -> dict:
    week = msg.week_title(7, date(2026, 2, 9), date(2026, 2, 15))
    items = "\n".join([
        msg.item_line("Thứ Hai (09/02/2026)", "08 giờ 00", "Giao ban lãnh đạo UBND phường", "Phòng họp tầng 2", URL),
        msg.item_line("Thứ Tư (11/02/2026)", "14 giờ 00", "Họp Ban chỉ đạo bầu cử", "", URL),
    ])
    changes = "\n".join([
        msg.changed_line("Giao ban lãnh đạo UBND phường",
                         {"when": ["08 giờ 00 Thứ Hai", "09 giờ 00 Thứ Hai"], "place": ["Phòng họp tầng 2", ""]})
        + "\n  " + URL,
        msg.cancelled_line("Họp Ban chỉ đạo bầu cử", "Lãnh đạo đi công tác.") + "\n  " + URL,
    ])
    return {"name": "Nguyễn Văn Bình", "week": week, "items": items, "count": "2", "n": "1", "changes": changes}


def render(message) -> str:
    context = _context()
    return "\n".join([f"kind: {message.kind}", f"subject: {message.subject.format(**context)}", "",
                      message.body.format(**context), "", "--- SMS", message.sms_text.format(**context)])


@pytest.mark.parametrize("locale", ["vi", "en"])
@pytest.mark.parametrize("name", ["invitation", "revision"])
def test_schedule_message_text(app, name, locale):
    message = {"invitation": msg.invitation_message, "revision": msg.revision_message}[name]
    with app.test_request_context(), force_locale(locale):
        text = render(message())
    assert_snapshot(SNAPSHOTS / f"{name}.{locale}.txt", text)
