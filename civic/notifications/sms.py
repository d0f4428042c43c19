"""SMS: a gateway interface, an HTTP adapter (SMS_GATEWAY_URL) and a file adapter by default.

Text is kept within two segments. Vietnamese with tone marks needs UCS-2 (70 characters a
segment, 67 when split); without marks GSM-7 fits 160 (153), so stripping marks is cheaper.
"""

from __future__ import annotations

import json
import os
import re
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app

from civic.core.text import strip_marks

MAX_SEGMENTS = 2
GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXT = set("^{}\\[~]|€")


# Typographic punctuation (Word, phones) outside GSM-7, spelled with GSM-7 characters so a
# stripped message never shows "?" where a dash or a quote was.
_PUNCTUATION = {
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2212": "-",
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u00b4": "'", "`": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2039": "<", "\u203a": ">", "\u2026": "...", "\u2022": "-", "\u00b7": "-", "\u2023": "-", "\u2043": "-",
    "\u00a0": " ", "\u202f": " ", "\u2007": " ", "\u2009": " ", "\u200a": " ", "\u2002": " ", "\u2003": " ",
    "\u3000": " ", "\u200b": "", "\u200c": "", "\u200d": "", "\u2060": "", "\ufeff": "", "\u00ad": "",
    "\u2192": "->", "\u2190": "<-", "\u00d7": "x", "\u20ab": "d", "\u2116": "No.", "\u00b0": " do",
    "\u00a9": "(c)", "\u00ae": "(R)", "\u2122": "TM", "\u00bd": "1/2", "\u00bc": "1/4", "\u00be": "3/4",
    "\u2264": "<=", "\u2265": ">=", "\u00b1": "+/-", "\t": " ",
}
_PUNCTUATION_TABLE = str.maketrans(_PUNCTUATION)


def gsm_punctuation(text: str) -> str:
    """``text`` with dashes, curly quotes, ellipses, special spaces, bullets etc. in GSM-7."""
    return (text or "").translate(_PUNCTUATION_TABLE)


class SmsError(Exception):
    pass


class TemporarySmsError(SmsError):
    pass


class PermanentSmsError(SmsError):
    pass


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7 or ch in GSM7_EXT for ch in text)


def septets(text: str) -> int:
    return sum(2 if ch in GSM7_EXT else 1 for ch in text)


def segments(text: str) -> int:
    """How many SMS segments ``text`` takes."""
    if is_gsm7(text):
        size = septets(text)
        return 1 if size <= 160 else -(-size // 153)
    units = len(text.encode("utf-16-le")) // 2
    return 1 if units <= 70 else -(-units // 67)


def _limit(text: str) -> int:
    return 153 * MAX_SEGMENTS if is_gsm7(text) else 67 * MAX_SEGMENTS


def fit(body: str, stop_url: str = "", strip: bool = False) -> str:
    """The SMS text (body + a short stop instruction) within two segments.

    Marks are stripped when asked, or when the accented text would not fit; the body is
    shortened with "..." only as a last resort, never the stop instruction.
    """
    body = " ".join((body or "").split())
    # Says what the link does: it stops messages. "Tu choi" read as "decline the invitation".
    stop = f" Ngung nhan tin: {stop_url}" if stop_url else ""

    def whole(b: str) -> str:
        return b + stop

    if not strip and segments(whole(body)) <= MAX_SEGMENTS:
        return whole(body)
    body = gsm_punctuation(strip_marks(body))
    if not is_gsm7(body):
        body = "".join(ch if (ch in GSM7 or ch in GSM7_EXT) else "?" for ch in body)
    if segments(whole(body)) <= MAX_SEGMENTS:
        return whole(body)
    room = _limit(whole(body)) - septets(stop)
    return whole(_shorten_keeping_links(body, room))


_LINK = re.compile(r"(https?://\S+)")


def _shorten_keeping_links(body: str, room: int) -> str:
    """Cut words, never a link (a cut personal link leads nowhere): the longest stretch of
    text loses its end first, marked with "..."."""
    parts = _LINK.split(body)  # odd indexes are links
    while septets("".join(parts)) > room:
        texts = [i for i in range(0, len(parts), 2) if parts[i].strip(" .") and not parts[i].endswith("... ")]
        if not texts:
            break
        i = max(texts, key=lambda k: septets(parts[k]))
        excess = septets("".join(parts)) - room
        text = parts[i]
        keep = text[: max(0, len(text) - excess - 4)].rstrip()
        parts[i] = (" " if i else "") + (keep + "... " if keep else "... ")
        if i == len(parts) - 1:
            parts[i] = parts[i].rstrip()
    shortened = "".join(parts)
    if septets(shortened) > room:  # links alone are too long: the old last resort
        while shortened and septets(shortened) > room - 3:
            shortened = shortened[: max(0, len(shortened) - max(1, septets(shortened) - room + 3))]
        shortened = shortened.rstrip() + "..."
    return " ".join(shortened.split())


class SmsGateway:
    def send(self, to: str, text: str, reference: str = "") -> None:  # pragma: no cover - interface
        raise NotImplementedError


class FileGateway(SmsGateway):
    """Writes one file per message to <data dir>/sms-outbox (the demo and development default)."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)

    def send(self, to: str, text: str, reference: str = "") -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        now = datetime.now(UTC)
        name = f"{now:%Y%m%dT%H%M%S%f}-{reference or os.getpid()}.txt"
        tmp = self.directory / ("." + name + ".tmp")
        tmp.write_text(f"To: {to}\nDate: {now.isoformat()}\nSegments: {segments(text)}\n\n{text}\n", encoding="utf-8")
        tmp.replace(self.directory / name)


class HttpGateway(SmsGateway):
    """POST JSON {to, text, request_id}: any 2xx is success, 5xx and timeouts are temporary, 4xx permanent."""

    def __init__(self, url: str, timeout: float = 10.0):
        if not url.startswith(("http://", "https://")):
            raise ValueError("SMS_GATEWAY_URL must be an http(s) URL")
        self.url = url
        self.timeout = timeout

    def send(self, to: str, text: str, reference: str = "") -> None:
        # ``reference`` is the delivery's stable id: sent as the request id (header and field) so a
        # gateway that honours it drops the repeat after a worker crash mid-send.
        payload = {"to": to, "text": text}
        headers = {"Content-Type": "application/json; charset=utf-8"}
        if reference:
            payload["request_id"] = reference
            headers["Idempotency-Key"] = reference
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        request = urllib.request.Request(  # noqa: S310 - scheme checked in __init__
            self.url, data=data, method="POST", headers=headers
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 - configured URL
                status = response.status
        except urllib.error.HTTPError as exc:
            if exc.code >= 500 or exc.code == 429:
                raise TemporarySmsError(f"gateway HTTP {exc.code}") from exc
            raise PermanentSmsError(f"gateway HTTP {exc.code}") from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise TemporarySmsError(f"gateway unreachable: {exc}") from exc
        if not 200 <= status < 300:
            raise TemporarySmsError(f"gateway HTTP {status}")


def sms_outbox_dir(app=None) -> Path:
    app = app or current_app
    return Path(app.config["CIVIC_DATA_DIR"]) / "sms-outbox"


def get_gateway() -> SmsGateway:
    url = current_app.config.get("SMS_GATEWAY_URL")
    if url:
        return HttpGateway(url, timeout=float(current_app.config.get("SMS_GATEWAY_TIMEOUT", 10)))
    return FileGateway(sms_outbox_dir())
