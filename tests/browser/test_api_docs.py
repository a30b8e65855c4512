"""The API reference a user opens in a browser: Swagger UI, served by the app itself, under the app's CSP."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_swagger_ui_renders_offline_under_the_content_security_policy(page, live_server):
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.context.add_init_script(
        "window.__csp = []; document.addEventListener('securitypolicyviolation', "
        "e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));"
    )
    response = page.goto(f"{live_server.url}/api/v1/docs/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_selector(".swagger-ui .info .title")
    assert "policyeditor API" in page.inner_text(".swagger-ui .info .title")
    page.wait_for_selector("text=/api/v1/designs/import/")
    assert page.locator(".opblock").count() > 40  # every operation is listed
    # open one operation: its JSON request body is documented
    page.click("#operations-designs-designs_create")
    opened = "#operations-designs-designs_create"
    page.wait_for_selector(f"{opened} .opblock-body")
    assert "application/json" in page.inner_text(f"{opened} .opblock-body")
    assert page.evaluate("window.__csp") == []
    assert all(url.startswith(live_server.url) or url.startswith("data:") for url in requests), requests
