"""``policyeditor diff``: connections added and removed between two sets of policies."""

from __future__ import annotations

import json

from .conftest import POLICIES, run_cli


def _new(repo, text: str) -> str:
    (repo / "new.yaml").write_text(text)
    return "new.yaml"


def test_a_changed_port_is_one_connection_added_and_one_removed(repo):
    new = _new(repo, POLICIES.replace("port: 5432", "port: 5433"))
    result = run_cli("diff", "k8s/policies.yaml", new, "--with", "k8s/app.yaml")
    assert result.out.splitlines() == [
        "+ shop/web → shop/db TCP 5433",
        "- shop/web → shop/db TCP 5432",
        "1 connections added, 1 removed",
    ]
    assert result.code == 0


def test_exit_code_option_fails_on_a_change_only(repo):
    new = _new(repo, POLICIES.replace("port: 5432", "port: 5433"))
    assert run_cli("diff", "k8s/policies.yaml", new, "--with", "k8s/app.yaml", "--exit-code").code == 1
    same = _new(repo, POLICIES + "# a comment changes nothing\n")
    result = run_cli("diff", "k8s/policies.yaml", same, "--with", "k8s/app.yaml", "--exit-code")
    assert (result.code, result.out) == (0, "no change in connectivity between the 2 workloads\n")


def test_json_lists_changes_with_other_ports_named(repo):
    # web's egress to db on every port: "other" stands for the ports no rule or workload names
    new = _new(repo, POLICIES.replace("      ports:\n        - port: 5432\n", ""))
    body = json.loads(run_cli("diff", "k8s/policies.yaml", new, "--with", "k8s/app.yaml", "--format", "json").out)
    assert body["removed"] == []
    assert {"from": "shop/web", "to": "shop/db", "protocol": "TCP", "port": "other"} in body["added"]
    assert body["unchanged"] is False and body["workloads"] == 2


def test_workloads_in_the_compared_files_count_without_with(repo):
    old = repo / "old.yaml"
    old.write_text((repo / "k8s/app.yaml").read_text() + POLICIES)
    new = _new(repo, old.read_text().replace("port: 5432", "port: 5433"))
    assert run_cli("diff", "old.yaml", new).out.startswith("+ shop/web → shop/db TCP 5433\n")


def test_a_bad_new_file_is_named_with_its_place(repo):
    new = _new(repo, POLICIES.replace("port: 5432", "port: 70000"))
    result = run_cli("diff", "k8s/policies.yaml", new)
    assert result.code == 2
    line = POLICIES.splitlines().index("        - port: 5432") + 1
    assert result.err.startswith(f"new.yaml:{line}: document 1, spec.egress[0].ports[0].port: error: The port 70000")


def test_policies_without_workloads_say_where_the_workloads_should_come_from(repo):
    new = _new(repo, POLICIES.replace("port: 5432", "port: 5433"))
    result = run_cli("diff", "k8s/policies.yaml", new)
    assert result.out == "no change in connectivity between the 0 workloads\n"
    assert "give the workloads with --with FILE" in result.err
