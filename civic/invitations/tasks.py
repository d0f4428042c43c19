"""Queue work: analysing an uploaded contacts file (large files take a while)."""

from __future__ import annotations

from civic.core.queue import app_task


@app_task()
def analyse_import_task(job_id: str) -> None:
    from civic.invitations.services import run_import_analysis

    run_import_analysis(job_id)
