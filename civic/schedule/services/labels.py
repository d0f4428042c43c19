"""The schedule in words: days, times, sessions and participants, as the administrative layout writes them."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _

from civic.core.timeutil import to_local
from civic.schedule.models import DaySession, ScheduleParticipant


def session_labels() -> dict[str, str]:
    return {DaySession.MORNING: _("Morning"), DaySession.AFTERNOON: _("Afternoon"), DaySession.EVENING: _("Evening")}


def day_heading(day: date) -> str:
    """"THỨ HAI (09/02/2026)" as the administrative layout writes it."""
    names = [_("MONDAY"), _("TUESDAY"), _("WEDNESDAY"), _("THURSDAY"), _("FRIDAY"), _("SATURDAY"), _("SUNDAY")]
    return f"{names[day.weekday()]} ({day:%d/%m/%Y})"


def time_text(moment) -> str:
    """"08 giờ 00’"."""
    if moment is None:
        return ""
    local = to_local(moment)
    return _("%(h)s h %(m)s", h=f"{local.hour:02d}", m=f"{local.minute:02d}")


def participant_label(p: ScheduleParticipant) -> str:
    if p.kind == "post" and p.post is not None:
        return p.post.label
    if p.kind == "group" and p.group is not None:
        return p.group.name
    if p.kind == "contact" and p.contact is not None:
        c = p.contact
        return f"{c.full_name} ({c.position})" if c.position else c.full_name
    return p.text
