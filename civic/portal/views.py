"""Home page, language switch, health check, media files, sitemap and robots.txt."""

from __future__ import annotations

import mimetypes

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    g,
    has_request_context,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)

from civic.core import counters, pagecache
from civic.core.i18n import LOCALE_COOKIE
from civic.core.permissions import public
from civic.core.security import safe_next
from civic.elections import services as election_services
from civic.events import services as event_services
from civic.news import services as news_services
from civic.news.storage import StorageError, get_storage
from civic.portal import services as portal_services
from civic.portal import tasks  # noqa: F401  (registers the counters' periodic flush)
from civic.schedule.services import reception as reception_services
from civic.schedule.services import reception_copies

bp = Blueprint("portal", __name__)


def _count_view() -> None:
    if not g.get("_civic_visit_recorded"):
        g._civic_visit_recorded = True
        counters.record_page_view()
        counters.maybe_flush()


def _counters_html() -> str:
    """The footer counters, rendered on every view (cached pages hold a marker in their place)."""
    template = current_app.jinja_env.get_template("portal/_counters.html")
    return template.render(site_counters=portal_services.site_counters())


pagecache.register_fragment("site_counters", _counters_html)  # the page cache counts its own views


@bp.app_context_processor
def _site_counters():
    """Counts the page view (GET pages only, once per request) and exposes the footer counters."""
    if not has_request_context() or g.get("database_unavailable"):  # worker e-mails; the 503 page
        return {}
    if request.method == "GET":
        _count_view()
    return {"site_counters": True}


@bp.get("/")
@public
@pagecache.cached_page(*news_services.PAGE_SCOPES, *event_services.PAGE_SCOPES, *election_services.PAGE_SCOPES,
                       *reception_services.PAGE_SCOPES)
def home():
    # Plain per-process copies, read again after a change (civic.core.refcache).
    return render_template(
        "portal/home.html",
        news=news_services.home_news_copy(),
        upcoming_events=event_services.upcoming_cards(limit=5),
        election_countdown=election_services.home_countdown_copy(),
        reception_next=reception_copies.next_session_card(),
    )


@bp.get("/language")
@public
def set_language():
    lang = request.args.get("lang", "")
    target = safe_next(request.args.get("next"), url_for("portal.home"))
    response = redirect(target)
    if lang in current_app.config["CIVIC_LOCALES"]:
        response.set_cookie(
            LOCALE_COOKIE,
            lang,
            max_age=365 * 24 * 3600,
            samesite="Lax",
            httponly=True,
            secure=bool(current_app.config.get("CIVIC_HTTPS")),
        )
    return response


@bp.get("/healthz")
@public
def health():
    from civic.extensions import db

    db.session.execute(db.text("SELECT 1"))
    return {"status": "ok"}


MEDIA_TYPES = {".jpg": "image/jpeg", ".webp": "image/webp", ".png": "image/png", ".gif": "image/gif"}


@bp.get("/media/<path:key>")
@public
def media(key):
    """Uploaded pictures; keys are checked by the storage (no ``..``, no absolute paths)."""
    storage = get_storage()
    try:
        local = storage.path(key)
        data = None if local else (storage.read(key) if storage.exists(key) else None)
    except (StorageError, OSError):
        abort(404)
    suffix = "." + key.rsplit(".", 1)[-1].lower() if "." in key else ""
    mimetype = MEDIA_TYPES.get(suffix) or mimetypes.guess_type(key)[0]
    if mimetype not in MEDIA_TYPES.values() or (local is None and data is None):
        abort(404)
    if local is not None:
        response = send_file(local, mimetype=mimetype, max_age=30 * 24 * 3600, conditional=True)
    else:
        response = Response(data, mimetype=mimetype)
        response.cache_control.max_age = 30 * 24 * 3600
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.get("/sitemap.xml")
@public
def sitemap():
    xml = render_template("portal/sitemap.xml", entries=portal_services.sitemap_entries())
    return Response(xml, mimetype="application/xml")


@bp.get("/robots.txt")
@public
def robots():
    text = render_template("portal/robots.txt", sitemap_url=current_app.config["CIVIC_BASE_URL"] + "/sitemap.xml")
    return Response(text, mimetype="text/plain")
