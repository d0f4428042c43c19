"""What every elections service shares: page-cache scopes, the unsubscribe topic, addresses."""

from __future__ import annotations

import hashlib

from flask import current_app, has_request_context

from civic.accounts.models import ResidentialGroup
from civic.accounts.services import UnknownGroupError, resolve_group
from civic.core import pagecache
from civic.core.urls import absolute_url
from civic.elections.errors import UnknownGroup
from civic.elections.models import Election, Milestone, PollingArea, PollingAreaGroup

# Page-cache scopes: the election pages, where-to-vote and the home page's countdown.
PAGE_SCOPES = ("elections",)
pagecache.watch(Election, Milestone, PollingArea, PollingAreaGroup, ResidentialGroup, scopes=PAGE_SCOPES)

TOPIC = "elections"  # the engine's unsubscribe scope


def url(endpoint: str, **values) -> str:
    """An absolute address, also from the worker's periodic task (no request there)."""
    if has_request_context():
        return absolute_url(endpoint, **values)
    with current_app.test_request_context("/", base_url=current_app.config["CIVIC_BASE_URL"]):
        return absolute_url(endpoint, **values)


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def find_group(typed) -> ResidentialGroup:
    """accounts.resolve_group ("tổ 5", "TDP 05", "5" = the group numbered 5) as an election error."""
    try:
        return resolve_group(typed)
    except UnknownGroupError as exc:
        raise UnknownGroup(str(exc)) from exc
