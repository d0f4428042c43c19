"""The worker's side of the ledger: claiming due deliveries with a lease, taking over the claims
of a process that stopped beating, and recording each result.

1. Claim a batch in one short transaction (PostgreSQL: FOR UPDATE SKIP LOCKED; SQLite: the
   engine's BEGIN IMMEDIATE serialises claimers), marking rows "sending" with a lease.
2. Results are written while no other transaction is open, one short transaction per message,
   so a SIGKILL re-sends at most what was in flight.
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from civic.core.db import is_postgres, transaction
from civic.core.timeutil import as_utc, utcnow
from civic.extensions import db
from civic.notifications import heartbeat
from civic.notifications.models import (
    Campaign,
    CampaignAttachment,
    Channel,
    Delivery,
    DeliveryStatus,
    Reason,
)
from civic.notifications.policy import backoff_seconds, in_quiet_hours, quiet_hours_end, suppressed_addresses
from civic.notifications.rendering import Attachment
from civic.notifications.settings import lease_seconds, max_attempts

log = logging.getLogger(__name__)

CRASH_ERROR = Reason.WORKER_CRASH  # stored in last_error; the campaign page translates it


@dataclass
class Job:
    """A claimed delivery, detached from the session so sending needs no transaction."""

    id: int
    campaign_id: int
    channel: str
    address: str
    name: str | None
    context: dict
    attempts: int
    topic: str
    transactional: bool
    subject: str
    body_text: str
    body_html: str | None
    sms_text: str | None
    attachments: list = field(default_factory=list)


def job_from(delivery: Delivery, campaign: Campaign, attachments) -> Job:
    return Job(
        id=delivery.id, campaign_id=campaign.id, channel=delivery.channel, address=delivery.address or "",
        name=delivery.name, context=dict(delivery.context or {}), attempts=delivery.attempts or 0,
        topic=campaign.topic, transactional=campaign.transactional, subject=campaign.subject,
        body_text=campaign.body_text, body_html=campaign.body_html, sms_text=campaign.sms_text,
        attachments=list(attachments),
    )


def _due(now: datetime):
    """Pending rows whose time has come, and claims whose lease ran out."""
    return sa.or_(
        sa.and_(Delivery.status == DeliveryStatus.PENDING, Delivery.next_attempt_at <= now),
        sa.and_(Delivery.status == DeliveryStatus.SENDING, Delivery.lease_expires_at < now),
    )


# --------------------------------------------------------------------------- claiming


@dataclass
class _Batch:
    """What deciding each claimed row needs, loaded once for the batch."""

    campaigns: dict[int, Campaign]
    attachments: dict[int, list]
    suppressed: set[tuple[str, str, str]]
    quiet: bool
    max_attempts: int
    lease_until: datetime
    worker_id: str


# The claimed rows' columns: read as plain rows (no ORM objects to track, flush and expunge).
_CLAIM_COLUMNS = (Delivery.id, Delivery.campaign_id, Delivery.channel, Delivery.address, Delivery.name,
                  Delivery.context, Delivery.attempts, Delivery.status)

# What _decide does to a row it does not take: the values written (the take is a statement of its own).
_TAKE, _NO_ADDRESS, _UNSUBSCRIBED, _QUIET, _CRASHED = "take", "no_address", "unsubscribed", "quiet", "crashed"


def claim(worker_id: str, limit: int, now: datetime | None = None) -> list[Job]:
    """Take up to ``limit`` due deliveries (or expired leases) for this worker."""
    given_now = now
    now = now or utcnow()
    query = sa.select(*_CLAIM_COLUMNS).where(_due(now)).order_by(Delivery.next_attempt_at, Delivery.id).limit(limit)
    if is_postgres():
        query = query.with_for_update(skip_locked=True)
    with transaction():
        heartbeat.beat_if_due()
        take_over_dead(now)
        rows = db.session.execute(query).all()
        if not rows:
            return []
        # The lease starts now that the rows are locked: waiting for the lock (SQLite's
        # BEGIN IMMEDIATE, busy claimers) must not eat into it, or another worker could take
        # a row this one is about to send.
        batch = _load_batch(rows, now, (given_now or utcnow()) + timedelta(seconds=lease_seconds()), worker_id)
        jobs, outcomes = [], {}
        for row in rows:
            outcome = _decide(row, batch)
            outcomes.setdefault(outcome, []).append(row.id)
            if outcome == _TAKE:
                jobs.append(_job(row, batch))
        for outcome, ids in outcomes.items():
            _record_decision(outcome, ids, batch, now)
    return jobs


def _job(row, batch: _Batch) -> Job:
    campaign = batch.campaigns[row.campaign_id]
    return Job(
        id=row.id, campaign_id=campaign.id, channel=row.channel, address=row.address or "", name=row.name,
        context=dict(row.context or {}), attempts=(row.attempts or 0) + 1, topic=campaign.topic,
        transactional=campaign.transactional, subject=campaign.subject, body_text=campaign.body_text,
        body_html=campaign.body_html, sms_text=campaign.sms_text, attachments=list(batch.attachments[campaign.id]),
    )


def _load_batch(rows, now: datetime, lease_until: datetime, worker_id: str) -> _Batch:
    campaign_ids = {r.campaign_id for r in rows}
    campaigns = {c.id: c for c in db.session.scalars(sa.select(Campaign).where(Campaign.id.in_(campaign_ids)))}
    attachments: dict[int, list] = {cid: [] for cid in campaign_ids}
    for att in db.session.scalars(
        sa.select(CampaignAttachment).where(CampaignAttachment.campaign_id.in_(campaign_ids))
        .order_by(CampaignAttachment.id)
    ):
        attachments[att.campaign_id].append(Attachment(att.filename, att.mimetype, att.content))
    return _Batch(campaigns=campaigns, attachments=attachments, suppressed=_suppressed(rows, campaigns),
                  quiet=in_quiet_hours(now), max_attempts=max_attempts(), lease_until=lease_until,
                  worker_id=worker_id[:80])


def _suppressed(rows, campaigns: dict[int, Campaign]) -> set[tuple[str, str, str]]:
    """(address, channel, topic) of the batch's rows whose address unsubscribed."""
    found: set[tuple[str, str, str]] = set()
    for (channel, topic) in {(r.channel, campaigns[r.campaign_id].topic) for r in rows}:
        addresses = [r.address for r in rows
                     if r.channel == channel and campaigns[r.campaign_id].topic == topic]
        found.update((address, channel, topic) for address in suppressed_addresses(addresses, channel, topic))
    return found


