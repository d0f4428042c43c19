"""The schedule's blueprint, on its own so that views and views_reception both add routes to it
without importing each other."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("schedule", __name__)
