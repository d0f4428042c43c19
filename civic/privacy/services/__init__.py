"""The notice, consents and the person's rights (Law on Personal Data Protection 91/2025/QH15).

Business rules only; views and the API call these. Other domains call ``record_consent`` at
their points of collection and register providers (civic.privacy.registry) for the rights.
One module per responsibility; this package re-exports what callers use:

- ``labels``: purposes, kinds, channels and statuses in words; ``errors``: PrivacyError
- ``addresses``, ``identity``, ``codes``: who the person is and how they prove it
- ``notice``, ``consents``: what they were told and what they agreed to
- ``rights``: see, download, correct, withdraw, erase, ask; ``admin``: the ward's side
- ``messages``: the texts privacy sends, through the signal notifications answers
"""

from __future__ import annotations

from civic.privacy.models import ConsentChannel, ConsentPurpose, RequestKind, RequestProof, RequestStatus
from civic.privacy.services.addresses import (
    address_hash,
    normalize_address,
)
from civic.privacy.services.admin import (
    age_days,
    close_request,
    consent_counts,
    get_request,
    open_requests,
    recent_requests,
)
from civic.privacy.services.codes import (
    CODE_MAX_ATTEMPTS,
    CODE_TTL,
    request_code,
    verify_code,
)
from civic.privacy.services.consents import (
    ConsentGiven,
    consent_from,
    consents_for,
    record_consent,
    withdraw_message_consents,
)
from civic.privacy.services.errors import (
    PrivacyError,
)
from civic.privacy.services.identity import (
    IDENTITY_MAX_AGE,
    identity_from_token,
    identity_of_address,
    identity_of_link,
    identity_of_user,
    identity_token,
)
from civic.privacy.services.labels import (
    CHANNELS,
    ERASED_NAME,
    MESSAGE_PURPOSES,
    PURPOSES,
    REQUEST_KINDS,
    audit_labels,
    channel_labels,
    consent_missing_message,
    describe_audit,
    purpose_labels,
    purpose_text,
    request_kind_labels,
    request_status_labels,
    requester_label,
)
from civic.privacy.services.messages import (
    PrivacyMessage,
    code_message,
    done_message,
    send_message,
)
from civic.privacy.services.notice import (
    current_notice,
    default_notice_text,
    draft_notice,
    ensure_notice,
    notice_html,
    notice_version,
    notice_versions,
    publish_notice,
    save_draft,
)
from civic.privacy.services.rights import (
    ErasureResult,
    ask,
    correct_name,
    erase,
    export_json,
    export_xlsx,
    gather,
    record_access,
    withdraw,
)

__all__ = [
    "ConsentChannel",
    "ConsentPurpose",
    "RequestKind",
    "RequestProof",
    "RequestStatus",
    "CHANNELS",
    "CODE_MAX_ATTEMPTS",
    "CODE_TTL",
    "ConsentGiven",
    "ERASED_NAME",
    "ErasureResult",
    "IDENTITY_MAX_AGE",
    "MESSAGE_PURPOSES",
    "PURPOSES",
    "PrivacyError",
    "PrivacyMessage",
    "REQUEST_KINDS",
    "address_hash",
    "age_days",
    "ask",
    "audit_labels",
    "channel_labels",
    "close_request",
    "code_message",
    "consent_counts",
    "consent_from",
    "consent_missing_message",
    "consents_for",
    "correct_name",
    "current_notice",
    "default_notice_text",
    "describe_audit",
    "done_message",
    "draft_notice",
    "ensure_notice",
    "erase",
    "export_json",
    "export_xlsx",
    "gather",
    "get_request",
    "identity_from_token",
    "identity_of_address",
    "identity_of_link",
    "identity_of_user",
    "identity_token",
    "normalize_address",
    "notice_html",
    "notice_version",
    "notice_versions",
    "open_requests",
    "publish_notice",
    "purpose_labels",
    "purpose_text",
    "recent_requests",
    "record_access",
    "record_consent",
    "request_code",
    "request_kind_labels",
    "request_status_labels",
    "requester_label",
    "save_draft",
    "send_message",
    "verify_code",
    "withdraw",
    "withdraw_message_consents",
]
