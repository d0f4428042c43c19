"""Election rules: milestones, polling areas, where to vote, subscriptions, reminders.

Every rule that can be broken raises ElectionError whose str() is a translated message.
Messages to residents go through the notification engine (civic.notifications.services).
This package re-exports what callers use; its modules import each other directly:

- ``calendar``: elections and milestones, the 2021 calendar, the home countdown;
- ``areas``: polling areas and where a tổ dân phố votes;
- ``subscriptions``: double opt-in, cancelling, retention;
- ``reminders``: the schedule, the recipients, sending each reminder once;
- ``messages``: every message's templates and context;
- ``defaults``: content (default texts, offsets, the 2021 milestones).
"""

from civic.core.timeutil import local_today
from civic.elections.errors import (
    ConsentMissing,
    ElectionConflict,
    ElectionError,
    NotAllowed,
    NotVisible,
    UnknownGroup,
)
from civic.elections.labels import BODY_LABELS, MILESTONE_LABELS, body_labels, hours_text, milestone_label
from civic.elections.related import related_news
from civic.elections.services.areas import (
    WhereToVote,
    area_fields,
    area_for_group,
    delete_area,
    get_area,
    save_polling_area,
    where_to_vote,
)
from civic.elections.services.calendar import (
    COUNTDOWN_DAYS,
    REMINDER_PLACEHOLDERS,
    apply_2021_template,
    countdown_for,
    create_election,
    delete_election,
    delete_milestone,
    election_fields,
    get_election,
    get_milestone,
    home_countdown,
    home_countdown_copy,
    list_elections,
    milestone_fields,
    save_milestone,
    update_election,
    update_reminder_texts,
)
from civic.elections.services.common import PAGE_SCOPES, TOPIC
from civic.elections.services.defaults import DEFAULT_REMINDER_RULES, template_2021_milestones
from civic.elections.services.reminders import (
    REMINDER_GRACE,
    ScheduledReminder,
    preview_reminder,
    reminder_recipients,
    reminder_schedule,
    send_due_reminders,
    send_test_reminder,
    sent_reminders,
)
from civic.elections.services.subscriptions import (
    SMS_CODE_MAX_ATTEMPTS,
    SMS_CODE_TTL,
    SubscribeResult,
    anonymise_expired_subscriptions,
    cancel_subscription,
    confirm_email,
    confirm_sms,
    sms_reference,
    subscribe,
    subscription_for_user,
    subscription_from_reference,
)

__all__ = [
    "BODY_LABELS", "COUNTDOWN_DAYS", "DEFAULT_REMINDER_RULES", "MILESTONE_LABELS", "PAGE_SCOPES",
    "REMINDER_GRACE", "REMINDER_PLACEHOLDERS", "SMS_CODE_MAX_ATTEMPTS", "SMS_CODE_TTL", "TOPIC",
    "ConsentMissing", "ElectionConflict", "ElectionError", "NotAllowed", "NotVisible", "ScheduledReminder", "SubscribeResult",
    "UnknownGroup", "WhereToVote", "anonymise_expired_subscriptions", "apply_2021_template", "area_fields", "area_for_group",
    "body_labels", "cancel_subscription", "confirm_email", "confirm_sms", "countdown_for", "create_election",
    "delete_area", "delete_election", "delete_milestone", "election_fields", "get_area", "get_election", "get_milestone",
    "home_countdown", "home_countdown_copy", "hours_text", "list_elections", "local_today", "milestone_fields", "milestone_label", "preview_reminder",
    "related_news", "reminder_recipients", "reminder_schedule", "save_milestone", "save_polling_area",
    "send_due_reminders", "send_test_reminder", "sent_reminders", "sms_reference", "subscribe",
    "subscription_for_user", "subscription_from_reference", "template_2021_milestones", "update_election",
    "update_reminder_texts", "where_to_vote",
]
