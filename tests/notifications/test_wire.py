"""Issue 12, delivery: one SMTP connection for a whole sending run, messages serialised once as
bytes with what Flask-Mailman would have built, and a dropped idle connection costs no attempt.
(Crash safety with these bytes, the same Message-ID on a repeat, is in test_reliability.py.)"""

from __future__ import annotations

import smtplib
from email import policy
from email.parser import BytesParser

import pytest
import sqlalchemy as sa

from civic.extensions import db
from civic.notifications import worker
from civic.notifications.models import Delivery
from civic.notifications.services import Attachment, Recipient, create_campaign


@pytest.fixture
def app_config(smtp_server):
    return {"MAIL_URL": smtp_server.url, "CIVIC_BASE_URL": "https://phuong.example.vn", "NOTIFY_EMAIL_RATE": 0,
            "NOTIFY_BATCH_SIZE": 2}


def _campaign(count: int, **kw):
    args = dict(
        kind="election_reminder", topic="elections",
        subject="Nhắc lịch: Bầu cử đại biểu Quốc hội khóa XV và HĐND các cấp nhiệm kỳ 2021–2026, khu vực {area}",
        body_text="Kính gửi {name},\nMời ông/bà đi bầu cử tại {area}.\n.\nhttps://phuong.example.vn/bau-cu",
        recipients=[Recipient(key=f"r{i}", name=f"Nguyễn Thị Ánh {i}", email=f"cu-tri-{i}@example.vn",
                              context={"area": f"Nhà văn hóa tổ {i}"}) for i in range(count)],
    )
    args.update(kw)
    return create_campaign(**args)


def test_one_connection_for_every_batch_of_a_run(app, smtp_server, monkeypatch):
    connects = []
    original = smtplib.SMTP.connect

    def counting(self, *args, **kwargs):
        connects.append(args)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(smtplib.SMTP, "connect", counting)
    _campaign(7)  # the queue runs inline here: batches of 2, one run
    assert smtp_server.total() == 7
    assert len(connects) == 1, connects
    statuses = db.session.scalars(sa.select(Delivery.status)).all()
    assert statuses == ["sent"] * 7


def test_wire_bytes_read_as_the_flask_mailman_message(app, smtp_server):
    ics = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"
    campaign = _campaign(1, attachments=[Attachment("lịch-bầu-cử.ics", "text/calendar", ics)], urgent=True)
    delivery = db.session.scalars(sa.select(Delivery).where(Delivery.campaign_id == campaign.id)).one()
    job = worker.job_from(delivery, campaign, [Attachment("lịch-bầu-cử.ics", "text/calendar", ics)])
    with worker.request_context():
        reference = worker.build_email(job, None).message().as_bytes(linesep="\r\n")
        session = worker.SmtpSession()
        wire = worker.build_email(job, session)
    assert isinstance(wire, worker.WireMessage)
    assert wire.from_addr == "no-reply@phuong.local" and wire.to == ["cu-tri-0@example.vn"]
    head = wire.data.split(b"\r\n\r\n", 1)[0]
    assert head.isascii() and all(len(line) <= 998 for line in wire.data.split(b"\r\n"))
    ours, theirs = (BytesParser(policy=policy.default).parsebytes(data) for data in (wire.data, reference))
    for header in ("Subject", "From", "To", "Message-ID", "X-Civic-Delivery", "List-Unsubscribe",
                   "List-Unsubscribe-Post"):
        assert str(ours[header]).strip() == str(theirs[header]).strip(), header
    assert ours["Message-ID"] == f"<delivery-{job.id}.c{campaign.id}@phuong.local>"
    for kind in ("plain", "html"):
        assert ours.get_body(preferencelist=(kind,)).get_content().replace("\r\n", "\n").strip() == \
            theirs.get_body(preferencelist=(kind,)).get_content().replace("\r\n", "\n").strip()
    (ours_att,), (theirs_att,) = list(ours.iter_attachments()), list(theirs.iter_attachments())
    assert ours_att.get_filename() == theirs_att.get_filename() == "lịch-bầu-cử.ics"
    assert ours_att.get_content_type() == "text/calendar"
    assert ours_att.get_payload(decode=True) == ics


def test_a_line_with_a_lone_dot_arrives_whole(app, smtp_server):
    _campaign(1)
    (message,) = smtp_server.parsed()
    assert "\n.\n" in message.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")


def test_an_idle_connection_the_server_dropped_costs_no_attempt(app, smtp_server):
    _campaign(4)
    db.session.execute(sa.update(Delivery).values(status="pending"))  # not yet sent, whatever ran inline
    db.session.commit()
    before = smtp_server.total()
    with worker.request_context(), worker.smtp_session() as session:
        assert worker.process_batch(limit=2, session=session) == 2
        smtp_server.stop()  # the server goes away and comes back: the kept socket is dead
        smtp_server.start()
        session._used -= 60  # idle for a minute
        assert worker.process_batch(limit=2, session=session) == 2
    rows = db.session.scalars(sa.select(Delivery).order_by(Delivery.id)).all()
    assert [d.status for d in rows] == ["sent"] * 4
    assert smtp_server.total() - before == 4
    assert session.opened == 2


def test_an_idn_address_goes_out_punycoded(app, smtp_server):
    import dataclasses

    campaign = _campaign(1)
    delivery = db.session.scalars(sa.select(Delivery).where(Delivery.campaign_id == campaign.id)).one()
    job = dataclasses.replace(worker.job_from(delivery, campaign, []), address="an@phường.vn")
    with worker.request_context():
        wire = worker.SmtpSession().wire(job, worker.render_job(job))
    assert wire.to == ["an@xn--phng-rib8295b.vn"]
    assert wire.data.split(b"\r\n\r\n", 1)[0].isascii()
