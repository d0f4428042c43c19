"""Configuration read from the environment (see the table in README.md)."""

from __future__ import annotations

import json
import os
from pathlib import Path

DEFAULT_SECRET_KEY = "dev-only-insecure-key"  # noqa: S105 - refused outside debug/testing


class ConfigError(RuntimeError):
    pass


def _reminder_rules(value: str) -> list:
    rules = json.loads(value)
    if not isinstance(rules, list) or not all(isinstance(rule, dict) for rule in rules):
        raise ValueError("a JSON list of objects")
    return rules


def _number(low: float, *, integer: bool = False, above: bool = False):
    """A parser for a number >= low (> low when ``above``)."""

    def parse(value):
        if isinstance(value, bool):
            raise ValueError("a number is needed")
        number = int(value) if integer else float(value)
        if integer and isinstance(value, float) and value != number:
            raise ValueError("a whole number is needed")
        if number != number or number in (float("inf"), float("-inf")):
            raise ValueError("a finite number is needed")
        if number < low or (above and number == low):
            raise ValueError(f"must be {'above' if above else 'at least'} {low:g}")
        return number

    return parse


def _flag(value) -> int:
    text = str(value).strip().lower()
    if text in {"1", "true", "yes", "on"}:
        return 1
    if text in {"0", "false", "no", "off"}:
        return 0
    raise ValueError("use 1 or 0")


def _mailto(value: str) -> str:
    text = str(value).strip().removeprefix("mailto:")
    local, at, domain = text.partition("@")
    if not (local and at and "." in domain) or any(ch.isspace() or ch in "<>?," for ch in text):
        raise ValueError("an e-mail address is needed")
    return text


def _http_url(value: str) -> str:
    from urllib.parse import urlsplit

    text = str(value).strip()
    parts = urlsplit(text)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValueError("an http:// or https:// URL is needed")
    parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    return text


def _mail_url(value: str) -> str:
    from civic.core.mail_url import parse_mail_url

    text = str(value).strip()
    parse_mail_url(text)  # ValueError for a wrong scheme, port or timeout
    return text


# Notification and transport settings: checked at start (env and config overrides alike), so a
# typo stops `civic db upgrade`, `civic worker` and gunicorn instead of crashing the worker later.
NOTIFY_SETTINGS = {
    "NOTIFY_EMAIL_RATE": _number(0),
    "NOTIFY_SMS_RATE": _number(0),
    "NOTIFY_BATCH_SIZE": _number(1, integer=True),
    "NOTIFY_LEASE_SECONDS": _number(0, above=True),
    "NOTIFY_HEARTBEAT_SECONDS": _number(0, above=True),
    "NOTIFY_MAX_ATTEMPTS": _number(1, integer=True),
    "NOTIFY_RETRY_BASE_SECONDS": _number(0),
    "NOTIFY_RETRY_MAX_SECONDS": _number(0),
    "NOTIFY_SMS_STRIP_MARKS": _flag,
    "NOTIFY_SMS_QUIET_HOURS": _flag,
    "NOTIFY_UNSUBSCRIBE_MAILTO": _mailto,
    "SMS_GATEWAY_URL": _http_url,
    "SMS_GATEWAY_TIMEOUT": _number(0, above=True),
    "MAIL_URL": _mail_url,
}


# Retention (issue 14): days personal data is kept; whole days, checked at start like the above.
RETENTION_SETTINGS = {
    "CIVIC_RETENTION_RSVP_DAYS": _number(1, integer=True),
    "CIVIC_RETENTION_SUBSCRIPTION_GRACE_DAYS": _number(0, integer=True),
    "CIVIC_RETENTION_OUTBOX_DAYS": _number(1, integer=True),
}
RETENTION_DEFAULTS = {
    "CIVIC_RETENTION_RSVP_DAYS": 90,
    "CIVIC_RETENTION_SUBSCRIPTION_GRACE_DAYS": 30,
    "CIVIC_RETENTION_OUTBOX_DAYS": 30,
}


