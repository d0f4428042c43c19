"""Retention (issue 14): personal data is kept only as long as its purpose needs.

Each domain anonymises its own rows in its services; this module only reads the configured
periods and calls them in one transaction. It lives in ``portal`` because it draws on several
domains' services (the privacy domain imports none).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app

from civic.core.db import transaction
from civic.core.timeutil import local_tz, utcnow


@dataclass(frozen=True)
class RetentionReport:
    rsvps: int
    subscriptions: int
    deliveries: int

    @property
    def total(self) -> int:
        return self.rsvps + self.subscriptions + self.deliveries


def run_retention(now: datetime | None = None) -> RetentionReport:
    """Anonymise what is past its period; returns how many rows each part changed."""
    from civic.elections.services import anonymise_expired_subscriptions
    from civic.events.services import anonymise_guest_rsvps
    from civic.notifications.services import purge_outbox

    cfg = current_app.config
    now = now or utcnow()
    today = now.astimezone(local_tz()).date()
    with transaction():
        rsvps = anonymise_guest_rsvps(now - timedelta(days=int(cfg["CIVIC_RETENTION_RSVP_DAYS"])))
        subscriptions = anonymise_expired_subscriptions(
            today, int(cfg["CIVIC_RETENTION_SUBSCRIPTION_GRACE_DAYS"]))
        deliveries = purge_outbox(now - timedelta(days=int(cfg["CIVIC_RETENTION_OUTBOX_DAYS"])))
    report = RetentionReport(rsvps, subscriptions, deliveries)
    if report.total:
        current_app.logger.info("retention: %s answers, %s subscriptions, %s deliveries anonymised",
                                rsvps, subscriptions, deliveries)
    return report

