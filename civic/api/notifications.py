"""API: notifications. Routes call civic.notifications.services, the same services as the pages."""

from __future__ import annotations

from flask import g, jsonify
from flask_babel import gettext as _

from civic.api import bp
from civic.api import jsonfields as jf
from civic.api.common import json_body, json_error, page_arg
from civic.core.permissions import Role, token_required
from civic.core.timeutil import isoformat_local
from civic.extensions import db
from civic.notifications import compose, services
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


def _draft(data: dict) -> compose.Draft:
    """A JSON body as the compose page's draft (types here; rules in compose.check and send)."""
    channels = jf.text_list(data, "channels", [str(Channel.EMAIL)])
    return compose.Draft(
        audience=jf.text(data, "audience", ""), channels=tuple(channels), subject=jf.text(data, "subject", ""),
        body_text=jf.text(data, "body_text", ""), sms_text=jf.text(data, "sms_text", None) or None,
        send_at=jf.moment(data, "send_at", None), urgent=jf.boolean(data, "urgent", False),
    )


@bp.post("/campaigns")
@token_required(Role.ORGANIZER)
def compose_campaign():
    """The compose page's "send": an announcement to every resident or one tổ dân phố."""
    data = json_body()
    try:
        campaign = compose.send(_draft(data), g.api_user)
    except (jf.FieldError, services.NotificationError) as exc:
        return json_error(422, str(exc))
    return jsonify(campaign_dict(campaign, services.progress(campaign))), 201


@bp.post("/campaigns/<int:campaign_id>/test")
@token_required(Role.ORGANIZER)
def send_test_campaign(campaign_id: int):
    """The campaign page's "send me a test": the first recipient's message to your own address."""
    campaign = services.get_campaign_for(g.api_user, campaign_id)
    if campaign is None:
        return json_error(404, _("We could not find this campaign."))
    try:
        test = services.send_test_to(g.api_user, campaign)
    except services.NotificationError as exc:
        return json_error(422, str(exc))
    return jsonify(campaign_dict(test, services.progress(test))), 201


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
        "post": {
            "summary": "Send an announcement (the compose page): to every resident with an account or one tổ dân phố",
            "tags": ["notifications"], "security": [{"bearer": []}],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "$ref": "#/components/schemas/CampaignCompose"}}}},
            "responses": {
                "201": {"description": "The campaign, queued", **_CAMPAIGN},
                "400": {"description": "Not a JSON object", **_ERR},
                "401": {"description": "No token", **_ERR}, "403": {"description": "Not an organizer", **_ERR},
                "422": {"description": "Refused as on the compose page: audience, channels, subject, text, "
                                       "an unknown placeholder, nobody to send to", **_ERR},
            },
        },
    },
    "/campaigns/{campaign_id}/test": {
        "post": {
            "summary": "Send yourself a test of a campaign (its first recipient's message, to your own address)",
            "tags": ["notifications"], "security": [{"bearer": []}], "parameters": [_ID],
            "responses": {
                "201": {"description": "The test campaign", **_CAMPAIGN},
                "401": {"description": "No token", **_ERR}, "403": {"description": "Not an organizer", **_ERR},
                "404": {"description": "Unknown campaign, or someone else's", **_ERR},
                "422": {"description": "No recipients to copy, or your account has no address for its channels",
                        **_ERR},
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
    "CampaignCompose": {
        "type": "object",
        "properties": {
            "audience": {"type": "string", "description": '"all" (every resident with an account) or '
                                                          '"group:<id>" (one tổ dân phố)'},
            "channels": {"type": "array", "items": {"type": "string", "enum": [str(c) for c in Channel]},
                         "description": "default: email"},
            "subject": {"type": "string", "maxLength": compose.MAX_SUBJECT},
            "body_text": {"type": "string", "maxLength": compose.MAX_BODY,
                          "description": "placeholders: " + ", ".join("{" + p + "}" for p in compose.PLACEHOLDERS)},
            "sms_text": {"type": ["string", "null"], "maxLength": compose.MAX_SMS, "description": "needed for SMS"},
            "send_at": {"type": ["string", "null"], "format": "date-time", "description": "ISO 8601 with offset; "
                                                                                          "null: now"},
            "urgent": {"type": "boolean", "description": "SMS also during quiet hours"},
        },
        "required": ["audience", "subject", "body_text"],
    },
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
