"""What a change did, from two snapshots (netpol/revisions.py)."""

from __future__ import annotations

import copy

from editor.netpol.compile import compile_design
from editor.netpol.revisions import connection_changes, describe_changes, graph_of, policy_changes

BEFORE = {
    "settings": {"name": "s", "description": "", "isolate_ingress": True, "isolate_egress": True, "dns": False},
    "namespaces": [{"name": "prod", "labels": {}}],
    "workloads": [
        {"namespace": "prod", "name": "api", "labels": {"app": "api"}, "ports": [], "ip": None, "x": 1, "y": 2},
        {
            "namespace": "prod",
            "name": "db",
            "labels": {"app": "db"},
            "ports": [{"name": "pg", "port": 5432, "protocol": "TCP"}],
            "ip": None,
            "x": 300,
            "y": 2,
        },
    ],
    "policies": [],
    "externals": [],
    "flows": [
        {
            "source": {"workload": "prod/api"},
            "destination": {"workload": "prod/db"},
            "ports": [{"protocol": "TCP", "port": 5432}],
        }
    ],
}


def after(change) -> dict:
    snapshot = copy.deepcopy(BEFORE)
    change(snapshot)
    return snapshot


def test_settings_and_labels_are_named_with_before_and_after():
    def change(s):
        s["settings"]["dns"] = True
        s["workloads"][0]["labels"] = {"app": "api", "tier": "back"}

    assert describe_changes(BEFORE, after(change)) == [
        "Changed the design's settings: DNS off → on",
        "Changed workload prod/api: labels app=api → app=api,tier=back",
    ]


def test_a_renamed_namespace_is_one_rename_not_a_new_design():
    def change(s):
        s["namespaces"][0]["name"] = "live"
        for w in s["workloads"]:
            w["namespace"] = "live"
        s["flows"][0]["source"] = {"workload": "live/api"}
        s["flows"][0]["destination"] = {"workload": "live/db"}

    assert describe_changes(BEFORE, after(change)) == ["Renamed namespace prod → live"]


def test_a_renamed_workload_keeps_its_flows():
    def change(s):
        s["workloads"][1]["name"] = "postgres"
        s["flows"][0]["destination"] = {"workload": "prod/postgres"}

    assert describe_changes(BEFORE, after(change)) == ["Renamed workload prod/db → prod/postgres"]


def test_flows_added_deleted_and_changed_name_their_ports():
    def change(s):
        s["flows"][0]["ports"].append({"protocol": "UDP", "port": 53})
        s["flows"].append({"source": {"workload": "prod/db"}, "destination": {"workload": "prod/api"}, "ports": []})

    assert describe_changes(BEFORE, after(change)) == [
        "Changed flow prod/api → prod/db: ports TCP 5432 → TCP 5432, UDP 53",
        "Added flow prod/db → prod/api (all ports)",
    ]
    assert (
        describe_changes(after(change), BEFORE)[0]
        == "Changed flow prod/api → prod/db: ports TCP 5432, UDP 53 → TCP 5432"
    )


def test_moves_are_named_when_few_and_counted_when_many():
    def one(s):
        s["workloads"][0]["x"] = 50

    def both(s):
        for i, w in enumerate(s["workloads"]):
            w["x"] = 1000 + i
        s["externals"] = [{"name": "e", "cidr": "0.0.0.0/0", "except": [], "x": 1, "y": 1}]

    assert describe_changes(BEFORE, after(one)) == ["Moved workload prod/api"]
    assert describe_changes(BEFORE, after(both)) == [
        "Added external e",
        "Moved workload prod/api",
        "Moved workload prod/db",
    ]


def test_unknown_keys_are_ignored_and_no_change_says_nothing():
    def change(s):
        for part in s["workloads"] + s["flows"]:
            part["id"] = 7

    assert describe_changes(BEFORE, after(change)) == []
    assert graph_of(after(change)) == graph_of(BEFORE)


def test_policy_and_connection_changes_of_a_deleted_flow():
    def change(s):
        s["flows"] = []

    old_graph, new_graph = graph_of(BEFORE), graph_of(after(change))
    old, new = compile_design(old_graph), compile_design(new_graph)
    assert [(c.ref, c.kind) for c in policy_changes(old, new)] == [("prod/api", "changed"), ("prod/db", "changed")]
    (lost,) = connection_changes(old_graph, old, new_graph, new)
    assert (lost.source, lost.destination, lost.before, lost.after, lost.kind) == (
        "prod/api",
        "prod/db",
        ("TCP 5432",),
        (),
        "removed",
    )


def test_the_first_revision_is_the_creation():
    assert describe_changes(None, BEFORE) == ["Created the design."]


def test_a_namespace_that_went_with_its_labels_and_workloads_is_no_rename():
    def change(s):
        s["namespaces"] = [{"name": "other", "labels": {"team": "x"}}]
        s["workloads"] = []
        s["flows"] = []

    lines = describe_changes(BEFORE, after(change))
    assert "Added namespace other" in lines and "Deleted namespace prod" in lines
    assert not any(line.startswith("Renamed") for line in lines)
