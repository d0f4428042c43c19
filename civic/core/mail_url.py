"""MAIL_URL parsing, shared by the settings check (civic.config) and the mail transport."""

from __future__ import annotations

from urllib.parse import parse_qs, unquote, urlsplit


def parse_mail_url(url: str) -> dict:
    """``smtp://user:pass@host:587?starttls=1`` (or ``smtps://`` for implicit TLS) -> Flask-Mailman settings."""
    parts = urlsplit(url)
    if parts.scheme not in {"smtp", "smtps"}:
        raise ValueError(f"MAIL_URL must start with smtp:// or smtps://, not {parts.scheme}://")
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    truthy = {"1", "true", "yes", "on"}
    return {
        "MAIL_BACKEND": "smtp",
        "MAIL_SERVER": parts.hostname or "localhost",
        "MAIL_PORT": parts.port or (465 if parts.scheme == "smtps" else 25),
        "MAIL_USERNAME": unquote(parts.username) if parts.username else None,
        "MAIL_PASSWORD": unquote(parts.password) if parts.password else None,
        "MAIL_USE_TLS": query.get("starttls", "0").lower() in truthy,
        "MAIL_USE_SSL": parts.scheme == "smtps",
        "MAIL_TIMEOUT": float(query.get("timeout", "10")),
    }
