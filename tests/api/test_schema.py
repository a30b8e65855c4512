"""The served OpenAPI schema: JSON request bodies (YAML where the contract says so), ``?format=json``, Swagger UI."""

from __future__ import annotations

import json

import pytest
import yaml

FORM_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}
YAML_BODIES = {
    ("post", "/api/v1/designs/import/"),
    ("post", "/api/v1/designs/{id}/policies/"),
    ("put", "/api/v1/designs/{id}/policies/{policy_pk}/"),
}


@pytest.fixture
def schema(client) -> dict:
    return client.get("/api/v1/schema/?format=json").json()


def request_bodies(schema: dict):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if "requestBody" in operation:
                yield method, path, operation["requestBody"]["content"]


def test_schema_answers_json_for_format_json_without_an_accept_header(client):
    response = client.get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert json.loads(response.content)["openapi"].startswith("3.")


def test_schema_answers_yaml_by_default_and_for_format_yaml(client):
    for path in ("/api/v1/schema/", "/api/v1/schema/?format=yaml"):
        response = client.get(path)
        assert response.status_code == 200
        assert "yaml" in response["Content-Type"] or "openapi" in response["Content-Type"]
        assert yaml.safe_load(response.content)["openapi"].startswith("3.")


def test_schema_still_answers_json_to_a_json_accept_header(client):
    response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert json.loads(response.content)["info"]["title"] == "policyeditor API"


def test_no_request_body_in_the_schema_is_a_form_or_multipart(schema):
    bodies = list(request_bodies(schema))
    assert len(bodies) > 10
    for method, path, content in bodies:
        assert not FORM_TYPES & set(content), (method, path, sorted(content))


def test_json_endpoints_take_exactly_json_and_import_takes_yaml_bytes(schema):
    for method, path, content in request_bodies(schema):
        if (method, path) in YAML_BODIES:
            assert set(content) == {"application/yaml"}, (method, path)
            assert content["application/yaml"]["schema"] == {"type": "string", "format": "binary"}
        elif "traffic" not in path:  # observed traffic is JSON lines (application/x-ndjson) as well
            assert set(content) == {"application/json"}, (method, path, sorted(content))


@pytest.mark.django_db
def test_a_form_encoded_body_is_refused_with_415(api):
    response = api.post("/api/v1/designs/", "name=shop", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415
    assert "application/x-www-form-urlencoded" in response.json()["detail"]
    assert api.post("/api/v1/designs/", {"name": "shop"}).status_code == 201


@pytest.mark.django_db
def test_format_yaml_of_manifests_is_not_taken_by_content_negotiation(api, three_tier):
    response = api.get(f"/api/v1/designs/{three_tier.pk}/manifests/?format=yaml")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/yaml"


# ---------------------------------------------------------------- Swagger UI, served by the app


def test_swagger_ui_is_served_from_the_apps_own_static_files(client):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "<style" not in html
    assert "cdn" not in html.lower()
    script = client.get("/api/v1/docs/?script=")
    assert script.status_code == 200
    assert "SwaggerUIBundle" in script.content.decode()
    assert '"/api/v1/schema/"' in script.content.decode()
