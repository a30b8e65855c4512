"""POST /api/v1/designs/import/ as the contract writes it."""

from __future__ import annotations

import textwrap

import pytest
import yaml

from editor import models
from editor.netpol import importer

pytestmark = pytest.mark.django_db

URL = "/api/v1/designs/import/"

SHOP = textwrap.dedent(
    """\
    apiVersion: v1
    kind: Namespace
    metadata: {name: prod, labels: {env: prod}}
    ---
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: api, namespace: prod}
    spec:
      template:
        metadata: {labels: {app: api}}
        spec:
          containers:
          - name: main
            ports: [{name: http, containerPort: 8080}]
    ---
    apiVersion: v1
    kind: Pod
    metadata: {name: db, namespace: prod, labels: {app: db}}
    spec: {containers: [{name: main, ports: [{name: pg, containerPort: 5432}]}]}
    status: {podIP: 10.1.2.3}
    ---
    apiVersion: networking.k8s.io/v1
    kind: NetworkPolicy
    metadata: {name: db, namespace: prod}
    spec:
      podSelector: {matchLabels: {app: db}}
      ingress:
      - from:
        - podSelector: {matchExpressions: [{key: app, operator: In, values: [api]}]}
        ports: [{port: pg}]
    ---
    apiVersion: v1
    kind: Service
    metadata: {name: web, namespace: prod}
    """
)


def post(api, body: str | bytes, name: str = "shop", content_type: str = "application/yaml"):
    return api.generic("POST", f"{URL}?name={name}", body, content_type=content_type)


def test_import_creates_a_design_and_lists_skipped_documents(api, user):
    response = post(api, SHOP)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["skipped"] == [{"document": 5, "path": "", "kind": "Service", "name": "web"}]
    design = models.Design.objects.get(pk=body["id"])
    assert design.owner == user and design.name == "shop"
    assert (design.isolate_ingress, design.isolate_egress, design.dns) == (False, False, False)
    assert sorted(w.ref for w in design.workloads.select_related("namespace")) == ["prod/api", "prod/db"]
    assert design.workloads.get(name="db").ip == "10.1.2.3"
    assert design.namespaces.get(name="prod").labels == {"env": "prod"}
    assert [p.ref for p in design.imported_policies.all()] == ["prod/db"]


def test_imported_policies_are_exported_with_their_selectors(api):
    design_id = post(api, SHOP).json()["id"]
    manifests = api.get(f"/api/v1/designs/{design_id}/manifests/").json()["manifests"]
    assert len(manifests) == 1
    spec = manifests[0]["spec"]
    assert spec["policyTypes"] == ["Ingress"]
    assert spec["ingress"][0]["from"][0]["podSelector"] == {
        "matchExpressions": [{"key": "app", "operator": "In", "values": ["api"]}]
    }
    assert spec["ingress"][0]["ports"] == [{"protocol": "TCP", "port": "pg"}]


def test_invalid_policy_gives_per_document_errors_with_paths_and_saves_nothing(api):
    bad = SHOP + textwrap.dedent(
        """\
        ---
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: bad, namespace: prod}
        spec:
          podSelector: {}
          ingress:
          - from:
            - podSelector: {}
            - ipBlock: {cidr: 10.0.0.0/8, except: [11.0.0.0/16]}
            ports: [{protocol: tcp, port: 80}]
        """
    )
    response = post(api, bad)
    assert response.status_code == 400
    errors = response.json()["errors"]
    paths = {(e["document"], e["path"]) for e in errors}
    assert (6, "spec.ingress[0].from[1].ipBlock.except[0]") in paths
    assert (6, "spec.ingress[0].ports[0].protocol") in paths
    assert all(e["message"] for e in errors)
    assert not models.Design.objects.exists()


@pytest.mark.parametrize(
    ("body", "path", "needle"),
    [
        ("apiVersion: networking.k8s.io/v1beta1\nkind: NetworkPolicy\nmetadata: {name: a}\n", "apiVersion", "v1"),
        (
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: a}\n"
            "spec: {egress: [{ports: [{port: http, endPort: 90}]}]}\n",
            "spec.egress[0].ports[0].endPort",
            "named port",
        ),
        (
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: a}\n"
            "spec: {podSelector: {matchExpressions: [{key: a, operator: Exists, values: [x]}]}}\n",
            "spec.podSelector.matchExpressions[0].values",
            "Exists",
        ),
        (
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: a}\n"
            "spec: {ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/8}, podSelector: {}}]}]}\n",
            "spec.ingress[0].from[0]",
            "ipBlock",
        ),
        (
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: A_b}\n",
            "metadata.name",
            "DNS-1123",
        ),
        (
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: a}\n"
            "spec: {ingress: [{ports: [{port: 70000}]}]}\n",
            "spec.ingress[0].ports[0].port",
            "65535",
        ),
        (
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: a}\nspec: {podselector: {}}\n",
            "spec.podselector",
            "Unknown field",
        ),
    ],
)
def test_refuses_what_the_api_server_refuses(api, body, path, needle):
    response = post(api, body)
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert any(e["document"] == 1 and e["path"] == path and needle in e["message"] for e in errors), errors


