"""What several events views share: the filters, the signed-in user, the group choices."""

from __future__ import annotations

from flask import request
from flask_babel import gettext as _
from flask_login import current_user

from civic.accounts.services import UnknownGroupError, group_key, resolve_group
from civic.core import ratelimits
from civic.core.errors import abort_with
from civic.events import services
from civic.events.models import EventCategory


def int_arg(name: str) -> int | None:
    raw = request.args.get(name, "")
    if not raw:
        return None
    try:
        value = int(raw)
    except ValueError:
        abort_with(400, _("The filter is not valid."))
    if value < 1 or value > 2**31 - 1:
        abort_with(400, _("The filter is not valid."))
    return value


def filters() -> dict:
    category = request.args.get("category") or None
    if category and category not in set(EventCategory):
        abort_with(400, _("The filter is not valid."))
    return {"category": category, "group_id": int_arg("group")}


def filter_context(chosen: dict) -> dict:
    return {
        "categories": services.category_labels(),
        "groups": services.list_groups(),
        "filters": chosen,
    }


def user():
    return current_user if current_user.is_authenticated else None


def too_many(exc: services.EventError):
    ratelimits.too_many(str(exc), exc.retry_after or 60)


def group_choices(groups=None) -> list[tuple[str, str]]:
    """The answer form's residential groups, keyed as the resolver reads them back."""
    all_groups = services.group_copies()
    return [("", _("— Choose —"))] + [(group_key(g, all_groups), g.name) for g in (all_groups if groups is None else groups)]


def group_key_of(group) -> str:
    """The key a group is chosen by in the answer form ("" for none)."""
    return group_key(group, services.group_copies()) if group is not None else ""


def group_id_from(typed, status: int = 422) -> int | None:
    """The tổ dân phố chosen or typed ("5", "tổ 5", "TDP 05"); nothing chosen -> None."""
    if typed is None or str(typed).strip() in ("", "0"):
        return None
    try:
        return resolve_group(typed).id
    except UnknownGroupError as exc:
        raise services.EventError(str(exc), status) from exc


def closed_reason(event) -> str | None:
    """Why the event takes no answers now, or None."""
    try:
        services.check_open(event)
    except services.EventError as exc:
        return str(exc)
    return None
