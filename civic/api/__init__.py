"""JSON API v1. Authenticated by personal tokens (Authorization: Bearer); exempt from CSRF."""

from flask import Blueprint

from civic.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)
