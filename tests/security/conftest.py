"""Helpers for the security checks: sign in a test client cheaply, fill URL rules with dummies."""

from __future__ import annotations

import pytest

from civic.core.permissions import Role

ROLES: tuple[Role | None, ...] = (None, Role.RESIDENT, Role.ORGANIZER, Role.EDITOR, Role.ADMIN)
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
DUMMY_INT = 987654
DUMMY_STR = "khong-ton-tai-zz9"


@pytest.fixture
def db_backend():
    """Access rules do not depend on the database: SQLite only keeps the matrix fast."""
    return "sqlite"


@pytest.fixture
def app_config():
    # Hundreds of requests from one client: the rate limits are tested by their domains.
    return {"RATELIMIT_ENABLED": False}


def dummy_values(rule) -> dict:
    """A value for every URL variable that matches its converter but names no real object."""
    values = {}
    for name, conv in rule._converters.items():
        kind = type(conv).__name__
        if kind == "IntegerConverter":
            values[name] = DUMMY_INT
        elif kind == "FloatConverter":
            values[name] = float(DUMMY_INT)
        elif kind == "UUIDConverter":
            values[name] = "00000000-0000-4000-8000-000000000000"
        elif kind == "AnyConverter":
            items = getattr(conv, "items", None) or conv.regex.strip("()").split("|")
            values[name] = sorted(items)[0]
        else:
            values[name] = DUMMY_STR
    return values


def build_url(app, rule, values=None) -> str:
    adapter = app.url_map.bind("localhost")
    return adapter.build(rule.endpoint, values if values is not None else dummy_values(rule), force_external=False)


def app_rules(app):
    """Every URL rule except Flask's static route, in a stable order."""
    return sorted((r for r in app.url_map.iter_rules() if r.endpoint != "static"), key=lambda r: (r.rule, r.endpoint))


def is_api(rule) -> bool:
    return rule.rule.startswith("/api/")


@pytest.fixture
def sign_in(app):
    """sign_in(client, user) puts ``user`` in the client's session without the login form (fast)."""
    from flask_login.utils import _create_identifier

    def _sign_in(client, user):
        with app.test_request_context():
            ident = _create_identifier()
        with client.session_transaction() as sess:
            sess["_user_id"] = user.get_id()
            sess["_fresh"] = True
            sess["_id"] = ident

    return _sign_in


@pytest.fixture
def users_by_role(make_user):
    return {role: make_user(role=role.value) for role in ROLES if role is not None}


def is_login_redirect(response) -> bool:
    return response.status_code in (301, 302, 303) and "/dang-nhap" in response.headers.get("Location", "")


@pytest.fixture(scope="session")
def sec():
    """The helpers above, for test modules (conftest modules are not importable by name)."""
    import types

    return types.SimpleNamespace(
        ROLES=ROLES,
        WRITE_METHODS=WRITE_METHODS,
        DUMMY_INT=DUMMY_INT,
        DUMMY_STR=DUMMY_STR,
        dummy_values=dummy_values,
        build_url=build_url,
        app_rules=app_rules,
        is_api=is_api,
        is_login_redirect=is_login_redirect,
    )