def test_accepts_a_cidr_with_host_bits_and_defaults_the_namespace(api):
    body = (
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: a}\n"
        "spec: {egress: [{to: [{ipBlock: {cidr: 10.0.0.1/8, except: [10.0.0.0/24]}}]}], policyTypes: [Egress]}\n"
    )
    response = post(api, body)
    assert response.status_code == 201, response.content
    (policy,) = models.ImportedPolicy.objects.all()
    assert policy.ref == "default/a"
    assert policy.manifest["spec"]["egress"][0]["to"][0]["ipBlock"] == {"cidr": "10.0.0.1/8", "except": ["10.0.0.0/24"]}


def test_list_items_expand_and_errors_name_the_item(api):
    items = {
        "apiVersion": "v1",
        "kind": "List",
        "items": [
            {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a", "labels": {"app": "a"}}},
            {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "p"},
             "spec": {"policyTypes": ["Sideways"]}},
        ],
    }  # fmt: skip
    response = post(api, yaml.safe_dump(items))
    assert response.status_code == 400
    assert response.json()["errors"][0]["path"] == "items[1].spec.policyTypes[0]"
    items["items"][1]["spec"]["policyTypes"] = ["Ingress"]
    response = post(api, yaml.safe_dump(items))
    assert response.status_code == 201
    design = models.Design.objects.get(pk=response.json()["id"])
    assert [w.ref for w in design.workloads.select_related("namespace")] == ["default/a"]


def test_billion_laughs_is_refused_quickly_with_a_clear_message(api):
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        prev, cur = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]")
    response = post(api, "\n".join(lines) + "\n")
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert "anchors and aliases" in error["message"]
    assert not models.Design.objects.exists()


