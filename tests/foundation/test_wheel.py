"""A wheel built from pyproject carries templates, static files, migrations and compiled
translations, so an installed (not editable) civic serves pages."""

import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

CHECK = r"""
import civic, sys
from civic import create_app
assert "site-packages" not in civic.__file__ and "{unpacked}" in civic.__file__, civic.__file__
app = create_app({{"TESTING": True, "SECRET_KEY": "x", "CIVIC_DATA_DIR": "{data}"}})
from civic.extensions import db
with app.app_context():
    db.create_all()
client = app.test_client()
home = client.get("/")
assert home.status_code == 200, home.status_code
assert "Cổng thông tin phường" in home.get_data(as_text=True)
assert client.get("/static/css/site.css").status_code == 200
print("wheel ok")
"""


@pytest.mark.slow
def test_wheel_installed_alone_serves_the_home_page(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
    )
    wheel = next(tmp_path.glob("civic-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "civic/templates/base.html" in names
    assert "civic/static/css/site.css" in names
    assert "civic/translations/vi/LC_MESSAGES/messages.mo" in names
    assert "civic/translations/vi/LC_MESSAGES/wtforms.mo" in names  # WTForms' built-in messages in vi
    assert "civic/migrations/env.py" in names
    unpacked = tmp_path / "installed"
    zipfile.ZipFile(wheel).extractall(unpacked)
    deps = sysconfig.get_paths()["purelib"]
    code = CHECK.format(unpacked=unpacked, data=tmp_path / "data")
    result = subprocess.run(
        [sys.executable, "-I", "-c", f"import sys; sys.path[:0] = [{str(unpacked)!r}, {deps!r}]\n" + code],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "wheel ok" in result.stdout
