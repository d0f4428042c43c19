"""Every e-mail and SMS elections sends, rendered in Vietnamese and English and compared with
the stored text (tests/elections/snapshots/): a changed text is a reviewed diff.

The texts are rendered by the engine's own template check for one fixed recipient, so the
snapshots hold what elections writes, not the engine's envelope (footer, unsubscribe link).
"""

from __future__ import annotations

from datetime import date, time
from pathlib import Path

import pytest
from flask_babel import force_locale

from civic.accounts.models import ResidentialGroup
from civic.elections.models import Election, Milestone, MilestoneKind, PollingArea, PollingAreaGroup
from civic.elections.services import defaults, messages
from civic.notifications import services as engine
from tests.snapshots import assert_snapshot

SNAPSHOTS = Path(__file__).parent / "snapshots"
LOCALES = ("vi", "en")


def _election() -> Election:
    """An election as an editor creates it in the current locale (default texts, 2021 calendar)."""
    election = Election(
        id=7,
        name="Bầu cử đại biểu Quốc hội khóa XV",
        polling_day=date(2021, 5, 23),
        polls_open=time(7, 0),
        polls_close=time(19, 0),
        bodies=["national_assembly"],
        what_to_bring=defaults.what_to_bring(),
        reminder_subject=defaults.reminder_subject(),
        reminder_body=defaults.reminder_body(),
        reminder_sms=defaults.reminder_sms(),
    )
    election.milestones = [Milestone(id=n, **item) for n, item in
                           enumerate(defaults.template_2021_milestones(election.polling_day), start=1)]
    election.milestones.append(Milestone(id=9, kind=MilestoneKind.OTHER.value, day=date(2021, 5, 16),
                                         title="Tiếp xúc cử tri", text="Gặp gỡ người ứng cử tại nhà văn hóa."))
    area = PollingArea(id=2, number=2, station_name="Nhà văn hóa số 2", station_address="Số 2 phố Vĩnh Phúc")
    area.links = [PollingAreaGroup(group=ResidentialGroup(id=3, name="Tổ dân phố số 3", number=3))]
    election.areas = [area]
    return election


def _render(message: messages.Message, email: str | None, phone: str | None) -> str:
    recipient = engine.Recipient(key="snapshot", name=message.context.get("name"), email=email, phone=phone,
                                 context=message.context)
    out = engine.check_templates(channels=message.channels, recipient=recipient, body_html=None,
                                 **message.templates())
    parts = [f"kind: {message.kind.value}", f"channels: {', '.join(message.channels)}", ""]
    if "email" in message.channels:
        parts += [f"Subject: {out['subject']}", "", out["body_text"], ""]
    if out["sms_text"] is not None:
        parts += ["--- SMS ---", out["sms_text"]]
    return "\n".join(parts)


def _reminder(milestone: Milestone | None) -> messages.Message:
    election = _election()
    area = election.areas[0]
    return messages.reminder(election, milestone, messages.area_context("Trần Thị Lan", area.groups[0].name, area))


def _reminder_of(kind: MilestoneKind):
    def build():
        return _reminder(next(m for m in _election().milestones if m.kind == kind))

    return build


MESSAGES = {
    "subscription_confirm": lambda: messages.confirmation_link(
        "Trần Thị Lan", "Tổ dân phố số 3", "http://localhost/bau-cu/xac-nhan/<token>"),
    "subscription_confirm_no_name": lambda: messages.confirmation_link(
        None, "Tổ dân phố số 3", "http://localhost/bau-cu/xac-nhan/<token>"),
    "subscription_code": lambda: messages.confirmation_code("123456"),
    **{f"reminder_{kind.value}": _reminder_of(kind) for kind in MilestoneKind},
    "reminder_polling_day_morning": lambda: _reminder(None),  # no milestone: polling day itself
}


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("name", sorted(MESSAGES))
def test_message_snapshot(app, locale, name):
    with app.test_request_context("/"), force_locale(locale):
        message = MESSAGES[name]()
        text = _render(message, "lan@example.vn", "+84912345678")
    assert_snapshot(SNAPSHOTS / f"{name}.{locale}.txt", text)


@pytest.mark.parametrize("locale", LOCALES)
def test_editor_preview_and_test_send_snapshot(app, locale):
    """The preview and the test send use the reminder as the first covered tổ dân phố sees it."""
    from civic.elections.services import preview_reminder

    with app.test_request_context("/"), force_locale(locale):
        out = preview_reminder(_election())
    text = "\n".join(["kind: election_reminder_test", f"Subject: {out['subject']}", "", out["body_text"], "",
                      "--- SMS ---", out["sms_text"]])
    assert_snapshot(SNAPSHOTS / f"reminder_preview.{locale}.txt", text)


def test_every_message_kind_has_a_snapshot():
    from civic.elections.models import MessageKind

    covered = {
        text.splitlines()[0].removeprefix("kind: ") for text in
        (p.read_text(encoding="utf-8") for p in SNAPSHOTS.glob("*.txt"))
    }
    assert {k.value for k in MessageKind} <= covered
