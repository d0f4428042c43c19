"""`civic backup DIR` and `civic restore DIR`: a consistent copy of the portal while it runs.

SQLite (the embedded default): the database and the Huey queue through SQLite's online backup
API (a snapshot; writers are not stopped), then the files of the data directory (photos, covers,
outboxes, the secret key). PostgreSQL: ``pg_dump --format=custom``, then the same files. The
database goes first, so every file it names was on disk before the files are copied.

A backup directory holds ``manifest.json`` (written last: no manifest, no complete backup),
``database.sqlite3`` or ``database.pgdump``, ``queue.sqlite3`` when the queue is SQLite, and
``files/`` (the data directory without its database files).
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_SUFFIXES = ("", "-wal", "-shm", "-journal")


class BackupError(click.ClickException):
    pass


# --------------------------------------------------------------------------- where things are


def _data_dir() -> Path:
    return Path(current_app.config["CIVIC_DATA_DIR"]).resolve()


def _database_url() -> sa.engine.URL:
    return sa.engine.make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])


def _backend() -> str:
    name = _database_url().get_backend_name()
    if name not in {"sqlite", "postgresql"}:
        raise BackupError(f"cannot back up a {name} database")
    return name


def _sqlite_path() -> Path:
    database = _database_url().database
    if not database or database == ":memory:":
        raise BackupError("the SQLite database is in memory: nothing to back up")
    return Path(database).resolve()


def _queue_path() -> Path | None:
    if current_app.config.get("REDIS_URL"):
        return None  # Redis carries only "there is work"; the ledger in the database is the truth
    return _data_dir() / "queue.sqlite3"


# The anonymous page cache (civic.core.pagecache) keeps its file store here: rebuilt on demand,
# never backed up, not "existing data" for a restore, and emptied by one.
PAGE_CACHE_DIR = "pagecache"


def _skipped_names() -> set[Path]:
    """Database and queue files inside the data directory: copied through SQLite, not as files."""
    skipped = set()
    bases = [_queue_path() or (_data_dir() / "queue.sqlite3")]
    if _backend() == "sqlite":
        bases.append(_sqlite_path())
    for base in bases:
        for suffix in SQLITE_SUFFIXES:
            skipped.add(Path(str(base) + suffix))
    return skipped


def _libpq(url: sa.engine.URL) -> tuple[list[str], dict]:
    """Connection arguments for pg_dump/pg_restore; the password travels in the environment."""
    env = dict(os.environ)
    args = ["--dbname", url.database or "postgres"]
    if url.host:
        args += ["--host", url.host]
    if url.port:
        args += ["--port", str(url.port)]
    if url.username:
        args += ["--username", url.username]
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return args, env


def _run(command: list[str], env: dict) -> None:
    try:
        result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    except FileNotFoundError as exc:
        raise BackupError(f"{command[0]} is not installed (apt-get install postgresql-client)") from exc
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {' '.join(result.stderr.split())[:500]}")


# --------------------------------------------------------------------------- backup


def _sqlite_copy(source: Path, target: Path) -> None:
    """SQLite's online backup API: a consistent snapshot while other processes write."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def _copy_files(source: Path, target: Path, skipped: set[Path]) -> int:
    count = 0
    target.mkdir(parents=True, exist_ok=True)
    for root, dirs, files in os.walk(source):
        root_path = Path(root)
        dirs[:] = sorted(d for d in dirs if not (root_path / d).resolve() == target.resolve()
                         and not (root_path == source and d == PAGE_CACHE_DIR))
        for name in sorted(files):
            path = root_path / name
            if path.resolve() in skipped or name.startswith(".") and name.endswith(".tmp"):
                continue
            destination = target / path.relative_to(source)
            destination.parent.mkdir(parents=True, exist_ok=True)
            try:
                shutil.copy2(path, destination)
            except FileNotFoundError:
                continue  # removed while we copied (an outbox file, a replaced photo)
            count += 1
    return count


def _revision() -> str | None:
    from civic.extensions import db

    try:
        with db.engine.connect() as conn:
            return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    except sa.exc.DBAPIError:
        return None


def backup(directory: Path) -> dict:
    directory = Path(directory).resolve()
    if directory.exists() and any(directory.iterdir()):
        raise BackupError(f"{directory} is not empty; give a new directory for each backup")
    data_dir = _data_dir()
    if directory == data_dir or data_dir in directory.parents:
        raise BackupError("the backup directory must be outside the data directory")
    directory.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    backend = _backend()
    manifest = {"format": FORMAT, "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "backend": backend, "revision": _revision()}
    if backend == "sqlite":
        _sqlite_copy(_sqlite_path(), directory / "database.sqlite3")
        manifest["database"] = "database.sqlite3"
    else:
        args, env = _libpq(_database_url())
        _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(directory / "database.pgdump"), *args], env)
        manifest["database"] = "database.pgdump"
    queue = _queue_path()
    if queue is not None and queue.exists():
        _sqlite_copy(queue, directory / "queue.sqlite3")
        manifest["queue"] = "queue.sqlite3"
    manifest["files"] = _copy_files(data_dir, directory / "files", _skipped_names())
    manifest["seconds"] = round(time.monotonic() - started, 2)
    partial = directory / (MANIFEST + ".tmp")
    partial.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    partial.replace(directory / MANIFEST)
    return manifest


