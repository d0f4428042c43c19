"""civic: a Vietnamese-first civic engagement portal for a ward (phường)."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

PACKAGE_DIR = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    """templates/, static/ and migrations/ sit at the top of a source checkout and inside
    the package in an installed wheel."""
    for candidate in (PACKAGE_DIR / name, PACKAGE_DIR.parent / name):
        if candidate.is_dir():
            return candidate
    return PACKAGE_DIR.parent / name


def create_app(config: dict | None = None) -> Flask:
    """Application factory: ``config`` overrides what the environment says."""
    from civic.config import load_config

    app = Flask(
        __name__,
        template_folder=str(resource_dir("templates")),
        static_folder=str(resource_dir("static")),
        instance_path=str(PACKAGE_DIR.parent / "instance"),
    )
    app.config.update(load_config(config))
    Path(app.config["CIVIC_DATA_DIR"]).mkdir(parents=True, exist_ok=True)

    _init_extensions(app)
    _register_blueprints(app)

    from civic.core.errors import init_error_handlers
    from civic.core.security import init_security_headers
    from civic.core.templating import init_templating

    init_error_handlers(app)
    init_security_headers(app)
    init_templating(app)

    from civic.core.pagecache import init_page_cache
    from civic.core.pagehits import init_page_hits

    init_page_cache(app)
    init_page_hits(app)
    from civic.core.refcache import init_refcache

    init_refcache(app)  # after the page cache: its generation store is used when it is on

    from civic.cli import register_commands

    register_commands(app)
    return app


def _init_extensions(app: Flask) -> None:
    from wtforms.i18n import messages_path as wtforms_messages_path

    from civic.core.db import mark_read_requests, use_safe_session_teardown
    from civic.core.i18n import select_locale, select_timezone
    from civic.core.queue import init_queue
    from civic.extensions import babel, csrf, db, limiter, login_manager, mail

    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    options = app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
    if uri.startswith("sqlite"):
        options.setdefault("connect_args", {}).setdefault("timeout", 30)
    elif uri.startswith("postgresql"):
        # After a database restart the pool holds dead connections; test each before use.
        options.setdefault("pool_pre_ping", True)
    db.init_app(app)
    use_safe_session_teardown(app)
    app.before_request_funcs.setdefault(None, []).insert(0, mark_read_requests)
    from civic.core.lazy import LazyMigrate

    app.extensions["migrate"] = LazyMigrate(app, db, directory=str(resource_dir("migrations")), render_as_batch=True)
    login_manager.init_app(app)
    import civic.accounts.services  # noqa: F401  (registers the session and API-token user loaders)

    login_manager.login_view = "accounts.login"
    # Flask-Login's own "Please log in to access this page." is English only.
    from flask_babel import lazy_gettext

    login_manager.login_message = lazy_gettext("Please sign in to continue.")
    login_manager.login_message_category = "info"
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(
        app,
        locale_selector=select_locale,
        timezone_selector=select_timezone,
        # Ours for "messages" and "wtforms"; WTForms' own catalogues for the "wtforms" domain too.
        default_translation_directories=";".join((wtforms_messages_path(), str(PACKAGE_DIR / "translations"))),
    )
    from civic.notifications.mailer import configure_mail

    configure_mail(app)
    mail.init_app(app)
    init_queue(app)


def _register_blueprints(app: Flask) -> None:
    from civic.accounts.views import bp as accounts_bp
    from civic.api import bp as api_bp
    from civic.elections.views import bp as elections_bp
    from civic.events.views import bp as events_bp
    from civic.invitations.views import bp as invitations_bp
    from civic.news.views import bp as news_bp
    from civic.notifications.views import bp as notifications_bp
    from civic.portal.views import bp as portal_bp
    from civic.privacy.views import bp as privacy_bp
    from civic.schedule.views import bp as schedule_bp

    for blueprint in (
        portal_bp,
        accounts_bp,
        news_bp,
        events_bp,
        invitations_bp,
        elections_bp,
        notifications_bp,
        privacy_bp,
        schedule_bp,
        api_bp,
    ):
        app.register_blueprint(blueprint)
    # Models of every domain must be imported so metadata (and migrations) see them.
    import civic.models  # noqa: F401
    from civic.events.services import connect_signals as connect_events_signals
    from civic.invitations.services import connect_event_signals

    connect_events_signals()  # the events domain's own receivers: its messages, guest answers claimed
    connect_event_signals()  # invitees hear of changes the events domain announces
    from civic.portal import election_news

    election_news.register(app)  # the election pages' related news, without elections importing news
    import importlib

    from civic.privacy.services import purpose_text

    app.jinja_env.globals["privacy_purpose"] = purpose_text  # the line beside each consent box
    # Each domain holding personal data tells privacy how to find, correct and erase it.
    for domain in ("accounts", "events", "elections", "invitations", "notifications"):
        importlib.import_module(f"civic.{domain}.privacy").register_privacy()
    from civic.schedule.services.participants import connect_signals as connect_schedule_signals

    connect_schedule_signals()  # a revised week tells each invitee once
