"""gunicorn settings the portal is served with (`make run`, the bench, production):

    gunicorn -c python:civic.gunicorn_conf --workers 2 'civic:create_app()'
"""

from __future__ import annotations


def post_worker_init(worker) -> None:
    """Each worker has loaded the app here."""
    from civic.core.runtime import freeze_startup_objects

    freeze_startup_objects()
