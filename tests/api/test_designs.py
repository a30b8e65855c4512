"""Designs through the REST API: the contract's shapes, status codes and ownership."""

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def test_create_design_answers_201_with_its_id(api):
    response = api.post("/api/v1/designs/", {"name": "shop"}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "shop"
    assert isinstance(body["id"], int)
    assert body["isolate_ingress"] is True and body["isolate_egress"] is True and body["dns"] is True


def test_design_list_holds_only_the_callers_designs(api, other_api):
    api.post("/api/v1/designs/", {"name": "mine"}, format="json")
    other_api.post("/api/v1/designs/", {"name": "theirs"}, format="json")
    response = api.get("/api/v1/designs/")
    assert response.status_code == 200
    assert [d["name"] for d in response.json()] == ["mine"]


def test_get_patch_delete_a_design(api):
    design_id = api.post("/api/v1/designs/", {"name": "shop"}, format="json").json()["id"]
    assert api.get(f"/api/v1/designs/{design_id}/").json()["name"] == "shop"
    patched = api.patch(f"/api/v1/designs/{design_id}/", {"dns": False, "description": "d"}, format="json")
    assert patched.status_code == 200
    assert patched.json()["dns"] is False and patched.json()["description"] == "d"
    assert api.delete(f"/api/v1/designs/{design_id}/").status_code == 204
    assert api.get(f"/api/v1/designs/{design_id}/").status_code == 404


def test_another_users_design_is_404_everywhere(api, other_api):
    design_id = api.post("/api/v1/designs/", {"name": "shop"}, format="json").json()["id"]
    for path in ("", "manifests/", "warnings/", "namespaces/", "workloads/", "externals/", "flows/"):
        assert other_api.get(f"/api/v1/designs/{design_id}/{path}").status_code == 404, path
    assert other_api.patch(f"/api/v1/designs/{design_id}/", {"name": "x"}, format="json").status_code == 404
    assert other_api.delete(f"/api/v1/designs/{design_id}/").status_code == 404
    posted = other_api.post(f"/api/v1/designs/{design_id}/workloads/", {"namespace": "a", "name": "b"}, format="json")
    assert posted.status_code == 404
    assert api.get(f"/api/v1/designs/{design_id}/").json()["name"] == "shop"


def test_no_token_is_401():
    assert APIClient().get("/api/v1/designs/").status_code == 401


def test_design_without_name_is_400_with_the_fix(api):
    response = api.post("/api/v1/designs/", {"name": "  "}, format="json")
    assert response.status_code == 400
    assert "name" in response.json()


def test_schema_is_served(api):
    response = api.get("/api/v1/schema/")
    assert response.status_code == 200
    assert b"/api/v1/designs/{id}/manifests/" in response.content
