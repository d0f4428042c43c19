"""Templates and what fills them: placeholders, the values a recipient brings, and the message
(subject, text, HTML, SMS) as it goes out.

Both the ledger (checking templates before anything is written, previews, titles) and the
worker (rendering each delivery) use it; it knows nothing of either.
"""

from __future__ import annotations

import html
import json
import re
import string
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup, escape

from civic.core.text import nfc
from civic.notifications import sms
from civic.notifications.models import Channel
from civic.notifications.settings import setting

# Placeholders every template may use besides the recipient's own context.
BUILTIN_PLACEHOLDERS = ("name", "email", "phone", "unsubscribe_url")


class NotificationError(ValueError):
    """A rule was broken; ``str(exc)`` is a translated, user-facing message."""


class TemplateError(NotificationError):
    """A template cannot be rendered for a recipient (unknown placeholder, bad braces)."""


@dataclass
class Recipient:
    key: str
    name: str | None = None
    email: str | None = None
    phone: str | None = None
    context: dict = field(default_factory=dict)


@dataclass
class Attachment:
    filename: str
    mimetype: str
    content: bytes


# --------------------------------------------------------------------------- templates

_formatter = string.Formatter()


def placeholders(template: str | None) -> list[str]:
    """The root names a ``str.format`` template uses; TemplateError on broken braces."""
    if not template:
        return []
    try:
        names = []
        for _literal, field_name, _spec, _conv in _formatter.parse(template):
            if field_name is None:
                continue
            root = field_name.split(".", 1)[0].split("[", 1)[0]
            if root == "" or root.isdigit():
                raise TemplateError(_("Placeholders must have a name, for example {name}."))
            names.append(root)
        return names
    except ValueError as exc:
        if isinstance(exc, TemplateError):
            raise
        raise TemplateError(
            _("The template has an unmatched brace { or }. Write {{ or }} for a literal brace.")
        ) from exc


def render(template: str | None, values: dict) -> str:
    """Fill ``template``; TemplateError names the first unknown placeholder."""
    if not template:
        return ""
    for name in placeholders(template):
        if name not in values:
            raise TemplateError(
                _("The template uses an unknown placeholder {%(name)s}. Available: %(available)s.",
                  name=name, available=", ".join("{" + k + "}" for k in sorted(values)))
            )
    try:
        return template.format(**values)
    except (ValueError, KeyError, IndexError, AttributeError, TypeError) as exc:
        raise TemplateError(_("The template could not be filled in: %(error)s", error=str(exc))) from exc


def template_values(name: str | None, email: str | None, phone: str | None, context: dict,
                    unsubscribe_url: str = "") -> dict:
    values = {"name": name or "", "email": email or "", "phone": phone or "", "unsubscribe_url": unsubscribe_url}
    values.update(context or {})
    return values


def jsonable(context: dict) -> dict:
    """Context is stored as JSON: dates and other objects become their text."""
    return json.loads(json.dumps(context or {}, default=str, ensure_ascii=False))


def check_templates(subject, body_text, body_html, sms_text, channels, recipient: Recipient) -> dict:
    """Render every template for one recipient; returns the rendered parts (a preview)."""
    values = template_values(recipient.name, recipient.email, recipient.phone, jsonable(recipient.context),
                             unsubscribe_url="https://example.invalid/u")
    out = {"subject": " ".join(render(subject, values).split()), "body_text": render(body_text, values)}
    out["body_html"] = render(body_html, values) if body_html else None
    out["sms_text"] = render(sms_text, values) if Channel.SMS in channels else None
    return out


# --------------------------------------------------------------------------- titles


class _Shared(dict):
    """Template values for a title: a placeholder that differs between recipients reads "…"."""

    def __missing__(self, key):
        return "…"


def shared_values(recipients) -> dict:
    """The template values (context, name, email, phone) equal for every recipient."""
    shared: dict | None = None
    for recipient in recipients:
        values = template_values(recipient.name, recipient.email, recipient.phone, jsonable(recipient.context))
        values.pop("unsubscribe_url", None)
        if shared is None:
            shared = values
        else:
            shared = {k: v for k, v in shared.items() if k in values and values[k] == v}
        if not shared:
            break
    return shared or {}


def campaign_title(subject: str, recipients) -> str:
    """The subject filled with the shared values, on one line: a human name for the campaign."""
    try:
        text = (subject or "").format_map(_Shared(shared_values(recipients)))
    except (ValueError, KeyError, IndexError, AttributeError, TypeError):
        text = subject or ""
    return " ".join(nfc(text).split())[:300]


# --------------------------------------------------------------------------- the message

_URL_RE = re.compile(r"https?://[^\s<>\"]+")


