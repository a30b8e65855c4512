"""An edit runs the same number of SQL queries whatever the design's size."""

from __future__ import annotations

import pytest

from editor import bench


def _counts(user, client, edit) -> list[int]:
    counts = []
    for workloads, namespaces in ((16, 4), (90, 6)):
        spec = bench.synthetic_spec(workloads, namespaces)
        design = bench.spec_design_create(owner=user, spec=spec, name=f"bench {workloads}")
        ((source, destination),) = bench.edit_pairs(spec, 1)
        counts.append(bench.edit_queries(client, design.pk, source, destination, 20000, edit=edit))
    return counts


@pytest.mark.django_db
def test_adding_a_flow_in_the_editor_runs_as_many_queries_on_a_large_design_as_on_a_small_one(user):
    small, large = _counts(user, bench.session_client(user), bench.htmx_edit)
    assert small == large
    assert small > 0


@pytest.mark.django_db
def test_an_api_edit_runs_as_many_queries_on_a_large_design_as_on_a_small_one(user):
    small, large = _counts(user, bench.api_client(user), bench.api_edit)
    assert small == large
    assert small > 0
