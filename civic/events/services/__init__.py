"""The events domain's rules, one module per responsibility; callers keep using
``from civic.events import services`` and ``services.X``.

- ``errors``: EventError, AlreadyAnswered
- ``labels``: what statuses, kinds and answers are called, and the pages' badges and flags
- ``queries``: lists, the month, feeds, counts, who may manage
- ``editing``: create, edit and cancel an event (announced: civic.events.signals)
- ``seats``: the event's lock and the waiting list
- ``answers`` / ``rsvps``: checking an answer, then the seat decision under the lock
- ``messages``: every e-mail and SMS, and the receivers that send them after the commit
- ``exports``: CSV/.xlsx, the charts' data, the audit of who saw the answers, retention
- ``civic.events.links`` (beside the package, as civic.events.ics uses it too): addresses and tokens
"""

from __future__ import annotations

from civic.events.links import (
    TOKEN_SALT,
    URLSafeSerializer,
    absolute_url,
    event_url,
    make_token,
    manage_url,
    share_tags,
)
from civic.events.models import Event, EventChange, Rsvp, RsvpHistory
from civic.events.services import messages as _messages
from civic.events.services import rsvps as _rsvps
from civic.events.services.answers import Answer, check_open
from civic.events.services.copies import EventPage, event_page, group_copies
from civic.events.services.editing import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_TAGS,
    MAX_GUESTS_LIMIT,
    EventData,
    apply,
    cancel_event,
    cover_dir,
    create_event,
    data_of,
    description_source,
    render_description,
    sanitize_html,
    save_cover,
    update_event,
    validate,
)
from civic.events.services.errors import AlreadyAnswered, EventError
from civic.events.services.exports import (
    anonymise_guest_rsvps,
    chart_data,
    export_csv,
    export_headers,
    export_rows,
    export_xlsx,
    is_anonymised,
    record_answers_access,
)
from civic.events.services.labels import (
    answer_flags,
    audience_labels,
    category_labels,
    describe_change,
    event_badge,
    event_flags,
    lunar_label,
    response_labels,
    status_labels,
    status_text,
)
from civic.events.services.messages import (
    message_attendees,
    notify_change,
    notify_confirmation,
    notify_promoted,
    reminder_due_at,
    resend_link,
    send_due_reminders,
)
from civic.events.services.queries import (
    EVENT_PAGE_SCOPES,
    PAGE_SCOPES,
    MonthDay,
    answer_list,
    can_manage_event,
    can_view_event,
    change_log,
    counts,
    events_between,
    feed_events,
    get_event,
    get_rsvp,
    list_events,
    list_groups,
    managed_events,
    month_view,
    seats_left,
    upcoming_cards,
    upcoming_events,
    user_rsvp,
    waitlist_position,
)
from civic.events.services.rsvps import (
    RsvpResult,
    answer_event,
    cancel_rsvp,
    claim_guest_rsvps,
    request_link,
    rsvp_from_token,
)

# The names the pages, the demo and the tests knew before the split.
_validate = validate
_apply = apply
_status_text = status_text


def connect_signals() -> None:
    """Connect the domain's receivers (the events blueprint calls it when it is registered)."""
    _messages.connect_signals()
    _rsvps.connect_signals()


__all__ = [
    "ALLOWED_ATTRIBUTES", "ALLOWED_TAGS", "EVENT_PAGE_SCOPES", "MAX_GUESTS_LIMIT", "PAGE_SCOPES", "TOKEN_SALT",
    "AlreadyAnswered", "Answer", "Event", "EventChange", "EventData", "EventError", "EventPage", "event_page", "group_copies", "MonthDay", "Rsvp",
    "RsvpHistory", "RsvpResult", "URLSafeSerializer", "absolute_url", "anonymise_guest_rsvps", "answer_event",
    "answer_flags", "answer_list", "apply", "audience_labels", "can_manage_event", "can_view_event",
    "cancel_event", "cancel_rsvp", "category_labels", "change_log", "chart_data", "check_open",
    "claim_guest_rsvps", "connect_signals", "counts", "cover_dir", "create_event", "data_of", "describe_change",
    "description_source", "event_badge", "event_flags", "event_url", "events_between", "export_csv",
    "export_headers", "export_rows", "export_xlsx", "feed_events", "get_event", "get_rsvp", "upcoming_cards", "is_anonymised",
    "list_events", "list_groups", "lunar_label", "make_token", "manage_url", "managed_events",
    "message_attendees", "month_view", "notify_change", "notify_confirmation", "notify_promoted",
    "record_answers_access", "reminder_due_at", "render_description", "request_link", "resend_link",
    "response_labels", "rsvp_from_token", "sanitize_html", "save_cover", "seats_left", "send_due_reminders",
    "share_tags", "status_labels", "status_text", "update_event", "upcoming_events", "user_rsvp", "validate",
    "waitlist_position",
]  # fmt: skip
