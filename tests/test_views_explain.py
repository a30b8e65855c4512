"""Analysis that explains (issue 12, item 7): the truth table on the design's own ports, history in words, a
revision's policies and connections, the share link's copy button, the canvas on the shared read-only view."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from editor import models, services

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice(client, user):
    client.force_login(user)
    return client


def page(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def cell(text: str, source: str, destination: str) -> str:
    """The truth table cell of source → destination: its class and what it says."""
    match = re.search(
        rf'<a class="(cell ports [^"]*)"[^>]*title="{re.escape(source)} → {re.escape(destination)}:[^"]*">(.*?)</a>',
        text,
    )
    assert match, f"no cell {source} → {destination}"
    return match.group(1) + " | " + re.sub(r"<[^>]+>", " ", match.group(2))


# ---------------------------------------------------------------- the truth table on the design's ports


def test_truth_table_starts_on_the_designs_own_ports_without_a_port_typed(alice, three_tier):
    text = page(alice.get(reverse("design-matrix", args=[three_tier.pk])))
    assert 'id="matrix-table"' in text
    assert "allowed" in cell(text, "shop/api", "shop/db") and "TCP 5432 ✓" in cell(text, "shop/api", "shop/db")
    assert "denied" in cell(text, "shop/frontend", "shop/db") and "TCP 5432 ✗" in cell(text, "shop/frontend", "shop/db")
    assert "TCP 8080 ✓" in cell(text, "shop/frontend", "shop/api")


def test_truth_table_cell_sums_up_every_port_of_its_destination(alice, three_tier):
    db = three_tier.workloads.get(name="db")
    services.workload_update(
        workload=db,
        ports=[{"name": "postgres", "port": 5432, "protocol": "TCP"}, {"name": "dns", "port": 53, "protocol": "UDP"}],
    )
    text = page(alice.get(reverse("design-matrix", args=[three_tier.pk])))
    summary = cell(text, "shop/api", "shop/db")
    assert "TCP 5432 ✓" in summary and "UDP 53 ✗" in summary
    assert summary.startswith("cell ports partial")


def test_truth_table_cell_links_to_the_explanation_of_its_denied_port(alice, three_tier):
    text = page(alice.get(reverse("design-matrix", args=[three_tier.pk])))
    check = reverse("design-check", args=[three_tier.pk])
    assert f'href="{check}?source=shop%2Ffrontend&amp;destination=shop%2Fdb&amp;port=5432&amp;protocol=TCP"' in text


def test_truth_table_asks_about_any_port_for_a_destination_that_names_none(alice, user):
    design = services.design_create(owner=user, name="bare")
    services.workload_create(design=design, namespace="prod", name="a")
    services.workload_create(design=design, namespace="prod", name="b")
    text = page(alice.get(reverse("design-matrix", args=[design.pk])))
    assert "TCP any port ✗" in cell(text, "prod/a", "prod/b")


def test_truth_table_of_an_empty_design_says_what_to_do(alice, user):
    design = services.design_create(owner=user, name="empty")
    text = page(alice.get(reverse("design-matrix", args=[design.pk])))
    assert "No workloads yet" in text


def test_truth_table_one_port_view_links_back_to_the_designs_ports(alice, three_tier):
    text = page(alice.get(reverse("design-matrix", args=[three_tier.pk]), {"port": "5432"}))
    assert 'id="own-ports-link"' in text
    assert "cell ports" not in text


def test_truth_table_of_100_workloads_scrolls_in_its_box_with_every_cell_written(alice, user):
    design = services.design_create(owner=user, name="hundred")
    snapshot = {
        "settings": {
            "name": "hundred",
            "description": "",
            "isolate_ingress": True,
            "isolate_egress": True,
            "dns": True,
        },
        "namespaces": [{"name": f"team{t}", "labels": {}} for t in range(10)],
        "workloads": [
            {
                "namespace": f"team{i % 10}",
                "name": f"svc{i:03d}",
                "labels": {"app": f"svc{i:03d}"},
                "ports": [{"name": "http", "port": 8000 + i % 5, "protocol": "TCP"}],
                "x": None,
                "y": None,
            }
            for i in range(100)
        ],
        "externals": [],
        "flows": [
            {
                "source": {"workload": f"team{i % 10}/svc{i:03d}"},
                "destination": {"workload": f"team{(i + 1) % 10}/svc{(i + 1) % 100:03d}"},
                "ports": [{"protocol": "TCP", "port": 8000 + (i + 1) % 5}],
            }
            for i in range(100)
        ],
    }
    services.design_restore(design=design, snapshot=snapshot, summary="100 workloads")
    text = page(alice.get(reverse("design-matrix", args=[design.pk])))
    assert text.count('<a class="cell ports ') == 100 * 100
    assert '<div class="matrix-wrap" hx-target="#check-result" hx-swap="outerHTML">' in text
    assert "TCP 8001 ✓" in cell(text, "team0/svc000", "team1/svc001")


# ---------------------------------------------------------------- history in words


def history(client, design) -> str:
    return page(client.get(reverse("design-history", args=[design.pk])))


def test_history_names_the_setting_that_changed(alice, three_tier):
    services.design_update(design=three_tier, dns=False)
    assert "Changed the design&#x27;s settings: DNS on → off" in history(alice, three_tier)


def test_history_names_the_labels_that_changed(alice, three_tier):
    api = three_tier.workloads.get(name="api")
    services.workload_update(workload=api, labels={"app": "api", "tier": "back"})
    assert "Changed workload shop/api: labels app=api,tier=api → app=api,tier=back" in history(alice, three_tier)


def test_history_names_changed_ports_of_a_flow_and_follows_deltas(alice, three_tier):
    flow = three_tier.flows.get(destination_workload__name="db")
    services.flow_update(flow=flow, ports=[{"protocol": "TCP", "port": 5432}, {"protocol": "TCP", "port": 6432}])
    assert models.Revision.objects.get(design=three_tier, number=three_tier.revision).snapshot is None  # a delta
    text = history(alice, three_tier)
    assert "Changed flow shop/api → shop/db: ports TCP 5432 → TCP 5432, TCP 6432" in text


def test_history_says_nothing_more_where_the_summary_says_it_all(alice, three_tier):
    services.namespace_create(design=three_tier, name="staging")
    text = history(alice, three_tier)
    assert "<td>Added namespace staging</td>" in text


def test_history_counts_the_nodes_auto_layout_moved(alice, three_tier):
    alice.post(reverse("design-layout", args=[three_tier.pk]))
    assert re.search(r"<li>Moved (\d+ nodes|workload shop/\w+)</li>", history(alice, three_tier))


# ---------------------------------------------------------------- a revision: policies and connections


def test_revision_page_shows_the_policies_and_connections_a_flow_added(alice, three_tier):
    services.workload_create(design=three_tier, namespace="shop", name="cache", ports=[{"name": "redis", "port": 6379}])
    services.flow_create(
        design=three_tier,
        source={"workload": "shop/api"},
        destination={"workload": "shop/cache"},
        ports=[{"protocol": "TCP", "port": 6379}],
    )
    text = page(alice.get(reverse("revision-detail", args=[three_tier.pk, three_tier.revision])))
    assert "<li>Added flow shop/api → shop/cache (TCP 6379)</li>" in text
    connections = text[text.index('id="revision-connections"') : text.index('id="revision-policies"')]
    assert "<td>shop/api</td><td>shop/cache</td>" in connections
    assert "TCP 6379" in connections
    policies = text[text.index('id="revision-policies"') :]
    assert "<strong>shop/api</strong>" in policies and "<strong>shop/cache</strong>" in policies
    assert re.search(r'<span class="add">\+\s+port: 6379</span>', policies)
    assert "<strong>shop/db</strong>" not in policies  # unchanged
    assert "settings:" not in text  # not the internal snapshot


def test_revision_page_of_a_change_that_changes_no_policy_says_so(alice, three_tier):
    services.namespace_create(design=three_tier, name="staging")
    text = page(alice.get(reverse("revision-detail", args=[three_tier.pk, three_tier.revision])))
    assert "<li>Added namespace staging</li>" in text
    assert "No NetworkPolicy changed" in text
    assert "Every workload reaches the same workloads" in text


def test_revision_page_shows_a_connection_the_dns_setting_did_not_touch_and_policies_it_did(alice, three_tier):
    services.design_update(design=three_tier, dns=False)
    text = page(alice.get(reverse("revision-detail", args=[three_tier.pk, three_tier.revision])))
    assert "Changed the design&#x27;s settings: DNS on → off" in text
    assert text.count('class="policy-change changed"') == 3
    assert re.search(r'<span class="del">-\s+port: 53</span>', text)
    assert "Every workload reaches the same workloads" in text  # DNS is not a workload of the design


# ---------------------------------------------------------------- sharing: copy the link, the canvas read only


def test_sharing_page_offers_each_link_in_a_field_with_a_copy_button(alice, three_tier):
    link = services.link_create(design=three_tier)
    text = page(alice.get(reverse("design-sharing", args=[three_tier.pk])))
    field = re.search(r'<input id="share-link-(\d+)"[^>]*readonly value="([^"]+)"', text)
    assert field and field.group(2) == f"http://testserver/shared/{link.token}/"
    assert f'data-copy-field="share-link-{field.group(1)}"' in text
    assert "editor/share" in text and "<script>" not in text  # the script is a static file (strict CSP)


def test_shared_view_draws_the_canvas_read_only(three_tier):
    link = services.link_create(design=three_tier)
    text = page(Client().get(reverse("shared-design", args=[link.token])))
    svg = text[text.index('id="shared-canvas"') : text.index("</svg>")]
    assert "hx-disable" in text[text.index('id="shared-canvas"') - 120 : text.index('id="shared-canvas"') + 60]
    for ref in ("shop/frontend", "shop/api", "shop/db"):
        assert f'data-node="workload:{ref}"' in svg
    assert len(re.findall(r"<g class=\"edge[ \"]", svg)) == 2 and "TCP 5432" in svg
    assert 'class="handle"' not in svg  # nothing to drag
    assert "kind: NetworkPolicy" in text  # the YAML stays


def test_shared_view_of_a_large_design_shows_its_namespaces(three_tier, monkeypatch):
    from editor.web import canvas

    monkeypatch.setattr(canvas, "GROUP_ABOVE", 2)  # three workloads are "large" now
    link = services.link_create(design=three_tier)
    text = page(Client().get(reverse("shared-design", args=[link.token])))
    assert 'data-node="namespace:shop"' in text
    assert 'data-node="workload:shop/api"' not in text


def test_revision_page_of_a_large_change_names_the_policies_past_the_shown_ones(alice, three_tier, monkeypatch):
    from editor.web import history

    monkeypatch.setattr(history, "POLICIES_SHOWN", 1)
    monkeypatch.setattr(history, "CONNECTIONS_UP_TO", 2)
    services.design_update(design=three_tier, dns=False)
    text = page(alice.get(reverse("revision-detail", args=[three_tier.pk, three_tier.revision])))
    assert text.count('class="policy-change changed"') == 1
    assert "… and 2 more: shop/db, shop/frontend." in text
    assert "too large to compare every connection here" in text
