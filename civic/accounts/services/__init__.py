"""Account rules, one module per responsibility; this package re-exports what callers use.

- ``credentials``: e-mail addresses, passwords, signing in, the session's user loader
- ``users``: creating and registering accounts, the profile, an administrator's changes
- ``groups``: tổ dân phố, however a resident types them
- ``phone``: proving a phone number by an SMS code
- ``links``: signed e-mail links (verify the address, reset the password)
- ``messages``: the texts of account e-mails and SMS, sent through signals notifications answers
- ``tokens``: personal API tokens
- ``audit`` and ``labels``: the audit log and roles in words
"""

from __future__ import annotations

from civic.accounts.services.audit import audit_actor, audit_label, audit_labels, describe_audit, list_audit
from civic.accounts.services.credentials import (
    MAX_EMAIL_LENGTH,
    MAX_NAME_LENGTH,
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    _user_by_email,
    authenticate,
    change_password,
    check_credentials,
    check_password_rules,
    clean_full_name,
    hash_password,
    load_user,
    normalize_email,
    verify_password,
)
from civic.accounts.services.errors import AccountError
from civic.accounts.services.groups import (
    UnknownGroupError,
    find_group,
    get_or_create_group,
    group_by_id,
    group_choices,
    group_id_from_form,
    group_key,
    list_groups,
    resolve_group,
)
from civic.accounts.services.labels import role_choices, role_label
from civic.accounts.services.links import (
    RESET_MAX_AGE,
    RESET_SALT,
    VERIFY_MAX_AGE,
    VERIFY_SALT,
    make_reset_token,
    make_verify_token,
    request_password_reset,
    reset_password,
    send_verification,
    user_for_reset_token,
    verify_email,
)
from civic.accounts.services.messages import (
    AccountMessage,
    password_reset_message,
    phone_code_message,
    verification_message,
)
from civic.accounts.services.phone import (
    PHONE_CODE_INTERVAL,
    PHONE_CODE_MAX_ATTEMPTS,
    PHONE_CODE_TTL,
    PHONE_CODES_PER_DAY,
    phone_code_pending,
    send_phone_code,
    verify_phone_code,
)
from civic.accounts.services.tokens import (
    MAX_TOKEN_NAME_LENGTH,
    TOKEN_PREFIX,
    TOKEN_ROLES,
    TOKEN_TOUCH_INTERVAL,
    can_use_api_tokens,
    create_api_token,
    issue_api_token,
    list_tokens,
    revoke_token,
    user_for_api_request,
    user_for_token,
)
from civic.accounts.services.users import (
    change_role,
    create_user,
    get_user,
    register_user,
    search_users,
    set_active,
    update_account,
    update_profile,
)
from civic.privacy.audit import record_audit

__all__ = [
    "MAX_EMAIL_LENGTH", "MAX_NAME_LENGTH", "MAX_PASSWORD_LENGTH", "MAX_TOKEN_NAME_LENGTH", "MIN_PASSWORD_LENGTH",
    "PHONE_CODES_PER_DAY", "PHONE_CODE_INTERVAL", "PHONE_CODE_MAX_ATTEMPTS", "PHONE_CODE_TTL", "RESET_MAX_AGE",
    "RESET_SALT", "TOKEN_PREFIX", "TOKEN_ROLES", "TOKEN_TOUCH_INTERVAL", "VERIFY_MAX_AGE", "VERIFY_SALT",
    "AccountError", "AccountMessage", "UnknownGroupError", "_user_by_email", "audit_actor", "audit_label",
    "audit_labels", "authenticate", "can_use_api_tokens", "change_password", "change_role", "check_credentials",
    "check_password_rules", "clean_full_name", "create_api_token", "create_user", "describe_audit", "find_group",
    "get_or_create_group", "get_user", "group_by_id", "group_choices", "group_id_from_form", "group_key",
    "hash_password", "issue_api_token", "list_audit", "list_groups", "list_tokens", "load_user",
    "make_reset_token", "make_verify_token", "normalize_email", "password_reset_message", "phone_code_message",
    "phone_code_pending", "record_audit", "register_user", "request_password_reset", "reset_password",
    "resolve_group", "revoke_token", "role_choices", "role_label", "search_users", "send_phone_code",
    "send_verification", "set_active", "update_account", "update_profile", "user_for_api_request", "user_for_reset_token",
    "user_for_token", "verification_message", "verify_email", "verify_password", "verify_phone_code",
]
