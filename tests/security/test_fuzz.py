# ruff: noqa: B023 - the hypothesis-wrapped closures run inside their loop iteration
"""Fuzzing: every form and every API write, fed by Hypothesis, never answers 5xx and never echoes
a script unescaped; schemathesis walks /api/v1/openapi.json with the same bar."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civic.core.permissions import rule_for

pytestmark = pytest.mark.slow

SCRIPT = "<script>alert('xss')</script>"
NASTY = [
    SCRIPT, '"><img src=x onerror=alert(1)>', "javascript:alert(1)", "' OR 1=1 --", "\x00", "a" * 5000,
    "Nguyễn Văn A", "Nguye\u0302\u0303n", "0912345678", "+84 912 345 678", "lan@example.vn", "-1", "0",
    "99999999999999999999", "2026-02-30T25:61", "../../etc/passwd", "{{7*7}}", "%s%s%n", "\u202e", "",
]
TEXT = st.one_of(st.sampled_from(NASTY), st.text(max_size=300))
FUZZ = settings(max_examples=12, deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck))
NAME_RE = re.compile(r'<(?:input|select|textarea)[^>]*\bname="([^"]+)"', re.I)


@pytest.fixture
def app_config():
    # The fuzzer tests the views behind CSRF and rate limits (both tested on their own).
    return {"WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False, "MAIL_BACKEND": "locmem"}


def _unescaped(body: str) -> bool:
    return SCRIPT in body or "<img src=x onerror" in body


def _form_targets(app, sec, client, extra: dict[str, str]):
    """(POST url, field names) for every HTML form route we can open without an object id, plus ``extra``."""
    for rule in sec.app_rules(app):
        if sec.is_api(rule) or "POST" not in rule.methods or "GET" not in rule.methods:
            continue
        url = extra.get(rule.endpoint) or (None if rule.arguments else sec.build_url(app, rule, {}))
        if not url:
            continue
        page = client.get(url)
        if page.status_code != 200:
            continue
        names = sorted(set(NAME_RE.findall(page.get_data(as_text=True))) - {"csrf_token", "next", "lang"})
        if names:
            yield rule.endpoint, url, names


def test_every_form_survives_hostile_input(app, sec, make_user, sign_in):
    from datetime import timedelta

    from civic.core.timeutil import utcnow
    from civic.events import services as ev
    from civic.extensions import db

    admin = make_user(role="admin")
    start = utcnow() + timedelta(days=5)
    event = ev.create_event(admin, ev.EventData(title="Họp tổ", starts_at=start, ends_at=start + timedelta(hours=1),
                                                venue_name="Nhà văn hóa", status="published"))
    db.session.commit()
    extra = {"events.edit": f"/su-kien/quan-ly/{event.id}/sua", "events.cancel": f"/su-kien/quan-ly/{event.id}/huy"}
    problems: list[str] = []
    anonymous = app.test_client()
    staff = app.test_client()
    sign_in(staff, admin)
    targets = [(anonymous, *t) for t in _form_targets(app, sec, anonymous, extra)]
    targets += [(staff, *t) for t in _form_targets(app, sec, staff, extra) if t[0] not in {x[1] for x in targets}]
    # The event page's RSVP form posts elsewhere.
    targets.append((anonymous, "events.rsvp", f"/su-kien/{event.id}/tra-loi",
                    ["response", "name", "email", "phone", "guests", "group", "answer_1", "consent"]))
    assert len(targets) >= 5, [t[1] for t in targets]
    for client, endpoint, url, names in targets:

        @FUZZ
        @given(data=st.fixed_dictionaries({}, optional={n: TEXT for n in names}))
        def post(data):
            try:
                response = client.post(url, data=data)
            except Exception as exc:  # noqa: BLE001 - an exception is a 500
                db.session.rollback()
                problems.append(f"{endpoint} {data!r}: {type(exc).__name__}: {exc}"[:300])
                return
            body = response.get_data(as_text=True)
            if response.status_code >= 500:
                problems.append(f"{endpoint} answered {response.status_code} to {data!r}"[:300])
            elif _unescaped(body):
                problems.append(f"{endpoint} echoed a script unescaped for {data!r}"[:300])

        post()
        sign_in(staff, admin)  # a fuzzed logout or role change must not end the staff session
    assert not problems, "\n".join(sorted(set(problems))[:40])


def _json_values():
    scalars = st.one_of(st.none(), st.booleans(), st.integers(-(2**63), 2**63), st.floats(allow_nan=False), TEXT)
    return st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
                        max_leaves=8)


def test_every_api_write_survives_hostile_json(app, sec, make_user, api_token):
    from civic.api.openapi import build_document
    from civic.extensions import db

    admin = make_user(role="admin")
    headers = {"Authorization": f"Bearer {api_token(admin)}"}
    client = app.test_client()
    with app.test_request_context():
        doc = build_document()
    problems: list[str] = []
    writes = 0
    for rule in sec.app_rules(app):
        if not sec.is_api(rule) or rule_for(app.view_functions[rule.endpoint]) is None:
            continue
        for method in sorted(rule.methods & sec.WRITE_METHODS):
            writes += 1
            url = sec.build_url(app, rule, {k: (1 if isinstance(v, int) else v)
                                            for k, v in sec.dummy_values(rule).items()})
            op = doc["paths"].get(rule.rule.replace("/api/v1", "").replace("<int:", "{").replace("<", "{")
                                  .replace(">", "}"), {}).get(method.lower(), {})
            schema = (op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {}))
            props = sorted(schema.get("properties", {}))
            body = st.one_of(st.fixed_dictionaries({}, optional={p: _json_values() for p in props}), _json_values())

            @FUZZ
            @given(payload=body)
            def call(payload):
                try:
                    response = client.open(url, method=method, json=payload, headers=headers)
                except Exception as exc:  # noqa: BLE001
                    db.session.rollback()
                    problems.append(f"{method} {url} {payload!r}: {type(exc).__name__}: {exc}"[:300])
                    return
                if response.status_code >= 500:
                    problems.append(f"{method} {url} answered {response.status_code} to {payload!r}"[:300])
                elif response.mimetype == "text/html" and _unescaped(response.get_data(as_text=True)):
                    problems.append(f"{method} {url} echoed a script as HTML"[:300])

            call()
            # Not JSON at all.
            for raw, ctype in ((b"{", "application/json"), (b"\xff\xfe", "application/json"), (b"a=b", "text/plain")):
                response = client.open(url, method=method, data=raw, content_type=ctype, headers=headers)
                if response.status_code >= 500:
                    problems.append(f"{method} {url} answered {response.status_code} to raw {raw!r}")
    assert writes > 0
    assert not problems, "\n".join(sorted(set(problems))[:40])


def test_schemathesis_finds_no_server_error(app, make_user, api_token):
    import schemathesis
    from schemathesis.checks import not_a_server_error

    admin = make_user(role="admin")
    token = api_token(admin)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    failures: list[str] = []
    ops = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        ops += 1
        strategy = operation.as_strategy()

        @settings(max_examples=8, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=strategy)
        def check(case):
            response = case.call(headers={"Authorization": f"Bearer {token}"})
            try:
                case.validate_response(response, checks=[not_a_server_error])
            except Exception as exc:  # noqa: BLE001 - schemathesis raises its own failure types
                failures.append(f"{operation.label} {case.path_parameters or ''} {case.query or ''}: "
                                f"{type(exc).__name__} {str(exc)[:160]}")

        check()
    assert ops > 0
    assert not failures, "\n".join(failures[:30])
