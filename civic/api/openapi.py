"""The OpenAPI 3.1 document at /api/v1/openapi.json, assembled from each API module's PATHS."""

from __future__ import annotations

from flask import current_app, jsonify

from civic.api import bp
from civic.core.permissions import public

ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "properties": {"code": {"type": "integer"}, "message": {"type": "string"}},
            "required": ["code", "message"],
        }
    },
    "required": ["error"],
}


def build_document() -> dict:
    import sys

    from civic.api import MODULES

    paths: dict = {}
    schemas: dict = {"Error": ERROR_SCHEMA}
    for module in (sys.modules[f"civic.api.{name}"] for name in MODULES):
        for path, operations in getattr(module, "PATHS", {}).items():
            paths.setdefault(path, {}).update(operations)
        schemas.update(getattr(module, "SCHEMAS", {}))
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "civic API",
            "version": "1.0.0",
            "description": "Ward portal API: news, events and RSVPs, invitations, elections and subscriptions.",
        },
        "servers": [{"url": current_app.config["CIVIC_BASE_URL"] + "/api/v1"}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": schemas,
        },
        "paths": paths,
    }


@bp.get("/openapi.json")
@public
def openapi_document():
    return jsonify(build_document())
