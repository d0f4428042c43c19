"""API: notifications. Routes call civic.notifications.services, the same services as the pages."""

from civic.api import bp  # noqa: F401

PATHS: dict = {}
SCHEMAS: dict = {}
