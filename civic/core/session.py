"""The session class: callbacks registered during a transaction run once its commit has returned.

Kept apart from ``civic.core.db`` because ``civic.extensions`` builds ``db`` with it, and
``core.db`` imports ``db``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask_sqlalchemy.session import Session as FlaskSession

log = logging.getLogger(__name__)

AFTER_COMMIT = "civic.after_commit"


class CivicSession(FlaskSession):
    """A unit of work: what is announced during a transaction is heard only if it is committed."""

    def add_after_commit(self, callback: Callable[[], object]) -> None:
        self.info.setdefault(AFTER_COMMIT, []).append(callback)

    def commit(self) -> None:
        super().commit()
        # Popped before running: a callback that writes and commits starts a fresh list.
        for callback in self.info.pop(AFTER_COMMIT, ()):
            try:
                callback()
            except Exception:  # noqa: BLE001 - the commit stands; a failed notice is logged
                log.exception("after-commit callback %r failed", callback)

    def rollback(self) -> None:
        self.info.pop(AFTER_COMMIT, None)
        super().rollback()

    def close(self) -> None:
        self.info.pop(AFTER_COMMIT, None)
        super().close()