def _decide(row, batch: _Batch) -> str:
    """Skip, defer, fail or take one claimed row."""
    campaign = batch.campaigns[row.campaign_id]
    if not row.address:
        return _NO_ADDRESS
    if not campaign.transactional and (row.address, row.channel, campaign.topic) in batch.suppressed:
        return _UNSUBSCRIBED
    if row.channel == Channel.SMS and batch.quiet and not campaign.urgent:
        return _QUIET  # deferred, not dropped: it goes out when quiet hours end
    if row.status == DeliveryStatus.SENDING and (row.attempts or 0) >= batch.max_attempts:
        # Its lease ran out as often as it may be tried: a message that stalls or kills
        # every worker ends failed instead of looping.
        return _CRASHED
    return _TAKE


def _decision_values(outcome: str, batch: _Batch, now: datetime) -> dict:
    table = Delivery.__table__
    if outcome == _TAKE:
        return {"status": DeliveryStatus.SENDING.value, "attempts": sa.func.coalesce(table.c.attempts, 0) + 1,
                "lease_expires_at": batch.lease_until, "worker_id": batch.worker_id}
    if outcome == _NO_ADDRESS:
        return {"status": DeliveryStatus.SKIPPED.value, "reason": Reason.NO_ADDRESS.value}
    if outcome == _UNSUBSCRIBED:
        return {"status": DeliveryStatus.SKIPPED.value, "reason": Reason.UNSUBSCRIBED.value, "lease_expires_at": None}
    if outcome == _QUIET:
        return {"status": DeliveryStatus.PENDING.value, "reason": Reason.QUIET_HOURS.value,
                "next_attempt_at": quiet_hours_end(now), "lease_expires_at": None}
    return {"status": DeliveryStatus.FAILED.value, "reason": None, "last_error": CRASH_ERROR.value,
            "lease_expires_at": None}


def _record_decision(outcome: str, ids: list[int], batch: _Batch, now: datetime) -> None:
    """One Core UPDATE for the rows of one outcome (the rows are locked by this transaction)."""
    table = Delivery.__table__
    values = {**_decision_values(outcome, batch, now), "updated_at": now}
    connection = db.session.connection()
    for start in range(0, len(ids), 500):
        connection.execute(table.update().where(table.c.id.in_(ids[start:start + 500])).values(values))


# --------------------------------------------------------------------------- taking over


def _send_order(delivery: Delivery):
    """The order a batch is sent in: e-mail first, then SMS, each in claim order."""
    return (delivery.channel != Channel.EMAIL, delivery.next_attempt_at, delivery.id)


