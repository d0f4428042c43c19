"""What residents and editors read for the elections' enums, and the badges templates show.

Templates receive these labels and flags; they never compare kinds or statuses themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l

from civic.elections.models import Body, Channel, Election, MilestoneKind, ReminderStatus

BODY_LABELS = {
    Body.NATIONAL_ASSEMBLY: _l("National Assembly"),
    Body.CITY_COUNCIL: _l("City People's Council"),
    Body.DISTRICT_COUNCIL: _l("District People's Council"),
    Body.WARD_COUNCIL: _l("Ward People's Council"),
}

MILESTONE_LABELS = {
    MilestoneKind.VOTER_LIST_POSTED: _l("Voter list posted"),
    MilestoneKind.CANDIDATE_LIST_POSTED: _l("Candidate lists posted"),
    MilestoneKind.LIST_CHECK_ENDS: _l("Last day to check the voter list"),
    MilestoneKind.POLLING_DAY: _l("Polling day"),
    MilestoneKind.OTHER: _l("Other"),
}

CHANNEL_LABELS = {Channel.EMAIL: _l("By email"), Channel.SMS: _l("By SMS")}

REMINDER_STATUS_LABELS = {ReminderStatus.WAITING: _l("Waiting to send"), ReminderStatus.CREATED: _l("Campaign created")}
REMINDER_STATUS_BADGES = {ReminderStatus.WAITING: "badge", ReminderStatus.CREATED: "badge ok"}


def body_labels(election: Election) -> list[str]:
    labels = []
    for value in election.bodies or []:
        try:
            labels.append(str(BODY_LABELS[Body(value)]))
        except ValueError:
            continue
    return labels


def milestone_label(kind: str) -> str:
    try:
        return str(MILESTONE_LABELS[MilestoneKind(kind)])
    except ValueError:
        return str(MILESTONE_LABELS[MilestoneKind.OTHER])


def hours_text(election: Election) -> str:
    return f"{election.polls_open.strftime('%H:%M')}–{election.polls_close.strftime('%H:%M')}"


@dataclass
class ReminderRow:
    """One line of the editor's reminder table: the scheduled reminder, its label and badge."""

    reminder: object
    status: ReminderStatus

    @property
    def label(self) -> str:
        return str(REMINDER_STATUS_LABELS[self.status])

    @property
    def badge(self) -> str:
        return REMINDER_STATUS_BADGES[self.status]


def reminder_rows(schedule, sent) -> list[ReminderRow]:
    """The schedule with each reminder's status (created when a SentReminder has its key)."""
    done = {row.key for row in sent}
    return [
        ReminderRow(item, ReminderStatus.CREATED if item.key in done else ReminderStatus.WAITING) for item in schedule
    ]


def timeline_state(day: date, today: date) -> str:
    """The timeline item's class: a milestone already past, today's, or still ahead ("")."""
    if day < today:
        return "is-past"
    return "is-today" if day == today else ""
