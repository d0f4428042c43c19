"""The events blueprint: its own module so that every views module registers on it without
importing another views module (civic.events.views imports them all)."""

from __future__ import annotations

from flask import Blueprint

from civic.events import services

bp = Blueprint("events", __name__, url_prefix="/su-kien")

# The domain's receivers (its messages, the claim of guest answers) are connected when the
# app registers the blueprint, as create_app does for every domain's views.
bp.record_once(lambda state: services.connect_signals())
