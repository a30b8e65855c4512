"""GET .../reachability/, .../matrix/ and .../connections/ as the contract writes them."""

from __future__ import annotations

import textwrap

import pytest

pytestmark = pytest.mark.django_db

# The seed tutorial: api has an egress-only policy with no rules; db's ingress allows api.
TUTORIAL = textwrap.dedent(
    """\
    apiVersion: v1
    kind: Pod
    metadata: {name: api, namespace: prod, labels: {app: api}}
    status: {podIP: 10.0.0.7}
    ---
    apiVersion: v1
    kind: Pod
    metadata: {name: db, namespace: prod, labels: {app: db}}
    spec: {containers: [{name: pg, ports: [{name: pg, containerPort: 5432}]}]}
    ---
    apiVersion: networking.k8s.io/v1
    kind: NetworkPolicy
    metadata: {name: api, namespace: prod}
    spec:
      podSelector: {matchLabels: {app: api}}
      policyTypes: [Egress]
    ---
    apiVersion: networking.k8s.io/v1
    kind: NetworkPolicy
    metadata: {name: db, namespace: prod}
    spec:
      podSelector: {matchLabels: {app: db}}
      ingress:
      - from: [{podSelector: {matchLabels: {app: api}}}]
        ports: [{port: 5432}]
    """
)


@pytest.fixture
def tutorial(api):
    response = api.generic("POST", "/api/v1/designs/import/?name=tutorial", TUTORIAL, content_type="application/yaml")
    assert response.status_code == 201, response.content
    return response.json()["id"]


def reach(api, design_id, **params):
    params = {"from": params.pop("source"), "to": params.pop("destination"), **params}
    return api.get(f"/api/v1/designs/{design_id}/reachability/", params)


def test_egress_only_policy_without_rules_blocks_api_to_db_though_db_allows_it(api, tutorial):
    response = reach(api, tutorial, source="prod/api", destination="prod/db", port="5432", protocol="TCP")
    assert response.status_code == 200
    assert response.json() == {
        "allowed": False,
        "egress": {"allowed": False, "policies": ["prod/api"]},
        "ingress": {"allowed": True, "policies": ["prod/db"]},
    }


def test_named_port_resolves_on_the_destination(api, tutorial):
    response = reach(api, tutorial, source="prod/db", destination="prod/db", port="pg")
    assert response.status_code == 200
    assert response.json()["ingress"]["allowed"] is False  # db is not api


def test_explain_adds_each_sides_reason(api, tutorial):
    response = reach(api, tutorial, source="prod/api", destination="prod/db", port="5432", explain="true")
    body = response.json()
    assert "prod/api is isolated for egress by prod/api" in body["egress"]["explanation"]
    assert "no egress rule allows TCP 5432 to prod/db" in body["egress"]["explanation"]
    assert body["ingress"]["rules"] == [{"policy": "prod/db", "rule": 0}]


def test_an_ip_outside_the_cluster_allows_its_own_side(api, tutorial):
    response = reach(api, tutorial, source="192.0.2.1", destination="prod/db", port="5432")
    assert response.json() == {
        "allowed": False,
        "egress": {"allowed": True, "policies": []},
        "ingress": {"allowed": False, "policies": ["prod/db"]},
    }


def test_a_pod_ip_is_that_pod(api, tutorial):
    response = reach(api, tutorial, source="10.0.0.7", destination="prod/db", port="5432")
    assert response.json()["egress"] == {"allowed": False, "policies": ["prod/api"]}
    assert response.json()["ingress"]["allowed"] is True


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"source": "prod/nope", "destination": "prod/db", "port": "5432"}, "from"),
        ({"source": "prod/api", "destination": "prod/db", "port": "nope"}, "port"),
        ({"source": "prod/api", "destination": "prod/db", "port": "5432", "protocol": "ICMP"}, "protocol"),
        ({"source": "prod/api", "destination": "", "port": "5432"}, "to"),
    ],
)
def test_bad_queries_get_a_400_naming_the_parameter(api, tutorial, params, field):
    response = reach(api, tutorial, **params)
    assert response.status_code == 400
    assert field in response.json()


def test_another_users_design_is_404(other_api, tutorial):
    response = reach(other_api, tutorial, source="prod/api", destination="prod/db", port="5432")
    assert response.status_code == 404
    assert other_api.get(f"/api/v1/designs/{tutorial}/matrix/", {"port": 5432}).status_code == 404


def test_matrix_has_egress_ingress_and_combined_tables(api, tutorial):
    response = api.get(f"/api/v1/designs/{tutorial}/matrix/", {"port": 5432, "protocol": "TCP"})
    assert response.status_code == 200
    body = response.json()
    assert body["workloads"] == ["prod/api", "prod/db"]
    api_i, db_i = 0, 1
    assert body["egress"][api_i][db_i] is False
    assert body["ingress"][api_i][db_i] is True
    assert body["allowed"][api_i][db_i] is False
    assert body["allowed"][db_i][api_i] is True  # nothing isolates db's egress or api's ingress


def test_matrix_needs_a_port_number(api, tutorial):
    assert api.get(f"/api/v1/designs/{tutorial}/matrix/", {"port": "http"}).status_code == 400


def test_three_tier_reachability_and_connections(api, three_tier):
    base = f"/api/v1/designs/{three_tier.pk}"
    ok = api.get(f"{base}/reachability/", {"from": "shop/api", "to": "shop/db", "port": "5432"}).json()
    assert ok == {
        "allowed": True,
        "egress": {"allowed": True, "policies": ["shop/api"]},
        "ingress": {"allowed": True, "policies": ["shop/db"]},
    }
    skip = api.get(f"{base}/reachability/", {"from": "shop/frontend", "to": "shop/db", "port": "postgres"}).json()
    assert skip["allowed"] is False
    connections = api.get(f"{base}/connections/").json()
    assert {(c["source"], c["destination"], tuple(c["ports"])) for c in connections} == {
        ("shop/frontend", "shop/api", ("TCP 8080",)),
        ("shop/api", "shop/db", ("TCP 5432",)),
    }
    assert next(c for c in connections if c["destination"] == "shop/db")["policies"] == ["shop/api", "shop/db"]
