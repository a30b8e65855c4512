"""POST /api/v1/designs/from-traffic/ and /designs/{id}/traffic-check/ as the contract writes them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from editor import models
from editor.netpol import traffic
from tests.netpol.hubble import body, flow, pod, world

pytestmark = pytest.mark.django_db

URL = "/api/v1/designs/from-traffic/"
SAMPLE = (Path(__file__).parent.parent / "data" / "hubble-sample.jsonl").read_bytes()
WEB = pod("shop", "web", {"app": "web"}, ip="10.0.1.5")
API = pod("shop", "api", {"app": "api"}, ip="10.0.1.6")
DB = pod("data", "db", {"app": "db"}, ip="10.0.2.7")


def post(client, data: bytes, query: str = "name=observed", content_type: str = "application/x-ndjson"):
    return client.generic("POST", f"{URL}?{query}", data, content_type=content_type)


def check(client, pk: int, data: bytes, query: str = "", content_type: str = "application/x-ndjson"):
    return client.generic("POST", f"/api/v1/designs/{pk}/traffic-check/?{query}", data, content_type=content_type)


def test_from_traffic_answers_201_with_the_contract_counts_and_makes_the_design(api):
    response = post(api, SAMPLE)
    assert response.status_code == 201, response.content
    answer = response.json()
    assert set(answer) == {"id", "flows", "used", "dropped", "connections", "skipped"}
    assert (answer["flows"], answer["used"], answer["dropped"], answer["connections"]) == (16, 8, 1, 5)
    assert [s["line"] for s in answer["skipped"]] == [12, 16]
    design = models.Design.objects.get(pk=answer["id"])
    assert design.name == "observed" and design.dns and design.isolate_egress and design.isolate_ingress
    assert design.flows.count() == 5
    assert sorted(w.ref for w in design.workloads.select_related("namespace")) == ["data/db", "shop/api", "shop/web"]
    assert design.revisions.count() == 2  # created, then drawn: the history says so


def test_the_design_reads_back_through_the_parts_api(api):
    pk = post(api, SAMPLE).json()["id"]
    externals = {e["name"]: e for e in api.get(f"/api/v1/designs/{pk}/externals/").json()}
    assert externals["api-stripe-com"]["fqdn"] == "api.stripe.com"
    assert externals["ip-140-82-112-3"]["cidr"] == "140.82.112.3/32"
    warnings = api.get(f"/api/v1/designs/{pk}/warnings/").json()
    assert [w["code"] for w in warnings if w["code"] == "fqdn-not-expressible"] == ["fqdn-not-expressible"]


def test_json_content_type_and_ig_format_are_read_too(api):
    assert post(api, SAMPLE, content_type="application/json").status_code == 201
    record = {
        "type": "normal",
        "namespace": "demo",
        "pod": "web-1",
        "podLabels": {"app": "web"},
        "pktType": "OUTGOING",
        "proto": "tcp",
        "port": 443,
        "remoteKind": "other",
        "remoteOther": "1.1.1.1",
    }
    response = post(api, json.dumps(record).encode() + b"\n", "name=ig&format=ig")
    assert response.status_code == 201, response.content
    assert response.json()["connections"] == 1


def test_a_body_without_a_used_line_is_400_and_saves_nothing(api):
    response = post(api, body(flow(WEB, API, 8080, reply=True)) + b"junk\n")
    assert response.status_code == 400
    ((error,),) = [response.json()["errors"]]
    assert error["line"] is None and "No line of the body is a usable flow" in error["message"]
    assert "2 lines read" in error["message"]
    assert not models.Design.objects.exists()


def test_a_body_of_only_undrawable_connections_is_400_saying_why(api):
    other = pod("shop", "web", {"app": "web"}, ip="10.0.1.99", pod_name="web-6d4cf56db6-other")
    response = post(api, body(flow(WEB, other, 7946)))
    assert response.status_code == 400
    assert "none a design can draw" in response.json()["errors"][0]["message"]
    assert "talks to itself" in response.json()["errors"][0]["message"]
    assert not models.Design.objects.exists()


def test_an_empty_body_is_400(api):
    response = post(api, b"")
    assert response.status_code == 400
    assert response.json()["errors"][0]["line"] is None
    assert not models.Design.objects.exists()


def test_an_unknown_format_or_grouping_is_400_naming_the_parameter(api):
    for query, field in (("format=pcap", "format"), ("group=world", "group")):
        response = post(api, SAMPLE, query)
        assert response.status_code == 400
        (error,) = response.json()["errors"]
        assert error["field"] == field and error["line"] is None
    assert not models.Design.objects.exists()


def test_a_bad_design_name_is_400_naming_it(api):
    response = post(api, SAMPLE, "name=" + "x" * 300)
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "name"
    assert not models.Design.objects.exists()


def test_a_body_over_the_limit_is_400(api, monkeypatch):
    monkeypatch.setattr(traffic, "MAX_BYTES", 1000)
    response = post(api, SAMPLE)
    assert response.status_code == 400 and "larger than 1,000 bytes" in response.json()["errors"][0]["message"]
    assert not models.Design.objects.exists()


def test_an_unsupported_content_type_is_415(api):
    assert post(api, SAMPLE, content_type="application/yaml").status_code == 415


def test_without_a_token_it_is_401():
    assert post(APIClient(), SAMPLE).status_code == 401


# ---------------------------------------------------------------- traffic-check


def test_check_reports_denied_connections_most_frequent_first(api):
    pk = post(api, body(flow(WEB, API, 8080))).json()["id"]
    capture = body(flow(WEB, API, 8080), flow(WEB, DB, 5432), flow(WEB, DB, 5432), flow(API, world("9.9.9.9"), 443))
    response = check(api, pk, capture)
    assert response.status_code == 200, response.content
    answer = response.json()
    assert (answer["flows"], answer["checked"], answer["allowed"]) == (4, 4, 1)
    assert answer["denied"][0] == {
        "from": "shop/web",
        "to": "data/db",
        "port": 5432,
        "protocol": "TCP",
        "count": 2,
        "egress": {"allowed": False, "policies": ["shop/web"]},
        "ingress": {"allowed": True, "policies": []},
    }
    assert answer["denied"][1]["to"] == "9.9.9.9"


def test_check_explains_both_sides_when_asked(api):
    pk = post(api, body(flow(WEB, API, 8080))).json()["id"]
    denied = check(api, pk, body(flow(API, WEB, 8080)), "explain=true").json()["denied"][0]
    assert "no egress rule allows TCP 8080" in denied["egress"]["explanation"]
    assert "no ingress rule allows TCP 8080" in denied["ingress"]["explanation"]


def test_a_design_made_from_traffic_allows_that_traffic(api):
    pk = post(api, SAMPLE).json()["id"]
    answer = check(api, pk, SAMPLE).json()
    # everything but the flow to the DNS-name external, which only the Cilium export can allow
    assert answer["checked"] == 8 and answer["allowed"] == 7
    assert [(d["to"], d["count"]) for d in answer["denied"]] == [("52.1.2.3", 1)]


def test_check_changes_nothing(api):
    pk = post(api, SAMPLE).json()["id"]
    revision = models.Design.objects.get(pk=pk).revision
    check(api, pk, SAMPLE)
    assert models.Design.objects.get(pk=pk).revision == revision


def test_check_without_a_used_line_is_400(api):
    pk = post(api, SAMPLE).json()["id"]
    response = check(api, pk, b"{}\n")
    assert response.status_code == 400 and response.json()["errors"][0]["line"] is None


def test_check_of_another_users_design_is_404(api, other_api):
    pk = post(api, SAMPLE).json()["id"]
    assert check(other_api, pk, SAMPLE).status_code == 404


def test_check_with_an_unknown_format_is_400(api):
    pk = post(api, SAMPLE).json()["id"]
    assert check(api, pk, SAMPLE, "format=x").json()["errors"][0]["field"] == "format"