def take_over_dead(now: datetime) -> int:
    """Claims of processes that stopped beating go back to work (in the caller's transaction).

    Per dead thread, the first unsent delivery in send order was the one in flight: it is
    charged the attempt its claim counted (failed after NOTIFY_MAX_ATTEMPTS, else retried after
    every other; later crashes back off) and gets the error. The rest were never attempted.
    """
    try:
        dead = heartbeat.dead_holders(now)
    except Exception:  # noqa: BLE001 - heartbeat store unreachable: the lease still applies
        log.warning("cannot read worker heartbeats; stale claims wait for their lease", exc_info=True)
        return 0
    if not dead:
        return 0
    query = sa.select(Delivery).where(Delivery.status == DeliveryStatus.SENDING, Delivery.worker_id.in_(dead))
    if is_postgres():
        query = query.with_for_update(skip_locked=True)
    rows = list(db.session.scalars(query))
    by_holder: dict[str, list[Delivery]] = {}
    for delivery in rows:
        by_holder.setdefault(delivery.worker_id, []).append(delivery)
    limit = max_attempts()
    for held in by_holder.values():
        held.sort(key=_send_order)
        _charge_crash(held[0], now, limit)
        for delivery in held[1:]:
            _give_back(delivery, now)
    db.session.flush()
    if rows:
        log.warning("took over %d deliveries of %d stopped worker thread(s)", len(rows), len(by_holder))
    return len(rows)


def _charge_crash(suspect: Delivery, now: datetime, limit: int) -> None:
    """The message a dead thread was sending: its attempt counts and it gets the error."""
    attempts = suspect.attempts or 0
    suspect.last_error = CRASH_ERROR
    suspect.lease_expires_at = None
    suspect.worker_id = None
    suspect.updated_at = now
    if attempts >= limit:
        suspect.status, suspect.reason = DeliveryStatus.FAILED, None
    else:
        suspect.status, suspect.reason = DeliveryStatus.PENDING, Reason.RETRY
        # First crash: straight back, behind the rest; later crashes back off like any error.
        delay = 0 if attempts <= 1 else backoff_seconds(attempts - 1)
        suspect.next_attempt_at = now + timedelta(seconds=delay)


def _give_back(delivery: Delivery, now: datetime) -> None:
    """A claimed message never attempted: pending again, its claim's attempt not counted."""
    delivery.status = DeliveryStatus.PENDING
    delivery.attempts = max(0, (delivery.attempts or 0) - 1)
    delivery.lease_expires_at = None
    delivery.worker_id = None
    delivery.updated_at = now


# --------------------------------------------------------------------------- results

_finish_statements: dict[tuple, sa.Update] = {}


def _finish_statement(columns: tuple):
    """UPDATE … WHERE id = :id AND status = 'sending' AND worker_id = :worker, built once per
    set of columns (building the expression anew cost more than running it, once per message)."""
    stmt = _finish_statements.get(columns)
    if stmt is None:
        table = Delivery.__table__
        stmt = _finish_statements[columns] = (
            table.update()
            .where(table.c.id == sa.bindparam("job_id"), table.c.status == DeliveryStatus.SENDING.value,
                   table.c.worker_id == sa.bindparam("holder"))
            .values({name: sa.bindparam(f"v_{name}") for name in columns})
        )
    return stmt


def _finish(job: Job, worker_id: str, **values) -> bool:
    """Record a result for a delivery this worker still holds; True when recorded."""
    values.setdefault("updated_at", utcnow())
    columns = tuple(sorted(values))
    params = {f"v_{name}": values[name] for name in columns}
    with transaction():
        # Core statement on the session's connection: no ORM bookkeeping per message.
        result = db.session.connection().execute(
            _finish_statement(columns), {"job_id": job.id, "holder": worker_id[:80], **params}
        )
    return bool(result.rowcount)


def mark_sent(job: Job, worker_id: str, log: SentLog | None = None) -> bool:
    if log is not None:
        return log.sent(job, worker_id)
    return _finish(job, worker_id, **_sent_values(utcnow()))


def _sent_values(now: datetime) -> dict:
    return {"status": DeliveryStatus.SENT.value, "sent_at": now, "updated_at": now, "reason": None,
            "last_error": None, "lease_expires_at": None}


