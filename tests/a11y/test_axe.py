"""axe-core on every public page and the main staff pages, in Vietnamese and English:
no serious or critical violation (WCAG 2.1 A/AA rules plus axe best practices)."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE = {"width": 390, "height": 844}
BAD = {"serious", "critical"}


@pytest.fixture(scope="session")
def axe():
    """axe-core's script (shipped by axe-playwright-python), added to each context once."""
    from axe_playwright_python.sync_playwright import Axe

    return Axe().axe_script


def _violations(page) -> list[str]:
    results = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    out = []
    for v in results["violations"]:
        if v.get("impact") in BAD:
            targets = ", ".join(str(n["target"]) for n in v["nodes"][:3])
            out.append(f"{v['impact']} {v['id']}: {v['help']} ({len(v['nodes'])}x, e.g. {targets})")
    return out


def _audit(context, urls) -> list[str]:
    page = context.new_page()
    problems = []
    for url in urls:
        response = page.goto(url)
        assert response is not None
        for line in _violations(page):
            problems.append(f"{url}: {line}")
    page.close()
    return problems


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_public_pages_have_no_serious_axe_violations(app, client, demo, site, browser, live_server, axe, lang):
    client.set_cookie("civic_lang", lang)
    urls = site.crawl(app, client, site.PUBLIC_STARTS, per_endpoint=1)
    assert len(urls) >= 8, urls
    context = browser.new_context(viewport=PHONE, base_url=live_server, locale="vi-VN")
    context.add_cookies([{"name": "civic_lang", "value": lang, "url": live_server}])
    context.add_init_script(script=axe)
    try:
        problems = _audit(context, urls)
    finally:
        context.close()
    if problems:
        pytest.fail(f"{len(urls)} pages checked:\n" + "\n".join(problems), pytrace=False)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_staff_pages_have_no_serious_axe_violations(app, client, demo, site, staff_login, browser, live_server, axe,
                                                     lang):
    staff_login("admin")
    client.set_cookie("civic_lang", lang)
    urls = site.crawl(app, client, site.STAFF_STARTS, per_endpoint=1, limit=25)
    assert len(urls) >= 5, urls
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server, locale="vi-VN")
    context.add_cookies([{"name": "civic_lang", "value": lang, "url": live_server}])
    context.add_init_script(script=axe)
    page = context.new_page()
    page.goto("/dang-nhap")
    page.locator("input[name=email]").fill(demo.staff["admin"])
    page.locator("input[name=password]").fill(demo.password)
    page.locator("form:has(input[name=password]) [type=submit]").click()
    page.wait_for_load_state()
    assert "/dang-nhap" not in page.url, "admin could not sign in in the browser"
    page.close()
    try:
        problems = _audit(context, urls)
    finally:
        context.close()
    if problems:
        pytest.fail(f"{len(urls)} pages checked:\n" + "\n".join(problems), pytrace=False)


def test_axe_catches_a_violation(browser, axe):
    """The checks above can fail: an unlabelled field and an image without alt are reported."""
    context = browser.new_context()
    context.add_init_script(script=axe)
    page = context.new_page()
    page.goto("data:text/html,<html><body><main><input type=text><img src=x.png></main></body></html>")
    found = _violations(page)
    context.close()
    assert any("label" in f for f in found) and any("image-alt" in f for f in found), found
