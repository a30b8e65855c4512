"""editor.state: every state a request sees equals a design loaded and worked out from scratch.

Random sequences of every kind of edit run through the services in two simulated processes (each with its own
kept states); after each edit both processes read the design, and their states must equal a fresh build:
the same records, graph, policies, manifests and findings.  Every revision's snapshot must equal the design as
it was then, and undo, redo and restore keep part ids.
"""

from __future__ import annotations

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from editor import models, selectors, services
from editor.demo import demo_design_create
from editor.state import DesignState, elsewhere, forget, load_parts, snapshot_of, store

pytestmark = pytest.mark.django_db


def fresh(design: models.Design) -> DesignState:
    design.refresh_from_db()
    parts = load_parts(design)
    return DesignState.build(design_pk=design.pk, revision=design.revision, stamp=design.updated, parts=parts)


def assert_equal_states(state: DesignState, expected: DesignState) -> None:
    assert state.parts == expected.parts
    assert state.graph == expected.graph
    assert state.policies == expected.policies
    assert state.manifests == expected.manifests
    assert state.findings == expected.findings
    assert state.yaml == expected.yaml


def _edit(design: models.Design, data, n: int) -> None:
    """One random edit of any kind, through the services (an invalid one is refused and changes nothing)."""
    workloads = list(design.workloads.select_related("namespace"))
    externals = list(design.externals.all())
    namespaces = list(design.namespaces.all())
    flows = list(design.flows.all())
    ends = [{"workload": w.ref} for w in workloads] + [{"namespace": ns.name} for ns in namespaces]
    ends += [{"external": e.name} for e in externals]
    kind = data.draw(
        st.sampled_from(
            [
                "add-workload",
                "rename-workload",
                "relabel-workload",
                "ports-workload",
                "move-workload",
                "delete-workload",
                "relabel-namespace",
                "rename-namespace",
                "delete-namespace",
                "add-external",
                "change-external",
                "delete-external",
                "add-flow",
                "change-flow",
                "delete-flow",
                "settings",
                "undo",
                "redo",
                "add-policy",
            ]
        ),
        label="edit",
    )
    pick = lambda rows: data.draw(st.sampled_from(rows)) if rows else None  # noqa: E731
    ports = st.lists(
        st.fixed_dictionaries({"protocol": st.sampled_from(["TCP", "UDP"]), "port": st.integers(1, 9000)}),
        max_size=2,
    )
    try:
        with transaction.atomic():
            if kind == "add-workload":
                services.workload_create(
                    design=design,
                    namespace=data.draw(st.sampled_from(["shop", "ops", "data"])),
                    name=f"w{n}",
                    labels={"app": data.draw(st.sampled_from(["web", "api", "db", f"w{n}"]))},
                )
            elif kind == "rename-workload" and workloads:
                services.workload_update(workload=pick(workloads), name=f"r{n}")
            elif kind == "relabel-workload" and workloads:
                labels = {"app": data.draw(st.sampled_from(["web", "api", "db", "x"])), "tier": "t"}
                services.workload_update(workload=pick(workloads), labels=labels)
            elif kind == "ports-workload" and workloads:
                services.workload_update(workload=pick(workloads), ports=[{"name": "http", "port": 8080}])
            elif kind == "move-workload" and workloads:
                services.workload_update(workload=pick(workloads), x=float(n * 10), y=5.0)
            elif kind == "delete-workload" and workloads:
                services.workload_delete(workload=pick(workloads))
            elif kind == "relabel-namespace" and namespaces:
                services.namespace_update(namespace=pick(namespaces), labels={"team": f"t{n % 3}"})
            elif kind == "rename-namespace" and namespaces:
                services.namespace_update(namespace=pick(namespaces), name=f"ns{n}")
            elif kind == "delete-namespace" and namespaces:
                services.namespace_delete(namespace=pick(namespaces))
            elif kind == "add-external":
                services.external_create(design=design, name=f"e{n}", cidr=f"10.{n % 250}.0.0/16")
            elif kind == "change-external" and externals:
                services.external_update(external=pick(externals), cidr="192.168.0.0/16", except_=["192.168.1.0/24"])
            elif kind == "delete-external" and externals:
                services.external_delete(external=pick(externals))
            elif kind == "add-flow" and len(ends) > 1:
                services.flow_create(design=design, source=pick(ends), destination=pick(ends), ports=data.draw(ports))
            elif kind == "change-flow" and flows:
                services.flow_update(flow=pick(flows), ports=data.draw(ports))
            elif kind == "delete-flow" and flows:
                services.flow_delete(flow=pick(flows))
            elif kind == "settings":
                services.design_update(
                    design=design, dns=data.draw(st.booleans()), isolate_ingress=data.draw(st.booleans())
                )
            elif kind == "undo":
                services.design_undo(design=design)
            elif kind == "redo":
                services.design_redo(design=design)
            elif kind == "add-policy":
                services.imported_policy_create(
                    design=design,
                    text="apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
                    f"metadata: {{name: p{n}, namespace: shop}}\n"
                    "spec: {podSelector: {matchLabels: {app: web}}, policyTypes: [Ingress]}\n",
                )
    except services.ValidationError:
        pass  # refused: nothing changed


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_states_of_random_edits_in_two_processes_equal_fresh_loads(user, data):
    forget()
    three_tier = demo_design_create(owner=user)  # a new design per example: the database outlives examples
    other: dict = {}
    snapshots = {}
    for n in range(12):
        design = models.Design.objects.get(pk=three_tier.pk)
        in_other = data.draw(st.booleans(), label="other process")
        if in_other:
            with elsewhere(other):
                selectors.design_state(design)  # the other process keeps the state it edits from
                _edit(design, data, n)
        else:
            selectors.design_state(design)
            _edit(design, data, n)
        design.refresh_from_db()
        expected = fresh(design)
        snapshots[design.revision] = expected.snapshot()
        assert_equal_states(selectors.design_state(design), expected)
        with elsewhere(other):
            assert_equal_states(selectors.design_state(design), expected)
    for revision in three_tier.revisions.filter(number__in=snapshots):
        assert selectors.revision_snapshot(revision) == snapshots[revision.number], revision.number