class SentLog:
    """Records "sent" as one small UPDATE in its own commit (so a crash repeats at most the
    message in flight), with no session transaction per message: SQLite's driver connection in
    autocommit, elsewhere a Core connection in AUTOCOMMIT. The connection is taken from the pool
    for each record and given back at once: a run that kept one for itself and took another for
    each claim deadlocked when every pooled connection was held by such a run. Only while the
    session holds no transaction (the worker sends with none open), so a thread holds one at a time."""

    _SQL = ("UPDATE notification_deliveries SET status = ?, sent_at = ?, updated_at = ?, reason = NULL, "
            "last_error = NULL, lease_expires_at = NULL WHERE id = ? AND status = ? AND worker_id = ?")

    def __init__(self):
        self._engine = db.engine
        self._session = db.session()
        self._sqlite = self._engine.dialect.name == "sqlite" and self._engine.dialect.paramstyle == "qmark"
        self._stamp = Delivery.__table__.c.sent_at.type._cached_bind_processor(self._engine.dialect)
        self._stmt = _finish_statement(tuple(sorted(_sent_values(utcnow()))))

    def sent(self, job: Job, worker_id: str) -> bool:
        if self._session.in_transaction():  # the caller's transaction (and SQLite's lock): join it
            return _finish(job, worker_id, **_sent_values(utcnow()))
        now = utcnow()
        if self._sqlite:
            raw = self._engine.raw_connection()
            try:
                if raw.dbapi_connection.isolation_level is None:  # autocommit: one statement, one commit
                    stamp = self._stamp(now)
                    cursor = raw.cursor()
                    try:
                        cursor.execute(self._SQL, (DeliveryStatus.SENT.value, stamp, stamp, job.id,
                                                   DeliveryStatus.SENDING.value, worker_id[:80]))
                        return cursor.rowcount > 0
                    finally:
                        cursor.close()
            finally:
                raw.close()
        params = {f"v_{k}": v for k, v in _sent_values(now).items()}
        with self._engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            result = conn.execute(self._stmt, {"job_id": job.id, "holder": worker_id[:80], **params})
            return bool(result.rowcount)

    def close(self) -> None:
        """Nothing is held between records (kept so a run can close what it opened)."""


def mark_error(job: Job, worker_id: str, exc: Exception, permanent: bool) -> None:
    message = describe_error(exc)[:500]
    if permanent or job.attempts >= max_attempts():
        _finish(job, worker_id, status=DeliveryStatus.FAILED.value, last_error=message, reason=None,
                lease_expires_at=None)
    else:
        _finish(job, worker_id, status=DeliveryStatus.PENDING.value, last_error=message,
                reason=Reason.RETRY.value, lease_expires_at=None,
                next_attempt_at=utcnow() + timedelta(seconds=backoff_seconds(job.attempts)))


def release(job: Job, worker_id: str, exc: Exception) -> None:
    """Not attempted (the connection broke before its turn): back to pending, attempt not counted."""
    _finish(job, worker_id, status=DeliveryStatus.PENDING.value, attempts=max(0, job.attempts - 1),
            last_error=describe_error(exc)[:500], reason=Reason.RETRY.value, lease_expires_at=None,
            next_attempt_at=utcnow() + timedelta(seconds=backoff_seconds(max(1, job.attempts))))


def renew(jobs: list[Job], worker_id: str) -> set[int]:
    """Extend the lease on the rest of the batch; returns the ids this worker still holds."""
    if not jobs:
        return set()
    ids = [j.id for j in jobs]
    holder = worker_id[:80]
    with transaction():
        db.session.execute(
            sa.update(Delivery)
            .where(Delivery.id.in_(ids), Delivery.status == DeliveryStatus.SENDING, Delivery.worker_id == holder)
            .values(lease_expires_at=utcnow() + timedelta(seconds=lease_seconds()))
            .execution_options(synchronize_session=False)
        )
        return set(db.session.scalars(
            sa.select(Delivery.id).where(Delivery.id.in_(ids), Delivery.status == DeliveryStatus.SENDING,
                                         Delivery.worker_id == holder)
        ))


def describe_error(exc: Exception) -> str:
    """An error as the ledger keeps it (last_error) and the campaign page shows it."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        parts = [f"{code} {msg.decode('utf-8', 'replace') if isinstance(msg, bytes) else msg}"
                 for code, msg in exc.recipients.values()]
        return "SMTP: " + "; ".join(parts)
    if isinstance(exc, smtplib.SMTPResponseException):
        msg = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        return f"SMTP {exc.smtp_code}: {msg}"
    return f"{type(exc).__name__}: {exc}"


# --------------------------------------------------------------------------- what is due


def due_count(now: datetime | None = None) -> int:
    now = now or utcnow()
    due = db.session.scalar(sa.select(sa.func.count()).select_from(Delivery).where(_due(now))) or 0
    if not due:
        try:
            due = len(heartbeat.dead_holders(now))
        except Exception:  # noqa: BLE001 - heartbeat store unreachable: the lease still applies
            current_app.logger.warning("cannot read worker heartbeats", exc_info=True)
    return due


def next_wakeup(now: datetime | None = None) -> datetime | None:
    """When the soonest future pending row, lease or takeover of a silent worker's claims falls
    due (for scheduling a follow-up)."""
    pending = db.session.scalar(sa.select(sa.func.min(Delivery.next_attempt_at))
                                .where(Delivery.status == DeliveryStatus.PENDING))
    lease = db.session.scalar(sa.select(sa.func.min(Delivery.lease_expires_at))
                              .where(Delivery.status == DeliveryStatus.SENDING))
    try:
        takeover = heartbeat.next_takeover(now)
    except Exception:  # noqa: BLE001 - heartbeat store unreachable: the lease still applies
        takeover = None
    times = [as_utc(t) for t in (pending, lease, takeover) if t is not None]
    return min(times) if times else None
