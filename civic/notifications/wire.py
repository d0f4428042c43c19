"""E-mail as it goes out: headers, the MIME structure serialised once per message, and one SMTP
connection kept open across the batches of a sending run."""

from __future__ import annotations

import base64
import contextlib
import functools
import re
import secrets
import smtplib
import time
from dataclasses import dataclass
from email.header import Header
from email.message import Message
from email.utils import encode_rfc2231, format_datetime, formataddr, parseaddr

from flask import current_app
from flask_mailman import EmailMultiAlternatives
from flask_mailman.backends.smtp import EmailBackend as SmtpBackend
from flask_mailman.message import sanitize_address

from civic.core.timeutil import utcnow
from civic.extensions import mail
from civic.notifications.claims import Job
from civic.notifications.settings import setting


@dataclass
class WireMessage:
    """One message as it goes on the wire: envelope sender, recipients and the RFC 5322 bytes."""

    from_addr: str
    to: list[str]
    data: bytes


_CRLF_RE = re.compile(r"\r\n|\r|\n")


# A campaign's subjects repeat (a template, a few values): encoded once each.
@functools.lru_cache(maxsize=512)
def _header_value(name: str, value: str) -> str:
    """A header's value, RFC 2047-encoded (and folded) when it is not plain ASCII; never a line break."""
    value = " ".join(_CRLF_RE.split(value))
    if value.isascii():
        return value
    return Header(value, "utf-8", header_name=name).encode(linesep="\r\n")


def _address(name: str | None, address: str) -> str:
    if not address.isascii():
        return sanitize_address((name or "", address), "utf-8")
    return formataddr((name, address), charset="utf-8") if name else address


def _text_part(subtype: str, text: str) -> bytes:
    body = "\r\n".join(_CRLF_RE.split(text)).encode("utf-8")
    head = f'Content-Type: text/{subtype}; charset="utf-8"\r\nMIME-Version: 1.0\r\n'
    # A body of at most 998 bytes has no longer line (measuring every line cost more than the rest).
    if len(body) <= 998 or max(map(len, body.split(b"\r\n"))) <= 998:
        return (head + "Content-Transfer-Encoding: 8bit\r\n\r\n").encode() + body
    return (head + "Content-Transfer-Encoding: base64\r\n\r\n").encode() + base64.encodebytes(body).replace(
        b"\n", b"\r\n")


def _attachment_part(att) -> bytes:
    name = att.filename if att.filename.isascii() else None
    disposition = (f'attachment; filename="{name}"' if name
                   else f"attachment; filename*={encode_rfc2231(att.filename, 'utf-8')}")
    head = (f"Content-Type: {att.mimetype}\r\nMIME-Version: 1.0\r\nContent-Transfer-Encoding: base64\r\n"
            f"Content-Disposition: {disposition}\r\n\r\n")
    return head.encode() + base64.encodebytes(bytes(att.content)).replace(b"\n", b"\r\n")


def _multipart(subtype: str, parts: list[bytes]) -> tuple[str, bytes]:
    boundary = f"===============civic{secrets.token_hex(10)}=="
    body = b"".join(b"--" + boundary.encode() + b"\r\n" + part + b"\r\n" for part in parts)
    return f'multipart/{subtype}; boundary="{boundary}"', body + b"--" + boundary.encode() + b"--\r\n"


def message_domain() -> str:
    _name, address = parseaddr(current_app.config.get("MAIL_DEFAULT_SENDER") or "")
    return address.rpartition("@")[2] or "civic.local"


def job_headers(job: Job, parts: dict, domain: str | None = None) -> dict:
    # Same Message-ID on a re-send after a crash, so mail clients can fold a rare duplicate.
    headers = {
        "Message-ID": f"<delivery-{job.id}.c{job.campaign_id}@{domain or message_domain()}>",
        "X-Civic-Delivery": str(job.id),
        "Date": format_datetime(utcnow()),  # "+0000", not the "-0000" (zone unknown) default
    }
    if parts["unsubscribe_url"]:
        headers["List-Unsubscribe"] = f"<{parts['unsubscribe_url']}>"
        mailto = setting("NOTIFY_UNSUBSCRIBE_MAILTO", "", str)
        if mailto:
            headers["List-Unsubscribe"] += f", <mailto:{mailto}?subject=unsubscribe>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return headers


