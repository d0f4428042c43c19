"""Page cache for anonymous visitors (Flask-Caching stores, versioned keys).

A domain marks a reading view with ``@cached_page("news")`` (the scopes the page shows) and,
after committing a change, calls ``bump("news")``. A scope's generation is a random value in a
store shared by every process (Redis under REDIS_URL, else files in the data directory); the
key of a cached page holds the generations of its scopes, so a bump makes every worker render
the page fresh on its next view. The TTL (CIVIC_PAGE_CACHE_TTL) is only a backstop.

A page is cached only for a visitor who is not signed in, has no flashed message, sends no
Authorization header or remember cookie, and whose query holds only the arguments the view
declares (plus ``lang``; tracking arguments such as ``utm_*``, ``fbclid`` and Zalo's ``zarsrc``
are dropped from the request first). Only 200 text/html bodies are stored, never headers (no Set-Cookie).

Per-visitor parts are markers in the stored HTML, filled on every serve:
- the CSRF token: each visitor gets their own token (and session cookie, as Flask-WTF sets it);
- ``{{ page_fragment("name", arg) }}`` in a template: a registered function renders it at serve
  time (the footer counters, an article's view count);
- ``every_view("name", arg)`` in a view: runs a registered hook now and on every cache hit
  (counting an article's views).
"""

from __future__ import annotations

import hashlib
import logging
import re
import uuid
from collections.abc import Callable

from flask import Flask, Response, current_app, g, has_app_context, request, session
from flask.globals import request_ctx
from markupsafe import Markup

from civic.core import refcache

log = logging.getLogger(__name__)

_fragments: dict[str, Callable[..., str]] = {}
_view_hooks: dict[str, Callable[..., None]] = {}

SPEC = "_civic_page_cache"
CAPTURE = "_civic_page_capture"


class _PageSpec:
    def __init__(self, scopes: tuple[str, ...], args: frozenset[str]):
        self.scopes = scopes
        self.args = args


def cached_page(*scopes: str, args: tuple[str, ...] = ()):
    """Mark a GET view as cacheable for anonymous visitors. ``scopes`` may name view arguments
    ("event:{event_id}"); ``args`` are the query arguments the view reads (others bypass the cache)."""

    def mark(view):
        setattr(view, SPEC, _PageSpec(tuple(scopes), frozenset(args) | {"lang"}))
        return view

    return mark


def register_fragment(name: str, render: Callable[..., str]) -> None:
    """``render(*args)`` returns the HTML of a per-view part of a cached page."""
    _fragments[name] = render


def register_view_hook(name: str, hook: Callable[..., None]) -> None:
    """``hook(*args, times=1)`` counts ``times`` views (hits are handed over in batches)."""
    _view_hooks[name] = hook


def replay_view(name: str, args: tuple, times: int = 1) -> None:
    _view_hooks[name](*args, times=times)


def render_fragment(name: str, args: tuple) -> str:
    return _fragments[name](*args)


def every_view(name: str, *args) -> None:
    """Run the hook ``name`` now and on every later view of this page served from the cache."""
    _view_hooks[name](*args)
    capture = g.get(CAPTURE)
    if capture is not None:
        capture.replays.append((name, args))


# --------------------------------------------------------------------------- stores