# Optional settings, read from the environment when set (README: "Further settings").
OPTIONAL_SETTINGS = {
    "CIVIC_AUTH_RATE_LIMIT": str,
    "CIVIC_CONTACT_IMPORT_MAX_ROWS": int,
    "CIVIC_ELECTION_REMINDERS": _reminder_rules,
    "CIVIC_MAX_IMAGE_BYTES": int,
    "CIVIC_MESSAGES_PER_RECIPIENT_PER_DAY": int,
    "CIVIC_PAGE_CACHE_STORE": str,  # without REDIS_URL: "file" (default) or "memory"
    "CIVIC_PUBLIC_FORM_RATE_LIMIT": str,
    "CIVIC_RSVP_SEATS_PER_CLIENT": int,
    "CIVIC_WARD_NAME": str,
    "CIVIC_WARD_CITY": str,
    "CIVIC_WARD_DISTRICT": str,
    "CIVIC_WARD_PLACE": str,
    "CIVIC_WARD_ADDRESS": str,
    "CIVIC_WARD_ISSUER_PARENT": str,
    "CIVIC_WARD_ISSUER": str,
    "CIVIC_WARD_ISSUER_NAME": str,
    "CIVIC_WARD_SIGNER_TITLE": str,
    "CIVIC_WARD_SIGNER_NAME": str,
    **NOTIFY_SETTINGS,
    **RETENTION_SETTINGS,
}


def _optional_settings(env) -> dict:
    values = {}
    for name, parse in OPTIONAL_SETTINGS.items():
        raw = env.get(name, "").strip()
        if not raw:
            continue
        try:
            values[name] = parse(raw)
        except ValueError as exc:
            raise ConfigError(f"{name}={_shown(raw)!r} is not valid: {_one_line(exc)}") from exc
    return values


def _shown(value):
    """The value as the error message shows it: a password in a URL is masked."""
    import re

    return re.sub(r"(://[^:/@\s]*:)[^@/\s]*@", r"\1***@", value) if isinstance(value, str) else value


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _check_notify_overrides(cfg: dict) -> None:
    """Values given to create_app() directly go through the same checks as the environment's."""
    for name, parse in (NOTIFY_SETTINGS | RETENTION_SETTINGS).items():
        value = cfg.get(name)
        if value is None or value == "":
            continue
        try:
            cfg[name] = parse(value)
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"{name}={_shown(value)!r} is not valid: {_one_line(exc)}") from exc


