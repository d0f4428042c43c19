"""JSON API v1. Writes authenticate with personal tokens (Authorization: Bearer), so the
blueprint is exempt from CSRF; errors are JSON (see civic.core.errors)."""

from flask import Blueprint

from civic.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

# Each module registers its routes on ``bp`` and contributes OpenAPI PATHS and SCHEMAS.
# The ``*_manage`` modules carry what organizers, editors and admins do on the pages.
MODULES = (
    "news", "news_manage", "events", "events_manage", "invitations", "invitations_manage", "invitations_directory",
    "elections", "elections_manage", "notifications", "accounts_manage", "reception", "schedule",
    "schedule_manage", "reception_manage", "openapi",
)

import importlib  # noqa: E402

for _name in MODULES:
    importlib.import_module(f"civic.api.{_name}")
