"""Schemathesis against ``/api/v1/schema/`` with a token: no 5xx and no response that breaks the schema.

Every operation in the schema (including ones added later) gets generated requests through the WSGI app.
Path ids point at a real design and its parts most of the time, so bodies reach the services instead of
stopping at 404.  The example count is modest and derandomized: CI time stays small and a failure repeats.
"""

from __future__ import annotations

import zlib

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from editor import models, services
from policyeditor.wsgi import application

EXAMPLES = 10
PART_MODELS = {
    "namespaces": models.Namespace,
    "workloads": models.Workload,
    "externals": models.External,
    "flows": models.Flow,
    "shares": models.DesignShare,
    "links": models.ShareLink,
}

schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", application)  # the schema view needs no database


def small_design(owner):
    """A design with one of each part."""
    design = services.design_create(owner=owner, name="fuzz")
    ns = services.namespace_create(design=design, name="prod")
    wl = services.workload_create(
        design=design, namespace="prod", name="api", ports=[{"name": "http", "port": 8080, "protocol": "TCP"}]
    )
    services.workload_create(design=design, namespace="prod", name="db")
    ext = services.external_create(design=design, name="corp", cidr="10.0.0.0/8")
    flow = services.flow_create(design=design, source={"workload": "prod/api"}, destination={"workload": "prod/db"})
    share = services.share_create(design=design, username="fuzz-friend", role="viewer")
    link = services.link_create(design=design)
    return design, {
        "namespaces": ns.pk,
        "workloads": wl.pk,
        "externals": ext.pk,
        "flows": flow.pk,
        "shares": share.pk,
        "links": link.pk,
    }


@pytest.fixture
def world(db, django_user_model):
    """The fuzzer's user and token, and its design (remade when an example deleted any of it)."""
    owner = django_user_model.objects.create_user("fuzzer")
    django_user_model.objects.create_user("fuzz-friend")
    # The real WSGI handler closes the database connection after each request, which would end the test's
    # transaction on PostgreSQL; Django's own test client keeps it open the same way.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield {"owner": owner, "token": Token.objects.create(user=owner).key, "design": None, "parts": {}}
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def current_design(world: dict):
    design, parts = world["design"], world["parts"]
    intact = design is not None and all(
        PART_MODELS[kind].objects.filter(pk=pk, design_id=design.pk).exists() for kind, pk in parts.items()
    )
    if not intact:
        world["design"], world["parts"] = small_design(world["owner"])
    world["design"].refresh_from_db()
    return world["design"], world["parts"]


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_api_never_answers_5xx_or_breaks_its_schema(case, world):
    design, parts = current_design(world)
    params = case.path_parameters or {}
    real = zlib.crc32(repr(case.body).encode()) % 4 != 0  # mostly real ids; sometimes whatever was generated
    if real:
        if "design_pk" in params:  # /api/v1/designs/{design_pk}/<kind>/{id}/
            params["design_pk"] = design.pk
            kind = case.path.rstrip("/").split("/")[-2]
            if "id" in params and kind in parts:
                params["id"] = parts[kind]
        elif "id" in params:  # /api/v1/designs/{id}/...
            params["id"] = design.pk
        if "number" in params:
            params["number"] = design.revisions.order_by("number").first().number
    headers = dict(case.headers or {})
    if "If-Match" in headers and real:
        headers["If-Match"] = f'"{design.pk}-{design.revision}"'  # let writes through; 412 is tested elsewhere
    case.headers = headers
    response = case.call_and_validate(
        headers={"Authorization": f"Token {world['token']}"},
        checks=[not_a_server_error, response_schema_conformance],
    )
    assert response.status_code != 401, "the fuzzer's token must be accepted"
