"""Page-cache hits served in front of Flask.

An anonymous GET whose page is stored never enters Flask's request cycle: no app or request
context, no session object, no before/after-request chain. What a render would add is done here
the same way: the visitor's own CSRF token (and session cookie, signed by Flask's own session
interface), the security headers, the per-view fragments and the page view counts.

Counting a view and filling a fragment are the two parts that touch shared state, so they are
done per process in batches: views are handed to the counters store at most every
``CIVIC_PAGE_CACHE_LAG`` seconds (and when the process exits), and a fragment is rendered at most
that often per locale. Every view is counted; the numbers shown lag by that much. With a lag of
0 every hit counts and renders at once.

Anything else (a signed-in visitor, a flashed message, a query the view does not declare, a page
not stored yet, an error here) goes on to Flask, whose ``pagecache`` hooks render and store it.
"""

from __future__ import annotations

import atexit
import hashlib
import logging
import os
import threading
import time
import weakref
from collections import Counter, OrderedDict
from urllib.parse import parse_qsl

from flask import Flask
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.exceptions import HTTPException
from werkzeug.http import dump_cookie
from werkzeug.wrappers import Request

from civic.core import counters, pagecache
from civic.core.i18n import LOCALE_COOKIE
from civic.core.security import security_headers

log = logging.getLogger(__name__)

KEY_ENVIRON = "civic.pagecache.key"  # a miss's key, so Flask does not compute it again
ROUTES_KEPT = 4096  # paths matched per process (an article or event page each)
LOCAL_PAGES_MAX_BYTES = 4 * 1024 * 1024  # per process; each worker's RSS counts (issue 12: 70 MB)


class _Page:
    """A stored page split at its markers once per process: bytes, and the parts to fill."""

    __slots__ = ("parts", "replays", "size", "has_csrf")

    def __init__(self, entry: dict, stores):
        html = entry["html"]
        parts: list = []
        position = 0
        for match in stores.marker_re.finditer(html):
            parts.append(html[position:match.start()].encode())
            if match.group(1) == "csrf":
                parts.append(("csrf",))
            else:
                args = tuple(int(a) for a in match.group(3).split(",") if a)
                parts.append(("fragment", match.group(2), args))
            position = match.end()
        parts.append(html[position:].encode())
        self.parts = parts
        self.replays = tuple((name, tuple(args)) for name, args in entry["replays"])
        self.size = len(html)
        self.has_csrf = any(isinstance(p, tuple) and p[0] == "csrf" for p in parts)


class _LocalPages:
    """Pages already read from the shared store, by key. Exact: a key holds the generations."""

    def __init__(self, max_bytes: int):
        self._pages: OrderedDict[str, _Page] = OrderedDict()
        self._bytes = 0
        self._max = max_bytes
        self._lock = threading.Lock()

    def get(self, key: str) -> _Page | None:
        with self._lock:
            page = self._pages.get(key)
            if page is not None:
                self._pages.move_to_end(key)
            return page

    def put(self, key: str, page: _Page) -> None:
        with self._lock:
            if key in self._pages or page.size > self._max:
                return
            self._pages[key] = page
            self._bytes += page.size
            while self._bytes > self._max:
                _, old = self._pages.popitem(last=False)
                self._bytes -= old.size


class _ViewLog:
    """Views served here and not yet handed to the counters store."""

    def __init__(self):
        self.lock = threading.Lock()
        self.visitors: dict[str, float] = {}
        self.replays: Counter = Counter()
        self.last_drain = time.monotonic()

    def add(self, visitor: str, now: float, replays) -> None:
        with self.lock:
            self.visitors[visitor] = now
            for replay in replays:
                self.replays[replay] += 1

    def take(self):
        with self.lock:
            visitors, self.visitors = self.visitors, {}
            replays, self.replays = self.replays, Counter()
            self.last_drain = time.monotonic()
        return visitors, replays

    def __bool__(self) -> bool:
        return bool(self.visitors or self.replays)