def test_too_large_body_is_refused(api):
    body = "# padding\n" * (importer.MAX_BYTES // 10 + 10)
    response = post(api, body)
    assert response.status_code == 400
    assert f"{importer.MAX_BYTES >> 20} MiB" in response.json()["errors"][0]["message"]


def test_a_body_larger_than_djangos_default_limit_and_within_the_importers_is_imported(api):
    padding = ("# " + "x" * 98 + "\n") * (3 * 1024 * 1024 // 100)  # 3 MiB: over Django's 2.5 MB default
    response = post(api, padding + SHOP)
    assert response.status_code == 201, response.content[:500]
    assert models.Design.objects.get(pk=response.json()["id"]).imported_policies.count() == 1


def test_not_yaml_is_a_400_with_the_line(api):
    response = post(api, "kind: [unclosed\n")
    assert response.status_code == 400
    assert "not valid YAML" in response.json()["errors"][0]["message"]


def test_python_tags_are_refused(api):
    response = post(api, "!!python/object/apply:os.system ['true']\n")
    assert response.status_code == 400


def test_too_many_documents_are_refused(api):
    response = post(api, "---\na: 1\n" * (importer.MAX_DOCUMENTS + 1))
    assert response.status_code == 400
    assert "documents" in response.json()["errors"][0]["message"]


def test_import_needs_authentication(client):
    response = client.generic("POST", URL, SHOP, content_type="application/yaml")
    assert response.status_code in (401, 403)


def test_json_content_type_is_unsupported_media_type(api):
    response = api.post(URL, {"a": 1}, format="json")
    assert response.status_code == 415


def test_pod_and_deployment_with_the_same_name_both_become_workloads(api):
    body = (
        "apiVersion: v1\nkind: Pod\nmetadata: {name: web.v1, labels: {app: a}}\n---\n"
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web-v1}\n"
        "spec: {template: {metadata: {labels: {app: b}}, spec: {containers: []}}}\n"
    )
    response = post(api, body)
    assert response.status_code == 201, response.content
    design = models.Design.objects.get(pk=response.json()["id"])
    assert sorted(w.name for w in design.workloads.all()) == ["web-v1", "web-v1-2"]


NEW_POLICY = (
    "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny, namespace: prod}\n"
    "spec: {podSelector: {}}\n"
)


def test_kept_policies_can_be_listed_added_replaced_and_deleted(api):
    design_id = post(api, SHOP).json()["id"]
    base = f"/api/v1/designs/{design_id}/policies/"
    assert [p["ref"] for p in api.get(base).json()] == ["prod/db"]
    created = api.generic("POST", base, NEW_POLICY, content_type="application/yaml")
    assert created.status_code == 201, created.content
    policy_id = created.json()["id"]
    assert created.json()["manifest"]["spec"]["policyTypes"] == ["Ingress"]
    renamed = api.generic(
        "PUT",
        f"{base}{policy_id}/",
        NEW_POLICY.replace("name: deny", "name: deny-all"),
        content_type="application/yaml",
    )
    assert renamed.status_code == 200 and renamed.json()["ref"] == "prod/deny-all"
    names = [m["metadata"]["name"] for m in api.get(f"/api/v1/designs/{design_id}/manifests/").json()["manifests"]]
    assert names == ["db", "deny-all"]
    assert api.delete(f"{base}{policy_id}/").status_code == 204
    assert api.get(f"{base}{policy_id}/").status_code == 404


def test_kept_policy_invalid_yaml_is_a_400_and_changes_nothing(api):
    design_id = post(api, SHOP).json()["id"]
    base = f"/api/v1/designs/{design_id}/policies/"
    (row,) = api.get(base).json()
    bad = NEW_POLICY.replace("podSelector: {}", "podSelector: {}, ingress: [{ports: [{protocol: tcp}]}]")
    response = api.generic("PUT", f"{base}{row['id']}/", bad, content_type="application/yaml")
    assert response.status_code == 400
    assert "spec.ingress[0].ports[0].protocol" in response.json()["manifest"][0]
    assert api.get(f"{base}{row['id']}/").json() == row
    clash = api.generic("POST", base, NEW_POLICY.replace("deny", "db"), content_type="application/yaml")
    assert clash.status_code == 400 and "already exists" in clash.json()["manifest"][0]


def test_kept_policies_of_another_users_design_are_404(api, other_api):
    design_id = post(api, SHOP).json()["id"]
    assert other_api.get(f"/api/v1/designs/{design_id}/policies/").status_code == 404
    response = other_api.generic(
        "POST", f"/api/v1/designs/{design_id}/policies/", NEW_POLICY, content_type="application/yaml"
    )
    assert response.status_code == 404


def test_diff_since_import_lists_connections_added_and_removed(api, three_tier):
    design_id = post(api, SHOP).json()["id"]
    url = f"/api/v1/designs/{design_id}/diff/"
    assert api.get(url).json() == {"added": [], "removed": []}
    (row,) = api.get(f"/api/v1/designs/{design_id}/policies/").json()
    api.delete(f"/api/v1/designs/{design_id}/policies/{row['id']}/")
    added = api.get(url).json()["added"]
    assert {"source": "prod/db", "destination": "prod/db", "protocol": "TCP", "port": "5432"} not in added
    assert {"source": "prod/api", "destination": "prod/db", "protocol": "TCP", "port": "other"} in added
    assert api.get(url).json()["removed"] == []
    assert api.get(f"/api/v1/designs/{three_tier.pk}/diff/").status_code == 404


# ---------------------------------------------------------------- strict import (issue 11)


def test_a_typo_at_the_top_is_refused_not_read_as_a_deny_all(api):
    body = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: a}\nsepc: {podSelector: {}}\n"
    response = post(api, body)
    assert response.status_code == 400
    assert [(e["document"], e["path"]) for e in response.json()["errors"]] == [(1, "sepc")]
    assert not models.Design.objects.exists()


def test_duplicate_keys_are_a_400_with_their_path(api):
    body = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n  labels: {t: x, t: y}\n"
    response = post(api, body)
    assert response.status_code == 400
    assert response.json()["errors"][0]["path"] == "metadata.labels.t"


def test_a_dropped_status_is_in_the_answer_and_in_the_designs_warnings(api, client, user):
    body = (
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: db, namespace: prod}\n"
        "spec: {podSelector: {}}\nstatus: {conditions: []}\n"
    )
    response = post(api, body)
    assert response.status_code == 201
    (warning,) = response.json()["warnings"]
    assert (warning["code"], warning["subject"]) == ("status-dropped", "prod/db")
    warnings = api.get(f"/api/v1/designs/{response.json()['id']}/warnings/").json()
    assert [w["subject"] for w in warnings if w["code"] == "status-dropped"] == ["prod/db"]
    client.force_login(user)
    page = client.get(f"/designs/{response.json()['id']}/")
    assert page.status_code == 200 and "status-dropped" in page.content.decode()


def test_a_dropped_status_is_no_longer_shown_once_its_policy_is_deleted(api):
    body = (
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: db, namespace: prod}\n"
        "spec: {podSelector: {}}\nstatus: {conditions: []}\n"
    )
    pk = post(api, body).json()["id"]
    (kept,) = api.get(f"/api/v1/designs/{pk}/policies/").json()
    assert api.delete(f"/api/v1/designs/{pk}/policies/{kept['id']}/").status_code == 204
    assert [w for w in api.get(f"/api/v1/designs/{pk}/warnings/").json() if w["code"] == "status-dropped"] == []
