"""Audit entries for privacy requests."""

from __future__ import annotations


# replaced on merge by the audit module moved from accounts
def record_audit(actor, action, target=None, **detail):
    from civic.accounts.services import record_audit as _record

    return _record(actor, action, target, **detail)
