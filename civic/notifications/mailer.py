"""Mail transport configuration: SMTP from MAIL_URL, else .eml files in the data directory."""

from __future__ import annotations

import html
import os
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.header import decode_header, make_header
from email.parser import BytesHeaderParser, BytesParser
from email.utils import parsedate_to_datetime
from pathlib import Path

from flask import Flask, current_app
from flask_mailman.backends.base import BaseEmailBackend

from civic.core.mail_url import parse_mail_url  # noqa: F401 - re-exported for callers
from civic.notifications.models import Channel
from civic.notifications.sms import sms_outbox_dir


def outbox_dir(app: Flask) -> Path:
    return Path(app.config["CIVIC_DATA_DIR"]) / "outbox"


def configure_mail(app: Flask) -> None:
    app.config.setdefault("MAIL_DEFAULT_SENDER", app.config["CIVIC_MAIL_FROM"])
    if app.config.get("MAIL_URL"):
        for key, value in parse_mail_url(app.config["MAIL_URL"]).items():
            app.config.setdefault(key, value)
    else:
        app.config.setdefault("MAIL_BACKEND", "civic.notifications.mailer.EmlEmailBackend")
        app.config.setdefault("MAIL_FILE_PATH", str(outbox_dir(app)))


class EmlEmailBackend(BaseEmailBackend):
    """Writes each message as its own .eml file (what would have been sent), atomically."""

    def send_messages(self, email_messages) -> int:
        directory = Path(current_app.config["MAIL_FILE_PATH"])
        directory.mkdir(parents=True, exist_ok=True)
        count = 0
        for message in email_messages:
            data = message.message().as_bytes(linesep="\r\n")
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
            ref = message.extra_headers.get("X-Civic-Delivery") or uuid.uuid4().hex[:8]
            name = f"{stamp}-{ref}.eml"
            tmp = directory / f".{name}.tmp"
            tmp.write_bytes(data)
            os.replace(tmp, directory / name)
            count += 1
        return count


@dataclass
class OutboxItem:
    filename: str
    kind: str  # "email" | "sms"
    to: str
    subject: str
    date: str
    size: int

    @property
    def sent_at(self) -> datetime | None:
        """The Date header (RFC 2822) or the SMS file's ISO time, aware; None when unreadable."""
        return parse_outbox_date(self.date)


def parse_outbox_date(value: str | None) -> datetime | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        try:
            parsed = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
    # Whole seconds: <time datetime> allows at most three fraction digits.
    parsed = parsed.replace(microsecond=0)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _decoded(value) -> str:
    if value is None:
        return ""
    try:
        return str(make_header(decode_header(str(value))))
    except (ValueError, LookupError):
        return str(value)


def list_outbox(app: Flask, limit: int = 200) -> list[OutboxItem]:
    """Newest first: .eml files and SMS files the file transports wrote."""
    items: list[OutboxItem] = []
    mail_dir = Path(app.config.get("MAIL_FILE_PATH") or outbox_dir(app))
    files = sorted(mail_dir.glob("*.eml"), reverse=True)[:limit] if mail_dir.is_dir() else []
    parser = BytesHeaderParser(policy=policy.compat32)
    for path in files:
        with path.open("rb") as handle:
            headers = parser.parse(handle)
        items.append(OutboxItem(path.name, Channel.EMAIL, _decoded(headers.get("To")), _decoded(headers.get("Subject")),
                                _decoded(headers.get("Date")), path.stat().st_size))
    sms_dir = sms_outbox_dir(app)
    sms_files = sorted(sms_dir.glob("*.txt"), reverse=True)[:limit] if sms_dir.is_dir() else []
    for path in sms_files:
        text = path.read_text(encoding="utf-8")
        head, _sep, body = text.partition("\n\n")
        fields = dict(line.split(": ", 1) for line in head.splitlines() if ": " in line)
        items.append(OutboxItem(path.name, Channel.SMS, fields.get("To", ""), body.strip()[:160],
                                fields.get("Date", ""), path.stat().st_size))
    return items


_SAFE_NAME = re.compile(r"^[0-9A-Za-z_.-]+\.(eml|txt)$")


@dataclass
class OutboxEmail:
    """One written email as a reader sees it (headers decoded, the text part, attachment names)."""

    subject: str
    sender: str
    to: str
    date: datetime | None
    text: str
    attachments: list[str]


def parse_outbox_email(data: bytes) -> OutboxEmail:
    message = BytesParser(policy=policy.default).parsebytes(data)
    try:
        date = message["Date"].datetime if message["Date"] is not None else None
    except (AttributeError, TypeError, ValueError):
        date = None
    if date is not None and date.tzinfo is None:
        date = None  # "-0000" dates have no known zone: better none than a wrong hour
    text = ""
    body = message.get_body(preferencelist=("plain", "html"))
    if body is not None:
        try:
            text = body.get_content()
        except (LookupError, ValueError):
            text = body.get_payload(decode=True).decode("utf-8", "replace")
        if body.get_content_type() == "text/html":
            text = html.unescape(re.sub(r"<[^>]*>", " ", text))  # shown escaped as text, never as markup
    attachments = [part.get_filename() or part.get_content_type() for part in message.iter_attachments()] \
        if message.is_multipart() else []
    return OutboxEmail(subject=_decoded(message["Subject"]), sender=_decoded(message["From"]),
                       to=_decoded(message["To"]), date=date, text=text.strip(), attachments=attachments)


def read_outbox_file(app: Flask, filename: str) -> tuple[str, OutboxEmail | str] | None:
    """(kind, content) of one outbox file: an OutboxEmail or an SMS's text; None for an unknown or unsafe name."""
    if not _SAFE_NAME.match(filename or "") or filename.startswith("."):
        return None
    if filename.endswith(".eml"):
        path = Path(app.config.get("MAIL_FILE_PATH") or outbox_dir(app)) / filename
        if not path.is_file():
            return None
        return Channel.EMAIL, parse_outbox_email(path.read_bytes())
    path = sms_outbox_dir(app) / filename
    if not path.is_file():
        return None
    return Channel.SMS, path.read_text(encoding="utf-8")
