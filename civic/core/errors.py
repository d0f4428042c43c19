"""Styled, Vietnamese error pages; JSON errors under /api/."""

from __future__ import annotations

import logging

from flask import Flask, g, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException, InternalServerError

log = logging.getLogger(__name__)


def error_message(code: int) -> str:
    messages = {
        400: _("The request could not be understood. Please check what you entered and try again."),
        401: _("Please sign in to continue."),
        403: _("You do not have permission to see this page."),
        404: _("We could not find this page. It may have been moved or removed."),
        405: _("This action is not allowed here."),
        409: _("This conflicts with something already recorded."),
        410: _("This link is no longer valid."),
        413: _("The file is too large."),
        415: _("This type of file is not accepted."),
        422: _("Some of the information is not valid."),
        429: _("Too many attempts. Please wait a moment and try again."),
        500: _("Something went wrong on our side. Please try again later."),
        503: _("The service is temporarily unavailable. Please try again shortly."),
    }
    return messages.get(code, _("An error occurred."))


def wants_json() -> bool:
    return request.path.startswith("/api/") or (
        request.accept_mimetypes.best == "application/json" and not request.accept_mimetypes.accept_html
    )


def error_response(code: int, message: str | None = None, **extra):
    message = message or error_message(code)
    if wants_json():
        payload = {"error": {"code": code, "message": message, **extra}}
        return jsonify(payload), code
    return render_template("errors/error.html", code=code, message=message), code


def _discard_transaction() -> None:
    """Roll back what failed, or drop the session when even that fails (the connection is gone)."""
    from civic.extensions import db

    try:
        db.session.rollback()
    except sa_exc.SQLAlchemyError:
        db.session.remove()


def init_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf_error(exc):
        return error_response(400, _("Your form has expired or was not sent from this site. Please reload the page and try again."))

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        if exc.code is None or exc.code < 400:
            return exc
        message = exc.description if getattr(exc, "civic_message", False) else None
        response, code = error_response(exc.code, message)
        response = app.make_response(response)
        for name, value in exc.get_headers():
            if name in {"Retry-After", "Allow", "WWW-Authenticate"}:
                response.headers[name] = value
        return response, code

    @app.errorhandler(sa_exc.OperationalError)
    def _database_unavailable(exc):
        # The database is restarting or busy: nothing was committed, so the visitor may retry.
        log.warning("database unavailable on %s %s: %s", request.method, request.path, exc.orig)
        from civic.extensions import login_manager

        g.database_unavailable = True  # page decorations that query (counters) stay out
        _discard_transaction()
        if "_login_user" not in g:  # loading the signed-in user would query again
            g._login_user = login_manager.anonymous_user()
        try:
            response = app.make_response(error_response(503))
        except sa_exc.SQLAlchemyError:
            response = app.make_response((error_message(503), 503, {"Content-Type": "text/plain; charset=utf-8"}))
        response.headers["Retry-After"] = "5"
        return response

    @app.errorhandler(Exception)
    def _unhandled(exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        if app.config.get("PROPAGATE_EXCEPTIONS") and app.config.get("TESTING"):
            raise exc
        _discard_transaction()  # the error page must not trip over a failed transaction
        return error_response(500)

    @app.errorhandler(InternalServerError)
    def _internal(exc):
        return error_response(500)


def abort_with(code: int, message: str):
    """Abort with a specific user-facing (already translated) message."""
    from werkzeug.exceptions import default_exceptions

    exc = default_exceptions[code](description=message)
    exc.civic_message = True
    raise exc
