"""In Chromium: switch the YAML preview to Cilium with one click (htmx posts the clicked button's value)."""

from __future__ import annotations

import pytest

from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_user_switches_the_preview_to_cilium_and_back(page, live_server, user):
    expect = pytest.importorskip("playwright.sync_api").expect
    from editor.demo import demo_design_create

    design = demo_design_create(owner=user)
    log_in(page, live_server)
    page.goto(f"{live_server.url}/designs/{design.pk}/")
    page.evaluate("window.__noReload = true")  # gone if the switch reloads the page
    page.click("#target-cilium")
    expect(page.locator("#yaml-code")).to_contain_text("kind: CiliumNetworkPolicy")
    expect(page.locator("#target-cilium")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#download-link")).to_have_attribute(
        "download", f"{design.name.lower().replace(' ', '-')}-ciliumnetworkpolicies.yaml"
    )
    page.click("#target-netassert")
    expect(page.locator("#yaml-code")).to_contain_text("exitCode: 1")
    page.click("#target-networkpolicy")
    expect(page.locator("#yaml-code")).to_contain_text("kind: NetworkPolicy")
    assert page.evaluate("window.__noReload") is True
