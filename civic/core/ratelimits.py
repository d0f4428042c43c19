"""Limits on public forms that send messages or take places (SMS pumping, filling an event).

Three kinds, all off when ``RATELIMIT_ENABLED`` is false and none for organizers, admins or
the API with an organizer's token (services called directly, e.g. the demo loader, pass no
client and are never limited):

- per client: ``public_form_limit(setting, default)`` is a Flask-Limiter decorator;
- per recipient: a daily count of messages public forms send to one phone or address
  (``recipient_allowed`` / ``count_message``, or the ``recipient_cap`` view decorator);
- per event: the seats one client may hold at one event (counted by the events domain,
  with ``client_key()`` to tell clients apart without storing their address).

Counts live in Flask-Limiter's storage: Redis when ``REDIS_URL`` is set, memory otherwise.
"""

from __future__ import annotations

import functools
import hashlib
import time

from flask import current_app, g, request
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from werkzeug.exceptions import TooManyRequests

from civic.core import permissions
from civic.core.permissions import Role, has_role
from civic.extensions import limiter

DEFAULTS = {
    "CIVIC_PUBLIC_FORM_RATE_LIMIT": "10 per minute;60 per hour",
    "CIVIC_MESSAGES_PER_RECIPIENT_PER_DAY": 5,
    "CIVIC_RSVP_SEATS_PER_CLIENT": 20,
}


def setting(name: str):
    value = current_app.config.get(name)
    return DEFAULTS[name] if value is None or value == "" else value


def enabled() -> bool:
    return bool(current_app.config.get("RATELIMIT_ENABLED", True))


def is_exempt() -> bool:
    """Organizers and admins (signed in, or by API token) are not limited."""
    if "civic_limit_exempt" in g:
        return g.civic_limit_exempt
    from flask_login import current_user

    exempt = has_role(current_user, Role.ORGANIZER)
    if not exempt and request.headers.get("Authorization", "").lower().startswith("bearer "):
        loader = permissions._api_user_loader
        exempt = loader is not None and has_role(loader(request), Role.ORGANIZER)
    g.civic_limit_exempt = exempt
    return exempt


def limited() -> bool:
    """True when this request is subject to the public-form limits."""
    return enabled() and not is_exempt()


def too_many(message: str | None = None, retry_after: int = 60):
    """429 with a Vietnamese message and Retry-After (page: error page; /api/: JSON)."""
    exc = TooManyRequests(description=message or _("Too many attempts. Please wait a moment and try again."),
                          retry_after=max(int(retry_after), 1))
    exc.civic_message = True
    raise exc


def _form_limit_message() -> str:
    return _("You have sent this form too many times. Please wait a little and try again.")


def public_form_limit(name: str = "CIVIC_PUBLIC_FORM_RATE_LIMIT", methods=("POST",)):
    """Per-client limit (by IP) on a public form that sends messages; the number is a setting."""
    DEFAULTS.setdefault(name, DEFAULTS["CIVIC_PUBLIC_FORM_RATE_LIMIT"])
    return limiter.limit(
        lambda: str(setting(name)),
        methods=list(methods),
        exempt_when=is_exempt,
        error_message=_form_limit_message,
        scope=name.lower(),
    )


def client_key() -> str | None:
    """The client of this request as a short keyed hash of its address (None when not limited)."""
    if not limited():
        return None
    secret = str(current_app.config.get("SECRET_KEY", ""))
    return hashlib.sha256(f"{secret}:{get_remote_address()}".encode()).hexdigest()[:32]


# --------------------------------------------------------------------------- per recipient


def _daily():
    from limits import RateLimitItemPerDay
    from limits.strategies import FixedWindowRateLimiter

    per_day = int(setting("CIVIC_MESSAGES_PER_RECIPIENT_PER_DAY"))
    return FixedWindowRateLimiter(limiter.storage), RateLimitItemPerDay(max(per_day, 1))


def _recipient_id(address: str) -> str:
    return hashlib.sha256(address.strip().lower().encode()).hexdigest()[:32]


def recipient_allowed(address: str | None) -> bool:
    """May a public form send one more message to ``address`` today?"""
    if not address or not limited() or int(setting("CIVIC_MESSAGES_PER_RECIPIENT_PER_DAY")) <= 0:
        return True
    strategy, item = _daily()
    return strategy.test(item, "civic-recipient", _recipient_id(address))


def count_message(address: str | None) -> bool:
    """Count one message to ``address``; False (nothing counted) when today's cap is reached."""
    if not address or not limited() or int(setting("CIVIC_MESSAGES_PER_RECIPIENT_PER_DAY")) <= 0:
        return True
    strategy, item = _daily()
    return strategy.hit(item, "civic-recipient", _recipient_id(address))


def recipient_retry_after(address: str) -> int:
    strategy, item = _daily()
    reset = strategy.get_window_stats(item, "civic-recipient", _recipient_id(address)).reset_time
    return max(int(reset - time.time()), 1)


def recipient_limit_message() -> str:
    return _("We have already sent several messages to this phone number or email address today. "
             "Please try again tomorrow.")


def check_recipient(address: str | None) -> None:
    """429 when today's cap for ``address`` is reached."""
    if address and not recipient_allowed(address):
        too_many(recipient_limit_message(), recipient_retry_after(address))


def recipient_cap(*fields: str):
    """View decorator for a public form that sends a message to the phone/email it was given.

    A POST naming an address that reached today's cap answers 429; a POST that succeeds
    (2xx/3xx) counts one message for each address it named.
    """
    fields = fields or ("email", "phone")

    def decorator(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            if request.method != "POST" or not limited():
                return view(*args, **kwargs)
            addresses = [_normalized(request.form.get(f, "")) for f in fields]
            addresses = [a for a in addresses if a]
            for address in addresses:
                check_recipient(address)
            response = current_app.make_response(view(*args, **kwargs))
            if response.status_code < 400:
                for address in addresses:
                    count_message(address)
            return response

        return wrapped

    return decorator


def _normalized(raw: str) -> str | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    if "@" in raw:
        return raw.lower()
    from civic.core.phone import InvalidPhone, normalize_phone

    try:
        return normalize_phone(raw)
    except InvalidPhone:
        return None
