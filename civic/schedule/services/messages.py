"""What the schedule sends its participants: the invitation that stands in for the letter, and
the notice of a revision (str.format placeholders; participants fills them and hands them to
notifications' create_campaign), with the per-item lines they list."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _


@dataclass(frozen=True)
class ScheduleMessage:
    kind: str
    subject: str
    body: str
    sms_text: str


def invitation_message() -> ScheduleMessage:
    """Placeholders: ``name``, ``week``, ``items`` (item_line()s), ``count``."""
    return ScheduleMessage(
        kind="schedule_invitation",
        subject=_("Invitation: work schedule {week}"),
        body=_("Dear {name},\n\nThe leaders' work schedule of {week} stands in for the invitation letter. "
               "You are invited to:\n{items}\n\nPlease answer for each item whether you will attend, "
               "decline or send a substitute.\n"),
        sms_text=_("Work schedule {week}: you are invited to {count} item(s).\n{items}"),
    )


def revision_message() -> ScheduleMessage:
    """Placeholders: ``name``, ``week``, ``n`` (the revision), ``changes`` (changed_line()s)."""
    return ScheduleMessage(
        kind="schedule_revision",
        subject=_("Schedule revised: {week}"),
        body=_("Dear {name},\n\nThe work schedule of {week} has been revised (revision {n}):\n{changes}\n\n"
               "You can change your answer at the link of each item.\n"),
        sms_text=_("Schedule {week}, revision {n}:\n{changes}"),
    )


def week_title(iso_week: int, monday, sunday) -> str:
    return _("week %(n)02d (%(start)s – %(end)s)", n=iso_week, start=monday.strftime("%d/%m/%Y"),
             end=sunday.strftime("%d/%m/%Y"))


def item_line(day: str, time: str, content: str, place: str, answer_url: str) -> str:
    """One invited item: its day and time, what it is, where, and the invitee's answer link."""
    where = f" – {place}" if place else ""
    return _("- %(day)s, %(time)s: %(content)s%(where)s\n  Your answer: %(url)s",
             day=day, time=time, content=content, where=where, url=answer_url)


def cancelled_line(content: str, reason: str) -> str:
    return _("- Cancelled: %(content)s. %(reason)s", content=content, reason=reason)


def changed_line(content: str, fields: dict) -> str:
    """``fields``: {"when"|"place": [old, new]}, as a revision records them."""
    parts = []
    for key, (old, new) in fields.items():
        name = _("Time") if key == "when" else _("Place")
        parts.append(_("%(name)s: %(old)s → %(new)s", name=name, old=old or "-", new=new or "-"))
    return _("- %(content)s: %(changes)s", content=content, changes="; ".join(parts))
