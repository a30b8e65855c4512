"""The user story, end to end in Chromium: draw a three-tier app and get its NetworkPolicies."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from editor.models import Design
from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshot.png"


def _expect():
    return pytest.importorskip("playwright.sync_api").expect


def _centre(page, selector: str) -> tuple[float, float]:
    box = page.locator(selector).bounding_box()
    assert box is not None, f"{selector} is not on the page"
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def _drag(page, source: str, target: str) -> None:
    page.mouse.move(*_centre(page, source))
    page.mouse.down()
    page.mouse.move(*_centre(page, target), steps=12)
    page.mouse.up()


def _add_workload(page, name: str, namespace: str, ports: str = "") -> None:
    expect = _expect()
    page.fill("#add-workload-name", name)
    page.fill("#add-workload-namespace", namespace)
    page.fill("#add-workload-ports", ports)
    page.click("#add-workload-button")
    expect(page.locator(f'[data-node="workload:{namespace}/{name}"]')).to_have_count(1)


def _documents(text: str) -> dict[str, dict]:
    return {doc["metadata"]["name"]: doc for doc in yaml.safe_load_all(text)}


def test_user_draws_a_three_tier_app_and_downloads_its_policies(page, live_server, user):
    expect = _expect()
    log_in(page, live_server)

    page.fill("#new-design-name", "shop")
    page.click("text=Create design")
    expect(page.locator("#canvas-svg")).to_be_visible()
    design = Design.objects.get(owner=user, name="shop")
    page.evaluate("window.__noReload = true")  # gone if anything below reloads the page

    _add_workload(page, "frontend", "shop")
    _add_workload(page, "api", "shop", "http:8080")
    _add_workload(page, "db", "shop")

    # frontend → api by dragging from frontend's handle: the ports default to api's declared port.
    _drag(page, '[data-handle="workload:shop/frontend"]', '[data-node="workload:shop/api"] .node-box')
    edge = page.locator('[data-flow="flow:shop/frontend -> shop/api"]')
    expect(edge).to_have_count(1)
    expect(edge.locator(".edge-label text")).to_have_text("TCP 8080")

    # api → db in connect mode (click the source, then the destination); db declares no port, so type it.
    page.click("#connect-button")
    expect(page.locator("#connect-button")).to_have_attribute("aria-pressed", "true")
    page.click('[data-node="workload:shop/api"] .node-title')
    expect(page.locator('[data-node="workload:shop/api"]')).to_have_class("node workload selected source")
    page.click('[data-node="workload:shop/db"] .node-title')
    expect(page.locator('[data-flow="flow:shop/api -> shop/db"]')).to_have_count(1)
    ports = page.locator("#edit-ports")
    expect(ports).to_be_focused()
    ports.fill("TCP 5432")
    ports.press("Enter")
    expect(page.locator('[data-flow="flow:shop/api -> shop/db"] .edge-label text')).to_have_text("TCP 5432")

    # The live preview shows both sides of each connection, the DNS rule first.
    page.keyboard.press("Escape")  # leaves the ports field
    page.keyboard.press("Escape")  # clears the selection
    expect(page.locator("#inspector h2").first).to_have_text("Add a workload")
    expect(page.locator("#yaml-preview .panel-head")).to_contain_text("3 NetworkPolicies")
    api = _documents(page.locator("#yaml-code").inner_text())["api"]["spec"]
    assert api["egress"][0]["ports"] == [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]
    assert api["egress"][1]["ports"] == [{"protocol": "TCP", "port": 5432}]
    assert api["egress"][1]["to"][0]["podSelector"] == {"matchLabels": {"app": "db"}}
    assert api["ingress"][0]["ports"] == [{"protocol": "TCP", "port": 8080}]
    assert api["ingress"][0]["from"][0]["podSelector"] == {"matchLabels": {"app": "frontend"}}
    db = _documents(page.locator("#yaml-code").inner_text())["db"]["spec"]
    assert db["ingress"][0]["ports"] == [{"protocol": "TCP", "port": 5432}]

    # DNS off: a missing-dns warning per workload, with a one-click fix.
    missing_dns = page.locator(".finding", has=page.locator("code", has_text="missing-dns"))
    expect(missing_dns).to_have_count(0)
    page.uncheck("#setting-dns")
    expect(missing_dns).to_have_count(3)
    expect(page.locator("#warnings-count")).to_have_class("badge has")
    page.click("label[for=tab-warnings]")
    expect(missing_dns.first).to_be_visible()
    missing_dns.first.locator("[data-fix=missing-dns]").click()
    expect(missing_dns).to_have_count(0)
    expect(page.locator("#setting-dns")).to_be_checked()

    # The download is byte for byte the API's YAML.
    with page.expect_download() as download_info:
        page.click("#download-link")
    downloaded = Path(download_info.value.path()).read_bytes()
    api_yaml = page.request.get(f"{live_server.url}/api/v1/designs/{design.pk}/manifests/?format=yaml")
    assert api_yaml.ok
    assert downloaded == api_yaml.body()
    assert download_info.value.suggested_filename == "shop-networkpolicies.yaml"

    # Undo the last change (the fix) with Ctrl+Z: DNS is off again; redo brings it back.
    page.keyboard.press("Control+z")
    expect(page.locator("#setting-dns")).not_to_be_checked()
    expect(missing_dns).to_have_count(3)
    page.keyboard.press("Control+Shift+z")
    expect(page.locator("#setting-dns")).to_be_checked()
    expect(missing_dns).to_have_count(0)

    assert page.evaluate("window.__noReload") is True
    design.refresh_from_db()
    assert design.dns is True


def test_dragging_a_node_saves_its_position(page, live_server, three_tier):
    expect = _expect()
    log_in(page, live_server)
    page.goto(f"{live_server.url}/designs/{three_tier.pk}/")
    node = '[data-node="workload:shop/db"]'
    before = three_tier.workloads.get(name="db")
    x, y = _centre(page, f"{node} .node-title")
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x, y + 120, steps=8)
    page.mouse.up()
    expect(page.locator("#undo-button")).to_have_attribute("title", "Undo: Moved workload shop/db (Ctrl+Z)")
    after = three_tier.workloads.get(name="db")
    assert after.x == pytest.approx(before.x, abs=2)
    assert after.y > before.y + 60


def test_screenshot_of_the_three_tier_design(page, live_server, three_tier):
    expect = _expect()
    log_in(page, live_server)
    page.goto(f"{live_server.url}/designs/{three_tier.pk}/")
    page.click('[data-node="workload:shop/api"] .node-title')
    expect(page.locator("#yaml-preview .panel-head")).to_contain_text("shop/api")
    page.locator("#yaml-code").evaluate("pre => { pre.scrollTop = pre.scrollHeight / 4; }")  # show the rules
    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))
    assert SCREENSHOT.stat().st_size > 10_000


def test_keyboard_delete_undo_zoom_and_copy(page, live_server, three_tier):
    expect = _expect()
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    log_in(page, live_server)
    page.goto(f"{live_server.url}/designs/{three_tier.pk}/")
    svg = page.locator("#canvas-svg")
    fit = svg.get_attribute("viewBox")

    # Scroll to zoom; the zoom survives the canvas being swapped by the next change.
    page.mouse.move(*_centre(page, "#canvas-svg"))
    page.mouse.wheel(0, -300)
    assert float(svg.get_attribute("viewBox").split()[2]) < float(fit.split()[2])

    # Drag the background to pan.
    before = [float(n) for n in svg.get_attribute("viewBox").split()]
    box = svg.bounding_box()
    page.mouse.move(box["x"] + 30, box["y"] + box["height"] - 30)
    page.mouse.down()
    page.mouse.move(box["x"] + 130, box["y"] + box["height"] - 30, steps=5)
    page.mouse.up()
    zoomed = svg.get_attribute("viewBox")
    after = [float(n) for n in zoomed.split()]
    assert after[0] < before[0] and after[1] == pytest.approx(before[1]) and after[2:] == before[2:]

    # Click to select, Delete removes the selection, Ctrl+Z brings it back.
    page.click('[data-node="workload:shop/db"] .node-title')
    expect(page.locator("#inspector .chip")).to_have_text("workload")
    page.keyboard.press("Delete")
    expect(page.locator('[data-node="workload:shop/db"]')).to_have_count(0)
    expect(page.locator('[data-flow="flow:shop/api -> shop/db"]')).to_have_count(0)
    assert page.locator("#canvas-svg").get_attribute("viewBox") == zoomed
    page.keyboard.press("Control+z")
    expect(page.locator('[data-flow="flow:shop/api -> shop/db"]')).to_have_count(1)

    # Escape clears the selection; 0 fits the design again.
    page.click('[data-node="workload:shop/api"] .node-title')
    expect(page.locator("#yaml-preview .panel-head")).to_contain_text("1 policy for shop/api")
    page.keyboard.press("Escape")
    expect(page.locator("#yaml-preview .panel-head")).to_contain_text("3 NetworkPolicies")
    page.keyboard.press("0")
    assert page.locator("#canvas-svg").get_attribute("viewBox") == fit

    # Copy puts the YAML on the clipboard.
    page.click("#copy-button")
    expect(page.locator("#copy-button")).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == page.locator("#yaml-code").inner_text()


def _move(page, node: str, dy: float) -> None:
    x, y = _centre(page, f'[data-node="{node}"] .node-title')
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x, y + dy, steps=8)
    page.mouse.up()


def test_two_tabs_the_later_change_is_refused_and_shows_the_earlier_one(page, live_server, three_tier):
    """Tab A adds a workload; tab B, still showing the old revision, moves a node: B is told, shown A's workload,
    and nothing of A's change is lost; B's next move (now on the current revision) is saved."""
    expect = _expect()
    log_in(page, live_server)
    editor = f"{live_server.url}/designs/{three_tier.pk}/"
    tab_a, tab_b = page, page.context.new_page()
    tab_a.goto(editor)
    tab_b.goto(editor)
    expect(tab_b.locator("#canvas-svg")).to_be_visible()

    _add_workload(tab_a, "cache", "shop")
    expect(tab_b.locator('[data-node="workload:shop/cache"]')).to_have_count(0)  # B still shows the old revision
    db_before = three_tier.workloads.get(name="db")

    _move(tab_b, "workload:shop/db", 120)
    notice = tab_b.locator("#notice")
    expect(notice).to_contain_text("This design changed since you loaded it")
    expect(notice).to_contain_text("Added workload shop/cache, by alice")
    expect(tab_b.locator('[data-node="workload:shop/cache"]')).to_have_count(1)
    db = three_tier.workloads.get(name="db")
    assert (db.x, db.y) == (db_before.x, db_before.y)  # B's move was not applied ...
    assert three_tier.workloads.filter(name="cache").exists()  # ... and A's workload is still there
    # the node B dragged is drawn where it is saved again
    expect(tab_b.locator('[data-node="workload:shop/db"]')).to_have_attribute("data-y", str(db_before.y))

    _move(tab_b, "workload:shop/db", 120)  # B now shows the current revision: the move is saved
    expect(tab_b.locator("#undo-button")).to_have_attribute("title", "Undo: Moved workload shop/db (Ctrl+Z)")
    expect(tab_b.locator("#notice")).not_to_contain_text("changed since you loaded it")
    assert three_tier.workloads.get(name="db").y > db_before.y + 60
    assert three_tier.workloads.filter(name="cache").exists()


def test_a_viewer_selects_and_pans_but_cannot_move_or_draw(page, live_server, three_tier, other_user):
    from editor import services

    expect = _expect()
    services.share_create(design=three_tier, username="bob", role="viewer", actor=three_tier.owner)
    log_in(page, live_server, "bob", "bob-password")
    page.goto(f"{live_server.url}/designs/{three_tier.pk}/")
    expect(page.locator("#readonly-note")).to_be_visible()
    expect(page.locator("[data-handle]")).to_have_count(0)
    revision = Design.objects.get(pk=three_tier.pk).revision
    _move(page, "workload:shop/db", 120)  # pans the view instead of moving the node
    page.click('[data-node="workload:shop/api"] .node-title')
    expect(page.locator("#inspector-details")).to_contain_text("app=api")
    expect(page.locator("#inspector-form")).to_have_count(0)
    page.keyboard.press("Delete")
    page.keyboard.press("Control+z")
    expect(page.locator("#inspector-details")).to_contain_text("app=api")
    assert Design.objects.get(pk=three_tier.pk).revision == revision
    assert three_tier.workloads.count() == 3


def test_a_large_design_opens_grouped_expands_a_namespace_and_drags_its_workload(page, live_server, user, monkeypatch):
    """Above canvas.GROUP_ABOVE workloads (lowered here) each namespace is one node: double-click expands it,
    its workloads drag like any other (saved where they would be without the grouped layout's shift)."""
    from benchmark import harness as bench
    from editor.web import canvas

    expect = _expect()
    monkeypatch.setattr(canvas, "GROUP_ABOVE", 10)
    design = bench.spec_design_create(owner=user, spec=bench.synthetic_spec(16, 4), name="large")
    log_in(page, live_server)
    page.goto(f"{live_server.url}/designs/{design.pk}/")
    expect(page.locator(".group")).to_have_count(4)
    expect(page.locator(".node.workload")).to_have_count(0)

    page.dblclick('[data-node="namespace:team-001"] .group-title')
    node = '[data-node="workload:team-001/svc-00013"]'
    expect(page.locator(node)).to_have_count(1)
    expect(page.locator(".group")).to_have_count(3)
    before = design.workloads.get(name="svc-00013")
    x, y = _centre(page, f"{node} .node-title")
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x, y + 80, steps=8)
    page.mouse.up()
    expect(page.locator("#undo-button")).to_have_attribute(
        "title", "Undo: Moved workload team-001/svc-00013 (Ctrl+Z)"
    )
    after = design.workloads.get(name="svc-00013")
    assert after.x == pytest.approx(before.x, abs=3)
    assert after.y > before.y + 20

    page.click('[data-node="namespace:team-001"] [data-toggle="collapse"]')
    expect(page.locator(".group")).to_have_count(4)
    expect(page.locator(".node.workload")).to_have_count(0)
