"""JSON API v1. Writes authenticate with personal tokens (Authorization: Bearer), so the
blueprint is exempt from CSRF; errors are JSON (see civic.core.errors)."""

from flask import Blueprint

from civic.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

# Each module registers its routes on ``bp`` and contributes OpenAPI paths.
from civic.api import (  # noqa: E402,F401
    elections,
    events,
    invitations,
    news,
    notifications,
    openapi,
    reception,
    schedule,
)
