"""Stored-text snapshots for e-mails and SMS (issue 13): a changed text is a reviewed diff.

    from tests.snapshots import assert_snapshot
    assert_snapshot(Path(__file__).parent / "snapshots" / "event_confirmation.vi.txt", text)

A missing snapshot fails (under CI too) after writing the text it saw, so the first run
shows what to review and commit; ``CIVIC_UPDATE_SNAPSHOTS=1`` rewrites changed ones.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

_VOLATILE = [
    # Signed tokens and one-off codes change every run; the rest of the text must not.
    (re.compile(r"(token=|/t/|/r/|/x/|/c/|/d/|/u/)[A-Za-z0-9._~\-]{16,}"), r"\1<token>"),
    (re.compile(r"\b[A-Za-z0-9_\-]{32,}\.[A-Za-z0-9_\-]{6,}\.[A-Za-z0-9_\-]{10,}\b"), "<token>"),
]


def normalise(text: str) -> str:
    for pattern, replacement in _VOLATILE:
        text = pattern.sub(replacement, text)
    return text.replace("\r\n", "\n").rstrip() + "\n"


def assert_snapshot(path: Path, text: str) -> None:
    text = normalise(text)
    if os.environ.get("CIVIC_UPDATE_SNAPSHOTS") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        pytest.fail(f"new snapshot written to {path}: read it, then commit it", pytrace=False)
    stored = path.read_text(encoding="utf-8")
    assert text == stored, f"{path.name} changed; if the new text is right, run with CIVIC_UPDATE_SNAPSHOTS=1"
