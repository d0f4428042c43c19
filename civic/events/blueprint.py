"""The events blueprint: its own module so that every views module registers on it without
importing another views module (civic.events.views imports them all)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("events", __name__, url_prefix="/su-kien")
