"""Shared fixtures.

Every test that asks for ``app`` (or ``db_session``/``client``) runs on SQLite and, when
CIVIC_TEST_DATABASE_URL points at PostgreSQL, on PostgreSQL too. Under CI=true a missing
PostgreSQL, Redis or Chromium fails the run; elsewhere such tests skip with a reason.
"""

from __future__ import annotations

import os
import re
import socket
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

IN_CI = os.environ.get("CI", "").lower() == "true"
# Worker subprocesses read settings from the environment: no SMS quiet hours in tests either.
os.environ.setdefault("NOTIFY_SMS_QUIET_HOURS", "0")
PG_URL = os.environ.get("CIVIC_TEST_DATABASE_URL")
REDIS_URL = os.environ.get("CIVIC_TEST_REDIS_URL")
CHROMIUM = os.environ.get("CIVIC_TEST_CHROMIUM", "/usr/bin/chromium")


def missing(reason: str):
    """Fail under CI, skip elsewhere: a newcomer's machine may lack the service."""
    if IN_CI:
        pytest.fail(f"CI=true but {reason}", pytrace=False)
    pytest.skip(reason)


def worker_id() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "gw0")


# --------------------------------------------------------------------------- databases


def _pg_worker_url() -> str:
    """A database of this xdist worker's own, created fresh from CIVIC_TEST_DATABASE_URL."""
    from civic.config import normalise_database_url

    base = sa.engine.make_url(normalise_database_url(PG_URL))
    # Named per run as well as per worker, so two suites against one server do not collide.
    run = (os.environ.get("PYTEST_XDIST_TESTRUNUID") or str(os.getpid()))[:8]
    name = f"{base.database}_civic_{run}_{worker_id()}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def pg_url():
    if not PG_URL:
        missing("CIVIC_TEST_DATABASE_URL is not set (PostgreSQL tests)")
    try:
        url = _pg_worker_url()
    except sa.exc.OperationalError as exc:
        missing(f"PostgreSQL at CIVIC_TEST_DATABASE_URL is not reachable: {exc.orig}")
    yield url
    _drop_database(url)


def _drop_database(url: str) -> None:
    from civic.config import normalise_database_url

    target = sa.engine.make_url(url)
    admin = sa.create_engine(sa.engine.make_url(normalise_database_url(PG_URL)), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for name in (target.database, f"{target.database}_migrations"):
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def pg_schema(pg_url):
    """Create every table once per worker; tests truncate between runs."""
    from civic import create_app
    from civic.extensions import db

    app = create_app(_base_config(Path("/tmp") / f"civic-pg-schema-{worker_id()}", pg_url))
    with app.app_context():
        db.drop_all()
        db.create_all()
        db.engine.dispose()
    return pg_url


@pytest.fixture(scope="session")
def redis_url():
    if not REDIS_URL:
        missing("CIVIC_TEST_REDIS_URL is not set (Redis tests)")
    import redis

    # One Redis database per xdist worker so parallel tests do not share queues.
    digits = "".join(ch for ch in worker_id() if ch.isdigit()) or "0"
    url = re.sub(r"/\d*$", "", REDIS_URL.rstrip("/")) + f"/{1 + int(digits) % 15}"
    try:
        client = redis.Redis.from_url(url)
        client.ping()
        client.flushdb()
    except redis.exceptions.ConnectionError as exc:
        missing(f"Redis at CIVIC_TEST_REDIS_URL is not reachable: {exc}")
    return url


def _base_config(data_dir: Path, database_url: str) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "CIVIC_DATA_DIR": str(data_dir),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "CIVIC_BASE_URL": "http://localhost",
        "SERVER_NAME": None,
        "REDIS_URL": None,
        "MAIL_URL": None,
        # Tests run at any hour (CI often at night); the quiet-hours tests turn this back on.
        "NOTIFY_SMS_QUIET_HOURS": 0,
    }


@pytest.fixture(params=["sqlite", "postgresql"])
def db_backend(request):
    return request.param


@pytest.fixture
def app_config():
    """Override in a test module (or parametrize) to change the app's configuration."""
    return {}