class _Stores:
    def __init__(self, app: Flask):
        from flask_caching import Cache

        cfg = app.config
        url = cfg.get("REDIS_URL")
        ttl = int(cfg["CIVIC_PAGE_CACHE_TTL"])
        if url:
            shared = {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": url, "CACHE_DEFAULT_TIMEOUT": ttl}
            self.pages = Cache(config={**shared, "CACHE_KEY_PREFIX": "civic:page:"})
            self.gens = Cache(config={**shared, "CACHE_KEY_PREFIX": "civic:pagegen:"})
        else:
            from pathlib import Path

            base = Path(cfg["CIVIC_DATA_DIR"]) / "pagecache"
            self.gens = Cache(config={"CACHE_TYPE": "FileSystemCache", "CACHE_DIR": str(base / "gen"),
                                      "CACHE_THRESHOLD": 0, "CACHE_DEFAULT_TIMEOUT": 0})
            if cfg.get("CIVIC_PAGE_CACHE_STORE") == "memory":
                # Per process; still exact across workers: keys hold the shared generations.
                self.pages = Cache(config={"CACHE_TYPE": "SimpleCache", "CACHE_THRESHOLD": 2000,
                                           "CACHE_DEFAULT_TIMEOUT": ttl})
            else:
                self.pages = Cache(config={"CACHE_TYPE": "FileSystemCache", "CACHE_DIR": str(base / "pages"),
                                           "CACHE_THRESHOLD": 5000, "CACHE_DEFAULT_TIMEOUT": ttl})
        self.pages.init_app(app)
        self.gens.init_app(app)
        self.ttl = ttl
        secret = str(cfg["SECRET_KEY"]).encode()
        # Markers nobody writing an article can guess (the stored HTML is shared by every worker).
        self.nonce = hashlib.sha256(secret + b"|civic-pagecache").hexdigest()[:16]
        self.csrf_marker = f"<!--pc:{self.nonce}:csrf-->"
        self.fragment_re = re.compile(r"<!--pc:" + self.nonce + r":f:([\w.]+):([^>]*?)-->")
        self.marker_re = re.compile(r"<!--pc:" + self.nonce + r":(csrf|f:([\w.]+):([^>]*?))-->")


def _stores() -> _Stores | None:
    return current_app.extensions.get("civic_pagecache")


def new_generation() -> str:
    return uuid.uuid4().hex


def generations(scopes: list[str]) -> list[str]:
    return refcache.read_generations(scopes)  # one store, kept with the cache off too


# Every cached page names at least one of these (an event page also names "event:<id>").
TOP_SCOPES = ("news", "events", "elections")


def bump(*scopes: str) -> None:
    """After a commit: every page showing one of ``scopes`` renders fresh on its next view."""
    gens = refcache.generation_store()  # kept with the cache off too: refcache's copies use them
    if gens is None or not scopes:
        return
    try:
        gens.set_many({scope: new_generation() for scope in scopes}, timeout=0)
    except Exception:  # noqa: BLE001 - the change is saved; the TTL is the backstop
        log.exception("page cache: could not bump %s", scopes)
    refcache.forget_generations()


# --------------------------------------------------------------------------- invalidation by model

_watched: dict[type, list[Callable[[object], tuple[str, ...]]]] = {}
PENDING = "civic_pagecache_scopes"


def watch(*models: type, scopes: tuple[str, ...] | Callable[[object], tuple[str, ...]]) -> None:
    """A domain declares which scopes a change of its rows touches: every insert, update or
    delete of ``models`` through the ORM bumps them once the transaction commits (whichever view,
    API call, CLI command or task made it). Bulk UPDATEs are not seen: bump() after those."""
    scopes_of = scopes if callable(scopes) else (lambda _obj, fixed=tuple(scopes): fixed)
    for model in models:
        _watched.setdefault(model, []).append(scopes_of)


def _after_flush(session, _flush_context) -> None:
    if not _watched:
        return
    pending = session.info.setdefault(PENDING, set())
    changed = [*session.new, *session.deleted]
    changed += [obj for obj in session.dirty if type(obj) in _watched and session.is_modified(obj)]
    for obj in changed:
        for scopes_of in _watched.get(type(obj), ()):
            pending.update(scopes_of(obj))


def _after_commit(session) -> None:
    pending = session.info.pop(PENDING, None)
    if pending and has_app_context():
        bump(*sorted(pending))


def _after_rollback(session) -> None:
    session.info.pop(PENDING, None)


def _listen_to_sessions() -> None:
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_soft_rollback", lambda session, _tx: _after_rollback(session))


# --------------------------------------------------------------------------- serving


class _Capture:
    def __init__(self, key: str):
        self.key = key
        self.replays: list[tuple[str, tuple]] = []


def page_fragment(name: str, *args) -> Markup:
    """Template global: a per-view part of the page; a marker while the page is being cached."""
    render = _fragments[name]  # a registered name only; arguments are whole numbers
    if g.get(CAPTURE) is not None:
        marker = f"<!--pc:{_stores().nonce}:f:{name}:{','.join(str(int(a)) for a in args)}-->"
        return Markup(marker)  # noqa: S704 - built from a registered name and integers
    return Markup(render(*args))  # noqa: S704 - the fragment renders escaped HTML itself


def _anonymous() -> bool:
    if "Authorization" in request.headers:
        return False
    if request.cookies.get(current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")):
        return False
    return "_user_id" not in session and "_flashes" not in session


def page_key(locale: str, path: str, args: list[tuple[str, str]], generations_: list[str]) -> str:
    """The one key of a page (also computed by ``pagehits`` in front of Flask)."""
    query = "&".join(f"{k}={v}" for k, v in sorted(args))
    raw = "|".join([locale, path, query, *generations_])
    return hashlib.sha256(raw.encode()).hexdigest()


def _key(spec: _PageSpec) -> str | None:
    from civic.core.i18n import select_locale

    if any(name not in spec.args for name in request.args):
        return None
    known = request.environ.get("civic.pagecache.key")  # computed by pagehits, which missed
    if known:
        return known
    view_args = request.view_args or {}
    scopes = [scope.format(**view_args) for scope in spec.scopes]
    return page_key(select_locale(), request.path, list(request.args.items(multi=True)), generations(scopes))


def _fill(stores: _Stores, html: str) -> str:
    if stores.csrf_marker in html:
        from flask_wtf.csrf import generate_csrf

        html = html.replace(stores.csrf_marker, generate_csrf())
    if "<!--pc:" in html:
        html = stores.fragment_re.sub(
            lambda m: _fragments[m.group(1)](*(int(a) for a in m.group(2).split(",") if a)), html
        )
    return html


# Added by the sharing platforms to every link (Zalo: zarsrc + utm_*; Facebook: fbclid); no page
# reads them. Left in, every visitor from a shared notice would have a query of their own.
_TRACKING = frozenset({"fbclid", "gclid", "zarsrc", "_gl", "mc_cid", "mc_eid"})


def is_tracking(name: str) -> bool:
    return name in _TRACKING or name.startswith("utm_")


def _drop_tracking_arguments() -> None:
    """Serve ``/tin-tuc/x?utm_source=zalo&zarsrc=31`` as ``/tin-tuc/x``: the request's query
    loses them before the view (and the key) see it, so the rendered page cannot echo them
    (the language switcher's ``next`` is built from ``request.full_path``)."""
    if not any(is_tracking(name) for name in request.args):
        return
    from urllib.parse import urlencode

    kept = [(k, v) for k, v in request.args.items(multi=True) if not is_tracking(k)]
    request.query_string = urlencode(kept).encode()
    for derived in ("args", "full_path", "url", "values"):
        request.__dict__.pop(derived, None)


def _before_request():
    stores = _stores()
    if stores is None or request.method != "GET":
        return None
    spec = getattr(current_app.view_functions.get(request.endpoint), SPEC, None)
    if spec is None:
        return None
    _drop_tracking_arguments()
    if not _anonymous():
        return None
    try:
        key = _key(spec)
        if key is None:
            return None
        entry = stores.pages.get(key)
    except Exception:  # noqa: BLE001 - a cache that is down serves uncached pages
        log.exception("page cache unavailable")
        return None
    if entry is None:
        setattr(g, CAPTURE, _Capture(key))
        return None
    # Reached only when pagehits (in front of Flask) could not serve the page.
    from civic.core import counters

    counters.record_page_view()
    counters.maybe_flush()
    for name, args in entry["replays"]:
        replay_view(name, tuple(args))
    response = Response(_fill(stores, entry["html"]), mimetype="text/html")
    response.headers["X-Page-Cache"] = "hit"
    return response


def _after_request(response: Response) -> Response:
    capture = g.pop(CAPTURE, None)
    if capture is None:
        return response
    stores = _stores()
    if response.mimetype != "text/html" or response.direct_passthrough:
        return response
    html = response.get_data(as_text=True)
    token = g.get(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))
    stored = html.replace(token, stores.csrf_marker) if token else html
    from flask_login import current_user

    storable = (
        response.status_code == 200
        and "Set-Cookie" not in response.headers
        and "no-store" not in (response.headers.get("Cache-Control") or "")
        and not request_ctx.flashes
        and "_flashes" not in session
        and not current_user.is_authenticated
    )
    if storable:
        try:
            stores.pages.set(capture.key, {"html": stored, "replays": capture.replays})
            response.headers["X-Page-Cache"] = "miss"
        except Exception:  # noqa: BLE001
            log.exception("page cache: could not store a page")
    response.set_data(_fill(stores, stored))
    return response


def init_page_cache(app: Flask) -> None:
    app.jinja_env.globals["page_fragment"] = page_fragment
    _listen_to_sessions()
    if not app.config.get("CIVIC_PAGE_CACHE"):
        return
    app.extensions["civic_pagecache"] = _Stores(app)
    # Before the rate limiter and every other hook: a hit does no more work than it must.
    app.before_request_funcs.setdefault(None, []).insert(1, _before_request)
    app.after_request(_after_request)
