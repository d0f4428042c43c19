"""Keep optional back ends out of a process that does not use them.

Some libraries try to import every back end they support when they are imported (Huey's
``huey.storage`` tries ``redis`` and ``psycopg``, ``huey.consumer`` tries ``gevent``): about
40 MB of a web worker's memory for modules the portal never calls. ``hidden_imports`` makes
those imports fail with ImportError while the library loads (its own try/except then records
"not installed") and removes the block afterwards, so a later real use, e.g. SQLAlchemy's
PostgreSQL dialect importing psycopg, still works.
"""

from __future__ import annotations

import contextlib
import sys


@contextlib.contextmanager
def hidden_imports(*names: str):
    """While inside, ``import <name>`` raises ImportError for each name not already loaded."""
    blocked = [name for name in names if name not in sys.modules]
    for name in blocked:
        sys.modules[name] = None  # the import system raises ImportError for a None entry
    try:
        yield
    finally:
        for name in blocked:
            if sys.modules.get(name, ...) is None:
                del sys.modules[name]


class LazyMigrate:
    """``app.extensions["migrate"]`` until a migration command or ``flask_migrate.upgrade()``
    first reads it: then the real Flask-Migrate is set up in its place. Flask-Migrate imports
    Alembic, Mako and Pygments (~40 MB, 1 s); web and queue workers never migrate."""

    def __init__(self, app, db, **kwargs):
        self._app, self._db, self._kwargs = app, db, kwargs

    def __getattr__(self, name):
        from flask_migrate import Migrate  # defers Alembic (~40 MB) to the first migration command

        Migrate(self._app, self._db, **self._kwargs)  # replaces app.extensions["migrate"]
        return getattr(self._app.extensions["migrate"], name)
