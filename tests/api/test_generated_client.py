"""A Python client generated from the served schema (openapi-python-client, offline) drives the core story
against a live server: design, namespace, workloads, external, flow, manifests, warnings, reachability, import.

The generator gets one setting besides turning its formatters off: the YAML bodies (import, kept policies) are
sent as raw bytes (``content_type_overrides``: YAML import, NDJSON traffic uploads), as the issue allows; every JSON
endpoint is generated as is.
"""

from __future__ import annotations

import importlib
import io
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from rest_framework.authtoken.models import Token

PACKAGE = "policyeditor_client"
GENERATOR = Path(sys.executable).with_name("openapi-python-client")
CONFIG = """\
post_hooks: []
content_type_overrides:
  application/yaml: application/octet-stream
  application/x-ndjson: application/octet-stream
  application/jsonl: application/octet-stream
"""
CLUSTER = b"""\
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop, labels: {app: web}}
spec: {containers: [{name: web, image: nginx}]}
---
apiVersion: v1
kind: Pod
metadata: {name: db, namespace: shop, labels: {app: db}}
spec: {containers: [{name: db, image: postgres, ports: [{containerPort: 5432}]}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db, namespace: shop}
spec:
  podSelector: {matchLabels: {app: db}}
  policyTypes: [Ingress]
  ingress:
  - from: [{podSelector: {matchLabels: {app: web}}}]
    ports: [{protocol: TCP, port: 5432}]
"""


@pytest.fixture
def generated(live_server, tmp_path):
    """The client package generated from the live server's schema, importable; removed again afterwards."""
    schema = httpx.get(f"{live_server.url}/api/v1/schema/?format=json", timeout=60)
    assert schema.status_code == 200
    assert schema.headers["content-type"].startswith("application/json")
    (tmp_path / "schema.json").write_bytes(schema.content)
    (tmp_path / "config.yaml").write_text(CONFIG)
    result = subprocess.run(
        [str(GENERATOR), "generate", "--path", "schema.json", "--config", "config.yaml", "--meta", "none"]
        + ["--output-path", PACKAGE],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "Warning" not in output and "will not be generated" not in output, output  # every endpoint generated
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(tmp_path))
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(PACKAGE + ".")]:
            del sys.modules[name]


@pytest.mark.django_db(transaction=True)
def test_generated_python_client_drives_the_core_story(generated, live_server, django_user_model):
    from policyeditor_client import AuthenticatedClient
    from policyeditor_client.api.designs import (
        designs_create,
        designs_externals_create,
        designs_flows_create,
        designs_import,
        designs_manifests_retrieve,
        designs_namespaces_create,
        designs_reachability,
        designs_retrieve,
        designs_warnings_list,
        designs_workloads_create,
        designs_workloads_list,
    )
    from policyeditor_client.models import (
        ContainerPortRequest,
        DesignRequest,
        EndpointRequest,
        ExternalRequest,
        FlowRequest,
        NamespaceRequest,
        NamespaceRequestLabels,
        ProtocolEnum,
        RulePortRequest,
        WorkloadRequest,
        WorkloadRequestLabels,
    )
    from policyeditor_client.types import File

    user = django_user_model.objects.create_user("robot", "robot@example.com", "robot-password")
    token = Token.objects.create(user=user).key
    client = AuthenticatedClient(base_url=live_server.url, token=token, prefix="Token", raise_on_unexpected_status=True)

    design = designs_create.sync(client=client, body=DesignRequest(name="shop"))
    assert design.name == "shop" and design.id > 0
    assert designs_retrieve.sync(design.id, client=client).revision == design.revision

    namespace = designs_namespaces_create.sync(
        design.id,
        client=client,
        body=NamespaceRequest(name="prod", labels=NamespaceRequestLabels.from_dict({"env": "prod"})),
    )
    assert namespace.labels.to_dict() == {"env": "prod", "kubernetes.io/metadata.name": "prod"}
    web = designs_workloads_create.sync(design.id, client=client, body=WorkloadRequest(namespace="prod", name="web"))
    api = designs_workloads_create.sync(
        design.id,
        client=client,
        body=WorkloadRequest(
            namespace="prod",
            name="api",
            labels=WorkloadRequestLabels.from_dict({"app": "api", "tier": "backend"}),
            ports=[ContainerPortRequest(name="http", port=8080)],
        ),
    )
    assert (web.ref, api.ref) == ("prod/web", "prod/api")
    assert web.labels.to_dict() == {"app": "web"}  # the contract's default
    assert sorted(w.ref for w in designs_workloads_list.sync(design.id, client=client)) == ["prod/api", "prod/web"]
    corp = designs_externals_create.sync(
        design.id, client=client, body=ExternalRequest(name="corp", cidr="10.0.0.0/8", except_=["10.0.0.5/32"])
    )
    assert corp.except_ == ["10.0.0.5/32"]

    def flow(source: EndpointRequest, destination: EndpointRequest, *ports: RulePortRequest):
        body = FlowRequest(source=source, destination=destination, ports=list(ports))
        return designs_flows_create.sync(design.id, client=client, body=body)

    named = flow(
        EndpointRequest(workload="prod/web"), EndpointRequest(workload="prod/api"), RulePortRequest(port="http")
    )
    assert named.source.workload == "prod/web" and named.ports[0].port == "http"
    flow(
        EndpointRequest(workload="prod/api"),
        EndpointRequest(external="corp"),
        RulePortRequest(port=443, protocol=ProtocolEnum.TCP),
        RulePortRequest(port=8000, end_port=8100, protocol=ProtocolEnum.UDP),
    )

    manifests = designs_manifests_retrieve.sync(design.id, client=client).manifests
    by_name = {m["metadata"]["name"]: m.to_dict() for m in manifests}
    assert set(by_name) == {"api", "web"}
    assert by_name["api"]["spec"]["ingress"][0]["ports"] == [{"port": "http", "protocol": "TCP"}]
    egress_ports = [p for rule in by_name["api"]["spec"]["egress"] for p in rule.get("ports", [])]
    assert {"port": 8000, "endPort": 8100, "protocol": "UDP"} in egress_ports

    warnings = designs_warnings_list.sync(design.id, client=client)
    assert all(w.severity.value in ("error", "warning", "info") for w in warnings)
    assert "missing-dns" not in {w.code for w in warnings}  # a new design allows DNS

    answer = designs_reachability.sync(design.id, client=client, from_="prod/web", to="prod/api", port="8080")
    assert answer.allowed is True
    assert answer.ingress.policies == ["prod/api"]
    refused = designs_reachability.sync(design.id, client=client, from_="prod/api", to="prod/web", port="8080")
    assert refused.allowed is False

    imported = designs_import.sync(
        client=client, name="imported", body=File(payload=io.BytesIO(CLUSTER), mime_type="application/yaml")
    )
    assert imported.skipped == []
    assert designs_retrieve.sync(imported.id, client=client).name == "imported"
    allowed = designs_reachability.sync(imported.id, client=client, from_="shop/web", to="shop/db", port="5432")
    assert allowed.allowed is True and allowed.ingress.policies == ["shop/db"]
    bad = designs_import.sync(client=client, body=File(payload=io.BytesIO(b"kind: [")))
    assert bad.errors[0].document == 1
