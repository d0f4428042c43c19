"""API: the citizen reception schedule (read only), from civic.schedule.services.reception."""

from __future__ import annotations

from datetime import date, timedelta

from flask import jsonify, request
from flask_babel import gettext as _

from civic.api import bp
from civic.api.common import json_error
from civic.core.permissions import public
from civic.core.timeutil import local_today


def _date_arg(name: str, default: date) -> date | None:
    raw = request.args.get(name)
    if not raw:
        return default
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return None


@bp.get("/reception")
@public
def reception_sessions():
    from civic.schedule.services import reception

    today = local_today()
    start = _date_arg("from", today)
    end = _date_arg("to", today + timedelta(weeks=reception.HORIZON_WEEKS) - timedelta(days=1))
    if start is None or end is None:
        return json_error(400, _("Dates are written YYYY-MM-DD."))
    if end < start:
        return json_error(400, _("The end date is before the start date."))
    if (end - start).days > 366:
        return json_error(400, _("Ask for at most one year at a time."))
    sessions = reception.sessions_between(start, end)
    upcoming = reception.next_session()
    return jsonify({
        "from": start.isoformat(),
        "to": end.isoformat(),
        "next": upcoming.as_dict() if upcoming else None,
        "sessions": [s.as_dict() for s in sessions],
    })


_ERR = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}

PATHS: dict = {
    "/reception": {
        "get": {
            "summary": "Citizen reception sessions (lịch tiếp công dân) with holiday moves and cancellations",
            "tags": ["schedule"],
            "parameters": [
                {"name": "from", "in": "query", "schema": {"type": "string", "format": "date"},
                 "description": "first day (default today, ward time)"},
                {"name": "to", "in": "query", "schema": {"type": "string", "format": "date"},
                 "description": "last day (default eight weeks on); at most one year"},
            ],
            "responses": {
                "200": {"description": "The sessions and the next one",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ReceptionPage"}}}},
                "400": {"description": "Bad dates", **_ERR},
            },
        },
    },
}

SCHEMAS: dict = {
    "ReceptionSession": {
        "type": "object",
        "properties": {
            "rule_id": {"type": "integer"},
            "post_id": {"type": "integer"},
            "post": {"type": "string"},
            "holder": {"type": ["string", "null"], "description": "who holds the post that day"},
            "original_date": {"type": "string", "format": "date"},
            "date": {"type": ["string", "null"], "format": "date", "description": "null when skipped or cancelled"},
            "starts_at": {"type": ["string", "null"], "format": "date-time"},
            "ends_at": {"type": ["string", "null"], "format": "date-time"},
            "place": {"type": "string"},
            "status": {"type": "string", "enum": ["scheduled", "moved", "skipped", "cancelled"]},
            "explanation": {"type": ["string", "null"]},
        },
        "required": ["rule_id", "post", "original_date", "date", "place", "status"],
    },
    "ReceptionPage": {
        "type": "object",
        "properties": {
            "from": {"type": "string", "format": "date"},
            "to": {"type": "string", "format": "date"},
            "next": {"oneOf": [{"$ref": "#/components/schemas/ReceptionSession"}, {"type": "null"}]},
            "sessions": {"type": "array", "items": {"$ref": "#/components/schemas/ReceptionSession"}},
        },
        "required": ["from", "to", "next", "sessions"],
    },
}
