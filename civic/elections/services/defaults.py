"""Content, not code: the default reminder texts and offsets, the 2021 calendar, the texts of
the subscription messages. Translated when called (English msgids, Vietnamese catalogue)."""

from __future__ import annotations

from datetime import date, timedelta

from flask_babel import gettext as _

from civic.elections.models import MilestoneKind

# Reminder offsets: for each rule, the milestones it applies to ("*" = all), how many days
# before, and the local time. Override with CIVIC_ELECTION_REMINDERS in the configuration.
DEFAULT_REMINDER_RULES = (
    {"milestones": "*", "days_before": 3, "at": "08:00"},
    {"milestones": [MilestoneKind.POLLING_DAY.value], "days_before": 0, "at": "06:00"},
)


def reminder_subject() -> str:
    return _("[Election] {milestone} – {milestone_date}")


def reminder_body() -> str:
    return _(
        "Dear {name},\n\n"
        "{milestone} ({milestone_date}): {milestone_text}\n\n"
        "{election}\n"
        "Polling day: {polling_day}, voting hours: {hours}.\n"
        "Voters of {group} vote at polling area no. {area_number}: {station_name}, {station_address}.\n\n"
        "When you go to vote, please bring: {what_to_bring}\n\n"
        "Details: {election_url}\n\n"
        "Ward People's Committee"
    )


def reminder_sms() -> str:
    return _("{milestone} {milestone_date}. Polling area {area_number}: {station_name}, {station_address}. Hours: {hours}.")


def what_to_bring() -> str:
    return _("Voter card and citizen ID card.")


def voter_name() -> str:
    """The greeting's name when a subscriber gave none."""
    return _("voter")


def sample_name() -> str:
    """The subscriber's name in the editor's preview."""
    return _("Jane Doe")


def sample_group() -> str:
    return _("Residential group no. 1")


def confirmation_email() -> dict:
    return {
        "subject": _("Confirm your subscription to election reminders"),
        "body_text": _(
            "Hello {name},\n\n"
            "You (or someone) just subscribed to the ward's election reminders for {group}.\n"
            "To confirm, please open this link:\n{confirm_url}\n\n"
            "If you did not subscribe, ignore this email."
        ),
    }


def confirmation_code() -> dict:
    return {
        "subject": _("Confirmation code"),
        "body_text": _("Confirmation code for election reminders: {code}"),
        "sms_text": _("Confirmation code for the ward's election reminders: {code}. Valid for 30 minutes."),
    }


def template_2021_milestones(polling_day: date) -> list[dict]:
    """The calendar of Law 85/2015/QH13 on the election of National Assembly deputies and
    People's Council deputies, as applied to the 2021 election (polling day 23/05/2021):

    - Art. 32: the voter list is posted at the latest 40 days before polling day (13/04/2021);
    - Art. 57: the lists of candidates are posted at the latest 20 days before (03/05/2021);
    - Art. 33: complaints about the voter list within 30 days of posting, so checking ends
      10 days before polling day (13/05/2021); Art. 73: the polling time and place are
      announced by the same day (10 days before);
    - Art. 5: polling day is a Sunday; Art. 71: polls open 07:00 and close 19:00 (the election
      team may open earlier, not before 05:00, or close later, not after 21:00).
    Written from our reading of the law as best we know it (article numbers included), not
    from a legal database. Dates are "at the latest" in the law; a committee may post
    earlier, so editors can adjust each milestone afterwards.
    """
    return [
        {
            "kind": MilestoneKind.VOTER_LIST_POSTED.value,
            "day": polling_day - timedelta(days=40),
            "title": _("Voter list posted"),
            "text": _(
                "The voter list is posted at the ward People's Committee and in public places of the polling area. "
                "Voters check their own and their family's name, year of birth and address."
            ),
        },
        {
            "kind": MilestoneKind.CANDIDATE_LIST_POSTED.value,
            "day": polling_day - timedelta(days=20),
            "title": _("Candidate lists posted"),
            "text": _(
                "The official lists of candidates are posted in the polling area. "
                "Voters read the candidates' short biographies."
            ),
        },
        {
            "kind": MilestoneKind.LIST_CHECK_ENDS.value,
            "day": polling_day - timedelta(days=10),
            "title": _("Last day to check the voter list"),
            "text": _(
                "Last day to complain about the voter list (a missing name, wrong details) to the ward People's "
                "Committee. The polling place and hours are announced to each area."
            ),
        },
        {
            "kind": MilestoneKind.POLLING_DAY.value,
            "day": polling_day,
            "title": _("Polling day"),
            "text": _(
                "Voters go to their own polling area, bring their voter card and citizen ID card, "
                "and cast their ballot themselves."
            ),
        },
    ]


def polling_day_title() -> str:
    """The reminder's milestone name when it is about polling day itself."""
    return _("Polling day")
