"""Externals by DNS name through the REST API (contract: "Externals by DNS name")."""

import pytest

from editor import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def base(api, three_tier):
    return f"/api/v1/designs/{three_tier.pk}"


def test_dns_name_external_round_trips(api, base):
    created = api.post(f"{base}/externals/", {"name": "stripe", "fqdn": "API.stripe.com"}, format="json")
    assert created.status_code == 201
    assert created.json()["fqdn"] == "api.stripe.com" and created.json()["cidr"] == ""
    pattern = api.post(f"{base}/externals/", {"name": "s3", "fqdn": "*.s3.amazonaws.com"}, format="json")
    assert pattern.status_code == 201 and pattern.json()["fqdn"] == "*.s3.amazonaws.com"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "x"}, "cidr"),
        ({"name": "x", "cidr": "10.0.0.0/8", "fqdn": "api.stripe.com"}, "fqdn"),
        ({"name": "x", "fqdn": "*.*.stripe.com"}, "fqdn"),
        ({"name": "x", "fqdn": "api.stripe.com", "except": ["10.0.0.5/32"]}, "except"),
    ],
)
def test_external_needs_exactly_one_of_cidr_and_fqdn(api, base, body, field):
    response = api.post(f"{base}/externals/", body, format="json")
    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert api.get(f"{base}/externals/").json() == []


def test_a_flow_from_a_dns_name_is_refused_naming_source(api, base):
    api.post(f"{base}/externals/", {"name": "stripe", "fqdn": "api.stripe.com"}, format="json")
    body = {"source": {"external": "stripe"}, "destination": {"workload": "shop/api"}, "ports": []}
    response = api.post(f"{base}/flows/", body, format="json")
    assert response.status_code == 400
    assert response.json() == {"source": [services.ERR_FLOW_FROM_FQDN.format(ref="stripe")]}


def test_an_external_that_sources_flows_cannot_become_a_dns_name(api, base):
    pk = api.post(f"{base}/externals/", {"name": "corp", "cidr": "10.0.0.0/8"}, format="json").json()["id"]
    api.post(f"{base}/flows/", {"source": {"external": "corp"}, "destination": {"workload": "shop/api"}}, format="json")
    response = api.patch(f"{base}/externals/{pk}/", {"fqdn": "corp.example.com"}, format="json")
    assert response.status_code == 400 and list(response.json()) == ["fqdn"]


def test_patching_fqdn_turns_an_ip_range_into_a_dns_name_and_back(api, base):
    pk = api.post(f"{base}/externals/", {"name": "x", "cidr": "10.0.0.0/8", "except": ["10.0.0.5/32"]}, format="json")
    pk = pk.json()["id"]
    named = api.patch(f"{base}/externals/{pk}/", {"fqdn": "x.example.com"}, format="json").json()
    assert (named["cidr"], named["except"], named["fqdn"]) == ("", [], "x.example.com")
    ranged = api.patch(f"{base}/externals/{pk}/", {"cidr": "192.168.0.0/16"}, format="json").json()
    assert (ranged["cidr"], ranged["fqdn"]) == ("192.168.0.0/16", "")


def test_dns_name_flow_is_left_out_of_the_export_and_warned_per_flow(api, base):
    before = api.get(f"{base}/manifests/").json()
    api.post(f"{base}/externals/", {"name": "stripe", "fqdn": "api.stripe.com"}, format="json")
    flow = {"source": {"workload": "shop/api"}, "destination": {"external": "stripe"}, "ports": [{"port": 443}]}
    assert api.post(f"{base}/flows/", flow, format="json").status_code == 201
    assert api.get(f"{base}/manifests/").json() == before
    warned = [w for w in api.get(f"{base}/warnings/").json() if w["code"] == "fqdn-not-expressible"]
    assert [w["subject"] for w in warned] == ["shop/api -> stripe"]
    assert api.get(f"{base}/warnings/?target=networkpolicy").json() == api.get(f"{base}/warnings/").json()
    cilium = api.get(f"{base}/warnings/?target=cilium").json()
    assert not [w for w in cilium if w["code"] == "fqdn-not-expressible"]


def test_unknown_target_is_400_naming_target(api, base):
    response = api.get(f"{base}/warnings/?target=calico")
    assert response.status_code == 400
    assert list(response.json()) == ["target"] and "networkpolicy" in response.json()["target"][0]


def test_history_restore_keeps_dns_names(api, base, three_tier):
    api.post(f"{base}/externals/", {"name": "stripe", "fqdn": "api.stripe.com"}, format="json")
    revision = three_tier.revisions.order_by("-number").first().number
    externals = api.get(f"{base}/externals/").json()
    api.delete(f"{base}/externals/{externals[0]['id']}/")
    assert api.post(f"{base}/revisions/{revision}/restore/").status_code in (200, 201)
    assert [e["fqdn"] for e in api.get(f"{base}/externals/").json()] == ["api.stripe.com"]
