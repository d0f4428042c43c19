"""Sending claimed deliveries, and the queue task that runs it.

1. Claim a batch (civic.notifications.claims), marking rows "sending" with a lease.
2. Send with no transaction open (SMTP or the SMS gateway may be slow; SQLite would block pages).
3. Record "sent" right after each message's verdict, before the next goes out (on a connection
   of the run's own, one small UPDATE), so a SIGKILL re-sends at most what was in flight; over
   SMTP the next message is built while the server judges the one before.
4. While a process holds claims it beats (civic.notifications.heartbeat); the claims of a
   process that stopped beating are taken over within seconds, the one it was sending is
   charged an attempt (so a message that kills the worker every time ends failed), and the
   lease stays the backstop for a process that beats but is stuck.

The queue's ``deliver_due`` task lives here because sending schedules its own follow-ups: the
worker imports neither the services nor civic.notifications.tasks.
"""

from __future__ import annotations

import contextlib
import logging
import smtplib
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, has_request_context

from civic.core.queue import app_task
from civic.core.timeutil import utcnow
from civic.extensions import huey, mail
from civic.notifications import heartbeat, sms
from civic.notifications.claims import (  # noqa: F401 - re-exported: the worker's public face
    CRASH_ERROR,
    Job,
    SentLog,
    claim,
    job_from,
    mark_error,
    mark_sent,
    next_wakeup,
    release,
    renew,
    take_over_dead,
)
from civic.notifications.models import Channel
from civic.notifications.policy import sms_stop_url, unsubscribe_url
from civic.notifications.rendering import (  # noqa: F401
    TemplateError,
    render_email,
    render_sms,
    template_values,
    text_to_html,
)
from civic.notifications.settings import batch_size, lease_seconds, setting
from civic.notifications.wire import (  # noqa: F401 - re-exported: the worker's public face
    SmtpSession,
    WireMessage,
    classify_smtp,
    envelope_to,
    mailman_message,
    smtp_session,
    uses_smtp,
)

log = logging.getLogger(__name__)


class TemporaryError(Exception):
    """Try again later (SMTP 4xx, timeouts, refused connections, gateway 5xx)."""


class PermanentError(Exception):
    """Do not retry (SMTP 5xx recipient rejected, gateway 4xx)."""


def worker_identity() -> str:
    """<process>:<thread>; the process part is what beats (heartbeat.process_identity)."""
    return f"{heartbeat.process_identity()}:{threading.get_ident() % 100000}"


def sms_request_id(job: Job) -> str:
    """The delivery's stable id, sent as the gateway's request id so it can drop a repeat."""
    return f"civic-{job.campaign_id}-{job.id}"


# --------------------------------------------------------------------------- rate limiting


class RateLimiter:
    """At most ``rate`` calls per second in this process (shared by its threads); 0 = no limit."""

    def __init__(self, rate: float, clock=time.monotonic, sleep=time.sleep):
        self.rate = rate
        self.clock = clock
        self.sleep = sleep
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> float:
        if not self.rate or self.rate <= 0:
            return 0.0
        with self._lock:
            now = self.clock()
            slot = max(now, self._next)
            self._next = slot + 1.0 / self.rate
        delay = slot - now
        if delay > 0:
            self.sleep(delay)
        return delay


_limiters: dict[str, RateLimiter] = {}
_limiters_lock = threading.Lock()


def limiter_for(channel: str) -> RateLimiter:
    default = 200.0 if channel == Channel.EMAIL else 10.0
    rate = setting(f"NOTIFY_{channel.upper()}_RATE", default)
    with _limiters_lock:
        limiter = _limiters.get(channel)
        if limiter is None or limiter.rate != rate:
            limiter = _limiters[channel] = RateLimiter(rate)
        return limiter


# --------------------------------------------------------------------------- rendering a delivery


