"""Lifting a suppression: another domain's confirmed opt-in undoes an earlier unsubscribe."""

from __future__ import annotations

import sqlalchemy as sa

from civic.extensions import db
from civic.notifications.models import Suppression


def lift_suppression(address: str, channel: str, topic: str) -> int:
    """Delete the suppressions of ``address`` on ``channel`` for ``topic``; returns how many.

    Only that topic: an unsubscribe from every topic ("*") is the wider wish and stays.
    Runs inside the caller's transaction (no commit here), so the lift and the opt-in that
    justifies it are saved together or not at all.
    """
    result = db.session.execute(
        sa.delete(Suppression).where(
            Suppression.address == address, Suppression.channel == channel, Suppression.topic == topic
        )
    )
    return result.rowcount or 0
