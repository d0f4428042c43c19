"""Jinja filters and globals: Vietnamese dates, phones, permissions for menus."""

from __future__ import annotations

from flask import Flask, request, url_for
from flask.globals import _cv_request
from flask_babel import get_locale, get_translations
from flask_login import current_user

from civic.config import ward_settings
from civic.core import permissions, timeutil
from civic.core.phone import format_phone_local
from civic.core.urls import absolute_url


def _translations():
    """The request's catalogue, looked up once per request (Flask-Babel walks four context
    proxies for every string: ~30 strings a page). The locale is chosen once per request
    (civic.core.i18n.select_locale), so the request context can keep it."""
    ctx = _cv_request.get(None)
    if ctx is None:  # queue tasks and CLI commands: no request, Flask-Babel's own lookup
        return get_translations()
    found = getattr(ctx, "_civic_translations", None)
    if found is None:
        found = ctx._civic_translations = get_translations()
    return found


def _install_gettext(app: Flask) -> None:
    # Replaces the callables Flask-Babel installed in babel.init_app (same catalogue, same output).
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
    )


def init_templating(app: Flask) -> None:
    _install_gettext(app)
    app.jinja_env.filters.update(
        vn_datetime=timeutil.format_datetime,
        vn_date=timeutil.format_date,
        vn_time=timeutil.format_time,
        local_iso=timeutil.isoformat_local,
        phone_local=format_phone_local,
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.context_processor
    def _globals():
        user = current_user
        return {
            "current_locale": str(get_locale() or app.config["CIVIC_DEFAULT_LOCALE"]),
            "can_organize": permissions.can_organize(user),
            "can_edit_news": permissions.can_edit_news(user),
            "is_admin": permissions.is_admin(user),
            "base_url": app.config["CIVIC_BASE_URL"],
            "ward": ward_settings(app.config),
        }

    def url_for_other_page(**changes):
        """The current URL with some query parameters changed (pagination, filters)."""
        args = request.args.to_dict()
        args.update({k: v for k, v in changes.items() if v is not None})
        return url_for(request.endpoint, **(request.view_args or {}), **args)

    app.jinja_env.globals["url_for_other_page"] = url_for_other_page

    app.jinja_env.globals["absolute_url"] = absolute_url
