"""Who can reach what: every route × every role, read from the rule each view declares.

A new route without ``@public``/``@login_required``/``@role_required``/``@token_required``
fails here, and so does a view whose behaviour does not match its declared rule.
"""

from __future__ import annotations

import pytest

from civic.core.permissions import rule_for


@pytest.fixture
def app_config():
    # The matrix exercises the access check itself, which runs after CSRF (tested elsewhere).
    return {"WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False}


def undeclared(app, sec):
    missing, wrong_kind = [], []
    for rule in sec.app_rules(app):
        access = rule_for(app.view_functions[rule.endpoint])
        if access is None:
            missing.append(f"{rule.endpoint} {rule.rule}")
        elif sec.is_api(rule) and access.kind not in {"public", "token"}:
            wrong_kind.append(f"{rule.endpoint}: API routes use @public or @token_required, not {access.kind}")
        elif not sec.is_api(rule) and access.kind == "token":
            wrong_kind.append(f"{rule.endpoint}: @token_required outside /api/")
    return missing, wrong_kind


def test_every_endpoint_declares_an_access_rule(app, sec):
    missing, wrong_kind = undeclared(app, sec)
    assert not missing, "endpoints without an access rule:\n" + "\n".join(missing)
    assert not wrong_kind, "\n".join(wrong_kind)


def _call(client, method, url, api, headers):
    kwargs = {"headers": headers}
    if method in {"POST", "PUT", "PATCH", "DELETE"}:
        kwargs["json" if api else "data"] = {}
    try:
        return client.open(url, method=method, **kwargs), None
    except Exception as exc:  # noqa: BLE001 - an exception is a 500 for the matrix
        return None, f"{type(exc).__name__}: {exc}"


def _verdict(sec, access, role, api, response) -> str | None:
    """None when the response matches what ``access`` says about ``role``; else why not."""
    code = response.status_code
    if code >= 500:
        return f"server error {code}"
    if access.kind == "public":
        if code in (401, 403) or sec.is_login_redirect(response):
            return f"public route answered {code} {response.headers.get('Location', '')}"
        return None
    allowed = access.allows(role)
    if not allowed:
        if role is None:
            if api:
                return None if code == 401 else f"expected 401 without a token, got {code}"
            return None if sec.is_login_redirect(response) else f"expected a redirect to login, got {code}"
        return None if code == 403 else f"expected 403 for the wrong role, got {code}"
    if code in (401, 403) or sec.is_login_redirect(response):
        return f"allowed role was refused with {code}"
    return None


def matrix_problems(app, sec, sign_in, role, user, token):
    problems, checked = [], 0
    for rule in sec.app_rules(app):
        access = rule_for(app.view_functions[rule.endpoint])
        if access is None:
            continue  # reported by test_every_endpoint_declares_an_access_rule
        api = sec.is_api(rule)
        url = sec.build_url(app, rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            client = app.test_client()
            headers = {}
            if user is not None:
                if api:
                    headers["Authorization"] = f"Bearer {token}"
                else:
                    sign_in(client, user)
            response, error = _call(client, method, url, api, headers)
            checked += 1
            why = error or _verdict(sec, access, role, api, response)
            if why:
                problems.append(f"{method} {url} [{rule.endpoint}, {access.kind} {access.role or ''}]: {why}")
    assert checked > 0
    return problems


@pytest.mark.parametrize("role_name", ["anonymous", "resident", "organizer", "editor", "admin"])
def test_access_matrix(app, sec, sign_in, users_by_role, api_token, role_name):
    from civic.core.permissions import Role

    role = None if role_name == "anonymous" else Role(role_name)
    user = users_by_role.get(role)
    token = api_token(user) if user else None
    problems = matrix_problems(app, sec, sign_in, role, user, token)
    assert not problems, f"as {role_name}:\n" + "\n".join(problems)


def test_matrix_catches_undeclared_and_misbehaving_routes(app, sec, sign_in, users_by_role):
    """The checks above can fail: a route with no rule, and a 'public' page that demands a login."""
    from flask import redirect

    from civic.core.permissions import Role, public, role_required

    def no_rule():
        return "open"

    @public
    def fake_public():
        return redirect("/dang-nhap?next=/x")

    @role_required(Role.ADMIN)
    def admin_only():
        return "ok"

    admin_only.access_rule = type(admin_only.access_rule)("public")  # lies about its rule
    app.add_url_rule("/_kiem-tra/khong-quy-tac", "selftest_no_rule", no_rule)
    app.add_url_rule("/_kiem-tra/gia-cong-khai", "selftest_fake_public", fake_public)
    app.add_url_rule("/_kiem-tra/noi-doi", "selftest_lies", admin_only)
    missing, _ = undeclared(app, sec)
    assert any("selftest_no_rule" in m for m in missing)
    problems = matrix_problems(app, sec, sign_in, Role.RESIDENT, users_by_role[Role.RESIDENT], None)
    flagged = "\n".join(problems)
    assert "selftest_fake_public" in flagged and "selftest_lies" in flagged


def test_api_token_of_wrong_kind_is_refused(app, client):
    """A malformed or unknown bearer token is anonymous: 401 on every token route."""
    from civic.core.permissions import rule_for as rf

    for rule in app.url_map.iter_rules():
        access = rf(app.view_functions[rule.endpoint])
        if access is None or access.kind != "token":
            continue
        url = app.url_map.bind("localhost").build(rule.endpoint, _dummy(rule))
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            for header in ("Bearer civic_not-a-real-token", "Bearer ", "Basic YWRtaW46YWRtaW4=", "civic_x"):
                response = client.open(url, method=method, headers={"Authorization": header}, json={})
                assert response.status_code == 401, (method, url, header, response.status_code)


def _dummy(rule):
    return {name: 987654 if type(c).__name__ == "IntegerConverter" else "khong-ton-tai" for name, c in rule._converters.items()}


def _schedule_objects():
    """A published week with a revision, a post with its holder, a reception rule with an extra
    day off and a moved session: the schedule routes are checked on real objects, not 404s."""
    from datetime import date, time

    from civic.invitations import services as inv
    from civic.schedule.services import reception as rec
    from civic.schedule.services import weeks as svc

    holder = inv.save_contact(None, full_name="Đỗ Mạnh Cường", position="Chủ tịch UBND phường", unit="UBND phường",
                              email="chutich@example.vn", phone=None)
    post = inv.get_or_create_post("Chủ tịch UBND phường", None)
    inv.hand_over(post, holder, date(2020, 1, 1))
    week = svc.create_week(2021, 4)
    item = svc.add_item(week, svc.ItemData(day=date(2021, 1, 25), start=time(8), content="Giao ban",
                                           chair_post_ids=[post.id], participants=[("contact", holder.id)]))
    week = svc.get_week(2021, 4)
    svc.publish(week, None, week.version, replaces_letters=False)
    week = svc.get_week(2021, 4)
    svc.update_item(svc.get_item(week, item.id), svc.ItemData(day=date(2021, 1, 25), start=time(14), content="Giao ban",
                                                              chair_post_ids=[post.id]), None, week.version)
    rule = rec.save_rule(None, rec.RuleInput(post_id=post.id, weekdays=[3], starts_at=time(7, 30),
                                             ends_at=time(11, 30), place="Phòng tiếp công dân",
                                             valid_from=date(2021, 1, 1)))
    extra = rec.add_extra_day(date(2031, 1, 2), "Nghỉ bù theo thông báo")
    override = rec.set_override(rule, date(2031, 1, 9), "move", date(2031, 1, 10), "Họp cấp trên")
    return {"week_id": week.id, "item_id": item.id, "year": 2021, "week": 4, "number": 1, "post_id": post.id,
            "contact_id": holder.id, "rule_id": rule.id, "holiday_id": extra.id, "override_id": override.id}


@pytest.mark.parametrize("role_name", ["anonymous", "resident", "organizer", "editor", "admin"])
def test_schedule_routes_on_real_objects(app, sec, sign_in, users_by_role, api_token, role_name):
    """Every schedule and reception route (pages and API) with a real week, item, post and rule:
    an editor or organizer drafts, residents read only what is published, nobody gets a 500."""
    from civic.core.permissions import Role

    role = None if role_name == "anonymous" else Role(role_name)
    user = users_by_role.get(role)
    token = api_token(user) if user else None
    objects = _schedule_objects()
    problems, checked = [], 0
    for rule in sec.app_rules(app):
        if not (rule.endpoint.startswith("schedule.") or rule.rule.startswith(("/api/v1/schedule", "/api/v1/reception"))):
            continue
        access = rule_for(app.view_functions[rule.endpoint])
        values = {**sec.dummy_values(rule), **{k: v for k, v in objects.items() if k in rule.arguments}}
        api = sec.is_api(rule)
        url = sec.build_url(app, rule, values)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            client = app.test_client()
            headers = {"Authorization": f"Bearer {token}"} if (user is not None and api) else {}
            if user is not None and not api:
                sign_in(client, user)
            response, error = _call(client, method, url, api, headers)
            checked += 1
            why = error or _verdict(sec, access, role, api, response)
            if not why and access.kind == "public" and method == "GET" and response.status_code >= 400:
                why = f"a real object answered {response.status_code}"
            if why:
                problems.append(f"{method} {url} [{rule.endpoint}]: {why}")
    assert checked >= 30, checked
    assert not problems, f"as {role_name}:\n" + "\n".join(problems)