# Forms that collect personal data refuse a post without consent (civic.privacy). Posts in the
# tests give it, as a person ticking the box does, unless the test sets the field itself
# (``consent=""`` in a form, ``"consent": None`` in JSON: the refusals are tested that way).
CONSENT_PATHS = re.compile(
    r"^/(su-kien/\d+/tra-loi|api/v1/events/\d+/rsvps|bau-cu/dang-ky-nhan-tin|api/v1/subscriptions|dang-ky"
    r"|giay-moi/[^/]+|api/v1/invitations/[^/]+/response|su-kien/\d+/giay-moi/ghi-tra-loi)$"
)


def _with_consent(args, kwargs):
    from urllib.parse import urlsplit

    path = urlsplit(str(args[0]) if args else str(kwargs.get("path", ""))).path
    method = str(kwargs.get("method", "GET")).upper()
    if method != "POST" or not CONSENT_PATHS.match(path):
        return kwargs
    if isinstance(kwargs.get("json"), dict) and "consent" not in kwargs["json"]:
        kwargs["json"] = {**kwargs["json"], "consent": True}
    elif isinstance(kwargs.get("data"), dict) and "consent" not in kwargs["data"]:
        kwargs["data"] = {**kwargs["data"], "consent": "y"}
    return kwargs


class ConsentingClient(FlaskClient):
    def open(self, *args, **kwargs):
        if "method" not in kwargs and args and hasattr(args[0], "method"):
            return super().open(*args, **kwargs)  # a prepared request: sent as it is
        return super().open(*args, **_with_consent(args, kwargs))


@pytest.fixture
def app(request, db_backend, tmp_path, app_config):
    from civic import create_app
    from civic.extensions import db

    data_dir = tmp_path / "data"
    if db_backend == "postgresql":
        url = request.getfixturevalue("pg_schema")
    else:
        url = f"sqlite:///{data_dir / 'civic.sqlite3'}"
    app = create_app({**_base_config(data_dir, url), **app_config})
    # The test keeps one app context (and so one `g`) open across client requests; give
    # each request a fresh `g` as production does (Flask-Login and Flask-Babel cache there).
    app.before_request_funcs.setdefault(None, []).insert(0, _fresh_g)
    app.teardown_request(_end_transaction)
    app.test_client_class = ConsentingClient
    with app.app_context():
        if db_backend == "sqlite":
            db.create_all()
        else:
            _truncate_all(db)
        yield app
        db.session.remove()
        db.engine.dispose()


def _end_transaction(exc):
    """Production ends each request's transaction with its app context; the shared one here
    outlives requests, so end the transaction explicitly (a GET's is a read-only one)."""
    from civic.extensions import db

    session = db.session()
    if session.in_transaction():
        try:
            session.commit()
        except Exception:
            session.rollback()


def _fresh_g():
    """Start each client request as production does: a fresh ``g`` and no open transaction
    (production removes the session with each request's app context)."""
    from flask import g

    from civic.extensions import db

    for key in list(vars(g)):
        delattr(g, key)
    if db.session().in_transaction():
        db.session.commit()


def _truncate_all(db):
    tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
    with db.engine.begin() as conn:
        conn.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture
def db_session(app):
    from civic.extensions import db

    return db.session


@pytest.fixture
def client(app):
    return app.test_client()


# --------------------------------------------------------------------------- users and forms


@pytest.fixture
def make_user(app):
    """make_user(role="resident", email=None, password="mật-khẩu-đủ-dài-1", **fields) -> User."""
    from civic.accounts.services import create_user
    from civic.extensions import db

    counter = iter(range(1, 10_000))

    def _make(role="resident", email=None, password="mat-khau-du-dai-1", verified=True, **fields):
        n = next(counter)
        user = create_user(
            email=email or f"{role}{n}@example.vn",
            full_name=fields.pop("full_name", f"Nguyễn Văn {role.title()} {n}"),
            password=password,
            role=role,
            verified=verified,
            **fields,
        )
        db.session.commit()
        user.test_password = password
        return user

    return _make


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "page has no csrf_token field"
    return match.group(1)