def render_job(job: Job) -> dict:
    """Subject, text, HTML (email) or text (SMS) for one delivery."""
    if job.channel == Channel.EMAIL:
        unsub = "" if job.transactional else unsubscribe_url(job.address, Channel.EMAIL, job.topic)
        values = template_values(job.name, job.address, None, job.context, unsub)
        return render_email(job.subject, job.body_text, job.body_html, values, unsub)
    stop = "" if job.transactional else sms_stop_url(job.id)
    values = template_values(job.name, None, job.address, job.context, stop)
    return render_sms(job.sms_text, values, stop)


def build_email(job: Job, connection):
    """The message for one delivery: a WireMessage (envelope and bytes) when ``connection`` is
    an SMTP connection of ``SmtpSession``, else a Flask-Mailman message (file and test backends)."""
    if isinstance(connection, SmtpSession):
        return connection.wire(job, render_job(job))
    return mailman_message(job, render_job(job), connection)


# --------------------------------------------------------------------------- sending


class _Holding:
    """The claims of a batch this worker still holds, the lease renewed a quarter-way through."""

    def __init__(self, jobs: list[Job], worker_id: str):
        self.jobs = jobs
        self.worker_id = worker_id
        self.lease = lease_seconds()
        self.renewed_at = time.monotonic()  # just after the claim: the lease is counted from here
        self.held = {j.id for j in jobs}

    def still_holds(self, index: int) -> bool:
        if time.monotonic() - self.renewed_at > self.lease / 4:
            self.renewed_at = time.monotonic()
            self.held = renew(self.jobs[index:], self.worker_id)
        return self.jobs[index].id in self.held  # else the lease ran out and another worker took it


@dataclass
class _Connection:
    """Where a batch's e-mails go: a run's SmtpSession, one of the batch's own, or the backend."""

    session: SmtpSession | None
    backend: object
    own: bool

    @property
    def target(self):
        return self.session if self.session is not None else self.backend

    def open(self) -> None:
        self.target.open()

    def send(self, message) -> None:
        if self.session is not None:
            self.session.send(message)
        elif not self.backend.send_messages([message]):
            raise smtplib.SMTPServerDisconnected("the message was not accepted")

    def broken(self) -> None:
        if self.session is not None:
            self.session.close()

    def done(self) -> None:
        if self.own and self.session is not None:
            self.session.close()
        elif self.session is None:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                self.backend.close()


def _connection_for(session: SmtpSession | None) -> _Connection:
    """``session`` (from ``smtp_session()``) keeps the SMTP connection open across batches;
    without it the batch opens and closes its own."""
    if session is not None:
        return _Connection(session, None, own=False)
    backend = mail.get_connection(fail_silently=False)
    if uses_smtp(backend):
        return _Connection(SmtpSession(), backend, own=True)
    return _Connection(None, backend, own=False)


_SENT, _NEXT, _STOP, _OUT = "sent", "next", "stop", "out"


def _built(job: Job, target, worker_id: str, build=None):
    """The message of one delivery (``build(job, target)``, by default ``build_email``), or None
    when it cannot be made (recorded as an error)."""
    try:
        return (build or build_email)(job, target)
    except TemplateError as exc:
        mark_error(job, worker_id, exc, permanent=True)
    except Exception as exc:  # noqa: BLE001 - a poison message: counted, backed off, never the batch
        log.exception("delivery %s could not be rendered", job.id)
        mark_error(job, worker_id, exc, permanent=False)
    return None


def _sent_or_error(job: Job, rest: list[Job], worker_id: str, send, broken) -> str:
    """Run ``send`` for one message and record an error it raises: next (recorded) or stop (the
    connection is gone: this one is retried, the rest go back untouched); None when it went."""
    try:
        send()
    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
        mark_error(job, worker_id, exc, permanent=classify_smtp(exc))
        return _NEXT
    except (OSError, smtplib.SMTPException) as exc:
        broken()
        mark_error(job, worker_id, exc, permanent=classify_smtp(exc))
        for other in rest:
            release(other, worker_id, exc)
        return _STOP
    except Exception as exc:  # noqa: BLE001 - unexpected error while sending this one message
        log.exception("delivery %s could not be sent", job.id)
        broken()  # the server may be mid-transaction: the next message starts on a fresh connection
        mark_error(job, worker_id, exc, permanent=False)
        return _NEXT
    return None


