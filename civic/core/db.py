"""Database helpers shared by every domain: UTC timestamps, SQLite pragmas, transactions."""

from __future__ import annotations

import contextlib
import functools
import logging
import re
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import current_app, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Mapped, mapped_column

from civic.core.timeutil import utcnow
from civic.extensions import db

log = logging.getLogger(__name__)


class UTCDateTime(sa.types.TypeDecorator):
    """Stored as naive UTC on every backend, returned as aware UTC."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware datetime (civic.core.timeutil)")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow, nullable=False)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """WAL, foreign keys and a busy timeout, so concurrent writers wait instead of failing."""
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    # Let SQLAlchemy own transactions; BEGIN IMMEDIATE below takes the write lock up front.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_WRITE_RE = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER)\b", re.IGNORECASE)


class WriteInReadRequestError(RuntimeError):
    """A GET request wrote without saying so (see ``writing`` and ``writes_on_get``)."""


READS_ONLY = "civic.reads_only"  # request.environ key, set for real GET/HEAD requests only


def mark_read_requests() -> None:
    """before_request: a GET/HEAD request reads. (URL-building test_request_contexts of the
    worker and CLI never run this, so their transactions stay IMMEDIATE.)"""
    request.environ[READS_ONLY] = request.method in READ_METHODS


def _reads_only() -> bool:
    return has_request_context() and bool(request.environ.get(READS_ONLY))


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn):
    """Writers take SQLite's write lock at BEGIN; page views read without it.

    A deferred transaction that reads and then writes can fail at once with "database is
    locked" (its snapshot went stale), so anything that may write begins IMMEDIATE and
    queues on busy_timeout. GET/HEAD requests only read, unless a write is wrapped in
    ``writing()``, so they begin deferred and run side by side under WAL.
    """
    if conn.dialect.name != "sqlite":
        return
    deferred = _reads_only()
    conn.exec_driver_sql("BEGIN" if deferred else "BEGIN IMMEDIATE")
    conn.info["civic_deferred"] = deferred


@event.listens_for(Engine, "commit")
@event.listens_for(Engine, "rollback")
def _sqlite_end(conn):
    if conn.dialect.name == "sqlite":
        conn.info.pop("civic_deferred", None)


@event.listens_for(Engine, "before_cursor_execute")
def _refuse_writes_in_read_transactions(conn, cursor, statement, parameters, context, executemany):
    if conn.dialect.name == "sqlite" and conn.info.get("civic_deferred") and _WRITE_RE.match(statement):
        where = f"{request.method} {request.path}" if has_request_context() else "a GET request's transaction"
        message = f"{where} writes in a read transaction: {statement[:80]}"
        if current_app.testing:
            raise WriteInReadRequestError(message + " (wrap the write in civic.core.db.writing())")
        log.warning(message)


@contextlib.contextmanager
def writing():
    """Write from a GET request: the read transaction ends (loaded objects stay loaded) and
    the writes in the block begin IMMEDIATE. Outside GET requests it changes nothing."""
    if not _reads_only():
        yield db.session
        return
    session = db.session()
    keep = session.expire_on_commit
    session.expire_on_commit = False  # the page goes on rendering what it loaded
    request.environ[READS_ONLY] = False
    try:
        if session.in_transaction():
            session.commit()
        yield session
    finally:
        request.environ[READS_ONLY] = True
        session.expire_on_commit = keep


def writes_on_get(view):
    """For a view whose GET writes (a confirmation link opened from an e-mail)."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        with writing():
            return view(*args, **kwargs)

    return wrapper


def reads_first(view):
    """For a POST view that reads and validates before one short write (an RSVP): its first
    transaction begins deferred, so on SQLite the lookups and form work run without the write
    lock; ``begin_writes()`` ends that read and every later transaction begins IMMEDIATE."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if has_request_context() and request.method not in READ_METHODS:
            request.environ[READS_ONLY] = True
        return view(*args, **kwargs)

    return wrapper


def begin_writes() -> None:
    """End a ``reads_first`` request's read transaction (loaded objects stay loaded); from here
    on its transactions take SQLite's write lock at BEGIN. Elsewhere it changes nothing."""
    if not _reads_only() or request.method in READ_METHODS:
        return
    session = db.session()
    if session.in_transaction():
        keep = session.expire_on_commit
        session.expire_on_commit = False
        try:
            session.commit()  # nothing was written: this only ends the read
        finally:
            session.expire_on_commit = keep
    request.environ[READS_ONLY] = False