def get_csrf(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return csrf_from(response.get_data(as_text=True))


def submit_form(client, page_url: str, data: dict, action: str | None = None, **kwargs):
    """Open the page, take its CSRF token, post ``data`` to ``action`` (default: the page)."""
    token = get_csrf(client, page_url)
    return client.post(action or page_url, data={"csrf_token": token, **data}, **kwargs)


@pytest.fixture
def login(client):
    """login(user) signs the test client in through the real login form."""

    def _login(user, password=None):
        response = submit_form(
            client,
            "/dang-nhap",
            {"email": user.email, "password": password or user.test_password},
        )
        assert response.status_code in (302, 303), response.get_data(as_text=True)[:500]
        return response

    return _login


@pytest.fixture
def api_token(app):
    """api_token(user) -> a plain personal API token for Authorization: Bearer."""
    from civic.accounts.services import create_api_token
    from civic.extensions import db

    def _token(user):
        _, plain = create_api_token(user, "test")
        db.session.commit()
        return plain

    return _token


# --------------------------------------------------------------------------- real servers


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serve_app(app, threaded: bool = True):
    """Serve ``app`` with Werkzeug's WSGI server on a loopback port; yields the base URL."""
    from werkzeug.serving import make_server

    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=threaded)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.fixture
def live_server(app):
    """The test's app served over real HTTP on loopback (base URL)."""
    app.config["CIVIC_BASE_URL"] = "http://127.0.0.1"
    with serve_app(app) as url:
        app.config["CIVIC_BASE_URL"] = url
        yield url


@pytest.fixture(scope="session")
def chromium_path():
    if not Path(CHROMIUM).exists():
        missing(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    return CHROMIUM


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=chromium_path,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
            ],
        )
        yield browser
        browser.close()


ARTIFACTS = Path(os.environ.get("CIVIC_TEST_ARTIFACTS", "test-artifacts"))


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture(params=[pytest.param("phone", id="phone"), pytest.param("desktop", id="desktop")])
def page(request, browser, live_server):
    """A Playwright page at a phone (390×844) or desktop viewport; screenshot saved on failure."""
    viewport = {"width": 390, "height": 844} if request.param == "phone" else {"width": 1280, "height": 900}
    context = browser.new_context(viewport=viewport, base_url=live_server, locale="vi-VN")
    context.set_default_timeout(15_000)
    pg = context.new_page()
    yield pg
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)[:180]
        try:
            pg.screenshot(path=str(ARTIFACTS / f"{safe}.png"), full_page=True)
        except Exception:  # noqa: BLE001 - a failed screenshot must not hide the real failure
            pass
    context.close()


# --------------------------------------------------------------------------- SMTP sink (notifications)


class SmtpSink:
    """A real SMTP server (aiosmtpd) on a loopback port that records what each recipient got.

    ``reject`` (addresses answered 550 at RCPT) and ``tempfail`` (451) simulate bad mailboxes;
    ``stop()``/``start()`` simulate an SMTP outage on the same port.
    """

    def __init__(self, port: int | None = None):
        import collections

        self.host = "127.0.0.1"
        self.port = port or free_port()
        self.messages: list[tuple[list[str], bytes]] = []
        self.counts: collections.Counter = collections.Counter()
        self.reject: set[str] = set()
        self.tempfail: set[str] = set()
        self._lock = threading.Lock()
        self._controller = None

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    def start(self):
        from aiosmtpd.controller import Controller

        if self._controller is None:
            self._controller = Controller(_SinkHandler(self), hostname=self.host, port=self.port,
                                          ready_timeout=10, data_size_limit=50 * 1024 * 1024)
            self._controller.start()
        return self

    def stop(self):
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def parsed(self):
        """The received messages parsed with the email package (modern policy)."""
        from email import policy
        from email.parser import BytesParser

        with self._lock:
            raw = [data for _rcpts, data in self.messages]
        return [BytesParser(policy=policy.default).parsebytes(data) for data in raw]

    def total(self) -> int:
        with self._lock:
            return len(self.messages)


class _SinkHandler:
    def __init__(self, sink: SmtpSink):
        self.sink = sink

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.sink.reject:
            return "550 5.1.1 Mailbox unavailable"
        if address.lower() in self.sink.tempfail:
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.sink._lock:
            self.sink.messages.append((list(envelope.rcpt_tos), bytes(envelope.content)))
            for rcpt in envelope.rcpt_tos:
                self.sink.counts[rcpt.lower()] += 1
        return "250 Message accepted"


@pytest.fixture
def smtp_server():
    """A running SmtpSink (host, port, url, messages, counts, parsed(), stop(), start())."""
    sink = SmtpSink().start()
    yield sink
    sink.stop()
