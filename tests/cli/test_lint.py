"""``policyeditor lint``: findings with file and line, exit status by severity, bad files as findings."""

from __future__ import annotations

import json

import pytest

from .conftest import line_of, run_cli


def test_lint_reports_each_finding_at_the_line_of_the_rule_it_names(repo):
    result = run_cli("lint", "k8s/app.yaml", "k8s/policies.yaml")
    second_rule = line_of(repo / "k8s/policies.yaml", "- {}")
    expected = f"k8s/policies.yaml:{second_rule}: warning: shop/db ingress rule 2 names no peers and no ports"
    assert expected + ", so it allows all traffic" in result.out
    assert "[allows-all] (document 2, spec.ingress[1])" in result.out
    assert result.out.endswith("0 errors, 1 warning, 1 info in 2 files\n")
    assert result.code == 1


def test_lint_of_a_directory_reads_its_yaml_files(repo):
    assert run_cli("lint", "k8s").out == run_cli("lint", "k8s/app.yaml", "k8s/policies.yaml").out


def test_json_findings_name_file_line_document_and_path(repo):
    body = json.loads(run_cli("lint", "--format", "json", "k8s").out)
    redundant = next(f for f in body["findings"] if f["code"] == "redundant-rule")
    assert redundant == {
        "code": "redundant-rule",
        "severity": "info",
        "message": redundant["message"],
        "subject": "shop/db",
        "file": "k8s/policies.yaml",
        "line": line_of(repo / "k8s/policies.yaml", "- from:", after=30),
        "document": 2,
        "path": "spec.ingress[0]",
    }
    assert body["counts"] == {"error": 0, "warning": 1, "info": 1}


def test_a_finding_about_a_workload_points_at_its_manifest(repo):
    policies = repo / "k8s/policies.yaml"
    policies.write_text(policies.read_text().replace("port: 53, protocol: UDP", "port: 54, protocol: UDP"))
    body = json.loads(run_cli("lint", "--format", "json", "k8s").out)
    dns = next(f for f in body["findings"] if f["code"] == "missing-dns")
    assert (dns["file"], dns["document"], dns["path"]) == ("k8s/app.yaml", 2, "metadata.name")
    assert dns["line"] == line_of(repo / "k8s/app.yaml", "name: web")


@pytest.mark.parametrize(("fail_on", "code"), [("warning", 1), ("info", 1), ("error", 0), ("never", 0)])
def test_exit_status_follows_the_worst_finding_at_or_above_fail_on(repo, fail_on, code):
    assert run_cli("lint", "--fail-on", fail_on, "k8s").code == code


def test_clean_files_exit_zero(repo):
    policies = repo / "k8s/policies.yaml"
    policies.write_text(policies.read_text().replace("    - {}\n", ""))
    result = run_cli("lint", "k8s")
    assert result.out == "0 errors, 0 warnings, 0 infos in 2 files\n"
    assert result.code == 0


def test_an_invalid_manifest_is_an_error_naming_file_document_path_and_line(repo):
    bad = repo / "k8s/bad.yaml"
    bad.write_text(
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: other}\n---\n"
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: x, namespace: shop}\n"
        "spec:\n  podSelector: {}\n  ingress:\n    - ports:\n        - protocol: tcp\n          port: 80\n"
    )
    result = run_cli("lint", "--fail-on", "never", "k8s")
    assert result.code == 2
    assert result.out.startswith(
        "k8s/bad.yaml:12: error: The protocol 'tcp' is not supported: use TCP, UDP or SCTP, in upper case "
        "(did you mean 'TCP'?). [invalid-manifest] (document 2, spec.ingress[0].ports[0].protocol)\n"
    )
    assert "Traceback" not in result.out + result.err


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a: [\n", "k8s/bad.yaml:1: error: This is not valid YAML (line 2, column 1"),
        ("- just\n- a list\n", "k8s/bad.yaml:1: error: Document 1 is not a Kubernetes object"),
        (b"\xff\xfe", "k8s/bad.yaml: error: The file is not UTF-8 text"),
    ],
)
def test_unreadable_files_are_errors_not_tracebacks(repo, text, expected):
    bad = repo / "k8s/bad.yaml"
    bad.write_bytes(text if isinstance(text, bytes) else text.encode())
    result = run_cli("lint", "k8s/bad.yaml")
    assert result.out.startswith(expected)
    assert result.code == 2


def test_a_missing_file_is_named(repo):
    result = run_cli("lint", "k8s/nope.yaml")
    assert result.out.startswith("k8s/nope.yaml: error: No such file or directory")
    assert result.code == 2


def test_a_list_item_finding_points_into_the_list(repo):
    (repo / "k8s/policies.yaml").write_text(
        "apiVersion: v1\nkind: List\nitems:\n"
        "  - apiVersion: networking.k8s.io/v1\n    kind: NetworkPolicy\n    metadata: {name: open, namespace: shop}\n"
        "    spec:\n      podSelector: {}\n      ingress:\n        - {}\n"
    )
    body = json.loads(run_cli("lint", "--format", "json", "k8s").out)
    allows_all = next(f for f in body["findings"] if f["code"] == "allows-all")
    assert (allows_all["path"], allows_all["line"]) == ("items[0].spec.ingress[0]", 10)


def test_output_option_writes_the_report_to_a_file(repo):
    result = run_cli("lint", "--format", "json", "-o", "report.json", "k8s")
    assert result.out == ""
    assert json.loads((repo / "report.json").read_text())["files"] == ["k8s/app.yaml", "k8s/policies.yaml"]


def test_a_report_that_cannot_be_written_is_an_error_not_a_traceback(repo):
    result = run_cli("lint", "-o", "no/such/folder/report.txt", "k8s")
    assert result.code == 2
    assert result.err == "policyeditor lint: error: No such file or directory: no/such/folder/report.txt\n"


def test_standard_input_is_read_for_a_dash(repo, monkeypatch):
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO((repo / "k8s/app.yaml").read_text()))
    result = run_cli("lint", "-")
    assert "-:10: warning: No NetworkPolicy selects shop/web" in result.out
