"""Contact imports as jobs: the upload is kept under the data directory, analysed in the queue
(progress in a status JSON the preview page polls), then written all or nothing on confirmation."""

from __future__ import annotations

import json
import re
import secrets
import time
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _

from civic.core.db import announce, transaction
from civic.core.queue import app_task
from civic.core.text import clean_line
from civic.invitations.errors import InvitationError
from civic.invitations.importer import ImportReport, analyse, check_readable, classify, write_import
from civic.invitations.models import ImportJobState
from civic.invitations.services.directory import bulk_group, check_bulk_group, check_legal_basis
from civic.invitations.signals import import_written


def _imports_dir() -> Path:
    path = Path(current_app.config["CIVIC_DATA_DIR"]) / "contact-imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


_JOB_RE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


def _job_paths(job_id: str) -> tuple[Path, Path]:
    if not _JOB_RE.match(job_id or ""):
        raise InvitationError(_("This import was not found. Upload the file again."))
    base = _imports_dir()
    return base / f"{job_id}.upload", base / f"{job_id}.json"


def read_job(job_id: str) -> dict:
    upload, status = _job_paths(job_id)
    if not status.exists():
        raise InvitationError(_("This import was not found. Upload the file again."))
    return json.loads(status.read_text(encoding="utf-8"))


def _write_job(job_id: str, data: dict) -> None:
    _, status = _job_paths(job_id)
    tmp = status.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    tmp.replace(status)


def _prune_old_imports(max_age_hours: int = 48) -> None:
    """Uploads and previews nobody confirmed are removed after two days."""
    cutoff = time.time() - max_age_hours * 3600
    for path in _imports_dir().iterdir():
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except OSError:
            continue


def start_import(data: bytes, filename: str, user_id: int | None, mapping: dict | None = None) -> str:
    """Keep the upload under the data directory and analyse it in the queue; returns the job id."""
    if not data:
        raise InvitationError(_("Choose a file to import."))
    try:
        check_readable(data, filename)
    except ValueError as exc:
        raise InvitationError(str(exc)) from exc
    _prune_old_imports()
    job_id = secrets.token_urlsafe(24)
    upload, _status = _job_paths(job_id)
    upload.write_bytes(data)
    _write_job(job_id, {"id": job_id, "state": ImportJobState.QUEUED, "filename": clean_line(filename)[:200], "user_id": user_id,
                        "progress": 0, "mapping": mapping, "report": None, "error": None})
    analyse_import_task(job_id)
    return job_id


def remap_import(job_id: str, mapping: dict[int, str]) -> None:
    job = read_job(job_id)
    if job["state"] == ImportJobState.WRITTEN:
        raise InvitationError(_("This import has already been written."))
    job.update(state=ImportJobState.QUEUED, mapping={str(k): v for k, v in mapping.items()}, report=None, error=None, progress=0)
    _write_job(job_id, job)
    analyse_import_task(job_id)


def run_import_analysis(job_id: str) -> None:
    """Runs in the worker: parse + classify, progress written to the status JSON."""
    job = read_job(job_id)
    upload, _status = _job_paths(job_id)
    job["state"] = ImportJobState.RUNNING
    _write_job(job_id, job)

    def progress(n):
        job["progress"] = n
        _write_job(job_id, job)

    try:
        mapping = {int(k): v for k, v in job["mapping"].items()} if job.get("mapping") else None
        report = analyse(upload.read_bytes(), job["filename"], mapping, progress)
    except ValueError as exc:
        job.update(state=ImportJobState.ERROR, error=str(exc))
    else:
        job.update(state=ImportJobState.READY, report=report.as_dict(), progress=len(report.rows))
    _write_job(job_id, job)


def confirm_import(job_id: str, group_id: int | None = None, new_group_name: str = "",
                   legal_basis: str | None = None) -> dict:
    """Write the previewed rows, all or nothing (classification refreshed against the database);
    with a group (chosen, or new by name) everyone in the file joins it in the same transaction."""
    job = read_job(job_id)
    if job["state"] == ImportJobState.WRITTEN:
        raise InvitationError(_("This import has already been written."))
    if job["state"] != ImportJobState.READY or not job.get("report"):
        raise InvitationError(_("The file is still being checked. Wait for the preview, then confirm."))
    if group_id or clean_line(new_group_name):
        check_bulk_group(group_id, new_group_name)
    legal_basis = check_legal_basis(legal_basis)
    report = ImportReport.from_dict(job["report"])
    source = job.get("filename") or ""
    with transaction():  # the file's group and every row: all or nothing
        classify(report.rows)
        file_group = bulk_group(group_id, new_group_name) if group_id or clean_line(new_group_name) else None
        summary = write_import(report, file_group=file_group, legal_basis=legal_basis, source=source)
        announce(import_written, summary=summary, source=source)
    job.update(state=ImportJobState.WRITTEN, summary=summary, report=None, legal_basis=legal_basis)  # personal data is not kept after writing
    _write_job(job_id, job)
    upload, _status = _job_paths(job_id)
    upload.unlink(missing_ok=True)
    return summary


@app_task()
def analyse_import_task(job_id: str) -> None:
    """Large files take a while: the worker analyses them (inline in tests)."""
    run_import_analysis(job_id)