def _bool(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def load_config(overrides: dict | None = None) -> dict:
    """Build the app configuration from the environment, then ``overrides``."""
    env = os.environ
    overrides = dict(overrides or {})
    data_dir = Path(overrides.get("CIVIC_DATA_DIR") or env.get("CIVIC_DATA_DIR") or "instance").resolve()
    cfg = _from_environment(env, data_dir)
    cfg.update(_optional_settings(env))
    # The anonymous page cache (civic.core.pagecache): on unless "0"/"off"; tests turn it on themselves.
    cfg["CIVIC_PAGE_CACHE"] = env.get("CIVIC_PAGE_CACHE") or ("0" if overrides.get("TESTING") else "1")
    cfg["CIVIC_PAGE_CACHE_TTL"] = env.get("CIVIC_PAGE_CACHE_TTL") or 300
    cfg["CIVIC_PAGE_CACHE_LAG"] = env.get("CIVIC_PAGE_CACHE_LAG") or 2
    cfg.update(overrides)
    _check_notify_overrides(cfg)
    _parse_page_cache(cfg)
    _derive_settings(cfg, overrides)
    _use_secret_key_file(cfg, env, overrides, data_dir)
    _use_https(cfg)
    cfg["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(cfg["SQLALCHEMY_DATABASE_URI"])
    return cfg


def _from_environment(env, data_dir: Path) -> dict:
    """The settings every install has, read from the environment or defaulted."""
    return {
        "SECRET_KEY": env.get("SECRET_KEY", DEFAULT_SECRET_KEY),
        "CIVIC_DATA_DIR": str(data_dir),
        "SQLALCHEMY_DATABASE_URI": env.get("DATABASE_URL") or f"sqlite:///{data_dir / 'civic.sqlite3'}",
        "REDIS_URL": env.get("REDIS_URL") or None,
        "MAIL_URL": None,
        "SMS_GATEWAY_URL": None,
        "CIVIC_BASE_URL": (env.get("CIVIC_BASE_URL") or "http://127.0.0.1:5000").rstrip("/"),
        "CIVIC_TIMEZONE": env.get("CIVIC_TIMEZONE", "Asia/Ho_Chi_Minh"),
        "CIVIC_DEFAULT_LOCALE": env.get("CIVIC_DEFAULT_LOCALE", "vi"),
        "CIVIC_LOCALES": ("vi", "en"),
        "CIVIC_MAIL_FROM": env.get("CIVIC_MAIL_FROM", "Cổng thông tin phường <no-reply@phuong.local>"),
        "CIVIC_QUEUE_IMMEDIATE": _bool(env.get("CIVIC_QUEUE_IMMEDIATE")),
        "DEBUG": _bool(env.get("FLASK_DEBUG")) or _bool(env.get("CIVIC_DEBUG")),
        "TESTING": False,
        "SQLALCHEMY_ENGINE_OPTIONS": {},
        "MAX_CONTENT_LENGTH": 40 * 1024 * 1024,
        "CIVIC_MAX_IMAGE_BYTES": 8 * 1024 * 1024,
        "WTF_CSRF_TIME_LIMIT": None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_HEADERS_ENABLED": True,
        "BABEL_DEFAULT_TIMEZONE": "UTC",
        **RETENTION_DEFAULTS,
    }


def _parse_page_cache(cfg: dict) -> None:
    for name, parse in (("CIVIC_PAGE_CACHE", _flag), ("CIVIC_PAGE_CACHE_TTL", _number(1, integer=True)),
                        ("CIVIC_PAGE_CACHE_LAG", _number(0))):
        try:
            cfg[name] = parse(cfg[name])
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"{name}={cfg[name]!r} is not valid: {_one_line(exc)}") from exc


def _derive_settings(cfg: dict, overrides: dict) -> None:
    """Settings that follow from others: the rate limiter's store and Babel's locale."""
    if cfg.get("REDIS_URL") and "RATELIMIT_STORAGE_URI" not in overrides:
        cfg["RATELIMIT_STORAGE_URI"] = cfg["REDIS_URL"]
    cfg.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    cfg["BABEL_DEFAULT_LOCALE"] = cfg["CIVIC_DEFAULT_LOCALE"]


def _use_secret_key_file(cfg: dict, env, overrides: dict, data_dir: Path) -> None:
    """The data dir's ``secret_key`` when none is given; refuse to start on the default outside debug."""
    if "SECRET_KEY" not in overrides and not env.get("SECRET_KEY"):
        key_file = data_dir / "secret_key"
        if key_file.exists():
            cfg["SECRET_KEY"] = key_file.read_text().strip()
    if cfg["SECRET_KEY"] == DEFAULT_SECRET_KEY and not (cfg["DEBUG"] or cfg["TESTING"]):
        raise ConfigError(
            "SECRET_KEY is not set: export SECRET_KEY or write one to "
            f"{data_dir / 'secret_key'} (make run does this for the demo)."
        )


def _use_https(cfg: dict) -> None:
    # Served over https means production: cookies only travel encrypted.
    cfg["CIVIC_HTTPS"] = cfg["CIVIC_BASE_URL"].startswith("https://")
    if cfg["CIVIC_HTTPS"]:
        cfg.setdefault("SESSION_COOKIE_SECURE", True)
        cfg.setdefault("REMEMBER_COOKIE_SECURE", True)
        cfg.setdefault("PREFERRED_URL_SCHEME", "https")


DEFAULT_WARD_NAME = "Phường Hòa Bình"


def ward_settings(cfg) -> dict[str, str]:
    """The one ward the portal serves: its names for the header, footer, page titles, letters and
    the demo content. Every value comes from CIVIC_WARD_* (README), else derives from the name."""
    ward = (cfg.get("CIVIC_WARD_NAME") or DEFAULT_WARD_NAME).strip()
    head, _sep, rest = ward.partition(" ")
    is_ward_word = head.casefold() == "phường" and rest
    place = cfg.get("CIVIC_WARD_PLACE") or (rest if is_ward_word else ward)
    return {
        "ward_name": ward,
        # Inside a sentence: "cử tri phường Hòa Bình".
        "ward_lower": ("phường " + rest) if is_ward_word else ward,
        "place": place,
        "city": cfg.get("CIVIC_WARD_CITY") or "Thành phố Hà Nội",
        "district": cfg.get("CIVIC_WARD_DISTRICT") or "Quận Thanh Xuân",
        "address": cfg.get("CIVIC_WARD_ADDRESS") or f"Số 12 phố {place}, {ward}",
        "issuer_parent": cfg.get("CIVIC_WARD_ISSUER_PARENT") or "ĐẢNG ỦY – HĐND – UBND – UBMTTQ",
        "issuer": cfg.get("CIVIC_WARD_ISSUER") or "UBND " + ward.upper(),
        "issuer_name": cfg.get("CIVIC_WARD_ISSUER_NAME")
        or "Ủy ban nhân dân " + (("phường " + rest) if is_ward_word else ward),
    }


def fill_ward(text: str, ward: dict[str, str]) -> str:
    """Demo text written with {ward}, {ward_lower}, {place}: the configured ward's names."""
    return (text.replace("{ward}", ward["ward_name"]).replace("{ward_lower}", ward["ward_lower"])
            .replace("{place}", ward["place"]))


def normalise_database_url(url: str) -> str:
    """Let ``postgres://`` and ``postgresql://`` URLs use the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url