# --------------------------------------------------------------------------- restore


def _read_manifest(directory: Path) -> dict:
    path = directory / MANIFEST
    if not path.is_file():
        raise BackupError(f"{directory} holds no complete backup ({MANIFEST} is missing)")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise BackupError(f"{path} is not valid JSON") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{path}: unknown backup format {manifest.get('format')!r}")
    return manifest


def _sqlite_has_tables(path: Path) -> bool:
    if not path.exists() or path.stat().st_size == 0:
        return False
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return bool(conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0])
    finally:
        conn.close()


def _postgres_has_tables() -> bool:
    from civic.extensions import db

    with db.engine.connect() as conn:
        return bool(conn.execute(sa.text(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()"
        )).scalar())


def _data_dir_files(skipped: set[Path]) -> list[Path]:
    data_dir = _data_dir()
    if not data_dir.exists():
        return []
    cache = data_dir / PAGE_CACHE_DIR
    return [p for p in data_dir.rglob("*")
            if p.is_file() and p.resolve() not in skipped and cache not in p.parents]


def restore(directory: Path, force: bool = False) -> dict:
    directory = Path(directory).resolve()
    manifest = _read_manifest(directory)
    backend = _backend()
    if manifest["backend"] != backend:
        raise BackupError(f"this backup is of a {manifest['backend']} database; the portal is set up for {backend}")
    skipped = _skipped_names()
    occupied = _data_dir_files(skipped)
    if backend == "sqlite":
        has_data = _sqlite_has_tables(_sqlite_path())
    else:
        has_data = _postgres_has_tables()
    if (has_data or occupied) and not force:
        what = "the database has tables" if has_data else f"the data directory holds {len(occupied)} file(s)"
        raise BackupError(f"refusing to restore over existing data ({what}); use --force to replace it")
    started = time.monotonic()
    from civic.extensions import db

    db.session.remove()
    db.engine.dispose()
    if backend == "sqlite":
        target = _sqlite_path()
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".restoring")
        _sqlite_copy(directory / manifest["database"], partial)
        for suffix in SQLITE_SUFFIXES:
            Path(str(target) + suffix).unlink(missing_ok=True)
        partial.replace(target)
    else:
        if has_data:
            with db.engine.begin() as conn:
                schema = conn.execute(sa.text("SELECT current_schema()")).scalar()
                conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
                conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
            db.engine.dispose()
        args, env = _libpq(_database_url())
        _run(["pg_restore", "--no-owner", "--exit-on-error", "--single-transaction", *args,
              str(directory / manifest["database"])], env)
    queue = _queue_path()
    if queue is not None and manifest.get("queue"):
        partial = queue.with_name(queue.name + ".restoring")
        _sqlite_copy(directory / manifest["queue"], partial)
        for suffix in SQLITE_SUFFIXES:
            Path(str(queue) + suffix).unlink(missing_ok=True)
        partial.replace(queue)
    files = directory / "files"
    restored = 0
    if files.is_dir():
        for path in sorted(p for p in files.rglob("*") if p.is_file()):
            destination = _data_dir() / path.relative_to(files)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, destination)
            restored += 1
    # Pages cached before the restore show the data it replaced: drop them, on every worker.
    shutil.rmtree(_data_dir() / PAGE_CACHE_DIR, ignore_errors=True)
    from civic.core import pagecache

    pagecache.bump(*pagecache.TOP_SCOPES)
    return {"backend": backend, "revision": manifest.get("revision"), "files": restored,
            "seconds": round(time.monotonic() - started, 2)}


# --------------------------------------------------------------------------- commands


@click.command("backup")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
def backup_command(directory):
    """Write a consistent copy of the database, the queue and the uploads to DIRECTORY (new or
    empty) while the portal runs."""
    manifest = backup(directory)
    click.echo(f"backup of the {manifest['backend']} database and {manifest['files']} files written to "
               f"{Path(directory).resolve()} in {manifest['seconds']} s")


@click.command("restore")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace the existing database and files.")
@with_appcontext
def restore_command(directory, force):
    """Put a backup made by `civic backup` back into an empty data directory or database
    (stop the portal and its workers first; then run `civic db upgrade`)."""
    result = restore(directory, force=force)
    click.echo(f"restored the {result['backend']} database (revision {result['revision']}) and "
               f"{result['files']} files in {result['seconds']} s")
