"""API: elections. Routes call civic.elections.services, the same services as the pages."""

from civic.api import bp  # noqa: F401

PATHS: dict = {}
SCHEMAS: dict = {}
