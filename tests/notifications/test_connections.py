"""A sending run needs one database connection at a time: a run that held one of its own for the
whole run and took a second for each claim deadlocked once every pooled connection was held by
such a run (600 RSVPs at concurrency 32, each confirmation delivered in its request thread)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from civic.core.timeutil import utcnow
from civic.extensions import db
from civic.notifications import worker
from civic.notifications.models import Delivery
from civic.notifications.services import Recipient, create_campaign


@pytest.fixture
def app_config(smtp_server):
    # One connection in the pool and no overflow: a run that wants a second waits, then fails.
    return {"MAIL_URL": smtp_server.url, "NOTIFY_EMAIL_RATE": 0,
            "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 1, "max_overflow": 0, "pool_timeout": 3}}


def test_a_sending_run_holds_one_connection_at_a_time(app, smtp_server):
    when = utcnow() - timedelta(minutes=1)  # due now
    create_campaign(kind="election_reminder", topic="elections", subject="Nhắc lịch bầu cử",
                    body_text="Kính gửi {name}.", send_at=when,
                    recipients=[Recipient(key=f"r{i}", name=f"Cử tri {i}", email=f"cu-tri-{i}@example.vn")
                                for i in range(3)])
    db.session.remove()  # the test itself holds none
    assert db.engine.pool.size() == 1
    worker.run_until_idle()
    statuses = db.session.scalars(sa.select(Delivery.status)).all()
    assert statuses == ["sent"] * 3
    assert len(smtp_server.parsed()) == 3
