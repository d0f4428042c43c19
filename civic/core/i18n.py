"""Locale selection: the visitor's choice (cookie), else Vietnamese."""

from __future__ import annotations

from flask import current_app, has_request_context, request

LOCALE_COOKIE = "civic_lang"


def select_locale() -> str:
    supported = current_app.config["CIVIC_LOCALES"]
    if not has_request_context():  # CLI commands and queue tasks speak the default language
        return current_app.config["CIVIC_DEFAULT_LOCALE"]
    chosen = request.args.get("lang") or request.cookies.get(LOCALE_COOKIE)
    if chosen in supported:
        return chosen
    return current_app.config["CIVIC_DEFAULT_LOCALE"]


def select_timezone() -> str:
    return current_app.config["CIVIC_TIMEZONE"]
