"""Every kind of edit runs a pinned number of SQL queries, the same whatever the design's size."""

from __future__ import annotations

import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from benchmark import harness as bench
from editor import models

pytestmark = pytest.mark.django_db

_counter = itertools.count(1)


def _first(design, model):
    return model.objects.filter(design=design).order_by("pk").first()


def _api(client, method: str, path: str, body=None):
    response = getattr(client, method)(path, body, content_type="application/json")
    assert response.status_code in (200, 201, 204), (path, response.status_code, response.content[:300])
    return response


# One edit of each kind through the API: (method, path under the design, body) from the design.
EDITS = {
    "add workload": lambda d: ("post", "workloads/", {"namespace": "ns00", "name": f"new{next(_counter)}"}),
    "relabel workload": lambda d: (
        "patch",
        f"workloads/{_first(d, models.Workload).pk}/",
        {"labels": {"app": f"v{next(_counter)}"}},
    ),
    "move workload": lambda d: ("patch", f"workloads/{_first(d, models.Workload).pk}/", {"x": next(_counter)}),
    "relabel namespace": lambda d: (
        "patch",
        f"namespaces/{_first(d, models.Namespace).pk}/",
        {"labels": {"team": f"t{next(_counter)}"}},
    ),
    "add external": lambda d: ("post", "externals/", {"name": f"e{next(_counter)}", "cidr": "10.9.0.0/16"}),
    "change flow": lambda d: (
        "patch",
        f"flows/{_first(d, models.Flow).pk}/",
        {"ports": [{"protocol": "TCP", "port": 1000 + next(_counter)}]},
    ),
    "delete flow": lambda d: ("delete", f"flows/{_first(d, models.Flow).pk}/", None),
    "settings": lambda d: ("patch", "", {"description": f"d{next(_counter)}"}),
}

# The numbers: a change in them is a change in the query shape, to be made on purpose.
PINNED = {
    "add workload": 23,
    "relabel workload": 21,
    "move workload": 21,
    "relabel namespace": 20,
    "add external": 18,
    "change flow": 18,
    "delete flow": 17,
    "settings": 17,
}


def _queries(client, design, kind: str) -> int:
    method, path, body = EDITS[kind](design)
    base = f"/api/v1/designs/{design.pk}/"
    _api(client, "get", base + "warnings/")  # the process keeps the state the edit derives from
    with CaptureQueriesContext(connection) as queries:
        _api(client, method, base + path, body)
    return len(queries)


@pytest.mark.parametrize("kind", sorted(EDITS))
def test_each_kind_of_edit_runs_a_pinned_number_of_queries_whatever_the_size(user, kind):
    client = bench.api_client(user)
    counts = []
    for workloads, namespaces in ((16, 4), (90, 6)):
        design = bench.spec_design_create(
            owner=user, spec=bench.synthetic_spec(workloads, namespaces), name=f"q {workloads}"
        )
        counts.append(_queries(client, design, kind))
    assert counts[0] == counts[1]
    assert counts[0] == PINNED[kind], counts


@pytest.mark.parametrize("edit", [bench.htmx_edit, bench.api_edit], ids=["htmx", "api"])
def test_adding_a_flow_runs_as_many_queries_on_a_large_design_as_on_a_small_one(user, edit):
    client = bench.session_client(user) if edit is bench.htmx_edit else bench.api_client(user)
    counts = []
    for workloads, namespaces in ((16, 4), (90, 6)):
        spec = bench.synthetic_spec(workloads, namespaces)
        design = bench.spec_design_create(owner=user, spec=spec, name=f"bench {workloads}")
        ((source, destination),) = bench.edit_pairs(spec, 1)
        counts.append(bench.edit_queries(client, design.pk, source, destination, 20000, edit=edit))
    assert counts[0] == counts[1] > 0
