"""Services: every change bumps the revision and records a snapshot that restores exactly."""

import pytest
from django.core.exceptions import ValidationError

from editor import models, selectors, services

pytestmark = pytest.mark.django_db


def test_every_change_bumps_the_revision_and_records_a_snapshot(three_tier):
    before = three_tier.revision
    services.workload_create(design=three_tier, namespace="shop", name="cache")
    three_tier.refresh_from_db()
    assert three_tier.revision == before + 1
    latest = three_tier.revisions.order_by("-number").first()
    assert latest.number == three_tier.revision
    assert latest.summary == "Added workload shop/cache"
    assert "cache" in [w["name"] for w in selectors.revision_snapshot(latest)["workloads"]]


def test_restoring_a_snapshot_gives_back_the_same_policies(three_tier):
    yaml_before = selectors.design_state(three_tier).yaml
    snapshot = selectors.design_state(three_tier).snapshot()
    services.flow_delete(flow=three_tier.flows.first())
    services.workload_delete(workload=three_tier.workloads.get(name="db"))
    assert selectors.design_state(three_tier).yaml != yaml_before
    services.design_restore(design=three_tier, snapshot=snapshot, summary="Restored")
    assert selectors.design_state(three_tier).yaml == yaml_before


def test_failed_change_saves_nothing(three_tier):
    revision = three_tier.revision
    with pytest.raises(ValidationError):
        services.flow_create(
            design=three_tier,
            source={"workload": "shop/api"},
            destination={"workload": "shop/frontend"},
            ports=[{"protocol": "TCP", "port": 70000}],
        )
    three_tier.refresh_from_db()
    assert three_tier.revision == revision
    assert three_tier.flows.count() == 2


def test_workload_in_a_new_namespace_creates_the_namespace(three_tier):
    services.workload_create(design=three_tier, namespace="payments", name="ledger")
    assert list(three_tier.namespaces.values_list("name", flat=True)) == ["payments", "shop"]


def test_renaming_a_workload_keeps_its_flows(three_tier):
    services.workload_update(workload=three_tier.workloads.get(name="db"), name="postgres")
    flows = {str(f) for f in three_tier.flows.all()}
    assert flows == {"shop/frontend -> shop/api", "shop/api -> shop/postgres"}


def test_design_load_graph_matches_the_rows(three_tier):
    graph = selectors.design_state(three_tier).graph
    assert [w.ref for w in graph.workloads] == ["shop/api", "shop/db", "shop/frontend"]
    assert [f.ref for f in graph.flows] == ["shop/frontend -> shop/api", "shop/api -> shop/db"]
    assert graph.workload("shop/api").named_port("http").port == 8080


def test_demo_command_is_idempotent_and_prints_the_login(capsys):
    from django.core.management import call_command

    call_command("seed_demo")
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert "username: demo" in out and "password: demo-password" in out
    assert models.Design.objects.filter(owner__username="demo").count() == 1
