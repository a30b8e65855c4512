"""``policyeditor check``: reachability expectations, each failure explained per side."""

from __future__ import annotations

import json

from .conftest import line_of, run_cli


def _expect(repo, text: str) -> str:
    (repo / "expect.yaml").write_text(text)
    return "expect.yaml"


def test_expectations_that_hold_exit_zero(repo):
    expect = _expect(
        repo,
        "- {from: shop/web, to: shop/db, port: 5432, allowed: true}\n"
        "- {from: shop/web, to: shop/db, port: pg, allowed: true, name: web reads the database}\n"
        "- {from: shop/web, to: 203.0.113.9, port: 443, allowed: false}\n"
        "- {from: shop/web, to: 10.0.0.10, port: 53, protocol: UDP, allowed: false}\n",  # pods only
    )
    result = run_cli("check", "k8s", "--expect", expect)
    assert result.out.splitlines() == [
        "ok    shop/web -> shop/db TCP 5432: allowed",
        "ok    web reads the database: allowed",
        "ok    shop/web -> 203.0.113.9 TCP 443: denied",
        "ok    shop/web -> 10.0.0.10 UDP 53: denied",
        "4 of 4 expectations hold",
    ]
    assert result.code == 0


def test_a_failure_is_explained_per_side_with_the_policies(repo):
    expect = _expect(repo, "# web must not reach db on 80\n- {from: shop/web, to: shop/db, port: 80, allowed: true}\n")
    result = run_cli("check", "k8s", "--expect", expect)
    assert result.code == 1
    assert result.out.splitlines() == [
        "FAIL  shop/web -> shop/db TCP 80: expected allowed, is denied (expect.yaml:2)",
        "      egress  (denied): shop/web is isolated for egress by shop/web; no egress rule allows TCP 80 to "
        "shop/db. (shop/web egress rule 1 matches shop/db but only on TCP 5432; shop/web egress rule 2 matches "
        "shop/db but only on UDP 53, TCP 53.)",
        "      ingress (allowed): shop/db is isolated for ingress by shop/db; shop/db ingress rule 2 allows TCP 80 "
        "from shop/web.",
        "0 of 1 expectations hold",
    ]


def test_json_results_carry_both_sides_and_the_expectations_line(repo):
    expect = _expect(repo, "- from: shop/db\n  to: shop/web\n  port: 8080\n  allowed: false\n")
    body = json.loads(run_cli("check", "k8s", "--expect", expect, "--format", "json").out)
    (only,) = body["results"]
    assert (body["checked"], body["failed"], only["ok"], only["line"]) == (1, 1, False, 1)
    assert only["egress"]["policies"] == [] and only["ingress"]["policies"] == []
    assert only["ingress"]["explanation"].startswith("No policy selects shop/web for ingress")


def test_bad_expectations_name_file_document_path_and_line(repo):
    expect = _expect(
        repo,
        "- {from: shop/web, to: shop/db, port: 5432, allowed: true}\n"
        "- from: shop/web\n  to: shop/db\n  port: '80'\n  allowed: yes please\n  colour: red\n",
    )
    result = run_cli("check", "k8s", "--expect", expect)
    assert result.code == 2
    assert result.out == ""
    lines = result.err.splitlines()
    assert "expect.yaml:6: document 1, [1].colour: error: Unknown field 'colour'" in lines[0]
    assert lines[1].startswith("expect.yaml:5: document 1, [1].allowed: error: 'allowed' must be true or false")
    assert lines[2].startswith("expect.yaml:4: document 1, [1].port: error: The port '80' is a quoted number")


def test_an_unknown_workload_names_the_field_and_the_workloads_there_are(repo):
    expect = _expect(repo, "- {from: shop/web, to: shop/dbx, port: 5432, allowed: true}\n")
    result = run_cli("check", "k8s", "--expect", expect)
    assert result.code == 2
    assert result.err.startswith(
        "expect.yaml:1: document 1, [0].to: error: 'shop/dbx' is neither a workload of the files (<namespace>/<name>, "
        "e.g. shop/db, shop/web) nor an IP address."
    )


def test_a_named_port_the_destination_lacks_is_an_error_on_port(repo):
    expect = _expect(repo, "- {from: shop/web, to: shop/db, port: http, allowed: true}\n")
    result = run_cli("check", "k8s", "--expect", expect)
    assert result.err.startswith("expect.yaml:1: document 1, [0].port: error: shop/db declares no TCP port named")


def test_bad_manifests_stop_the_check_with_their_place(repo):
    policies = repo / "k8s/policies.yaml"
    policies.write_text(policies.read_text().replace("policyTypes: [Ingress]", "policyTypes: [Inbound]"))
    expect = _expect(repo, "- {from: shop/web, to: shop/db, port: 5432, allowed: true}\n")
    result = run_cli("check", "k8s", "--expect", expect)
    assert result.code == 2
    line = line_of(policies, "Inbound")
    assert result.err.startswith(f"k8s/policies.yaml:{line}: document 2, spec.policyTypes[0]: error: ")
