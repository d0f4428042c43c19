"""The layers are a contract: import-linter's contracts in pyproject.toml hold, and they
break when a domain imports upward or a cycle appears (so the check is not a formality)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint(root: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--config", str(root / "pyproject.toml")],
        cwd=root, env=env, capture_output=True, text=True, timeout=300,
    )


@pytest.fixture(scope="module")
def lint_available():
    if not LINT_IMPORTS.exists():
        pytest.fail("import-linter is a dev dependency: `make install` installs lint-imports")


def test_the_contracts_hold(lint_available):
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]


def _copy(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "civic", tmp_path / "civic", ignore=shutil.ignore_patterns("__pycache__", "translations"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_a_cycle_inside_a_domain_breaks_them(lint_available, tmp_path):
    root = _copy(tmp_path)
    models = root / "civic" / "events" / "models.py"
    models.write_text(models.read_text(encoding="utf-8") + "\nfrom civic.events import views  # noqa\n")
    result = _lint(root)
    assert result.returncode != 0
    assert "No cycles are allowed in civic.events" in result.stdout


def test_core_importing_a_domain_breaks_them(lint_available, tmp_path):
    root = _copy(tmp_path)
    text = root / "civic" / "core" / "text.py"
    text.write_text(text.read_text(encoding="utf-8") + "\nimport civic.news.services  # noqa\n")
    result = _lint(root)
    assert result.returncode != 0
    assert "civic.core is not allowed to import civic.news" in result.stdout
