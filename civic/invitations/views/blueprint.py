"""The invitations blueprint, and what several of its page modules share."""

from __future__ import annotations

from flask import Blueprint, Response

from civic.invitations import services as svc

bp = Blueprint("invitations", __name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(data: bytes, filename: str) -> Response:
    return Response(data, mimetype=XLSX, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def group_choices(first: str) -> list[tuple[int, str]]:
    """The groups a page may put contacts in (listed ones; a post-based group follows its post)."""
    return [(0, first)] + [(g.id, g.name) for g in svc.bulk_groups()]