def _send_in_turn(jobs: list[Job], worker_id: str, connection: _Connection, holding: _Holding, sent_log) -> int:
    """Without a run's SMTP session (file and test backends): build, send, record, one by one."""
    limiter = limiter_for(Channel.EMAIL)
    sent = 0
    for index, job in enumerate(jobs):
        if not holding.still_holds(index):
            continue
        heartbeat.keepalive()
        limiter.wait()
        message = _built(job, connection.target, worker_id)
        if message is None:
            continue
        outcome = _sent_or_error(job, jobs[index + 1:], worker_id, lambda m=message: connection.send(m),
                                 connection.broken)
        if outcome == _STOP:
            break
        sent += outcome is None and mark_sent(job, worker_id, sent_log)
    return sent


def _rendered(job: Job, _smtp) -> dict:
    return render_job(job)


def _wired(parts: dict):
    return lambda job, smtp: smtp.wire(job, parts)


def _send_overlapped(jobs: list[Job], worker_id: str, smtp: SmtpSession, holding: _Holding, sent_log) -> int:
    """Over SMTP, the worker works while the server answers: the one before is recorded while
    it answers MAIL, this one's templates are rendered while it answers RCPT and its MIME
    assembled while it answers DATA (nothing is delivered before the message ends). So at most
    one message is ever out and unrecorded (a crash repeats only that one, with its
    Message-ID), and the one being built is always the first unsent: a message that kills the
    worker while it is built is the one the takeover charges."""
    limiter = limiter_for(Channel.EMAIL)
    sent = 0
    out: Job | None = None  # accepted by the server, "sent" not recorded yet
    for index, job in enumerate(jobs):
        if not holding.still_holds(index):
            continue
        heartbeat.keepalive()
        limiter.wait()
        smtp.mail(smtp.envelope_from)
        if out is not None:
            sent += mark_sent(out, worker_id, sent_log)
            out = None
        rest = jobs[index + 1:]
        outcome = _sent_or_error(job, rest, worker_id, lambda j=job: smtp.rcpt(envelope_to(j)), smtp.close)
        if outcome == _STOP:
            return sent
        if outcome == _NEXT:
            continue
        parts = _built(job, smtp, worker_id, _rendered)
        if parts is None:
            smtp.abandon()
            continue
        outcome = _sent_or_error(job, rest, worker_id, smtp.ask_data, smtp.close)
        if outcome == _STOP:
            return sent
        if outcome == _NEXT:
            continue
        message = _built(job, smtp, worker_id, _wired(parts))
        if message is None:
            smtp.drop()
            continue
        outcome = _sent_or_error(job, rest, worker_id, lambda m=message: (smtp.payload(m), smtp.finish()),
                                 smtp.close)
        if outcome == _STOP:
            return sent
        out = job if outcome is None else None
    if out is not None:
        sent += mark_sent(out, worker_id, sent_log)
    return sent


def send_email_batch(jobs: list[Job], worker_id: str, session: SmtpSession | None = None,
                     sent_log: SentLog | None = None) -> int:
    """Send one claimed batch. ``session`` (from ``smtp_session()``) keeps the SMTP connection
    open across batches, ``sent_log`` the ledger's connection; without them the batch opens its own."""
    holding = _Holding(jobs, worker_id)
    connection = _connection_for(session)
    try:
        connection.open()
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("SMTP connection failed: %s", exc)
        connection.broken()
        for job in jobs:
            mark_error(job, worker_id, exc, permanent=False)
        return 0
    own_log = sent_log is None
    sent_log = sent_log or SentLog()
    try:
        if connection.session is not None:
            return _send_overlapped(jobs, worker_id, connection.session, holding, sent_log)
        return _send_in_turn(jobs, worker_id, connection, holding, sent_log)
    finally:
        connection.done()
        if own_log:
            sent_log.close()


