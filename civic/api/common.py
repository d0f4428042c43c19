"""Helpers every API module uses: JSON bodies (NFC), errors, pagination."""

from __future__ import annotations

from flask import jsonify, request
from flask_babel import gettext as _

from civic.core.errors import abort_with
from civic.core.text import nfc_deep


def json_body() -> dict:
    """The request's JSON object, every string NFC-normalised; 400 with a message otherwise."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        abort_with(400, _("The request body must be a JSON object."))
    return nfc_deep(data)


def json_error(code: int, message: str, **extra):
    return jsonify({"error": {"code": code, "message": message, **extra}}), code


def page_arg(default: int = 1) -> int:
    try:
        page = int(request.args.get("page", default))
    except (TypeError, ValueError):
        abort_with(400, _("The page number must be a whole number."))
    if page < 1 or page > 100_000:
        abort_with(400, _("The page number is out of range."))
    return page
