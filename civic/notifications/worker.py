"""Claiming and sending deliveries.

1. Claim a batch in one short transaction (PostgreSQL: FOR UPDATE SKIP LOCKED; SQLite: the
   engine's BEGIN IMMEDIATE serialises claimers), marking rows "sending" with a lease.
2. Send with no transaction open (SMTP or the SMS gateway may be slow; SQLite would block pages).
3. Commit "sent" right after each message, so a SIGKILL re-sends at most what was in flight.
4. While a process holds claims it beats (civic.notifications.heartbeat); the claims of a
   process that stopped beating are taken over within seconds, the one it was sending is
   charged an attempt (so a message that kills the worker every time ends failed), and the
   lease stays the backstop for a process that beats but is stuck.
"""

from __future__ import annotations

import contextlib
import html
import logging
import re
import smtplib
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import format_datetime, formataddr, parseaddr

import sqlalchemy as sa
from flask import current_app, has_request_context
from markupsafe import Markup, escape

from civic.core.db import is_postgres
from civic.core.timeutil import utcnow
from civic.extensions import db
from civic.notifications import heartbeat, services, sms
from civic.notifications.models import (
    FAILED,
    PENDING,
    REASON_NO_ADDRESS,
    REASON_QUIET_HOURS,
    REASON_RETRY,
    REASON_UNSUBSCRIBED,
    REASON_WORKER_CRASH,
    SENDING,
    SENT,
    SKIPPED,
    Campaign,
    CampaignAttachment,
    Delivery,
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


CRASH_ERROR = REASON_WORKER_CRASH  # stored in last_error; the campaign page translates it


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
    default = 200.0 if channel == "email" else 10.0
    rate = services.setting(f"NOTIFY_{channel.upper()}_RATE", default)
    with _limiters_lock:
        limiter = _limiters.get(channel)
        if limiter is None or limiter.rate != rate:
            limiter = _limiters[channel] = RateLimiter(rate)
        return limiter


# --------------------------------------------------------------------------- jobs


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


def claim(worker_id: str, limit: int, now: datetime | None = None) -> list[Job]:
    """Take up to ``limit`` due deliveries (or expired leases) for this worker."""
    given_now = now
    now = now or utcnow()
    lease = timedelta(seconds=services.setting("NOTIFY_LEASE_SECONDS", 120.0))
    due = sa.or_(
        sa.and_(Delivery.status == PENDING, Delivery.next_attempt_at <= now),
        sa.and_(Delivery.status == SENDING, Delivery.lease_expires_at < now),
    )
    query = sa.select(Delivery).where(due).order_by(Delivery.next_attempt_at, Delivery.id).limit(limit)
    if is_postgres():
        query = query.with_for_update(skip_locked=True)
    jobs: list[Job] = []
    try:
        heartbeat.beat_if_due()
        take_over_dead(now)
        deliveries = list(db.session.scalars(query))
        if not deliveries:
            db.session.commit()
            return []
        # The lease starts now that the rows are locked: waiting for the lock (SQLite's
        # BEGIN IMMEDIATE, busy claimers) must not eat into it, or another worker could take
        # a row this one is about to send.
        lease_start = given_now or utcnow()
        campaign_ids = {d.campaign_id for d in deliveries}
        campaigns = {c.id: c for c in db.session.scalars(sa.select(Campaign).where(Campaign.id.in_(campaign_ids)))}
        attachments: dict[int, list] = {cid: [] for cid in campaign_ids}
        for att in db.session.scalars(
            sa.select(CampaignAttachment).where(CampaignAttachment.campaign_id.in_(campaign_ids))
            .order_by(CampaignAttachment.id)
        ):
            attachments[att.campaign_id].append(services.Attachment(att.filename, att.mimetype, att.content))
        suppressed: set[tuple[str, str, str]] = set()
        for (channel, topic) in {(d.channel, campaigns[d.campaign_id].topic) for d in deliveries}:
            for address in services.suppressed_addresses(
                [d.address for d in deliveries if d.channel == channel and campaigns[d.campaign_id].topic == topic],
                channel, topic,
            ):
                suppressed.add((address, channel, topic))
        quiet = services.in_quiet_hours(now)
        max_attempts = int(services.setting("NOTIFY_MAX_ATTEMPTS", 12, int))
        for delivery in deliveries:
            campaign = campaigns[delivery.campaign_id]
            delivery.updated_at = now
            if not delivery.address:
                delivery.status, delivery.reason = SKIPPED, REASON_NO_ADDRESS
            elif not campaign.transactional and (delivery.address, delivery.channel, campaign.topic) in suppressed:
                delivery.status, delivery.reason = SKIPPED, REASON_UNSUBSCRIBED
                delivery.lease_expires_at = None
            elif delivery.channel == "sms" and quiet and not campaign.urgent:
                # Deferred, not dropped: it goes out when quiet hours end.
                delivery.status, delivery.reason = PENDING, REASON_QUIET_HOURS
                delivery.next_attempt_at = services.quiet_hours_end(now)
                delivery.lease_expires_at = None
            elif delivery.status == SENDING and (delivery.attempts or 0) >= max_attempts:
                # Its lease ran out as often as it may be tried: a message that stalls or kills
                # every worker ends failed instead of looping.
                delivery.status, delivery.reason = FAILED, None
                delivery.last_error = CRASH_ERROR
                delivery.lease_expires_at = None
            else:
                delivery.status = SENDING
                delivery.attempts = (delivery.attempts or 0) + 1
                delivery.lease_expires_at = lease_start + lease
                delivery.worker_id = worker_id[:80]
                jobs.append(job_from(delivery, campaign, attachments[campaign.id]))
        db.session.commit()
        # The jobs carry what sending needs; keeping these rows in the session would make
        # every per-message commit expire (and later reload) the whole batch.
        for delivery in deliveries:
            db.session.expunge(delivery)
    except BaseException:
        db.session.rollback()
        raise
    return jobs


def _send_order(delivery: Delivery):
    """The order a batch is sent in: e-mail first, then SMS, each in claim order."""
    return (delivery.channel != "email", delivery.next_attempt_at, delivery.id)


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
    max_attempts = int(services.setting("NOTIFY_MAX_ATTEMPTS", 12, int))
    query = sa.select(Delivery).where(Delivery.status == SENDING, Delivery.worker_id.in_(dead))
    if is_postgres():
        query = query.with_for_update(skip_locked=True)
    rows = list(db.session.scalars(query))
    by_holder: dict[str, list[Delivery]] = {}
    for delivery in rows:
        by_holder.setdefault(delivery.worker_id, []).append(delivery)
    for held in by_holder.values():
        held.sort(key=_send_order)
        suspect, rest = held[0], held[1:]
        attempts = suspect.attempts or 0
        suspect.last_error = CRASH_ERROR
        suspect.lease_expires_at = None
        suspect.worker_id = None
        suspect.updated_at = now
        if attempts >= max_attempts:
            suspect.status, suspect.reason = FAILED, None
        else:
            suspect.status, suspect.reason = PENDING, REASON_RETRY
            # First crash: straight back, behind the rest; later crashes back off like any error.
            delay = 0 if attempts <= 1 else services.backoff_seconds(attempts - 1)
            suspect.next_attempt_at = now + timedelta(seconds=delay)
        for delivery in rest:
            delivery.status = PENDING
            delivery.attempts = max(0, (delivery.attempts or 0) - 1)
            delivery.lease_expires_at = None
            delivery.worker_id = None
            delivery.updated_at = now
    db.session.flush()
    if rows:
        log.warning("took over %d deliveries of %d stopped worker thread(s)", len(rows), len(by_holder))
    return len(rows)


_finish_statements: dict[tuple, sa.Update] = {}


def _finish_statement(columns: tuple):
    """UPDATE … WHERE id = :id AND status = 'sending' AND worker_id = :worker, built once per
    set of columns (building the expression anew cost more than running it, once per message)."""
    stmt = _finish_statements.get(columns)
    if stmt is None:
        table = Delivery.__table__
        stmt = _finish_statements[columns] = (
            table.update()
            .where(table.c.id == sa.bindparam("job_id"), table.c.status == SENDING,
                   table.c.worker_id == sa.bindparam("holder"))
            .values({name: sa.bindparam(f"v_{name}") for name in columns})
        )
    return stmt


def _finish(job: Job, worker_id: str, **values) -> bool:
    """Record a result for a delivery this worker still holds; True when recorded."""
    values.setdefault("updated_at", utcnow())
    try:
        # Core statement on the session's connection: no ORM bookkeeping per message.
        columns = tuple(sorted(values))
        params = {f"v_{name}": values[name] for name in columns}
        result = db.session.connection().execute(
            _finish_statement(columns), {"job_id": job.id, "holder": worker_id[:80], **params}
        )
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return bool(result.rowcount)


def mark_sent(job: Job, worker_id: str) -> bool:
    return _finish(job, worker_id, status=SENT, sent_at=utcnow(), reason=None, last_error=None,
                   lease_expires_at=None)


def mark_error(job: Job, worker_id: str, exc: Exception, permanent: bool) -> None:
    message = _describe(exc)[:500]
    max_attempts = int(services.setting("NOTIFY_MAX_ATTEMPTS", 12))
    if permanent or job.attempts >= max_attempts:
        _finish(job, worker_id, status=FAILED, last_error=message, reason=None, lease_expires_at=None)
    else:
        _finish(job, worker_id, status=PENDING, last_error=message, reason="retry", lease_expires_at=None,
                next_attempt_at=utcnow() + timedelta(seconds=services.backoff_seconds(job.attempts)))


def release(job: Job, worker_id: str, exc: Exception) -> None:
    """Not attempted (the connection broke before its turn): back to pending, attempt not counted."""
    _finish(job, worker_id, status=PENDING, attempts=max(0, job.attempts - 1), last_error=_describe(exc)[:500],
            reason="retry", lease_expires_at=None,
            next_attempt_at=utcnow() + timedelta(seconds=services.backoff_seconds(max(1, job.attempts))))


def renew(jobs: list[Job], worker_id: str) -> set[int]:
    """Extend the lease on the rest of the batch; returns the ids this worker still holds."""
    if not jobs:
        return set()
    lease = timedelta(seconds=services.setting("NOTIFY_LEASE_SECONDS", 120.0))
    ids = [j.id for j in jobs]
    try:
        db.session.execute(
            sa.update(Delivery)
            .where(Delivery.id.in_(ids), Delivery.status == SENDING, Delivery.worker_id == worker_id[:80])
            .values(lease_expires_at=utcnow() + lease)
            .execution_options(synchronize_session=False)
        )
        held = set(db.session.scalars(
            sa.select(Delivery.id).where(Delivery.id.in_(ids), Delivery.status == SENDING,
                                         Delivery.worker_id == worker_id[:80])
        ))
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return held


def _describe(exc: Exception) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        parts = [f"{code} {msg.decode('utf-8', 'replace') if isinstance(msg, bytes) else msg}"
                 for code, msg in exc.recipients.values()]
        return "SMTP: " + "; ".join(parts)
    if isinstance(exc, smtplib.SMTPResponseException):
        msg = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        return f"SMTP {exc.smtp_code}: {msg}"
    return f"{type(exc).__name__}: {exc}"


def classify_smtp(exc: Exception) -> bool:
    """True when permanent (5xx); everything else (4xx, network) is temporary."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _msg in exc.recipients.values()]
        return bool(codes) and all(code >= 500 for code in codes)
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code >= 500
    return False


# --------------------------------------------------------------------------- rendering

_URL_RE = re.compile(r"https?://[^\s<>\"]+")


def text_to_html(text: str) -> Markup:
    """Plain text -> paragraphs with line breaks and clickable links (everything escaped)."""
    paragraphs = []
    for block in re.split(r"\n\s*\n", text.strip()):
        escaped = html.escape(block)
        linked = _URL_RE.sub(lambda m: f'<a href="{m.group(0)}">{m.group(0)}</a>', escaped)
        paragraphs.append("<p>" + linked.replace("\n", "<br>\n") + "</p>")
    return Markup("\n".join(paragraphs))  # noqa: S704 - every piece was escaped above


def render_job(job: Job) -> dict:
    """Subject, text, HTML (email) or text (SMS) for one delivery."""
    if job.channel == "email":
        unsub = "" if job.transactional else services.unsubscribe_url(job.address, "email", job.topic)
        values = services.template_values(job.name, job.address, None, job.context, unsub)
        subject = " ".join(services.render(job.subject, values).split())
        text = services.render(job.body_text, values)
        # Values are escaped before they go into a caller's HTML template.
        escaped = {k: (escape(v) if isinstance(v, str) else v) for k, v in values.items()}
        body_html = services.render(job.body_html, escaped) if job.body_html else None
        footer_text = ""
        if unsub:
            footer_text = "\n\n--\n" + _unsub_line() + " " + unsub
        html_doc = current_app.jinja_env.get_template("notifications/email.html").render(
            subject=subject,
            body=Markup(body_html) if body_html else text_to_html(text),  # noqa: S704 - trusted template, escaped values
            unsubscribe_url=unsub, site_name=_site_name(),
        )
        return {"subject": subject, "text": text + footer_text, "html": html_doc, "unsubscribe_url": unsub}
    stop = "" if job.transactional else services.sms_stop_url(job.id)
    values = services.template_values(job.name, None, job.address, job.context, stop)
    text = sms.fit(services.render(job.sms_text, values), stop_url=stop,
                   strip=bool(services.setting("NOTIFY_SMS_STRIP_MARKS", 0, int)))
    return {"text": text}


def _unsub_line() -> str:
    from flask_babel import gettext as _

    return _("To stop receiving these messages:")


def _site_name() -> str:
    from flask_babel import gettext as _

    return _("Ward portal")


def _message_domain() -> str:
    _name, address = parseaddr(current_app.config.get("MAIL_DEFAULT_SENDER") or "")
    return address.rpartition("@")[2] or "civic.local"


def _email_class():
    from email.header import Header
    from email.message import Message

    from flask_mailman import EmailMultiAlternatives

    class CivicEmail(EmailMultiAlternatives):
        def message(self):
            msg = super().message()
            if not self.subject.isascii():
                # Flask-Mailman folds a long encoded subject after an empty first line, which
                # strict parsers decode with a leading space; name the header so it folds cleanly.
                del msg["Subject"]
                Message.__setitem__(msg, "Subject", Header(self.subject, "utf-8", header_name="Subject"))
            return msg

    return CivicEmail


_CivicEmail = None


def _headers(job: Job, parts: dict, domain: str | None = None) -> dict:
    # Same Message-ID on a re-send after a crash, so mail clients can fold a rare duplicate.
    headers = {
        "Message-ID": f"<delivery-{job.id}.c{job.campaign_id}@{domain or _message_domain()}>",
        "X-Civic-Delivery": str(job.id),
        "Date": format_datetime(utcnow()),  # "+0000", not the "-0000" (zone unknown) default
    }
    if parts["unsubscribe_url"]:
        headers["List-Unsubscribe"] = f"<{parts['unsubscribe_url']}>"
        mailto = services.setting("NOTIFY_UNSUBSCRIBE_MAILTO", "", str)
        if mailto:
            headers["List-Unsubscribe"] += f", <mailto:{mailto}?subject=unsubscribe>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return headers


def build_email(job: Job, connection):
    """The message for one delivery: a WireMessage (envelope and bytes) when ``connection`` is
    an SMTP connection of ``SmtpSession``, else a Flask-Mailman message (file and test backends)."""
    if isinstance(connection, SmtpSession):
        return connection.wire(job, render_job(job))
    global _CivicEmail
    if _CivicEmail is None:
        _CivicEmail = _email_class()
    EmailMultiAlternatives = _CivicEmail  # noqa: N806

    parts = render_job(job)
    headers = _headers(job, parts)
    to = formataddr((job.name, job.address)) if job.name else job.address
    message = EmailMultiAlternatives(
        subject=parts["subject"], body=parts["text"], from_email=current_app.config["MAIL_DEFAULT_SENDER"],
        to=[to], headers=headers, connection=connection,
    )
    message.attach_alternative(parts["html"], "text/html")
    for att in job.attachments:
        message.attach(att.filename, att.content, att.mimetype)
    return message


# --------------------------------------------------------------------------- sending


# --------------------------------------------------------------------------- the SMTP wire


@dataclass
class WireMessage:
    """One message as it goes on the wire: envelope sender, recipients and the RFC 5322 bytes."""

    from_addr: str
    to: list[str]
    data: bytes


_CRLF_RE = re.compile(r"\r\n|\r|\n")


def _header_value(name: str, value: str) -> str:
    """A header's value, RFC 2047-encoded (and folded) when it is not plain ASCII; never a line break."""
    from email.header import Header

    value = " ".join(_CRLF_RE.split(value))
    if value.isascii():
        return value
    return Header(value, "utf-8", header_name=name).encode(linesep="\r\n")


def _address(name: str | None, address: str) -> str:
    from email.utils import formataddr as _formataddr

    if not address.isascii():
        from flask_mailman.message import sanitize_address

        return sanitize_address((name or "", address), "utf-8")
    return _formataddr((name, address), charset="utf-8") if name else address


def _text_part(subtype: str, text: str) -> bytes:
    import base64

    body = "\r\n".join(_CRLF_RE.split(text)).encode("utf-8")
    head = f'Content-Type: text/{subtype}; charset="utf-8"\r\nMIME-Version: 1.0\r\n'
    if max((len(line) for line in body.split(b"\r\n")), default=0) <= 998:
        return (head + "Content-Transfer-Encoding: 8bit\r\n\r\n").encode() + body
    return (head + "Content-Transfer-Encoding: base64\r\n\r\n").encode() + base64.encodebytes(body).replace(
        b"\n", b"\r\n")


def _attachment_part(att) -> bytes:
    import base64
    from email.utils import encode_rfc2231

    name = att.filename if att.filename.isascii() else None
    disposition = (f'attachment; filename="{name}"' if name
                   else f"attachment; filename*={encode_rfc2231(att.filename, 'utf-8')}")
    head = (f"Content-Type: {att.mimetype}\r\nMIME-Version: 1.0\r\nContent-Transfer-Encoding: base64\r\n"
            f"Content-Disposition: {disposition}\r\n\r\n")
    return head.encode() + base64.encodebytes(bytes(att.content)).replace(b"\n", b"\r\n")


def _multipart(subtype: str, parts: list[bytes]) -> tuple[str, bytes]:
    import secrets

    boundary = f"===============civic{secrets.token_hex(10)}=="
    body = b"".join(b"--" + boundary.encode() + b"\r\n" + part + b"\r\n" for part in parts)
    return f'multipart/{subtype}; boundary="{boundary}"', body + b"--" + boundary.encode() + b"--\r\n"


class SmtpSession:
    """One SMTP connection kept open across the batches of a sending run, and what every message
    of the run shares (the sender encoded once, the Message-ID domain, each attachment encoded once).

    Messages are serialised here and handed to smtplib as bytes: the same structure as Flask-
    Mailman's (multipart/alternative text and HTML, attachments in multipart/mixed) without
    re-parsing the sender and re-folding every header of every message.
    """

    def __init__(self):
        from email.utils import parseaddr as _parseaddr

        from civic.extensions import mail

        self.backend = mail.get_connection(fail_silently=False)
        sender = current_app.config["MAIL_DEFAULT_SENDER"]
        name, address = _parseaddr(sender)
        self.envelope_from = address
        self.from_header = _address(name or None, address)
        self.domain = _message_domain()
        self._attachments: dict[tuple, bytes] = {}
        self.opened = 0
        self._used = time.monotonic()

    @property
    def smtp(self):
        return getattr(self.backend, "connection", None)

    def open(self) -> None:
        """Connected before a batch: a connection idle for a while is checked (NOOP) and
        replaced if the server dropped it, so a stale socket never charges a message an attempt."""
        if self.smtp is not None and time.monotonic() - self._used > 5:
            try:
                self.smtp.noop()
            except (OSError, smtplib.SMTPException):
                self.close()
        if self.smtp is None:
            self.backend.open()
            self.opened += 1
        self._used = time.monotonic()

    def close(self) -> None:
        try:
            self.backend.close()
        except (OSError, smtplib.SMTPException):
            pass

    def wire(self, job: Job, parts: dict) -> WireMessage:
        alternative = _multipart("alternative", [_text_part("plain", parts["text"]), _text_part("html", parts["html"])])
        if job.attachments:
            pieces = [f"Content-Type: {alternative[0]}\r\nMIME-Version: 1.0\r\n\r\n".encode() + alternative[1]]
            for index, att in enumerate(job.attachments):
                key = (job.campaign_id, index, att.filename, len(att.content))
                encoded = self._attachments.get(key)
                if encoded is None:
                    if len(self._attachments) > 64:
                        self._attachments.clear()
                    encoded = self._attachments[key] = _attachment_part(att)
                pieces.append(encoded)
            content_type, body = _multipart("mixed", pieces)
        else:
            content_type, body = alternative
        headers = {"Subject": _header_value("Subject", parts["subject"]), "From": self.from_header,
                   "To": _address(job.name, job.address)}
        headers.update(_headers(job, parts, self.domain))
        headers["MIME-Version"] = "1.0"
        headers["Content-Type"] = content_type
        head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        rcpt = job.address
        if not rcpt.isascii():  # an IDN domain: punycode, as Flask-Mailman's backend does
            from flask_mailman.message import sanitize_address

            rcpt = sanitize_address(rcpt, "utf-8")
        return WireMessage(self.envelope_from, [rcpt], head.encode("ascii") + b"\r\n" + body)

    def send(self, message) -> None:
        if isinstance(message, WireMessage):
            if self.smtp is None:
                self.open()
            refused = self.smtp.sendmail(message.from_addr, message.to, message.data)
            self._used = time.monotonic()
            if refused:
                raise smtplib.SMTPRecipientsRefused(refused)
            return
        if not self.backend.send_messages([message]):
            raise smtplib.SMTPServerDisconnected("the message was not accepted")


@contextlib.contextmanager
def smtp_session():
    """An SmtpSession for a sending run when mail goes over SMTP (else None: the backend's own path)."""
    from flask_mailman.backends.smtp import EmailBackend as SmtpBackend

    from civic.extensions import mail

    if not isinstance(mail.get_connection(fail_silently=False), SmtpBackend):
        yield None
        return
    session = SmtpSession()
    try:
        yield session
    finally:
        session.close()


def send_email_batch(jobs: list[Job], worker_id: str, session: SmtpSession | None = None) -> int:
    """Send one claimed batch. ``session`` (from ``smtp_session()``) keeps the SMTP connection
    open across batches; without it the batch opens and closes its own."""
    from civic.extensions import mail

    sent = 0
    limiter = limiter_for("email")
    lease = services.setting("NOTIFY_LEASE_SECONDS", 120.0)
    renewed_at = time.monotonic()  # just after the claim: the lease is counted from here
    own = None
    if session is None:
        backend = mail.get_connection(fail_silently=False)
        from flask_mailman.backends.smtp import EmailBackend as SmtpBackend

        if isinstance(backend, SmtpBackend):
            own = session = SmtpSession()
        connection = session if session is not None else backend
    else:
        connection = session
    try:
        if session is not None:
            session.open()
        else:
            connection.open()
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("SMTP connection failed: %s", exc)
        if session is not None:
            session.close()
        for job in jobs:
            mark_error(job, worker_id, exc, permanent=False)
        return 0
    held = {j.id for j in jobs}
    try:
        for index, job in enumerate(jobs):
            if time.monotonic() - renewed_at > lease / 4:
                renewed_at = time.monotonic()
                held = renew(jobs[index:], worker_id)
            if job.id not in held:
                continue  # the lease ran out and another worker took it
            heartbeat.keepalive()
            limiter.wait()
            try:
                message = build_email(job, connection)
            except services.TemplateError as exc:
                mark_error(job, worker_id, exc, permanent=True)
                continue
            except Exception as exc:  # noqa: BLE001 - a poison message: counted, backed off, never the batch
                log.exception("delivery %s could not be rendered", job.id)
                mark_error(job, worker_id, exc, permanent=False)
                continue
            try:
                if session is not None:
                    session.send(message)
                else:
                    count = connection.send_messages([message])
                    if not count:
                        raise smtplib.SMTPServerDisconnected("the message was not accepted")
            except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
                mark_error(job, worker_id, exc, permanent=classify_smtp(exc))
                continue
            except (OSError, smtplib.SMTPException) as exc:
                # The connection is gone: this one is retried, the rest go back untouched.
                if session is not None:
                    session.close()
                mark_error(job, worker_id, exc, permanent=classify_smtp(exc))
                for rest in jobs[index + 1:]:
                    release(rest, worker_id, exc)
                return sent
            except Exception as exc:  # noqa: BLE001 - unexpected error while sending this one message
                log.exception("delivery %s could not be sent", job.id)
                mark_error(job, worker_id, exc, permanent=False)
                continue
            if mark_sent(job, worker_id):
                sent += 1
    finally:
        if own is not None:
            own.close()
        elif session is None:
            try:
                connection.close()
            except (OSError, smtplib.SMTPException):
                pass
    return sent


def send_sms_batch(jobs: list[Job], worker_id: str) -> int:
    gateway = sms.get_gateway()
    limiter = limiter_for("sms")
    lease = services.setting("NOTIFY_LEASE_SECONDS", 120.0)
    renewed_at = time.monotonic()
    held = {j.id for j in jobs}
    sent = 0
    for index, job in enumerate(jobs):
        if time.monotonic() - renewed_at > lease / 4:
            renewed_at = time.monotonic()
            held = renew(jobs[index:], worker_id)
        if job.id not in held:
            continue
        heartbeat.keepalive()
        limiter.wait()
        try:
            text = render_job(job)["text"]
            gateway.send(job.address, text, reference=sms_request_id(job))
        except services.TemplateError as exc:
            mark_error(job, worker_id, exc, permanent=True)
        except sms.PermanentSmsError as exc:
            mark_error(job, worker_id, exc, permanent=True)
        except (sms.TemporarySmsError, OSError) as exc:
            mark_error(job, worker_id, exc, permanent=False)
        except Exception as exc:  # noqa: BLE001 - a poison message: counted, backed off, never the batch
            log.exception("SMS delivery %s failed unexpectedly", job.id)
            mark_error(job, worker_id, exc, permanent=False)
        else:
            if mark_sent(job, worker_id):
                sent += 1
    return sent


def process_batch(worker_id: str | None = None, limit: int | None = None, now: datetime | None = None,
                  session: SmtpSession | None = None) -> int:
    """Claim one batch and send it; returns the number claimed (0 = nothing due)."""
    worker_id = worker_id or worker_identity()
    limit = limit or int(services.setting("NOTIFY_BATCH_SIZE", 50, int))
    jobs = claim(worker_id, limit, now=now)
    if not jobs:
        return 0
    email_jobs = [j for j in jobs if j.channel == "email"]
    sms_jobs = [j for j in jobs if j.channel == "sms"]
    if email_jobs:
        send_email_batch(email_jobs, worker_id, session)
    if sms_jobs:
        send_sms_batch(sms_jobs, worker_id)
    return len(jobs)


_followup_at: datetime | None = None
_followup_lock = threading.Lock()


def run_until_idle(worker_id: str | None = None, max_batches: int | None = None) -> int:
    """Send batches until nothing is due; then ask the queue to wake us for the next due row."""
    from civic.extensions import huey

    worker_id = worker_id or worker_identity()
    total = batches = 0
    limit = int(services.setting("NOTIFY_BATCH_SIZE", 50, int))
    with request_context(), smtp_session() as session:
        while max_batches is None or batches < max_batches:
            claimed = process_batch(worker_id, limit=limit, session=session)
            if not claimed:
                break
            if claimed >= limit and batches == 0 and not huey.immediate:
                # A full batch means more is due (a campaign, a dead worker's claims taken
                # over): ask an idle worker thread to claim alongside this one.
                services.enqueue_delivery()
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


def _schedule_followup() -> None:
    """Retries and expired leases within the next minute get a scheduled wake-up; later ones
    are found by the minutely sweep."""
    global _followup_at
    from civic.extensions import huey

    if huey.immediate:
        return
    wake = services.next_wakeup()
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
    services.enqueue_delivery(delay=delay)