def is_sqlite() -> bool:
    return db.engine.dialect.name == "sqlite"


def is_postgres() -> bool:
    return db.engine.dialect.name == "postgresql"


_DEPTH = "civic.transaction_depth"


@contextlib.contextmanager
def transaction():
    """The one way a service writes: commit everything in the block, or nothing.

    Re-entrant: a service that calls another inside its own block shares the outer commit,
    so a use case stays one transaction. Any exception rolls the whole of it back, and
    callbacks registered with ``after_commit`` run only once the outermost commit returned.
    """
    session = db.session()
    depth = session.info.get(_DEPTH, 0)
    session.info[_DEPTH] = depth + 1
    try:
        yield session
        if depth:
            # An inner block flushes, so what it made has its id as if it had committed.
            session.flush()
        else:
            # Back to the outside before committing: an after-commit callback that writes
            # in its own ``with transaction():`` must commit, not join a finished one.
            session.info[_DEPTH] = 0
            session.commit()
    except BaseException:
        if depth == 0:
            session.rollback()
        raise
    finally:
        session.info[_DEPTH] = depth


def after_commit(callback, *args, **kwargs) -> None:
    """Run ``callback(*args, **kwargs)`` once the current transaction commits; never if it
    rolls back. With nothing pending (no transaction, no unflushed change) it runs now."""
    session = db.session()
    call = functools.partial(callback, *args, **kwargs)
    if session.in_transaction() or session.new or session.dirty or session.deleted:
        session.add_after_commit(call)
    else:
        call()


def announce(signal, **kwargs) -> None:
    """Send a domain's blinker signal after the commit, with ``sender=<app>``.

    Receivers see the saved rows and may write and commit on their own; one that raises is
    logged and never undoes the change that was announced.
    """
    app = current_app._get_current_object()
    after_commit(_send, signal, app, kwargs)


def _send(signal, app, kwargs) -> None:
    for receiver in signal.receivers_for(app):
        try:
            receiver(app, **kwargs)
        except Exception:  # noqa: BLE001
            log.exception("receiver %r of %s failed", receiver, signal.name)


def include_in_migrations(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic's include_object: leave alone what the database holds beyond the models.

    Skipped: tables no model declares (SQLite FTS5 and its shadow tables, Huey's queue) and
    columns or indexes a model's table lists in ``info["ddl_objects"]`` (made by DDL, such
    as PostgreSQL's generated search vector).
    """
    if not reflected or compare_to is not None:
        return True
    if type_ == "table":
        return False
    if type_ in ("column", "index"):
        model_table = db.metadata.tables.get(obj.table.name)
        if model_table is not None and name in model_table.info.get("ddl_objects", ()):
            return False
    return True


def _remove_session(exc: BaseException | None) -> None:
    """End-of-request session removal that survives a connection the database already dropped.

    Flask-SQLAlchemy's own teardown rolls back on the dead connection and raises, which turns
    a request that has already succeeded (an RSVP committed) into a 500.
    """
    try:
        db.session.remove()
    except sa.exc.DBAPIError as error:
        log.warning("discarding a session whose connection is gone: %s", error.orig)
        try:  # the failed rollback invalidated the connection; a second close returns it
            db.session.close()
        except sa.exc.SQLAlchemyError:
            pass
        finally:
            db.session.registry.clear()


def use_safe_session_teardown(app) -> None:
    funcs = app.teardown_appcontext_funcs
    for index, func in enumerate(funcs):
        if getattr(func, "__self__", None) is db and getattr(func, "__name__", "") == "_teardown_session":
            funcs[index] = _remove_session
            return
    raise RuntimeError("Flask-SQLAlchemy's session teardown was not found; call after db.init_app(app)")
