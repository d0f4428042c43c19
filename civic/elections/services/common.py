"""What every elections service shares: page-cache scopes, the unsubscribe topic, addresses."""

from __future__ import annotations

import hashlib
from datetime import date

from flask import current_app, has_request_context
from flask_babel import gettext as _

from civic.accounts.models import ResidentialGroup
from civic.accounts.services import UnknownGroupError, resolve_group
from civic.core import pagecache
from civic.core.urls import absolute_url
from civic.elections.errors import ElectionError, UnknownGroup
from civic.elections.models import Election, Milestone, PollingArea, PollingAreaGroup

# Page-cache scopes: the election pages, where-to-vote and the home page's countdown.
PAGE_SCOPES = ("elections",)
pagecache.watch(Election, Milestone, PollingArea, PollingAreaGroup, ResidentialGroup, scopes=PAGE_SCOPES)

TOPIC = "elections"  # the engine's unsubscribe scope

# Lengths the columns hold; the forms show them as maxlength, the services refuse longer text.
NAME_MAX, WHAT_TO_BRING_MAX, DESCRIPTION_MAX = 250, 2000, 5000
REMINDER_SUBJECT_MAX, REMINDER_BODY_MAX, REMINDER_SMS_MAX = 250, 5000, 480
MILESTONE_TITLE_MAX, MILESTONE_TEXT_MAX = 200, 1000
STATION_NAME_MAX, STATION_ADDRESS_MAX, MAP_URL_MAX = 200, 300, 500
# Days an election or a milestone may fall on (the calendar counts weeks back from them).
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 12, 31)


def check_length(value: str, limit: int, message: str) -> str:
    """``value`` when it fits in ``limit`` characters; else ElectionError(``message``)."""
    if len(value) > limit:
        raise ElectionError(message)
    return value


def check_day(day: date) -> date:
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ElectionError(_("Choose a date between %(first)s and %(last)s.", first=FIRST_DAY.strftime("%d/%m/%Y"),
                              last=LAST_DAY.strftime("%d/%m/%Y")))
    return day


def url(endpoint: str, **values) -> str:
    """An absolute address, also from the worker's periodic task (no request there)."""
    if has_request_context():
        return absolute_url(endpoint, **values)
    with current_app.test_request_context("/", base_url=current_app.config["CIVIC_BASE_URL"]):
        return absolute_url(endpoint, **values)


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def find_group(typed) -> ResidentialGroup:
    """accounts.resolve_group ("tổ 5", "TDP 05", "5" = the group numbered 5) as an election error."""
    try:
        return resolve_group(typed)
    except UnknownGroupError as exc:
        raise UnknownGroup(str(exc)) from exc
