"""The house rules that keep the code readable, checked on the source (issue 13):

- no module over 500 lines and no function over 60, outside demo data;
- a service writes through ``with transaction():`` (civic.core.db), never by calling
  ``db.session.commit()`` or ``rollback()`` itself.

Each test is parametrised by package, so one domain's offenders are named on their own.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

CIVIC = Path(__file__).resolve().parents[2] / "civic"
MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 60
PACKAGES = sorted(p.name for p in CIVIC.iterdir() if p.is_dir() and (p / "__init__.py").exists())
# Modules that are not services: the web layer, the command line, and demo content.
NOT_SERVICES = ("views", "cli", "demo")


def _modules(package: str | None):
    root = CIVIC / package if package else CIVIC
    paths = sorted(root.rglob("*.py")) if package else sorted(root.glob("*.py"))
    for path in paths:
        if "demo" in path.relative_to(CIVIC).parts[-1] or "translations" in path.parts:
            continue
        yield path


def _name(path: Path) -> str:
    return str(path.relative_to(CIVIC.parent))


@pytest.mark.parametrize("package", [None, *PACKAGES], ids=["civic", *PACKAGES])
def test_no_module_over_500_lines(package):
    offenders = []
    for path in _modules(package):
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_MODULE_LINES:
            offenders.append(f"{_name(path)}: {lines} lines")
    assert not offenders, "split these by responsibility:\n" + "\n".join(offenders)


@pytest.mark.parametrize("package", [None, *PACKAGES], ids=["civic", *PACKAGES])
def test_no_function_over_60_lines(package):
    offenders = []
    for path in _modules(package):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    offenders.append(f"{_name(path)}:{node.lineno} {node.name}(): {length} lines")
    assert not offenders, "cut these into named steps:\n" + "\n".join(offenders)


def _is_service(path: Path) -> bool:
    parts = path.relative_to(CIVIC).parts
    if parts[0] in ("core", "api") or len(parts) == 1:
        return False  # core.db owns the idiom; the API and the factory are not services
    stem = path.stem
    return not any(stem == name or stem.startswith(name + "_") for name in NOT_SERVICES)


@pytest.mark.parametrize("package", PACKAGES)
def test_services_write_through_transaction(package):
    offenders = []
    for path in _modules(package):
        if not _is_service(path):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("commit", "rollback")
                and "session" in ast.unparse(node.func.value)
            ):
                offenders.append(f"{_name(path)}:{node.lineno} {ast.unparse(node)}")
    assert not offenders, "write with `with transaction():` (civic.core.db) instead:\n" + "\n".join(offenders)

