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


# Optional settings, read from the environment when set (README: "Further settings").
OPTIONAL_SETTINGS = {
    "CIVIC_AUTH_RATE_LIMIT": str,
    "CIVIC_CONTACT_IMPORT_MAX_ROWS": int,
    "CIVIC_ELECTION_REMINDERS": _reminder_rules,
    "CIVIC_MAX_IMAGE_BYTES": int,
    "CIVIC_WARD_NAME": str,
    "CIVIC_WARD_CITY": str,
    "CIVIC_WARD_DISTRICT": str,
    "CIVIC_WARD_PLACE": str,
    "CIVIC_WARD_ADDRESS": str,
    "CIVIC_WARD_ISSUER_PARENT": str,
    "CIVIC_WARD_ISSUER": str,
    "CIVIC_WARD_ISSUER_NAME": str,
    "SMS_GATEWAY_TIMEOUT": float,
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
            raise ConfigError(f"{name}={raw!r} is not valid: {exc}") from exc
    return values


def _bool(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def load_config(overrides: dict | None = None) -> dict:
    """Build the app configuration from the environment, then ``overrides``."""
    env = os.environ
    overrides = dict(overrides or {})
    data_dir = Path(overrides.get("CIVIC_DATA_DIR") or env.get("CIVIC_DATA_DIR") or "instance").resolve()
    debug = _bool(env.get("FLASK_DEBUG")) or _bool(env.get("CIVIC_DEBUG"))
    cfg: dict = {
        "SECRET_KEY": env.get("SECRET_KEY", DEFAULT_SECRET_KEY),
        "CIVIC_DATA_DIR": str(data_dir),
        "SQLALCHEMY_DATABASE_URI": env.get("DATABASE_URL") or f"sqlite:///{data_dir / 'civic.sqlite3'}",
        "REDIS_URL": env.get("REDIS_URL") or None,
        "MAIL_URL": env.get("MAIL_URL") or None,
        "SMS_GATEWAY_URL": env.get("SMS_GATEWAY_URL") or None,
        "CIVIC_BASE_URL": (env.get("CIVIC_BASE_URL") or "http://127.0.0.1:5000").rstrip("/"),
        "CIVIC_TIMEZONE": env.get("CIVIC_TIMEZONE", "Asia/Ho_Chi_Minh"),
        "CIVIC_DEFAULT_LOCALE": env.get("CIVIC_DEFAULT_LOCALE", "vi"),
        "CIVIC_LOCALES": ("vi", "en"),
        "CIVIC_MAIL_FROM": env.get("CIVIC_MAIL_FROM", "Cổng thông tin phường <no-reply@phuong.local>"),
        "CIVIC_QUEUE_IMMEDIATE": _bool(env.get("CIVIC_QUEUE_IMMEDIATE")),
        "DEBUG": debug,
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
    }
    cfg.update(_optional_settings(env))
    cfg.update(overrides)
    if cfg.get("REDIS_URL") and "RATELIMIT_STORAGE_URI" not in overrides:
        cfg["RATELIMIT_STORAGE_URI"] = cfg["REDIS_URL"]
    cfg.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    cfg["BABEL_DEFAULT_LOCALE"] = cfg["CIVIC_DEFAULT_LOCALE"]
    if "SECRET_KEY" not in overrides and not env.get("SECRET_KEY"):
        key_file = data_dir / "secret_key"
        if key_file.exists():
            cfg["SECRET_KEY"] = key_file.read_text().strip()
    if cfg["SECRET_KEY"] == DEFAULT_SECRET_KEY and not (cfg["DEBUG"] or cfg["TESTING"]):
        raise ConfigError(
            "SECRET_KEY is not set: export SECRET_KEY or write one to "
            f"{data_dir / 'secret_key'} (make run does this for the demo)."
        )
    # Served over https means production: cookies only travel encrypted.
    cfg["CIVIC_HTTPS"] = cfg["CIVIC_BASE_URL"].startswith("https://")
    if cfg["CIVIC_HTTPS"]:
        cfg.setdefault("SESSION_COOKIE_SECURE", True)
        cfg.setdefault("REMEMBER_COOKIE_SECURE", True)
        cfg.setdefault("PREFERRED_URL_SCHEME", "https")
    cfg["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(cfg["SQLALCHEMY_DATABASE_URI"])
    return cfg


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
