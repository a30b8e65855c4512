"""The editor page's export targets (preview switch, download menu) and DNS-name externals."""

from __future__ import annotations

import pytest
import yaml
from django.urls import reverse

from editor import services

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def alice(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def design(three_tier):
    services.external_create(design=three_tier, name="stripe", fqdn="api.stripe.com")
    services.flow_create(
        design=three_tier,
        source={"workload": "shop/api"},
        destination={"external": "stripe"},
        ports=[{"protocol": "TCP", "port": 443}],
    )
    return three_tier


def url(name: str, design, *args) -> str:
    return reverse(name, args=[design.pk, *args])


def test_page_offers_the_three_targets_to_preview_and_download(alice, design):
    page = alice.get(url("design-detail", design)).content.decode()
    for target in ("networkpolicy", "cilium", "netassert"):
        assert f'id="target-{target}"' in page
        assert f'href="{url("design-download-target", design, target)}"' in page
    assert 'id="target-networkpolicy" class="small active"' in page


def test_switching_to_cilium_switches_preview_warnings_and_download(alice, design):
    response = alice.post(url("design-target", design), {"target": "cilium"}, **HX)
    body = response.content.decode()
    assert response.status_code == 200 and "CiliumNetworkPolic" in body
    assert 'id="target-cilium" class="small active"' in body
    link = url("design-download-target", design, "cilium")
    assert f'href="{link}" download="three-tier-shop-ciliumnetworkpolicies.yaml"' in body
    assert "fqdn-not-expressible" not in body and "cilium-fqdn-rule" in body
    page = alice.get(url("design-detail", design)).content.decode()  # the choice stays
    assert 'id="target-cilium" class="small active"' in page
    back = alice.post(url("design-target", design), {"target": "networkpolicy"}, **HX).content.decode()
    assert "fqdn-not-expressible" in back


def test_netassert_preview_of_a_selected_workload_lists_its_tests(alice, design):
    alice.post(url("design-target", design), {"target": "netassert"}, **HX)
    body = alice.post(url("design-select", design), {"sel": "workload:shop/db"}, **HX).content.decode()
    assert "netassert test" in body and "shop-api-to-shop-db-tcp-5432" in body
    assert "shop-frontend-to-shop-api-tcp-8080<" not in body


def test_each_target_downloads_with_its_file_name(alice, design):
    for target, suffix in (
        ("networkpolicy", "networkpolicies"),
        ("cilium", "ciliumnetworkpolicies"),
        ("netassert", "netassert"),
    ):
        response = alice.get(url("design-download-target", design, target))
        assert response["Content-Disposition"] == f'attachment; filename="three-tier-shop-{suffix}.yaml"'
        assert list(yaml.safe_load_all(response.content))
    assert alice.get(url("design-download-target", design, "calico")).status_code == 404


def test_add_a_dns_name_external_in_the_page_and_see_its_own_shape(alice, three_tier):
    response = alice.post(url("external-add", three_tier), {"name": "s3", "fqdn": "*.s3.amazonaws.com"}, **HX)
    assert response.status_code == 200
    assert three_tier.externals.get().fqdn == "*.s3.amazonaws.com"
    page = alice.get(url("design-detail", three_tier)).content.decode()
    assert 'class="node external dns-name' in page and "*.s3.amazonaws.com" in page


def test_page_refuses_an_external_with_both_kinds_naming_the_field(alice, three_tier):
    body = {"name": "x", "cidr": "10.0.0.0/8", "fqdn": "x.example.com"}
    response = alice.post(url("external-add", three_tier), body, **HX)
    assert 'id="add-external-fqdn-error"' in response.content.decode()
    assert not three_tier.externals.exists()


def test_inspector_edits_the_dns_name(alice, design):
    external = design.externals.get()
    alice.post(url("external-edit", design, external.pk), {"name": "stripe", "fqdn": "files.stripe.com"}, **HX)
    external.refresh_from_db()
    assert external.fqdn == "files.stripe.com"


def test_matrix_page_downloads_the_truth_table_as_e2e_text(alice, three_tier):
    page = alice.get(url("design-matrix", three_tier) + "?port=8080&protocol=TCP").content.decode()
    assert 'id="matrix-download"' in page
    response = alice.get(url("design-matrix", three_tier) + "?port=8080&protocol=TCP&format=text")
    assert response["Content-Disposition"] == 'attachment; filename="three-tier-shop-truthtable-tcp-8080.txt"'
    lines = response.content.decode().splitlines()
    header = lines[0].split("\t")
    assert header[0] == "-" and sorted(header[1:]) == ["shop/api", "shop/db", "shop/frontend"] and len(lines) == 4
    rows = {line.split("\t")[0]: dict(zip(header[1:], line.split("\t")[1:], strict=True)) for line in lines[1:]}
    assert rows["shop/frontend"] == {"shop/api": ".", "shop/db": "X", "shop/frontend": "X"}


def test_page_refuses_a_flow_from_a_dns_name_with_the_reason(alice, design):
    before = design.flows.count()
    body = {"source": "external:stripe", "destination": "workload:shop/db", "ports": ""}
    response = alice.post(url("flow-add", design), body, **HX)
    assert "can only be a destination" in response.content.decode()
    assert design.flows.count() == before
