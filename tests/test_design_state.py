"""A process keeps the loaded design per revision and derives the next state from a flow change; revisions
store deltas.  Whatever the path, what a request sees and what history restores must equal a fresh load."""

import random

import pytest
from django.core.exceptions import ValidationError

from editor import models, selectors, services
from editor.netpol.compile import compile_design
from editor.netpol.lint import lint

pytestmark = pytest.mark.django_db


def fresh(design):
    """The design loaded from the database, bypassing what the process kept."""
    selectors.forget_loaded()
    design.refresh_from_db()
    return selectors.design_load(design)


def test_a_flow_edit_derives_the_new_state_without_loading_the_design_again(three_tier, django_assert_max_num_queries):
    data = selectors.design_load(three_tier)
    selectors.design_compile(data).findings  # noqa: B018  (worked out, so the next state derives from it)
    services.flow_create(
        design=three_tier, source={"workload": "shop/frontend"}, destination={"workload": "shop/db"}, ports=[]
    )
    with django_assert_max_num_queries(0):
        derived = selectors.design_load(three_tier)
    assert derived is not data
    assert derived.graph == fresh(three_tier).graph
    compiled = selectors.design_compile(derived)
    assert compiled.policies == compile_design(derived.graph)
    assert compiled.findings == lint(derived.graph, compile_design(derived.graph))


def test_a_flow_revision_stores_a_delta_that_gives_the_whole_design(three_tier):
    selectors.design_load(three_tier)
    flow = services.flow_create(
        design=three_tier, source={"workload": "shop/frontend"}, destination={"workload": "shop/db"}, ports=[]
    )
    latest = three_tier.revisions.order_by("-number").first()
    assert latest.snapshot is None and latest.delta  # not the whole design again
    assert selectors.revision_snapshot(latest) == selectors.design_snapshot(fresh(three_tier))
    services.flow_delete(flow=flow)
    latest = three_tier.revisions.order_by("-number").first()
    assert selectors.revision_snapshot(latest) == selectors.design_snapshot(fresh(three_tier))


def test_without_a_kept_state_a_revision_stores_the_whole_design(three_tier):
    selectors.forget_loaded()
    services.flow_create(
        design=three_tier, source={"workload": "shop/frontend"}, destination={"workload": "shop/db"}, ports=[]
    )
    latest = three_tier.revisions.order_by("-number").first()
    assert latest.delta is None and latest.snapshot == selectors.design_snapshot(fresh(three_tier))


def test_random_edits_keep_every_revision_restorable_and_every_state_equal_to_a_fresh_load(three_tier):
    rng = random.Random(6)
    refs = ["shop/frontend", "shop/api", "shop/db"]
    states = {}
    for step in range(40):
        flows = list(three_tier.flows.all())
        action = rng.random()
        if step % 13 == 12:  # now and then a change that is not a flow's (a full snapshot, a full load)
            services.workload_update(workload=three_tier.workloads.get(name="db"), x=step * 10, y=5)
        elif flows and action < 0.3:
            services.flow_delete(flow=rng.choice(flows))
        elif flows and action < 0.5:
            services.flow_update(flow=rng.choice(flows), ports=[{"port": rng.randrange(1, 9000)}])
        else:
            src, dst = rng.sample(refs + ["shop"], 2)
            kind = {"shop": "namespace"}
            try:
                services.flow_create(
                    design=three_tier,
                    source={kind.get(src, "workload"): src},
                    destination={kind.get(dst, "workload"): dst},
                    ports=[{"port": rng.randrange(1, 9000)}],
                )
            except ValidationError as refused:  # a duplicate flow is refused, and nothing changed
                assert "already exists" in str(refused)
                continue
        data = selectors.design_load(three_tier)
        compiled = selectors.design_compile(data)
        assert compiled.findings == lint(data.graph, compile_design(data.graph))
        states[three_tier.revision] = selectors.design_snapshot(data)
        assert data.graph == fresh(three_tier).graph
        if rng.random() < 0.7:  # keep the state warm most of the time, as a busy process does
            selectors.design_compile(selectors.design_load(three_tier)).findings  # noqa: B018
    deltas = 0
    for revision in models.Revision.objects.filter(design=three_tier, number__in=states):
        assert selectors.revision_snapshot(revision) == states[revision.number], revision.number
        deltas += revision.delta is not None
    assert deltas > 10


def test_undo_of_a_flow_edit_restores_the_state_before_it(three_tier):
    selectors.design_load(three_tier)
    before = selectors.design_snapshot(fresh(three_tier))
    services.flow_create(
        design=three_tier, source={"workload": "shop/frontend"}, destination={"workload": "shop/db"}, ports=[]
    )
    services.design_undo(design=three_tier)
    assert selectors.design_snapshot(fresh(three_tier)) == before


def test_a_long_history_starts_a_new_whole_snapshot_every_so_often(three_tier, monkeypatch):
    monkeypatch.setattr(services, "FULL_SNAPSHOT_EVERY", 3)
    selectors.design_load(three_tier)
    for port in range(1, 8):
        services.flow_create(
            design=three_tier,
            source={"workload": "shop/frontend"},
            destination={"workload": "shop/db"} if port % 2 else {"namespace": "shop"},
            ports=[{"port": port}],
        ) if port < 3 else services.flow_update(flow=three_tier.flows.last(), ports=[{"port": port}])
    revisions = list(three_tier.revisions.order_by("number"))
    assert all(r.number - r.base < 3 for r in revisions if r.base is not None)
    assert sum(r.snapshot is not None for r in revisions[-7:]) >= 2
    assert selectors.revision_snapshot(revisions[-1]) == selectors.design_snapshot(fresh(three_tier))