def test_a_flow_edit_derives_the_next_state_from_the_kept_one(three_tier):
    forget()
    before = selectors.design_state(three_tier)
    services.flow_create(
        design=three_tier, source={"workload": "shop/frontend"}, destination={"workload": "shop/db"}, ports=[]
    )
    three_tier.refresh_from_db()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(store, "load_parts", lambda design: pytest.fail("loaded the design again"))
        after = selectors.design_state(three_tier)
    assert after is not before and after.revision == before.revision + 1
    assert_equal_states(after, fresh(three_tier))


def test_a_change_made_by_another_process_is_caught_up_from_the_revisions(three_tier):
    forget()
    selectors.design_state(three_tier)
    other: dict = {}
    with elsewhere(other):
        services.workload_create(design=three_tier, namespace="shop", name="cache")
    three_tier.refresh_from_db()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("editor.state.load_parts", lambda design: pytest.fail("loaded the design again"))
        caught_up = selectors.design_state(three_tier)
    assert_equal_states(caught_up, fresh(three_tier))


def test_a_rolled_back_change_is_never_served(three_tier):
    forget()
    selectors.design_state(three_tier)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.workload_create(design=three_tier, namespace="shop", name="cache")
        raise RuntimeError("rolled back")
    design = models.Design.objects.get(pk=three_tier.pk)
    assert "shop/cache" not in {w.ref for w in selectors.design_state(design).workloads}


def test_undo_and_redo_keep_part_ids(three_tier):
    web = three_tier.workloads.get(name="frontend")
    web_pk = web.pk
    ids = set(three_tier.flows.values_list("pk", flat=True)) | {("workload", web_pk)}
    services.workload_delete(workload=web)
    services.design_undo(design=three_tier)
    assert set(three_tier.flows.values_list("pk", flat=True)) | {("workload", web_pk)} == ids
    services.design_redo(design=three_tier)
    assert not three_tier.workloads.filter(name="frontend").exists()
    services.design_undo(design=three_tier)
    assert three_tier.workloads.get(name="frontend").pk == web_pk


def test_restoring_an_old_revision_keeps_the_ids_of_unchanged_parts(three_tier):
    ids = {w.ref: w.pk for w in three_tier.workloads.select_related("namespace")}
    first = three_tier.revisions.order_by("number").last()
    services.workload_create(design=three_tier, namespace="shop", name="cache")
    services.design_restore(design=three_tier, snapshot=selectors.revision_snapshot(first), summary="Restored")
    assert {w.ref: w.pk for w in three_tier.workloads.select_related("namespace")} == ids


def test_a_no_op_records_no_revision(three_tier):
    web = three_tier.workloads.select_related("namespace").get(name="frontend")
    three_tier.refresh_from_db()
    before = three_tier.revision
    services.workload_update(workload=web, x=web.x, y=web.y)
    services.design_update(design=three_tier)
    services.design_update(design=three_tier, dns=three_tier.dns)
    services.design_restore(
        design=three_tier, snapshot=snapshot_of(load_parts(three_tier)), summary="Nothing to restore"
    )
    three_tier.refresh_from_db()
    assert three_tier.revision == before


def test_a_duplicate_is_made_in_one_transaction_and_equals_the_original(three_tier, django_user_model):
    copy = services.design_duplicate(design=three_tier, owner=three_tier.owner)
    assert selectors.design_state(copy).yaml == selectors.design_state(three_tier).yaml
    assert copy.revisions.count() == 2  # created, then filled: both in the same transaction


def test_a_process_that_kept_nothing_opens_a_design_with_the_findings_stored_with_its_revision(three_tier):
    three_tier.refresh_from_db()
    selectors.design_state(three_tier)  # kept: the edit's revision stores the findings it worked out
    services.flow_create(design=three_tier, source={"workload": "shop/frontend"}, destination={"workload": "shop/db"})
    three_tier.refresh_from_db()
    expected = fresh(three_tier)
    forget()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("editor.state.state.LintState.full", lambda *a: pytest.fail("linted the whole design"))
        opened = selectors.design_state(three_tier)
        assert opened.findings == expected.findings
    # the first edit after it lints (whole, once) and derives as usual
    services.flow_delete(flow=three_tier.flows.order_by("-pk").first())
    three_tier.refresh_from_db()
    assert_equal_states(selectors.design_state(three_tier), fresh(three_tier))
