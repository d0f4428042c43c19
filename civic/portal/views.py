"""Home page, language switch, health check."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for

from civic.core.i18n import LOCALE_COOKIE
from civic.core.permissions import public
from civic.core.security import safe_next
from civic.elections import services as election_services
from civic.events import services as event_services
from civic.news import services as news_services

bp = Blueprint("portal", __name__)


@bp.get("/")
@public
def home():
    return render_template(
        "portal/home.html",
        news=news_services.home_news(),
        upcoming_events=event_services.upcoming_events(limit=5),
        election_countdown=election_services.home_countdown(),
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
