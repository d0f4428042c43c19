"""Where uploaded media live: one small interface, a local-disk implementation today
(an S3-compatible store can implement the same four methods later)."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from flask import current_app

_KEY_RE = re.compile(r"^[a-z0-9][a-z0-9/_.-]{0,199}$")


class StorageError(ValueError):
    pass


def check_key(key: str) -> str:
    """Keys are relative, lower-case, without ``..`` or empty segments: no traversal."""
    if not key or not _KEY_RE.match(key) or ".." in key or "//" in key or key.endswith("/"):
        raise StorageError("invalid media key")
    return key


class Storage:
    def save(self, key: str, data: bytes) -> None:
        raise NotImplementedError

    def read(self, key: str) -> bytes:
        raise NotImplementedError

    def path(self, key: str) -> Path | None:
        """A local file for ``key`` when the store has one (lets the server stream it)."""
        return None

    def delete(self, key: str) -> None:
        raise NotImplementedError

    def exists(self, key: str) -> bool:
        raise NotImplementedError


class LocalStorage(Storage):
    """Files under ``<CIVIC_DATA_DIR>/media``."""

    def __init__(self, root: str | Path):
        self.root = Path(root).resolve()

    def _file(self, key: str) -> Path:
        target = (self.root / check_key(key)).resolve()
        if self.root not in target.parents:
            raise StorageError("invalid media key")
        return target

    def save(self, key: str, data: bytes) -> None:
        target = self._file(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        # Write then rename, so a reader never sees half a file.
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".up-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def read(self, key: str) -> bytes:
        return self._file(key).read_bytes()

    def path(self, key: str) -> Path | None:
        target = self._file(key)
        return target if target.is_file() else None

    def delete(self, key: str) -> None:
        self._file(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        return self._file(key).is_file()


def get_storage() -> Storage:
    app = current_app
    store = app.extensions.get("civic_media_storage")
    if store is None:
        store = LocalStorage(Path(app.config["CIVIC_DATA_DIR"]) / "media")
        app.extensions["civic_media_storage"] = store
    return store
