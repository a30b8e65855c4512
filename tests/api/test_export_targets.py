"""GET manifests/?target= for networkpolicy, cilium and netassert (contract: "Export targets")."""

import pytest
import yaml

pytestmark = pytest.mark.django_db


@pytest.fixture
def base(api, three_tier):
    url = f"/api/v1/designs/{three_tier.pk}"
    api.post(f"{url}/externals/", {"name": "stripe", "fqdn": "api.stripe.com"}, format="json")
    flow = {"source": {"workload": "shop/api"}, "destination": {"external": "stripe"}, "ports": [{"port": 443}]}
    api.post(f"{url}/flows/", flow, format="json")
    return url


def test_default_target_is_networkpolicy(api, base):
    assert api.get(f"{base}/manifests/?target=networkpolicy").json() == api.get(f"{base}/manifests/").json()
    response = api.get(f"{base}/manifests/?target=networkpolicy&format=yaml")
    assert response["Content-Disposition"] == 'attachment; filename="three-tier-shop-networkpolicies.yaml"'


def test_cilium_target_json_and_yaml(api, base):
    manifests = api.get(f"{base}/manifests/?target=cilium").json()["manifests"]
    assert {m["kind"] for m in manifests} == {"CiliumNetworkPolicy"}
    assert [m["metadata"]["name"] for m in manifests] == ["api", "api-fqdn", "db", "frontend"]
    response = api.get(f"{base}/manifests/?target=cilium&format=yaml")
    assert response.status_code == 200 and response["Content-Type"] == "application/yaml"
    assert response["Content-Disposition"] == 'attachment; filename="three-tier-shop-ciliumnetworkpolicies.yaml"'
    assert list(yaml.safe_load_all(response.content)) == manifests


def test_netassert_target_is_one_document_with_the_list(api, base):
    tests = api.get(f"{base}/manifests/?target=netassert").json()["manifests"]
    assert tests and all(t["type"] == "k8s" for t in tests)
    response = api.get(f"{base}/manifests/?target=netassert&format=yaml")
    assert response["Content-Disposition"] == 'attachment; filename="three-tier-shop-netassert.yaml"'
    assert list(yaml.safe_load_all(response.content)) == [tests]


def test_unknown_target_is_400(api, base):
    response = api.get(f"{base}/manifests/?target=calico&format=yaml")
    assert response.status_code == 400 and list(response.json()) == ["target"]


def test_target_warnings_say_what_each_target_cannot_express(api, base):
    def codes(target):
        return {w["code"] for w in api.get(f"{base}/warnings/?target={target}").json()}

    assert "fqdn-not-expressible" in codes("networkpolicy")
    assert "fqdn-not-expressible" not in codes("cilium") and "cilium-fqdn-rule" in codes("cilium")
    assert "netassert-dns-name-untested" in codes("netassert")


def test_a_stranger_gets_404_whatever_the_target(other_api, base):
    assert other_api.get(f"{base}/manifests/?target=calico").status_code == 404


def test_netassert_uses_the_kind_import_recorded(api):
    body = """
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: shop}
spec:
  selector: {matchLabels: {app: db}}
  serviceName: db
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: db, image: postgres}]}
---
apiVersion: v1
kind: Pod
metadata: {name: api, namespace: shop, labels: {app: api}}
spec: {containers: [{name: api, image: api}]}
"""
    created = api.post("/api/v1/designs/import/?name=k", body, content_type="application/yaml").json()
    url = f"/api/v1/designs/{created['id']}"
    flow = {"source": {"workload": "shop/api"}, "destination": {"workload": "shop/db"}, "ports": [{"port": 5432}]}
    assert api.post(f"{url}/flows/", flow, format="json").status_code == 201
    tests = api.get(f"{url}/manifests/?target=netassert").json()["manifests"]
    ok = [t for t in tests if t["exitCode"] == 0]
    assert [(t["src"]["k8sResource"]["kind"], t["dst"]["k8sResource"]["kind"]) for t in ok] == [("pod", "statefulset")]