class PageHits:
    """WSGI middleware: ``app.wsgi_app = PageHits(app, stores, app.wsgi_app)``."""

    def __init__(self, app: Flask, stores, wsgi_app):
        self.app = app
        self.wsgi_app = wsgi_app
        self.stores = stores
        backends = app.extensions["cache"]
        self.pages = backends[stores.pages]  # the cachelib stores behind Flask-Caching's proxies
        self.gens = backends[stores.gens]
        cfg = app.config
        self.session_cookie = cfg["SESSION_COOKIE_NAME"]
        self.session_max_age = int(cfg["PERMANENT_SESSION_LIFETIME"].total_seconds())
        self.remember_cookie = cfg.get("REMEMBER_COOKIE_NAME", "remember_token")
        self.csrf_field = cfg.get("WTF_CSRF_FIELD_NAME", "csrf_token")
        # Made once, as Flask-WTF and Flask make them on every request.
        self.csrf_signer = URLSafeTimedSerializer(cfg.get("WTF_CSRF_SECRET_KEY") or app.secret_key,
                                                  salt="wtf-csrf-token")
        interface = app.session_interface
        self.session_signer = interface.get_signing_serializer(app)
        # The cookie SecureCookieSessionInterface.save_session writes for a new, non-permanent session.
        self.session_cookie_options = {
            "domain": interface.get_cookie_domain(app), "path": interface.get_cookie_path(app),
            "secure": interface.get_cookie_secure(app), "httponly": interface.get_cookie_httponly(app),
            "samesite": interface.get_cookie_samesite(app), "partitioned": interface.get_cookie_partitioned(app),
        }
        self.locales = tuple(cfg["CIVIC_LOCALES"])
        self.default_locale = cfg["CIVIC_DEFAULT_LOCALE"]
        self.secret = str(cfg["SECRET_KEY"])
        self.lag = float(cfg["CIVIC_PAGE_CACHE_LAG"])
        self.local = _LocalPages(LOCAL_PAGES_MAX_BYTES)
        self.views = _ViewLog()
        self.fragments: dict[tuple, tuple[float, bytes]] = {}
        self.routes: dict[str, tuple] = {}
        plain = [("Content-Type", "text/html; charset=utf-8"), *security_headers(app, secure=False),
                 ("Vary", "Cookie"), ("X-Page-Cache", "hit")]
        secure = [("Content-Type", "text/html; charset=utf-8"), *security_headers(app, secure=True),
                  ("Vary", "Cookie"), ("X-Page-Cache", "hit")]
        self.headers = {False: plain, True: secure}
        _at_exit(self)

    # ------------------------------------------------------------------ WSGI

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") == "GET" and "HTTP_AUTHORIZATION" not in environ:
            try:
                served = self._serve(environ)
            except Exception:  # noqa: BLE001 - Flask renders the page instead
                log.exception("page cache: a stored page could not be served")
                served = None
            if served is not None:
                headers, body = served
                start_response("200 OK", headers)
                return [body]
        return self.wsgi_app(environ, start_response)

    def _serve(self, environ):
        request = Request(environ)
        route = self._route(environ, request.path)
        if route is None:
            return None
        spec, view_args = route
        cookies = request.cookies if environ.get("HTTP_COOKIE") else {}
        if cookies.get(self.remember_cookie):
            return None
        session = self._session(cookies.get(self.session_cookie))
        if session is None or "_user_id" in session or "_flashes" in session:
            return None
        args = self._arguments(environ.get("QUERY_STRING", ""))
        if any(name not in spec.args for name, _ in args):
            return None
        lang = next((v for k, v in args if k == "lang"), None) or cookies.get(LOCALE_COOKIE)
        locale = lang if lang in self.locales else self.default_locale
        scopes = [scope.format(**view_args) for scope in spec.scopes]
        key = pagecache.page_key(locale, request.path, args, self._generations(scopes))
        page = self.local.get(key)
        if page is None:
            entry = self.pages.get(key)
            if entry is None:
                environ[KEY_ENVIRON] = key
                return None
            page = _Page(entry, self.stores)
            self.local.put(key, page)

        secure = environ.get("wsgi.url_scheme") == "https" or bool(self.app.config.get("CIVIC_HTTPS"))
        headers = list(self.headers[secure])
        token = None
        if page.has_csrf:
            raw = session.get(self.csrf_field)
            if not isinstance(raw, str):
                raw = hashlib.sha1(os.urandom(64)).hexdigest()  # noqa: S324 - Flask-WTF's own recipe
                session[self.csrf_field] = raw
                headers.extend(self._session_cookie(session))
            token = self.csrf_signer.dumps(raw).encode()
        self._count(environ, page.replays)
        chunks = []
        for part in page.parts:
            if type(part) is bytes:
                chunks.append(part)
            elif part[0] == "csrf":
                chunks.append(token)
            else:
                chunks.append(self._fragment(environ, part[1], part[2], locale))
        body = b"".join(chunks)
        headers.append(("Content-Length", str(len(body))))
        return headers, body

    # ------------------------------------------------------------------ parts

    def _route(self, environ, path: str):
        """(the page's spec, view args) for a cached page's path, else None. Matched by Flask's
        URL map once per path and process: the map does not change once the app is made."""
        known = self.routes.get(path)
        if known is not None:
            return known or None
        try:
            endpoint, view_args = self.app.url_map.bind_to_environ(
                environ, server_name=self.app.config["SERVER_NAME"], subdomain=None
            ).match()
        except HTTPException:  # not found, a redirect to the canonical URL: Flask answers those
            return None
        spec = getattr(self.app.view_functions.get(endpoint), pagecache.SPEC, None)
        route = (spec, view_args) if spec is not None else ()
        if len(self.routes) >= ROUTES_KEPT:
            self.routes.clear()
        self.routes[path] = route
        return route or None

    @staticmethod
    def _arguments(query: str) -> list[tuple[str, str]]:
        """The query as Flask's ``request.args`` reads it, less the tracking arguments."""
        if not query:
            return []
        pairs = parse_qsl(query.encode("latin-1").decode(), keep_blank_values=True, errors="werkzeug.url_quote")
        return [(k, v) for k, v in pairs if not pagecache.is_tracking(k)]

    def _session(self, cookie: str | None) -> dict | None:
        if not cookie:
            return {}
        try:
            data = self.session_signer.loads(cookie, max_age=self.session_max_age)
        except BadSignature:
            return {}  # as Flask: a cookie it cannot read is a new session
        return data if isinstance(data, dict) else None

    def _session_cookie(self, session: dict) -> list[tuple[str, str]]:
        """The Set-Cookie Flask would send for this new session (signed by its own serializer)."""
        value = self.session_signer.dumps(dict(session))
        return [("Set-Cookie", dump_cookie(self.session_cookie, value, **self.session_cookie_options))]

    def _generations(self, scopes: list[str]) -> list[str]:
        values = self.gens.get_many(*scopes)
        for i, value in enumerate(values):
            if value is None:  # never bumped (or evicted): start one, as pagecache.generations does
                self.gens.add(scopes[i], pagecache.new_generation(), timeout=0)
                values[i] = self.gens.get(scopes[i])
        return [str(v) for v in values]

    def _count(self, environ, replays) -> None:
        ip = environ.get("HTTP_X_FORWARDED_FOR") or environ.get("REMOTE_ADDR")
        visitor = counters.visitor_id(self.secret, ip, environ.get("HTTP_USER_AGENT", ""))
        self.views.add(visitor, time.time(), replays)
        if time.monotonic() - self.views.last_drain >= self.lag:
            with self.app.request_context(environ):
                self.drain()

    def drain(self) -> None:
        """Hand the views counted here to the counters store (inside an app context)."""
        visitors, replays = self.views.take()
        if not visitors and not replays:
            return
        try:
            counters.record_page_views(visitors)
            for (name, args), times in replays.items():
                pagecache.replay_view(name, args, times)
            counters.maybe_flush()
        except Exception:  # noqa: BLE001 - keep the counts for the next drain
            log.exception("page cache: could not count views; kept for the next try")
            with self.views.lock:
                for visitor, seen in visitors.items():
                    self.views.visitors.setdefault(visitor, seen)
                self.views.replays.update(replays)

    def _fragment(self, environ, name: str, args: tuple, locale: str) -> bytes:
        cache_key = (name, args, locale)
        cached = self.fragments.get(cache_key)
        now = time.monotonic()
        if cached is not None and now - cached[0] < self.lag:
            return cached[1]
        with self.app.request_context(environ):
            self.drain()  # what it shows includes the views counted here
            html = pagecache.render_fragment(name, args).encode()
        self.fragments[cache_key] = (now, html)
        return html


def init_page_hits(app: Flask) -> None:
    """Hits are served in front of Flask; Flask renders and stores the misses (civic.core.pagecache)."""
    stores = app.extensions.get("civic_pagecache")
    if stores is not None:
        app.wsgi_app = PageHits(app, stores, app.wsgi_app)


def _at_exit(hits: PageHits) -> None:
    """Views counted but not yet handed over are written when the process stops (gunicorn's
    workers exit through SystemExit, so atexit runs), and so is a memory counters buffer."""
    ref = weakref.ref(hits)

    def flush() -> None:
        current = ref()
        if current is None:
            return
        try:
            with current.app.app_context():
                if current.views:
                    current.drain()
                # A process's own memory buffer dies with it (Redis keeps its buffer for the worker).
                if isinstance(counters.counter_store(), counters.MemoryCounterStore):
                    counters.flush_counters()
        except Exception:  # noqa: BLE001 - at exit: nothing left to report to
            log.warning("page cache: views counted at exit could not be written", exc_info=True)

    atexit.register(flush)
