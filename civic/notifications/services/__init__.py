"""The notification engine: every outgoing email and SMS goes through ``create_campaign``.

The ledger (a campaign and one delivery per recipient and channel) is the truth; the queue
only carries the "there is work" signal, so a lost queue message delays a send but never drops it.

- ``ledger``: writing campaigns and deliveries, retries, test sends, the outbox purge;
- ``queries``: campaign lists, progress, failures, titles, previews;
- ``civic.notifications.rendering``: templates, placeholders, values, the message as sent;
- ``civic.notifications.policy``: unsubscribes, SMS stop codes, quiet hours, backoff,
  transactional messages;
- sending lives in ``civic.notifications.worker`` (claims in ``civic.notifications.claims``),
  which uses rendering and policy but never this package.

Callers import from here; the modules import each other directly.
"""

from civic.notifications.claims import due_count, next_wakeup
from civic.notifications.models import Campaign, Channel, DeliveryStatus, Kind, Reason, Topic
from civic.notifications.policy import (
    ALL_TOPICS,
    HASHED_PREFIX,
    SMS_STOP_PATH,
    TRANSACTIONAL_KINDS,
    UNSUBSCRIBE_PATH,
    UnsubscribeTarget,
    address_hash,
    backoff_seconds,
    in_quiet_hours,
    is_suppressed,
    is_transactional,
    is_transactional_kind,
    quiet_hours_end,
    read_sms_stop_code,
    read_unsubscribe_token,
    sms_stop_code,
    sms_stop_url,
    suppress,
    suppressed_addresses,
    unsubscribe,
    unsubscribe_token,
    unsubscribe_url,
)
from civic.notifications.rendering import (
    BUILTIN_PLACEHOLDERS,
    Attachment,
    NotificationError,
    Recipient,
    TemplateError,
    campaign_title,
    check_templates,
    placeholders,
    render,
    render_message,
    shared_values,
    template_values,
)
from civic.notifications.services.ledger import (
    account_recipient,
    create_campaign,
    purge_outbox,
    retry_failed,
    send_test_to,
)
from civic.notifications.services.queries import (
    broadcasts_query,
    campaign_titles,
    campaign_with_attachments,
    campaigns_query,
    can_view_campaign,
    deliveries_for,
    failures,
    finished_count,
    get_campaign_for,
    preview,
    progress,
    status_counts,
    transactional_deliveries_query,
)
from civic.notifications.settings import setting
from civic.notifications.worker import enqueue_delivery

__all__ = [
    "ALL_TOPICS", "BUILTIN_PLACEHOLDERS", "HASHED_PREFIX", "SMS_STOP_PATH", "TRANSACTIONAL_KINDS",
    "UNSUBSCRIBE_PATH", "Attachment", "Campaign", "Channel", "DeliveryStatus", "Kind", "NotificationError",
    "Reason", "Recipient", "TemplateError", "Topic", "UnsubscribeTarget", "account_recipient", "address_hash",
    "backoff_seconds", "broadcasts_query", "campaign_title", "campaign_titles", "campaign_with_attachments",
    "campaigns_query", "can_view_campaign", "check_templates", "create_campaign", "deliveries_for", "due_count",
    "enqueue_delivery", "failures", "finished_count", "get_campaign_for", "in_quiet_hours", "is_suppressed",
    "is_transactional", "is_transactional_kind", "next_wakeup", "placeholders", "preview", "progress",
    "purge_outbox", "quiet_hours_end", "read_sms_stop_code", "read_unsubscribe_token", "render",
    "render_message", "retry_failed", "send_test_to", "setting", "shared_values", "sms_stop_code",
    "sms_stop_url", "status_counts", "suppress", "suppressed_addresses", "template_values",
    "transactional_deliveries_query", "unsubscribe", "unsubscribe_token", "unsubscribe_url",
]