def text_to_html(text: str) -> Markup:
    """Plain text -> paragraphs with line breaks and clickable links (everything escaped)."""
    paragraphs = []
    for block in re.split(r"\n\s*\n", text.strip()):
        escaped = html.escape(block)
        linked = _URL_RE.sub(lambda m: f'<a href="{m.group(0)}">{m.group(0)}</a>', escaped)
        paragraphs.append("<p>" + linked.replace("\n", "<br>\n") + "</p>")
    return Markup("\n".join(paragraphs))  # noqa: S704 - every piece was escaped above


def unsubscribe_line() -> str:
    return _("To stop receiving these messages:")


def site_name() -> str:
    return _("Ward portal")


class _Frame:
    """The e-mail document with its per-message holes, rendered once per template and locale.

    Every per-message value reaches the template as a plain autoescaped ``{{ … }}``, so filling
    the holes with the escaped values gives the bytes a full render gives; a probe render checks
    that when the frame is built, and a template that does more with a value is rendered whole.
    """

    _HOLES = {"subject": "\x00civic-subject\x00", "body": "\x00civic-body\x00", "unsubscribe_url": "\x00civic-unsub\x00"}
    _HOLE_RE = re.compile("(" + "|".join(map(re.escape, _HOLES.values())) + ")")
    _NAMES = {v: k for k, v in _HOLES.items()}

    def __init__(self, template, with_unsubscribe: bool):
        self.template = template
        self.unsubscribe_line = unsubscribe_line()
        self.site_name = site_name()
        holes = {k: Markup(v) for k, v in self._HOLES.items()}  # noqa: S704 - fixed markers, no input
        if not with_unsubscribe:
            holes["unsubscribe_url"] = ""
        pieces = self._HOLE_RE.split(template.render(site_name=self.site_name, **holes))
        self.pieces = [(self._NAMES[p], None) if p in self._NAMES else (None, p) for p in pieces]
        probe = {"subject": "<S&\"'>", "body": Markup("<p>b</p>"),  # noqa: S704 - a fixed probe
                 "unsubscribe_url": "https://x.invalid/?a=1&b=<2>" if with_unsubscribe else ""}
        self.exact = self.fill(probe) == self.render(probe)

    def render(self, values: dict) -> str:
        return self.template.render(site_name=self.site_name, **values)

    def fill(self, values: dict) -> str:
        return "".join(piece if name is None else str(escape(values[name])) for name, piece in self.pieces)


_frames: dict[tuple, _Frame] = {}


def _frame(with_unsubscribe: bool) -> _Frame:
    template = current_app.jinja_env.get_template("notifications/email.html")
    key = (template, str(get_locale()), with_unsubscribe)
    frame = _frames.get(key)
    if frame is None:
        if len(_frames) > 32:  # templates reloaded in debug: drop the old ones
            _frames.clear()
        frame = _frames[key] = _Frame(template, with_unsubscribe)
    return frame


def render_email(subject: str, body_text: str, body_html: str | None, values: dict,
                 unsubscribe_url: str = "") -> dict:
    """Subject, text (with the unsubscribe footer) and HTML document of one e-mail.
    ``values`` come from ``template_values``; an empty ``unsubscribe_url`` means no footer."""
    subject = " ".join(render(subject, values).split())
    text = render(body_text, values)
    # Values are escaped before they go into a caller's HTML template.
    filled_html = render(body_html, {k: (escape(v) if isinstance(v, str) else v) for k, v in values.items()}) \
        if body_html else None
    body = Markup(filled_html) if filled_html else text_to_html(text)  # noqa: S704 - trusted template, escaped values
    frame = _frame(bool(unsubscribe_url))
    parts = {"subject": subject, "body": body, "unsubscribe_url": unsubscribe_url}
    html_doc = frame.fill(parts) if frame.exact else frame.render(parts)
    footer_text = "\n\n--\n" + frame.unsubscribe_line + " " + unsubscribe_url if unsubscribe_url else ""
    return {"subject": subject, "text": text + footer_text, "html": html_doc, "unsubscribe_url": unsubscribe_url}


def render_sms(sms_text: str | None, values: dict, stop_url: str = "") -> dict:
    """The SMS as sent: filled, fitted to its segments, with the stop link when there is one."""
    text = sms.fit(render(sms_text, values), stop_url=stop_url,
                   strip=bool(setting("NOTIFY_SMS_STRIP_MARKS", 0, int)))
    return {"text": text}


def render_message(channel: str, recipient: Recipient, *, subject: str = "", body_text: str = "",
                   body_html: str | None = None, sms_text: str | None = None, unsubscribe_url: str = "") -> dict:
    """One message as a recipient would read it, without writing or sending anything: what the
    domains that own a text (events, accounts, privacy…) snapshot-test, in the same shape as
    the worker's rendering of a delivery."""
    context = jsonable(recipient.context)
    if channel == Channel.EMAIL:
        values = template_values(recipient.name, recipient.email, None, context, unsubscribe_url)
        return render_email(subject, body_text, body_html, values, unsubscribe_url)
    values = template_values(recipient.name, None, recipient.phone, context, unsubscribe_url)
    return render_sms(sms_text, values, unsubscribe_url)
