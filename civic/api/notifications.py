"""API: notifications. Routes call civic.notifications.services, the same services as the pages."""

from __future__ import annotations

from flask import g, jsonify
from flask_babel import gettext as _

from civic.api import bp
from civic.api.common import json_error, page_arg
from civic.core.permissions import Role, token_required
from civic.core.timeutil import isoformat_local
from civic.extensions import db
from civic.notifications import services
from civic.notifications.models import Channel, DeliveryStatus


def campaign_dict(campaign, progress: dict) -> dict:
    return {
        "id": campaign.id, "kind": campaign.kind, "topic": campaign.topic, "subject": campaign.subject,
        "channels": campaign.channel_list, "send_at": isoformat_local(campaign.send_at),
        "urgent": campaign.urgent, "recipients": campaign.recipient_count, "progress": progress,
    }


@bp.get("/campaigns")
@token_required(Role.ORGANIZER)
def list_campaigns():
    page = db.paginate(services.campaigns_query(g.api_user), page=page_arg(), per_page=30, error_out=False)
    counts = services.status_counts([c.id for c in page.items])
    items = []
    for campaign in page.items:
        c = counts[campaign.id]
        total = sum(c.values())
        done = services.finished_count(c)
        items.append(campaign_dict(campaign, {"total": total, "done": done, "counts": c,
                                              "finished": total == done}))
    return jsonify({"items": items, "page": page.page, "pages": page.pages, "total": page.total})


@bp.get("/campaigns/<int:campaign_id>")
@token_required(Role.ORGANIZER)
def get_campaign(campaign_id: int):
    campaign = services.get_campaign_for(g.api_user, campaign_id)
    if campaign is None:
        return json_error(404, _("We could not find this campaign."))
    return jsonify(campaign_dict(campaign, services.progress(campaign)))


@bp.post("/campaigns/<int:campaign_id>/retry-failed")
@token_required(Role.ORGANIZER)
def retry_campaign(campaign_id: int):
    campaign = services.get_campaign_for(g.api_user, campaign_id)
    if campaign is None:
        return json_error(404, _("We could not find this campaign."))
    return jsonify({"retried": services.retry_failed(campaign)})


_ERR = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
_CAMPAIGN = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Campaign"}}}}
_ID = {"name": "campaign_id", "in": "path", "required": True, "schema": {"type": "integer"}}

PATHS: dict = {
    "/campaigns": {
        "get": {
            "summary": "Campaigns: all for admins, their own for organizers, with counts by status",
            "tags": ["notifications"], "security": [{"bearer": []}],
            "parameters": [{"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}}],
            "responses": {
                "200": {"description": "A page of campaigns", "content": {"application/json": {"schema": {
                    "type": "object", "properties": {
                        "items": {"type": "array", "items": {"$ref": "#/components/schemas/Campaign"}},
                        "page": {"type": "integer"}, "pages": {"type": "integer"}, "total": {"type": "integer"}}}}}},
                "400": {"description": "Bad page number", **_ERR},
                "401": {"description": "No token", **_ERR}, "403": {"description": "Not an organizer", **_ERR},
            },
        },
    },
    "/campaigns/{campaign_id}": {
        "get": {
            "summary": "One campaign with its delivery progress",
            "tags": ["notifications"], "security": [{"bearer": []}], "parameters": [_ID],
            "responses": {
                "200": {"description": "The campaign", **_CAMPAIGN},
                "401": {"description": "No token", **_ERR}, "403": {"description": "Not an organizer", **_ERR},
                "404": {"description": "Unknown campaign, or someone else's", **_ERR},
            },
        },
    },
    "/campaigns/{campaign_id}/retry-failed": {
        "post": {
            "summary": "Send failed deliveries again",
            "tags": ["notifications"], "security": [{"bearer": []}], "parameters": [_ID],
            "responses": {
                "200": {"description": "How many were put back", "content": {"application/json": {"schema": {
                    "type": "object", "properties": {"retried": {"type": "integer"}}, "required": ["retried"]}}}},
                "401": {"description": "No token", **_ERR}, "403": {"description": "Not an organizer", **_ERR},
                "404": {"description": "Unknown campaign, or someone else's", **_ERR},
            },
        },
    },
}

_COUNTS = {"type": "object", "properties": {str(s): {"type": "integer"} for s in DeliveryStatus}}
SCHEMAS: dict = {
    "Campaign": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"}, "kind": {"type": "string"}, "topic": {"type": "string"},
            "subject": {"type": "string"},
            "channels": {"type": "array", "items": {"type": "string", "enum": [str(c) for c in Channel]}},
            "send_at": {"type": ["string", "null"], "format": "date-time"}, "urgent": {"type": "boolean"},
            "recipients": {"type": "integer"},
            "progress": {"type": "object", "properties": {
                "total": {"type": "integer"}, "done": {"type": "integer"}, "counts": _COUNTS,
                "finished": {"type": "boolean"}, "percent": {"type": "integer"}, "deferred": {"type": "integer"},
            }, "required": ["total", "done", "counts", "finished"]},
        },
        "required": ["id", "kind", "topic", "subject", "channels", "progress"],
    },
}