def _send_sms(job: Job, gateway, worker_id: str) -> bool:
    try:
        text = render_job(job)["text"]
        gateway.send(job.address, text, reference=sms_request_id(job))
    except (TemplateError, sms.PermanentSmsError) as exc:
        mark_error(job, worker_id, exc, permanent=True)
    except (sms.TemporarySmsError, OSError) as exc:
        mark_error(job, worker_id, exc, permanent=False)
    except Exception as exc:  # noqa: BLE001 - a poison message: counted, backed off, never the batch
        log.exception("SMS delivery %s failed unexpectedly", job.id)
        mark_error(job, worker_id, exc, permanent=False)
    else:
        return mark_sent(job, worker_id)
    return False


def send_sms_batch(jobs: list[Job], worker_id: str) -> int:
    gateway = sms.get_gateway()
    limiter = limiter_for(Channel.SMS)
    holding = _Holding(jobs, worker_id)
    sent = 0
    for index, job in enumerate(jobs):
        if not holding.still_holds(index):
            continue
        heartbeat.keepalive()
        limiter.wait()
        sent += _send_sms(job, gateway, worker_id)
    return sent


def process_batch(worker_id: str | None = None, limit: int | None = None, now: datetime | None = None,
                  session: SmtpSession | None = None, sent_log: SentLog | None = None) -> int:
    """Claim one batch and send it; returns the number claimed (0 = nothing due)."""
    worker_id = worker_id or worker_identity()
    jobs = claim(worker_id, limit or batch_size(), now=now)
    if not jobs:
        return 0
    email_jobs = [j for j in jobs if j.channel == Channel.EMAIL]
    sms_jobs = [j for j in jobs if j.channel == Channel.SMS]
    if email_jobs:
        send_email_batch(email_jobs, worker_id, session, sent_log)
    if sms_jobs:
        send_sms_batch(sms_jobs, worker_id)
    return len(jobs)


# --------------------------------------------------------------------------- the sending run


def run_until_idle(worker_id: str | None = None, max_batches: int | None = None) -> int:
    """Send batches until nothing is due; then ask the queue to wake us for the next due row."""
    worker_id = worker_id or worker_identity()
    total = batches = 0
    limit = batch_size()
    with request_context(), smtp_session() as session, contextlib.closing(SentLog()) as sent_log:
        while max_batches is None or batches < max_batches:
            claimed = process_batch(worker_id, limit=limit, session=session, sent_log=sent_log)
            if not claimed:
                break
            if claimed >= limit and batches == 0 and not huey.immediate:
                # A full batch means more is due (a campaign, a dead worker's claims taken
                # over): ask an idle worker thread to claim alongside this one.
                enqueue_delivery()
            total += claimed
            batches += 1
        _schedule_followup()
    return total


@contextlib.contextmanager
def request_context():
    """Templates and gettext pick the locale from a request; the worker has none, so it gets a
    neutral one (the ward's default language)."""
    if has_request_context():
        yield
        return
    with current_app.test_request_context("/", base_url=current_app.config["CIVIC_BASE_URL"]):
        yield


_followup_at: datetime | None = None
_followup_lock = threading.Lock()


def _schedule_followup() -> None:
    """Retries and expired leases within the next minute get a scheduled wake-up; later ones
    are found by the minutely sweep."""
    global _followup_at
    if huey.immediate:
        return
    wake = next_wakeup()
    if wake is None:
        return
    now = utcnow()
    delay = max(0.5, (wake - now).total_seconds() + 0.2)
    if delay > 60:
        return
    with _followup_lock:
        if _followup_at is not None and now < _followup_at <= wake + timedelta(seconds=1):
            return
        _followup_at = now + timedelta(seconds=delay)
    enqueue_delivery(delay=delay)


# --------------------------------------------------------------------------- the queue


@app_task()
def deliver_due():
    """Send every due delivery this worker can claim, then schedule a follow-up if needed."""
    return run_until_idle()


def enqueue_delivery(delay: float | None = None) -> None:
    """Signal the workers; failures here only delay (the periodic sweep finds due rows)."""
    try:
        if delay:
            deliver_due.schedule(delay=delay)
        else:
            deliver_due()
    except Exception:  # noqa: BLE001 - the ledger still holds the work
        current_app.logger.exception("could not enqueue delivery; the sweep will pick it up")
