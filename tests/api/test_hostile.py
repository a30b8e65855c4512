"""No input gives a 5xx (issue 11): hostile strings and numbers to every field of every endpoint.

Each request body replaces one field of a valid body with one hostile value (sent as raw JSON text, so
``1e999``, ``NaN`` and 5,000 levels of nesting arrive as written); query parameters get the same values.
Run on SQLite and on PostgreSQL (``scripts/with-postgres``), which refuses NUL characters in text.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
import yaml

from editor import models, services

pytestmark = pytest.mark.django_db

DEEP = "[" * 5000 + "]" * 5000
# raw JSON texts
HOSTILE = [
    '"a\\u0000b"',  # NUL: PostgreSQL refuses it in text
    '"app\\n"',
    '"\u0668\u0660"',  # Arabic-Indic "80"
    '"' + "x" * 5000 + '"',
    '"\\ud800"',  # a lone surrogate: not a character
    "1e999",
    "NaN",
    "1" + "0" * 30,
    str(2**63),
    "-1",
    "true",
    "null",
    "{}",
    DEEP,
]
QUERY_HOSTILE = [
    "9" * 5000,
    "a\x00b",
    "\x00",
    "app\n",
    "٨٠",
    "١٨",
    "1e999",
    "NaN",
    "1" + "0" * 30,
    "-1",
    "",
    "x" * 5000,
    "%",
]


@pytest.fixture
def world(api):
    design = services.design_create(owner=models.Design._meta.get_field("owner").related_model.objects.get(), name="d")
    services.namespace_create(design=design, name="prod")
    api_wl = services.workload_create(
        design=design, namespace="prod", name="api", ports=[{"name": "http", "port": 8080, "protocol": "TCP"}]
    )
    services.workload_create(design=design, namespace="prod", name="db")
    ext = services.external_create(design=design, name="corp", cidr="10.0.0.0/8")
    flow = services.flow_create(design=design, source={"workload": "prod/api"}, destination={"workload": "prod/db"})
    return design, {"workloads": api_wl.pk, "externals": ext.pk, "flows": flow.pk}


def bodies(template: dict) -> list[str]:
    """``template`` as JSON text with each top-level field (and each nested one, one level down) hostile."""
    out = []
    for key, value in template.items():
        for hostile in HOSTILE:
            out.append(json.dumps({**template, key: "@@"}).replace('"@@"', hostile))
            if isinstance(value, dict):
                for inner in value:
                    nested = {**template, key: {**value, inner: "@@"}}
                    out.append(json.dumps(nested).replace('"@@"', hostile))
            if isinstance(value, list) and value and isinstance(value[0], dict):
                for inner in value[0]:
                    nested = {**template, key: [{**value[0], inner: "@@"}]}
                    out.append(json.dumps(nested).replace('"@@"', hostile))
    return out


def send(api, method: str, url: str, body: str):
    response = api.generic(method, url, body, content_type="application/json")
    assert response.status_code < 500, (method, url, body[:200], response.status_code)
    return response


def test_hostile_json_bodies_never_give_a_5xx(api, world):
    design, parts = world
    base = f"/api/v1/designs/{design.pk}"
    writes = [
        ("POST", "/api/v1/designs/", {"name": "shop", "description": "d", "isolate_ingress": True, "dns": True}),
        ("PATCH", f"{base}/", {"name": "shop", "description": "d", "isolate_egress": False}),
        ("POST", f"{base}/namespaces/", {"name": "stage", "labels": {"env": "stage"}}),
        (
            "POST",
            f"{base}/workloads/",
            {"namespace": "prod", "name": "web", "labels": {"app": "web"}, "ports": [{"name": "h", "port": 80}]},
        ),
        ("PATCH", f"{base}/workloads/{parts['workloads']}/", {"name": "api", "x": 1.0, "y": 2.0}),
        ("POST", f"{base}/externals/", {"name": "net", "cidr": "10.0.0.0/8", "except": ["10.0.0.0/16"]}),
        ("PATCH", f"{base}/externals/{parts['externals']}/", {"cidr": "10.0.0.0/8", "x": 3.0}),
        (
            "POST",
            f"{base}/flows/",
            {
                "source": {"workload": "prod/api"},
                "destination": {"workload": "prod/db"},
                "ports": [{"protocol": "TCP", "port": 5432, "end_port": 5440}],
            },
        ),
        ("PATCH", f"{base}/flows/{parts['flows']}/", {"ports": [{"protocol": "UDP", "port": 53}]}),
        ("POST", f"{base}/shares/", {"username": "nobody", "role": "viewer"}),
    ]
    for method, url, template in writes:
        for body in bodies(template):
            send(api, method, url, body)
    for url in ("/api/v1/designs/", f"{base}/namespaces/", f"{base}/flows/"):
        send(api, "POST", url, DEEP)
        send(api, "POST", url, '{"name": ' + DEEP + "}")


def test_hostile_query_parameters_never_give_a_5xx(api, world):
    design, _ = world
    base = f"/api/v1/designs/{design.pk}"
    good = {"from": "prod/api", "to": "prod/db", "port": "8080", "protocol": "TCP"}
    for hostile in QUERY_HOSTILE:
        for key in good:
            response = api.get(f"{base}/reachability/", {**good, key: hostile})
            assert response.status_code < 500, (key, hostile, response.status_code)
        for url, key in (
            (f"{base}/matrix/", "port"),
            (f"{base}/matrix/", "protocol"),
            (f"{base}/warnings/", "target"),
            (f"{base}/manifests/", "format"),
            ("/api/v1/designs/", "shared"),
        ):
            response = api.get(url, {key: hostile, **({"port": "80"} if key == "protocol" else {})})
            assert response.status_code < 500, (url, key, hostile, response.status_code)
        response = api.generic(
            "POST",
            "/api/v1/designs/import/?" + __import__("urllib.parse").parse.urlencode({"name": hostile}),
            "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n",
            content_type="application/yaml",
        )
        assert response.status_code < 500, (hostile, response.status_code)


def test_nul_in_a_name_is_a_400_naming_the_field(api, world):
    design, _ = world
    base = f"/api/v1/designs/{design.pk}"
    for url, body, field in (
        ("/api/v1/designs/", {"name": "a\x00b"}, "name"),
        (f"{base}/", {"description": "a\x00b"}, "description"),
        (f"{base}/namespaces/", {"name": "a\x00b"}, "name"),
        (f"{base}/namespaces/", {"name": "stage", "labels": {"a\x00": "b"}}, "labels"),
        (f"{base}/namespaces/", {"name": "stage", "labels": {"a": "b\x00"}}, "labels"),
        (f"{base}/workloads/", {"namespace": "prod", "name": "w\x00"}, "name"),
        (f"{base}/externals/", {"name": "e\x00", "cidr": "10.0.0.0/8"}, "name"),
        (f"{base}/flows/", {"source": {"workload": "prod/a\x00"}, "destination": {"workload": "prod/db"}}, "source"),
        (f"{base}/shares/", {"username": "a\x00", "role": "viewer"}, "username"),
    ):
        method = "PATCH" if url == f"{base}/" else "POST"
        response = api.generic(method, url, json.dumps(body), content_type="application/json")
        assert response.status_code == 400, (url, body, response.status_code)
        assert field in response.json(), (url, response.json())


def test_a_trailing_line_break_is_refused_in_every_name(api, world):
    design, _ = world
    base = f"/api/v1/designs/{design.pk}"
    # DRF trims whitespace around a name (it is stored without the line break); inside, it is refused
    response = api.post(f"{base}/namespaces/", {"name": "stage\n"}, format="json")
    assert response.status_code == 400 or models.Namespace.objects.filter(name="stage").exists()
    assert not models.Namespace.objects.filter(name__contains="\n").exists()
    for url, body, field in (
        (f"{base}/namespaces/", {"name": "st\nage"}, "name"),
        (f"{base}/namespaces/", {"name": "qa", "labels": {"app\n": "x"}}, "labels"),
        (f"{base}/namespaces/", {"name": "qa", "labels": {"app": "x\n"}}, "labels"),
        (f"{base}/workloads/", {"namespace": "prod", "name": "we\nb"}, "name"),
        (
            f"{base}/workloads/",
            {"namespace": "prod", "name": "web", "ports": [{"name": "ht\ntp", "port": 80}]},
            "ports",
        ),
        (f"{base}/externals/", {"name": "n\net", "cidr": "10.0.0.0/8"}, "name"),
        ("/api/v1/designs/", {"name": "sh\nop"}, "name"),
    ):
        response = api.post(url, body, format="json")
        assert response.status_code == 400, (url, body, response.status_code)
        assert field in response.json(), (url, response.json())


def test_descriptions_have_a_stated_limit(api, world):
    design, _ = world
    ok = api.patch(f"/api/v1/designs/{design.pk}/", {"description": "x" * 10_000}, format="json")
    assert ok.status_code == 200
    response = api.patch(f"/api/v1/designs/{design.pk}/", {"description": "x" * 10_001}, format="json")
    assert response.status_code == 400 and "10,000" in response.json()["description"][0]


def test_only_ascii_digits_are_port_numbers(api, world):
    design, _ = world
    base = f"/api/v1/designs/{design.pk}"
    response = api.get(f"{base}/reachability/", {"from": "prod/api", "to": "prod/db", "port": "٨٠"})
    assert response.status_code == 400 and "port" in response.json()
    response = api.get(f"{base}/matrix/", {"port": "٨٠"})
    assert response.status_code == 400 and "port" in response.json()
    flow = {"source": {"workload": "prod/db"}, "destination": {"workload": "prod/api"}, "ports": [{"port": "٨٠"}]}
    response = api.post(f"{base}/flows/", flow, format="json")
    assert response.status_code == 400 and "ports" in response.json()


def test_an_unknown_destination_is_blamed_on_to(api, world):
    design, _ = world
    url = f"/api/v1/designs/{design.pk}/reachability/"
    response = api.get(url, {"from": "prod/api", "to": "prod/nope", "port": "80"})
    assert response.status_code == 400 and list(response.json()) == ["to"]
    response = api.get(url, {"from": "prod/nope", "to": "prod/api", "port": "80"})
    assert response.status_code == 400 and list(response.json()) == ["from"]
    response = api.get(url, {"from": "prod/api", "to": "prod/api2", "port": "80"})  # "prod/api" is in "prod/api2"
    assert response.status_code == 400 and list(response.json()) == ["to"]


def test_nul_in_the_import_name_is_a_400_naming_it(api):
    response = api.generic(
        "POST",
        "/api/v1/designs/import/?name=a%00b",
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n",
        content_type="application/yaml",
    )
    assert response.status_code == 400
    assert [e["path"] for e in response.json()["errors"]] == ["name"]
    assert not models.Design.objects.exists()


HOSTILE_YAML = [
    "a: 1\na: 2\n",
    "[" * 5000 + "]" * 5000,
    '{"a": ' * 3000 + "1" + "}" * 3000,
    'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: "a\\0b"}\nspec: {podSelector: {}}\n',
    "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: a}\n"
    "spec: {podSelector: {}, ingress: [{ports: [{port: 1.0e999}, {port: " + "9" * 5000 + "}]}]}\n",
    'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: a, labels: {app: "x\\0"}}\n'
    'spec: {podSelector: {matchLabels: {"a\\0": b}}}\nstatus: {}\n',
    'apiVersion: v1\nkind: PodList\nitems: [{metadata: {name: "p\\u0000"}}, 1, null]\n',
    "\x00",
    "\ud800".encode("utf-8", "surrogatepass").decode("latin-1"),
]


def test_hostile_yaml_bodies_never_give_a_5xx(api, world):
    design, _ = world
    for text in HOSTILE_YAML:
        for url in ("/api/v1/designs/import/?name=x", f"/api/v1/designs/{design.pk}/policies/"):
            response = api.generic("POST", url, text.encode("utf-8", "surrogatepass"), content_type="application/yaml")
            assert response.status_code < 500, (url, text[:80], response.status_code)


# ---------------------------------------------------------------- every operation of the schema


QUERY_DEFAULTS = {"from": "prod/api", "to": "prod/db", "port": "80", "protocol": "TCP", "name": "x", "format": "yaml"}


def operations(api) -> list[tuple[str, str, dict]]:
    schema = yaml.safe_load(api.get("/api/v1/schema/").content)
    return [(method.upper(), path, op) for path, ops in schema["paths"].items() for method, op in ops.items()], schema[
        "components"
    ]["schemas"]


def test_every_operation_of_the_schema_takes_hostile_fields_and_parameters_without_a_5xx(api, world):
    design, parts = world
    ops, components = operations(api)
    assert len(ops) > 40  # the whole API, including operations added later
    for method, path, op in ops:
        if method == "DELETE" or path.endswith("/restore/"):
            continue  # they would remove the world the other operations need
        kind = path.rstrip("/").split("/")[-2]
        url = (
            path.replace("{design_pk}", str(design.pk))
            .replace("{id}", str(parts.get(kind, design.pk)) if "{design_pk}" in path else str(design.pk))
            .replace("{number}", "1")
            .replace("{policy_pk}", "1")
        )
        query = [p["name"] for p in op.get("parameters", []) if p["in"] == "query"]
        for name in query:
            for hostile in QUERY_HOSTILE:
                params = {q: QUERY_DEFAULTS.get(q, "1") for q in query} | {name: hostile}
                response = api.generic(method, url + "?" + urlencode(params), "", content_type="application/yaml")
                assert response.status_code < 500, (method, url, name, hostile[:40], response.status_code)
        body = op.get("requestBody", {}).get("content", {}).get("application/json")
        if body is None:
            continue
        ref = body["schema"]["$ref"].rsplit("/", 1)[-1]
        for prop in components[ref].get("properties", {}):
            for hostile in HOSTILE:
                send(api, method, url, '{"' + prop + '": ' + hostile + "}")
        send(api, method, url, DEEP)