class CivicEmail(EmailMultiAlternatives):
    """Flask-Mailman's message (file and test backends) with a cleanly folded non-ASCII subject."""

    def message(self):
        msg = super().message()
        if not self.subject.isascii():
            # Flask-Mailman folds a long encoded subject after an empty first line, which
            # strict parsers decode with a leading space; name the header so it folds cleanly.
            del msg["Subject"]
            Message.__setitem__(msg, "Subject", Header(self.subject, "utf-8", header_name="Subject"))
        return msg


def mailman_message(job: Job, parts: dict, connection) -> CivicEmail:
    to = formataddr((job.name, job.address)) if job.name else job.address
    message = CivicEmail(
        subject=parts["subject"], body=parts["text"], from_email=current_app.config["MAIL_DEFAULT_SENDER"],
        to=[to], headers=job_headers(job, parts), connection=connection,
    )
    message.attach_alternative(parts["html"], "text/html")
    for att in job.attachments:
        message.attach(att.filename, att.content, att.mimetype)
    return message


def classify_smtp(exc: Exception) -> bool:
    """True when permanent (5xx); everything else (4xx, network) is temporary."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _msg in exc.recipients.values()]
        return bool(codes) and all(code >= 500 for code in codes)
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code >= 500
    return False


def uses_smtp(backend) -> bool:
    return isinstance(backend, SmtpBackend)


class SmtpSession:
    """One SMTP connection kept open across the batches of a sending run, and what every message
    of the run shares (the sender encoded once, the Message-ID domain, each attachment encoded once).

    Messages are serialised here and handed to smtplib as bytes: the same structure as Flask-
    Mailman's (multipart/alternative text and HTML, attachments in multipart/mixed) without
    re-parsing the sender and re-folding every header of every message.
    """

    def __init__(self):
        self.backend = mail.get_connection(fail_silently=False)
        name, address = parseaddr(current_app.config["MAIL_DEFAULT_SENDER"])
        self.envelope_from = address
        self.from_header = _address(name or None, address)
        self.domain = message_domain()
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

    def _attachment(self, job: Job, index: int, att) -> bytes:
        key = (job.campaign_id, index, att.filename, len(att.content))
        encoded = self._attachments.get(key)
        if encoded is None:
            if len(self._attachments) > 64:
                self._attachments.clear()
            encoded = self._attachments[key] = _attachment_part(att)
        return encoded

    def _body(self, job: Job, parts: dict) -> tuple[str, bytes]:
        alternative = _multipart("alternative", [_text_part("plain", parts["text"]), _text_part("html", parts["html"])])
        if not job.attachments:
            return alternative
        pieces = [f"Content-Type: {alternative[0]}\r\nMIME-Version: 1.0\r\n\r\n".encode() + alternative[1]]
        pieces.extend(self._attachment(job, index, att) for index, att in enumerate(job.attachments))
        return _multipart("mixed", pieces)

    def wire(self, job: Job, parts: dict) -> WireMessage:
        content_type, body = self._body(job, parts)
        headers = {"Subject": _header_value("Subject", parts["subject"]), "From": self.from_header,
                   "To": _address(job.name, job.address)}
        headers.update(job_headers(job, parts, self.domain))
        headers["MIME-Version"] = "1.0"
        headers["Content-Type"] = content_type
        head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        return WireMessage(self.envelope_from, [envelope_to(job)], head.encode("ascii") + b"\r\n" + body)

    def send(self, message) -> None:
        if isinstance(message, WireMessage):
            self.start(message)
            self.finish()
            return
        if not self.backend.send_messages([message]):
            raise smtplib.SMTPServerDisconnected("the message was not accepted")

    def start(self, message: WireMessage) -> None:
        """MAIL, RCPT, DATA and the message, without waiting for the server's verdict on it:
        the caller builds the next message meanwhile, then calls ``finish()``. Raises as
        smtplib's sendmail does for a refusal before the message went out."""
        if self.smtp is None:
            self.open()
        smtp = self.smtp
        smtp.ehlo_or_helo_if_needed()
        options = f" size={len(message.data)}" if smtp.does_esmtp and smtp.has_extn("size") else ""
        code, reply = smtp.docmd("mail", f"FROM:{_quoted(message.from_addr)}{options}")
        if code != 250:
            self._refused(code)
            raise smtplib.SMTPSenderRefused(code, reply, message.from_addr)
        refused = {}
        for rcpt in message.to:
            code, reply = smtp.docmd("rcpt", f"TO:{_quoted(rcpt)}")
            if code not in (250, 251):
                refused[rcpt] = (code, reply)
                if code == 421:
                    smtp.close()
                    raise smtplib.SMTPRecipientsRefused(refused)
        if refused:  # one recipient a message: refused means none took it
            self._refused(0)
            raise smtplib.SMTPRecipientsRefused(refused)
        code, reply = smtp.docmd("data")
        if code != 354:
            raise smtplib.SMTPDataError(code, reply)
        data = _DOT_RE.sub(b"..", message.data)
        if not data.endswith(b"\r\n"):
            data += b"\r\n"
        smtp.send(data + b".\r\n")

    # The same transaction in steps, each sending a command and leaving its reply to the next,
    # so the caller works while the server answers. No SIZE on MAIL: it goes before the message
    # is built (the server still enforces its limit at DATA).

    def mail(self, from_addr: str) -> None:
        """Sends MAIL FROM; never raises (a broken connection is raised by ``rcpt``)."""
        self._step_error = None
        try:
            if self.smtp is None:
                self.open()
            self.smtp.ehlo_or_helo_if_needed()
            self.smtp.putcmd("mail", f"FROM:{_quoted(from_addr)}")
        except (OSError, smtplib.SMTPException) as exc:
            self._step_error = exc
        self._mail_from = from_addr

    def rcpt(self, address: str) -> None:
        """MAIL's reply, then sends RCPT TO."""
        if self._step_error is not None:
            raise self._step_error
        code, reply = self.smtp.getreply()
        if code != 250:
            self._refused(code)
            raise smtplib.SMTPSenderRefused(code, reply, self._mail_from)
        self._rcpt = address
        self.smtp.putcmd("rcpt", f"TO:{_quoted(address)}")

    def data(self, message: WireMessage) -> None:
        """RCPT's reply, DATA and the message; its verdict is ``finish()``'s."""
        self.ask_data()
        self.payload(message)

    def ask_data(self) -> None:
        """RCPT's reply, then sends DATA (its 354 is ``payload()``'s to read)."""
        code, reply = self.smtp.getreply()
        if code not in (250, 251):
            if code == 421:
                self.smtp.close()
            else:
                self._refused(0)
            raise smtplib.SMTPRecipientsRefused({self._rcpt: (code, reply)})
        self.smtp.putcmd("data")

    def payload(self, message: WireMessage) -> None:
        """DATA's 354, then the message; its verdict is ``finish()``'s."""
        code, reply = self.smtp.getreply()
        if code != 354:
            raise smtplib.SMTPDataError(code, reply)
        data = _DOT_RE.sub(b"..", message.data)
        if not data.endswith(b"\r\n"):
            data += b"\r\n"
        self.smtp.send(data + b".\r\n")

    def abandon(self) -> None:
        """After ``rcpt``, when the message cannot be built: RCPT's reply, then RSET."""
        try:
            self.smtp.getreply()
            self.smtp.rset()
        except (OSError, smtplib.SMTPException):
            self.close()

    def drop(self) -> None:
        """After ``ask_data``, when the message cannot be built: the server now reads a message
        (a QUIT would be read as the message), so the socket is shut without one and the
        message never ends; the next MAIL opens another connection."""
        if self.smtp is not None:
            self.smtp.close()
        self.backend.connection = None

    def finish(self) -> None:
        """The server's verdict on the message ``start()`` sent; returns once it is accepted."""
        code, reply = self.smtp.getreply()
        self._used = time.monotonic()
        if code != 250:
            self._refused(code)
            raise smtplib.SMTPDataError(code, reply)

    def _refused(self, code: int) -> None:
        """After a refusal, as smtplib does: 421 closes, anything else resets the transaction."""
        if code == 421:
            self.smtp.close()
            return
        with contextlib.suppress(smtplib.SMTPServerDisconnected):
            self.smtp.rset()


def envelope_to(job: Job) -> str:
    """The RCPT address of a delivery (known before its message is built)."""
    if not job.address.isascii():  # an IDN domain: punycode, as Flask-Mailman's backend does
        return sanitize_address(job.address, "utf-8")
    return job.address


_DOT_RE = re.compile(rb"(?m)^\.")
_PLAIN_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9.-]+")


def _quoted(address: str) -> str:
    """``<address>`` as smtplib.quoteaddr writes it, without its parser for a plain address."""
    return f"<{address}>" if _PLAIN_ADDRESS.fullmatch(address) else smtplib.quoteaddr(address)


@contextlib.contextmanager
def smtp_session():
    """An SmtpSession for a sending run when mail goes over SMTP (else None: the backend's own path)."""
    if not uses_smtp(mail.get_connection(fail_silently=False)):
        yield None
        return
    session = SmtpSession()
    try:
        yield session
    finally:
        session.close()