def test_moving_a_workload_or_external_keeps_the_compiled_design_and_stores_a_delta(three_tier):
    external = services.external_create(design=three_tier, name="corp", cidr="10.0.0.0/8", x=5, y=5)
    compiled = selectors.design_compile(selectors.design_load(three_tier))
    services.workload_update(workload=three_tier.workloads.get(name="db"), x=900, y=40)
    services.external_update(external=external, x=77, y=88)
    data = selectors.design_load(three_tier)
    assert selectors.design_compile(data) is compiled  # nothing to compile again: the graph did not change
    assert [(w.x, w.y) for w in data.workloads if w.name == "db"] == [(900, 40)]
    latest = three_tier.revisions.order_by("-number").first()
    assert latest.delta is not None
    assert selectors.revision_snapshot(latest) == selectors.design_snapshot(fresh(three_tier))


def test_changing_a_workloads_labels_loads_the_design_again(three_tier):
    compiled = selectors.design_compile(selectors.design_load(three_tier))
    services.workload_update(workload=three_tier.workloads.get(name="db"), labels={"app": "db", "v": "2"})
    data = selectors.design_load(three_tier)
    assert selectors.design_compile(data) is not compiled
    assert data.graph == fresh(three_tier).graph
    assert three_tier.revisions.order_by("-number").first().delta is None


def other_process(design, edits) -> None:
    """Make ``edits`` as another server process would: this process keeps only what it had before them."""
    kept = dict(selectors._LOADED)
    edits()
    selectors._LOADED.clear()
    selectors._LOADED.update(kept)
    design.refresh_from_db()


def test_a_process_catches_up_with_flow_changes_another_process_made(three_tier, django_assert_max_num_queries):
    external = services.external_create(design=three_tier, name="corp", cidr="10.0.0.0/8", x=5, y=5)
    selectors.design_compile(selectors.design_load(three_tier)).findings  # noqa: B018
    api_db = three_tier.flows.get(source_workload__name="api")

    def edits():
        selectors.design_load(three_tier)  # the other process's own state, so its revisions store deltas
        new = services.flow_create(
            design=three_tier, source={"workload": "shop/frontend"}, destination={"workload": "shop/db"}, ports=[]
        )
        services.flow_update(flow=new, ports=[{"port": 9}])
        services.flow_create(design=three_tier, source={"workload": "shop/db"}, destination={"external": "corp"})
        services.flow_delete(flow=api_db)
        services.workload_update(workload=three_tier.workloads.get(name="api"), x=1, y=2)
        services.external_update(external=external, x=3, y=4)

    other_process(three_tier, edits)
    with django_assert_max_num_queries(5):  # the revisions' deltas and the changed rows, not the design
        caught_up = selectors.design_load(three_tier)
    expected = fresh(three_tier)
    assert caught_up.graph == expected.graph
    assert selectors.design_snapshot(caught_up) == selectors.design_snapshot(expected)
    compiled = selectors.design_compile(caught_up)
    assert compiled.findings == lint(expected.graph, compile_design(expected.graph))


def test_a_process_loads_the_design_whole_when_another_made_a_change_without_a_delta(three_tier):
    selectors.design_load(three_tier)

    def edits():
        services.flow_create(
            design=three_tier, source={"workload": "shop/frontend"}, destination={"workload": "shop/db"}, ports=[]
        )
        services.workload_update(workload=three_tier.workloads.get(name="api"), labels={"app": "api", "v": "2"})

    other_process(three_tier, edits)
    assert selectors._catch_up(three_tier, (three_tier.revision, three_tier.updated)) is None
    assert selectors.design_load(three_tier).graph == fresh(three_tier).graph


def test_a_kept_state_of_a_change_that_was_rolled_back_is_never_caught_up(three_tier):
    from django.db import transaction

    selectors.design_load(three_tier)
    try:
        with transaction.atomic():
            services.flow_create(
                design=three_tier, source={"workload": "shop/frontend"}, destination={"workload": "shop/db"}
            )
            raise RuntimeError("roll back")
    except RuntimeError:
        pass
    three_tier.refresh_from_db()  # this process still keeps the state of the change that was rolled back

    def edits():
        services.flow_create(design=three_tier, source={"workload": "shop/db"}, destination={"namespace": "shop"})
        services.flow_create(design=three_tier, source={"workload": "shop/api"}, destination={"namespace": "shop"})

    other_process(three_tier, edits)
    assert selectors.design_load(three_tier).graph == fresh(three_tier).graph


def test_an_edit_after_another_processs_change_catches_up_and_still_stores_a_delta(user):
    from editor import bench

    spec = bench.synthetic_spec(40, 4)
    design = bench.spec_design_create(owner=user, spec=spec, name="forty")
    (a, b), (c, d) = bench.edit_pairs(spec, 2)
    selectors.design_compile(selectors.design_load(design)).findings  # noqa: B018

    def edits():
        selectors.design_load(design)
        services.flow_create(design=design, source={"workload": a}, destination={"workload": b})

    other_process(design, edits)
    services.flow_create(design=design, source={"workload": c}, destination={"workload": d})
    latest = design.revisions.order_by("-number").first()
    assert latest.snapshot is None and latest.delta  # derived from the caught-up state, not loaded whole
    data = selectors.design_load(design)
    compiled = selectors.design_compile(data)
    assert compiled.lint_state.incremental  # linted from the state before, through the caught-up one
    expected = fresh(design)
    assert selectors.revision_snapshot(latest) == selectors.design_snapshot(expected)
    assert data.graph == expected.graph
    assert compiled.findings == lint(expected.graph, compile_design(expected.graph))
