"""Browser: a new user starts from a template, reads the truth table on the design's own ports, copies a
share link and opens the shared read-only view with its canvas (issue 12, items 5 and 7)."""

from __future__ import annotations

import pytest

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_new_user_starts_from_a_template_reads_the_truth_table_and_shares_a_link(page, live_server, user):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    log_in(page, live_server)
    assert page.is_visible("#start-templates .templates")  # no designs yet: the templates are open
    page.click("#template-three-tier")
    page.wait_for_selector("#canvas-svg g.node[data-node='workload:shop/db']")
    design_url = page.url
    assert page.locator("#canvas-svg g.edge").count() == 3
    assert not page.is_visible("#first-steps")  # flows are drawn: no guide

    page.click("#design-menu")
    page.click("#matrix-link")
    cell = page.locator("#matrix-table a[title^='shop/frontend → shop/db']")
    assert "TCP 5432 ✗" in cell.inner_text()
    box = cell.bounding_box()
    assert box["width"] >= 80 and box["height"] >= 24  # readable, not tiny
    cell.click()
    page.wait_for_selector("#check-result #verdict")
    assert "shop/frontend → shop/db" in page.inner_text("#verdict")
    assert "/matrix/" in page.url  # the answer came beside the table

    page.goto(design_url + "sharing/")
    page.click("form[action$='/sharing/links/'] button")
    field = page.locator("input[data-share-link]")
    link = field.input_value()
    assert "/shared/" in link
    page.click("button[data-copy-field]")
    page.wait_for_selector(".copied-note:has-text('Copied.')")
    assert page.evaluate("navigator.clipboard.readText()") == link

    page.goto(link)
    page.wait_for_selector("#shared-canvas svg g.node[data-node='workload:shop/api']")
    assert page.locator("#shared-canvas svg g.edge").count() == 3
    page.click("#shared-canvas svg g.node[data-node='workload:shop/api']")  # inert: nothing is posted
    assert page.url == link


def test_an_empty_design_shows_the_first_steps_and_ticks_them_off(page, live_server, user):
    log_in(page, live_server)
    page.fill("#new-design-name", "mine")
    page.click("form.create-form button[type=submit]")
    page.wait_for_selector("#first-steps li.next")
    assert "Add a workload" in page.inner_text("#first-steps li.next")
    page.fill("#add-workload-name", "web")
    page.fill("#add-workload-namespace", "prod")
    page.click("#add-workload-button")
    page.wait_for_selector("#first-steps-done")  # done steps fold away, out of the way of the nodes
    assert "Add the workload it talks to" in page.inner_text("#first-steps li.next")
    assert not page.is_visible("#first-steps li.done")


def test_without_the_clipboard_api_the_copy_button_selects_the_link_for_the_user(page, live_server, three_tier):
    from editor import services

    link = services.link_create(design=three_tier)
    page.add_init_script("Object.defineProperty(navigator, 'clipboard', {value: undefined})")
    log_in(page, live_server)
    page.goto(f"{live_server.url}/designs/{three_tier.pk}/sharing/")
    page.click("button[data-copy-field]")
    page.wait_for_selector(".copied-note:not(:empty)")
    assert page.inner_text(".copied-note") in ("Copied.", "Press Ctrl+C (⌘C) to copy the selected link.")
    selected = page.evaluate(
        "() => { const f = document.activeElement; return [f.dataset.shareLink !== undefined, "
        "f.value.slice(f.selectionStart, f.selectionEnd)]; }"
    )
    assert selected == [True, f"{live_server.url}/shared/{link.token}/"]
