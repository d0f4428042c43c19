"""Security headers on every response, cookies in production, CSRF on every form, no open redirects."""

from __future__ import annotations

import re

import pytest

from civic.core.permissions import rule_for

EVIL_NEXT = [
    "https://evil.example/",
    "//evil.example/",
    "/\\evil.example",
    "\\\\evil.example",
    "http:evil.example",
    "https:/\\evil.example",
    "javascript:alert(1)",
    " //evil.example",
    "/\t/evil.example",
    "///evil.example",
]


def _public_get_urls(app, sec):
    for rule in sec.app_rules(app):
        access = rule_for(app.view_functions[rule.endpoint])
        if "GET" in rule.methods and access is not None and access.kind == "public" and not rule.arguments:
            yield rule, sec.build_url(app, rule, {})


def _check_headers(response, https: bool) -> list[str]:
    h = response.headers
    problems = []
    csp = h.get("Content-Security-Policy", "")
    script_src = re.search(r"script-src ([^;]*)", csp) or re.search(r"default-src ([^;]*)", csp)
    if not csp or not script_src:
        problems.append("no CSP script-src/default-src")
    elif "'unsafe-inline'" in script_src.group(1) or "'unsafe-eval'" in script_src.group(1):
        problems.append(f"CSP allows unsafe scripts: {script_src.group(1)}")
    if "object-src 'none'" not in csp:
        problems.append("CSP lacks object-src 'none'")
    if h.get("X-Content-Type-Options") != "nosniff":
        problems.append("X-Content-Type-Options")
    if not h.get("Referrer-Policy"):
        problems.append("Referrer-Policy")
    if h.get("X-Frame-Options") not in ("DENY", "SAMEORIGIN") and "frame-ancestors" not in csp:
        problems.append("frame protection")
    hsts = h.get("Strict-Transport-Security", "")
    if https and "max-age=" not in hsts:
        problems.append("HSTS missing under https")
    if not https and hsts:
        problems.append("HSTS sent over plain http")
    return problems


def _every_kind_of_response(app, sec, client):
    """Pages, 404s, 405s, static files, the API, JSON errors, redirects."""
    urls = [url for _, url in _public_get_urls(app, sec)]
    urls += ["/khong-co-trang-nay", "/static/css/site.css", "/api/v1/openapi.json", "/api/v1/khong-co"]
    for url in urls:
        yield url, client.get(url)
    for rule in sec.app_rules(app):
        access = rule_for(app.view_functions[rule.endpoint])
        if access is not None and access.kind != "public":
            url = sec.build_url(app, rule)
            method = "GET" if "GET" in rule.methods else sorted(rule.methods - {"HEAD", "OPTIONS"})[0]
            yield f"{method} {url}", client.open(url, method=method)


