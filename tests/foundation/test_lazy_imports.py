"""A web worker and the queue worker must not load the heavy libraries they only need for rare
work (spreadsheets, images, calendars, QR codes, migrations, unused database/queue back ends):
each one stays in memory in every worker for the life of the process (issue 12, part 4)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Imported where they are used (a function-local import with a comment saying so).
HEAVY = [
    "openpyxl", "PIL", "icalendar", "segno", "python_calamine", "feedgen", "markdown",
    "flask_migrate", "alembic", "mako", "pygments",
    "psycopg", "psycopg2", "gevent", "redis",  # SQLite app without REDIS_URL: no client for either
    "phonenumbers.geocoder", "phonenumbers.carrier", "phonenumbers.timezone",
]

PRELUDE = r"""
import json, sys
import civic
from civic.extensions import db
app = civic.create_app({"RATELIMIT_ENABLED": False})
with app.app_context():
    db.create_all()
"""

WEB = PRELUDE + r"""
client = app.test_client()
statuses = [client.get(path).status_code for path in ("/", "/tin-tuc/", "/su-kien/", "/tin-tuc/tim-kiem?q=bau")]
print(json.dumps({"statuses": statuses, "modules": sorted(sys.modules)}))
"""

WORKER = PRELUDE + r"""
import civic.cli  # the `civic` console script, as `civic worker` loads it
from civic.notifications.cli import import_task_modules
with app.app_context():
    import_task_modules()
    import huey.consumer  # noqa: F401 - what worker_command starts
print(json.dumps({"statuses": [], "modules": sorted(sys.modules)}))
"""


def _loaded(script: str, tmp_path: Path) -> dict:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("CIVIC_", "DATABASE_URL", "REDIS_URL", "MAIL_URL", "PYTEST"))}
    env.update(CIVIC_DATA_DIR=str(tmp_path), SECRET_KEY="lazy-imports-test", CIVIC_BASE_URL="http://127.0.0.1")
    out = subprocess.run([sys.executable, "-c", script], env=env, cwd=ROOT, capture_output=True, text=True,
                         timeout=120, check=False)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def _heavy_in(modules: list[str]) -> list[str]:
    loaded = set(modules)
    return [name for name in HEAVY if name in loaded]


@pytest.mark.parametrize("script", [WEB, WORKER], ids=["web-app-home-page", "queue-worker"])
def test_app_does_not_import_heavy_libraries(script, tmp_path):
    result = _loaded(script, tmp_path)
    assert all(status == 200 for status in result["statuses"]), result["statuses"]
    assert _heavy_in(result["modules"]) == []


def test_phone_numbers_load_only_vietnams_metadata(tmp_path):
    """Normalising a phone number reads VN's territory metadata, not every territory's."""
    script = PRELUDE + r"""
from civic.core.phone import normalize_phone
with app.app_context():
    normalize_phone("0912 345 678")
print(json.dumps({"statuses": [], "modules": sorted(sys.modules)}))
"""
    modules = _loaded(script, tmp_path)["modules"]
    regions = [m for m in modules if m.startswith("phonenumbers.data.region_")]
    assert regions and all(m == "phonenumbers.data.region_VN" for m in regions), regions
    assert _heavy_in(modules) == []


def test_the_check_sees_a_heavy_import(tmp_path):
    """The check itself can fail: a module that imports icalendar is reported."""
    modules = _loaded(PRELUDE + r"""
import civic.events.ics
with app.app_context():
    pass
from civic.events.ics import _calendar
with app.test_request_context():
    _calendar("x")
print(json.dumps({"statuses": [], "modules": sorted(sys.modules)}))
""", tmp_path)["modules"]
    assert "icalendar" in _heavy_in(modules)
