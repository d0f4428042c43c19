"""`civic --help` and every command's help work with no configuration at all; a command that
needs the secret key says so in one line (no traceback) and exits non-zero."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

CIVIC = Path(sys.executable).with_name("civic")


def _run(tmp_path, *args):
    env = {k: v for k, v in os.environ.items()
           if k not in {"SECRET_KEY", "CIVIC_DEBUG", "FLASK_DEBUG", "CIVIC_DATA_DIR", "DATABASE_URL", "FLASK_APP"}}
    return subprocess.run([str(CIVIC), *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)


def test_help_lists_every_command_without_a_secret(tmp_path):
    result = _run(tmp_path, "--help")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    for command in ("db", "demo", "users", "tokens", "worker", "contacts", "run", "shell", "routes"):
        assert f"  {command} " in result.stdout, (command, result.stdout)
    assert not (tmp_path / "instance").exists()


@pytest.mark.parametrize("args", [["users", "--help"], ["users", "create", "--help"], ["tokens", "--help"],
                                  ["contacts", "--help"], ["demo", "--help"], ["worker", "--help"],
                                  ["db", "--help"]])
def test_subcommand_help_without_a_secret(tmp_path, args):
    result = _run(tmp_path, *args)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert "Usage:" in result.stdout


@pytest.mark.parametrize("args", [["users", "create", "--email", "a@example.vn", "--name", "Lan", "--password",
                                   "mot-mat-khau-dai"], ["demo"], ["routes"]])
def test_command_needing_the_secret_says_so_in_one_line(tmp_path, args):
    result = _run(tmp_path, *args)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "Traceback" not in output
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1, output
    assert "SECRET_KEY" in lines[0]