@pytest.mark.parametrize("app_config", [{"RATELIMIT_ENABLED": False}], ids=["http"])
def test_security_headers_on_every_response(app, sec, client):
    problems = []
    for url, response in _every_kind_of_response(app, sec, client):
        for p in _check_headers(response, https=False):
            problems.append(f"{url} ({response.status_code}): {p}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("app_config", [{"CIVIC_BASE_URL": "https://phuong.example.vn", "RATELIMIT_ENABLED": False}], ids=["https"])
def test_https_adds_hsts_and_secure_cookies(app, sec, client):
    problems = []
    for url, response in _every_kind_of_response(app, sec, client):
        for p in _check_headers(response, https=True):
            problems.append(f"{url} ({response.status_code}): {p}")
    assert not problems, "\n".join(problems)
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    # Every cookie the portal sets: the session (a form page stores the CSRF token) and the language.
    cookies = []
    for url in ["/dang-nhap", "/dang-ky", "/language?lang=en&next=/"]:
        cookies += client.get(url, base_url="https://phuong.example.vn").headers.getlist("Set-Cookie")
    assert cookies, "no cookie was set at all"
    for cookie in cookies:
        attrs = cookie.lower()
        assert "; secure" in attrs, cookie
        assert "; httponly" in attrs, cookie
        assert "samesite=lax" in attrs or "samesite=strict" in attrs, cookie


# --------------------------------------------------------------------------- CSRF

# POST routes a foreign site may legitimately trigger without a CSRF token, each with why.
CSRF_EXEMPT: dict[str, str] = {
    "notifications.unsubscribe": "RFC 8058 one-click unsubscribe: mail clients POST without a session; "
    "the signed token in the URL is the authorisation",
    "notifications.sms_stop": "same, for the signed SMS stop code",
}


@pytest.mark.parametrize("role_name", ["anonymous", "admin"])
def test_csrf_enforced_on_every_state_changing_form(app, sec, make_user, sign_in, role_name):
    checked, problems = 0, []
    admin = make_user(role="admin") if role_name == "admin" else None
    for rule in sec.app_rules(app):
        if sec.is_api(rule) or rule.endpoint in CSRF_EXEMPT:
            continue
        for method in sorted(rule.methods & sec.WRITE_METHODS):
            client = app.test_client()
            client.set_cookie("civic_lang", "en")
            if admin is not None:
                sign_in(client, admin)
            url = sec.build_url(app, rule)
            response = client.open(url, method=method, data={"email": "a@example.vn", "password": "x" * 12})
            checked += 1
            if response.status_code != 400:
                problems.append(f"{method} {url} [{rule.endpoint}] without a CSRF token answered {response.status_code}")
            elif "form has expired" not in response.get_data(as_text=True):
                problems.append(f"{method} {url}: 400 but not the CSRF message")
            # a wrong token is as bad as none
            response = client.open(url, method=method, data={"csrf_token": "gia-mao"})
            if response.status_code != 400:
                problems.append(f"{method} {url} with a forged token answered {response.status_code}")
    assert checked > 0
    assert not problems, "\n".join(problems)


def test_api_writes_need_a_bearer_token_not_a_session(app, sec, make_user, sign_in):
    """The API is CSRF-exempt, so a browser session alone must never authorise an API write."""
    admin = make_user(role="admin")
    client = app.test_client()
    sign_in(client, admin)
    for rule in sec.app_rules(app):
        access = rule_for(app.view_functions[rule.endpoint])
        if not sec.is_api(rule) or access is None or access.kind != "token":
            continue
        for method in sorted(rule.methods & sec.WRITE_METHODS):
            response = client.open(sec.build_url(app, rule), method=method, json={})
            assert response.status_code == 401, (method, rule.rule, response.status_code)


# --------------------------------------------------------------------------- redirects


def test_safe_next_refuses_other_sites(app):
    from civic.core.security import is_safe_redirect

    with app.test_request_context("/", base_url="http://localhost"):
        for target in EVIL_NEXT:
            assert not is_safe_redirect(target), target
        for target in ["/", "/tin-tuc/?q=ha+noi", "/su-kien/1"]:
            assert is_safe_redirect(target), target


def test_no_public_page_redirects_off_site(app, sec, client):
    """Every public GET page, given a hostile next=, stays on this site."""
    problems = []
    urls = [url for _, url in _public_get_urls(app, sec)] + ["/language?lang=en"]
    for url in urls:
        for target in [*EVIL_NEXT, "/%2F%2Fevil.example", "%2F%2Fevil.example"]:
            sep = "&" if "?" in url else "?"
            response = client.get(url + sep + "next=" + target)
            location = response.headers.get("Location", "")
            if response.status_code in (301, 302, 303, 307, 308):
                if location.startswith(("//", "http:", "https:", "javascript:", "/\\", "\\")) and not location.startswith(
                    "http://localhost/"
                ):
                    problems.append(f"{url} next={target!r} -> {location}")
    assert not problems, "\n".join(problems)


def test_language_switch_keeps_local_next(client):
    response = client.get("/language?lang=en&next=/tin-tuc/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/tin-tuc/")
    response = client.get("/language?lang=en&next=//evil.example/")
    assert "evil.example" not in response.headers["Location"]
