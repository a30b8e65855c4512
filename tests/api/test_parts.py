"""Namespaces, workloads, externals and flows through the REST API, including bad input."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def design_id(api):
    return api.post("/api/v1/designs/", {"name": "shop"}, format="json").json()["id"]


@pytest.fixture
def url(design_id):
    return lambda part, pk=None: f"/api/v1/designs/{design_id}/{part}/" + (f"{pk}/" if pk else "")


def post(api, url, part, body):
    return api.post(url(part), body, format="json")


def test_namespace_carries_the_metadata_name_label(api, url):
    response = post(api, url, "namespaces", {"name": "prod", "labels": {"env": "prod"}})
    assert response.status_code == 201
    assert response.json()["labels"] == {"env": "prod", "kubernetes.io/metadata.name": "prod"}


def test_workload_defaults_and_creates_its_namespace(api, url):
    response = post(api, url, "workloads", {"namespace": "prod", "name": "api"})
    assert response.status_code == 201
    body = response.json()
    assert body["labels"] == {"app": "api"} and body["ports"] == [] and body["namespace"] == "prod"
    assert [ns["name"] for ns in api.get(url("namespaces")).json()] == ["prod"]


def test_workload_ports_and_labels_round_trip(api, url):
    body = {
        "namespace": "prod",
        "name": "api",
        "labels": {"app": "api", "tier": "backend"},
        "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}],
    }
    created = post(api, url, "workloads", body).json()
    fetched = api.get(url("workloads", created["id"])).json()
    assert fetched["labels"] == body["labels"] and fetched["ports"] == body["ports"]


def test_part_crud_get_patch_delete(api, url):
    created = post(api, url, "externals", {"name": "corp", "cidr": "10.0.0.0/8", "except": ["10.0.0.5/32"]})
    assert created.status_code == 201
    assert created.json()["except"] == ["10.0.0.5/32"]
    pk = created.json()["id"]
    patched = api.patch(url("externals", pk), {"cidr": "192.168.0.0/16", "except": []}, format="json")
    assert patched.status_code == 200 and patched.json()["cidr"] == "192.168.0.0/16"
    assert api.delete(url("externals", pk)).status_code == 204
    assert api.get(url("externals")).json() == []


def test_flow_with_defaults_means_all_ports(api, url):
    post(api, url, "workloads", {"namespace": "prod", "name": "api"})
    post(api, url, "workloads", {"namespace": "prod", "name": "db"})
    response = post(api, url, "flows", {"source": {"workload": "prod/api"}, "destination": {"workload": "prod/db"}})
    assert response.status_code == 201
    assert response.json()["ports"] == []
    assert response.json()["source"] == {"workload": "prod/api"}


def test_flow_ports_default_to_tcp_and_accept_names_and_ranges(api, url):
    post(api, url, "workloads", {"namespace": "prod", "name": "api"})
    post(api, url, "workloads", {"namespace": "prod", "name": "db"})
    ports = [{"port": 5432}, {"protocol": "TCP", "port": "http"}, {"protocol": "UDP", "port": 8000, "end_port": 8100}]
    response = post(
        api, url, "flows", {"source": {"workload": "prod/api"}, "destination": {"namespace": "prod"}, "ports": ports}
    )
    assert response.status_code == 201, response.json()
    assert {"protocol": "TCP", "port": 5432} in response.json()["ports"]
    assert {"protocol": "UDP", "port": 8000, "end_port": 8100} in response.json()["ports"]


def test_flow_patch_changes_ports(api, url):
    post(api, url, "workloads", {"namespace": "prod", "name": "api"})
    post(api, url, "workloads", {"namespace": "prod", "name": "db"})
    flow = post(api, url, "flows", {"source": {"workload": "prod/api"}, "destination": {"workload": "prod/db"}})
    patched = api.patch(url("flows", flow.json()["id"]), {"ports": [{"port": 5432}]}, format="json")
    assert patched.status_code == 200
    assert patched.json()["ports"] == [{"protocol": "TCP", "port": 5432}]


@pytest.mark.parametrize(
    ("part", "body", "field", "words"),
    [
        (
            "flows",
            {"source": {"workload": "prod/nope"}, "destination": {"workload": "prod/api"}},
            "source",
            "no workload 'prod/nope'",
        ),
        (
            "flows",
            {"source": {"workload": "prod/api"}, "destination": {"workload": "prod/api"}},
            "destination",
            "to itself",
        ),
        (
            "flows",
            {"source": {"workload": "prod/api"}, "destination": {"external": "corp"}, "ports": [{"port": "http"}]},
            "ports",
            "named port 'http'",
        ),
        (
            "flows",
            {"source": {"workload": "prod/api"}, "destination": {"namespace": "prod"}, "ports": [{"port": 0}]},
            "ports",
            "1 to 65535",
        ),
        (
            "flows",
            {"source": {"workload": "prod/api"}, "destination": {"namespace": "prod"}, "ports": [{"port": 70000}]},
            "ports",
            "1 to 65535",
        ),
        (
            "flows",
            {
                "source": {"workload": "prod/api"},
                "destination": {"namespace": "prod"},
                "ports": [{"port": 8100, "end_port": 8000}],
            },
            "ports",
            "end_port 8000 is below port 8100",
        ),
        (
            "flows",
            {
                "source": {"workload": "prod/api"},
                "destination": {"namespace": "prod"},
                "ports": [{"protocol": "tcp", "port": 80}],
            },
            "ports",
            "TCP, UDP or SCTP",
        ),
        (
            "flows",
            {"source": {"workload": "prod/api", "namespace": "prod"}, "destination": {"namespace": "prod"}},
            "source",
            "exactly one",
        ),
        ("flows", {"source": {"external": "corp"}, "destination": {"external": "corp"}}, "destination", "itself"),
        ("externals", {"name": "bad", "cidr": "10.0.0.1"}, "cidr", "did you mean 10.0.0.1/32"),
        ("externals", {"name": "bad", "cidr": "10.0.0.0/33"}, "cidr", "not a valid CIDR"),
        (
            "externals",
            {"name": "bad", "cidr": "10.0.0.0/8", "except": ["192.168.0.0/16"]},
            "except",
            "not strictly inside",
        ),
        ("externals", {"name": "bad", "cidr": "10.0.0.0/8", "except": ["::/64"]}, "except", "IPv6"),
        ("workloads", {"namespace": "prod", "name": "Bad_Name"}, "name", "did you mean 'bad-name'"),
        ("workloads", {"namespace": "prod", "name": "api"}, "name", "already exists"),
        ("workloads", {"namespace": "prod", "name": "x", "labels": {"bad key!": "v"}}, "labels", "label key"),
        (
            "workloads",
            {"namespace": "prod", "name": "x", "ports": [{"name": "http", "port": 0}]},
            "ports",
            "out of range",
        ),
        ("namespaces", {"name": "prod"}, "name", "already exists"),
        ("workloads", {"namespace": "prod", "name": "x", "labels": {}}, "labels", "at least one label"),
    ],
)
def test_bad_input_is_400_naming_the_field_and_the_fix(api, url, part, body, field, words):
    post(api, url, "workloads", {"namespace": "prod", "name": "api", "ports": [{"name": "http", "port": 8080}]})
    post(api, url, "externals", {"name": "corp", "cidr": "10.0.0.0/8"})
    before = {p: api.get(url(p)).json() for p in ("namespaces", "workloads", "externals", "flows")}
    response = post(api, url, part, body)
    assert response.status_code == 400
    errors = response.json()
    assert field in errors, errors
    assert words in str(errors[field]), errors
    assert {p: api.get(url(p)).json() for p in before} == before


def test_duplicate_flow_is_refused(api, url):
    post(api, url, "workloads", {"namespace": "prod", "name": "api"})
    post(api, url, "workloads", {"namespace": "prod", "name": "db"})
    body = {"source": {"workload": "prod/api"}, "destination": {"workload": "prod/db"}}
    assert post(api, url, "flows", body).status_code == 201
    response = post(api, url, "flows", {**body, "ports": [{"port": 5432}]})
    assert response.status_code == 400
    assert "already exists" in response.json()["destination"][0]


def test_deleting_a_workload_removes_its_flows(api, url):
    api_id = post(api, url, "workloads", {"namespace": "prod", "name": "api"}).json()["id"]
    post(api, url, "workloads", {"namespace": "prod", "name": "db"})
    post(api, url, "flows", {"source": {"workload": "prod/api"}, "destination": {"workload": "prod/db"}})
    assert api.delete(url("workloads", api_id)).status_code == 204
    assert api.get(url("flows")).json() == []
