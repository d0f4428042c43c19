"""Event pages: the calendar and the iCalendar feeds here; the event page and answers in
views_answers, the organizer's pages in views_organizer. All register on one blueprint
(civic.events.blueprint), so endpoint names stay ``events.<view>``."""

from __future__ import annotations

from flask import Response, abort, render_template, send_from_directory
from flask_babel import gettext as _
from flask_login import current_user

from civic.core.errors import abort_with
from civic.core.pagecache import cached_page
from civic.core.permissions import public
from civic.core.timeutil import to_local, utcnow
from civic.events import (
    access,
    services,
    tasks,  # noqa: F401  (registers the reminder job)
    views_answers,  # noqa: F401  (registers the event page and answers)
    views_organizer,  # noqa: F401  (registers the organizer's pages)
)
from civic.events.blueprint import bp
from civic.events.ics import event_ics, feed_ics
from civic.events.models import EventCategory
from civic.events.views_common import filter_context, filters, int_arg

__all__ = ["bp"]


@bp.get("/")
@public
@cached_page(*services.PAGE_SCOPES, args=("category", "group", "page"))
def index():
    chosen = filters()
    page = services.list_events(page=int_arg("page") or 1, **chosen)
    return render_template("events/index.html", page=page, past=False, **filter_context(chosen))


@bp.get("/da-dien-ra")
@public
@cached_page(*services.PAGE_SCOPES, args=("category", "group", "page"))
def past():
    chosen = filters()
    page = services.list_events(past=True, page=int_arg("page") or 1, **chosen)
    return render_template("events/index.html", page=page, past=True, **filter_context(chosen))


@bp.get("/thang")
@bp.get("/thang/<int:year>/<int:month>")
@public
@cached_page(*services.PAGE_SCOPES, args=("category", "group"))
def month(year: int | None = None, month: int | None = None):
    if year is None or month is None:
        today = to_local(utcnow())
        year, month = today.year, today.month
    chosen = filters()
    try:
        view = services.month_view(year, month, **chosen)
    except services.EventError as exc:
        abort_with(exc.status, str(exc))
    return render_template("events/month.html", view=view, **filter_context(chosen))


# --------------------------------------------------------------------------- calendar exchange


def _ics_response(body: bytes, filename: str) -> Response:
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.get("/<int:event_id>.ics")
@public
def event_calendar(event_id: int):
    event = access.viewable(current_user, event_id)
    return _ics_response(event_ics(event), f"{event.slug or 'su-kien'}.ics")


@bp.get("/lich.ics")
@public
def ics_feed():
    return _ics_response(feed_ics(services.feed_events(), _("Ward events")), "lich-su-kien.ics")


@bp.get("/lich/<category>.ics")
@public
def category_feed(category: str):
    if category not in set(EventCategory):
        abort(404)
    name = f"{_('Ward events')}: {services.category_labels()[category]}"
    return _ics_response(feed_ics(services.feed_events(category), name), f"lich-{category}.ics")


@bp.get("/anh/<path:name>")
@public
def cover(name: str):
    return send_from_directory(services.cover_dir(), name, max_age=86400)
