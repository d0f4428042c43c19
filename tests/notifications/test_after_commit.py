"""Mail goes out after the commit: a campaign written inside a caller's transaction is sent
once that transaction commits, and never when it rolls back."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from civic.core.db import transaction
from civic.extensions import db
from civic.notifications.models import Campaign, Delivery
from civic.notifications.services import Recipient, create_campaign


@pytest.fixture
def app_config():
    return {"MAIL_BACKEND": "locmem", "NOTIFY_EMAIL_RATE": 0}


@pytest.fixture
def outbox(app):
    mailman = app.extensions["mailman"]
    mailman.outbox = []
    return mailman.outbox


def _mail(kind: str, key: str):
    return create_campaign(kind=kind, topic="events", subject="Chào {name}", body_text="Nội dung",
                           recipients=[Recipient(key=key, name="Lan", email=f"{key}@example.vn")])


def test_a_campaign_in_a_callers_transaction_is_sent_after_its_commit(app, db_session, outbox):
    with transaction():
        _mail("event_changed", "lan")
        assert outbox == []  # nothing leaves before the caller's commit
    assert [m.to for m in outbox] == [["Lan <lan@example.vn>"]]
    db.session.remove()  # a fresh session sees only what was committed
    status = db.session.scalar(sa.select(Delivery.status).join(Campaign).where(Campaign.kind == "event_changed"))
    assert status == "sent"


def test_a_campaign_in_a_rolled_back_transaction_is_neither_written_nor_sent(app, db_session, outbox):
    with pytest.raises(RuntimeError), transaction():
        _mail("event_cancelled", "binh")
        raise RuntimeError("the caller's change failed")
    assert outbox == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Campaign)
                             .where(Campaign.kind == "event_cancelled")) == 0
