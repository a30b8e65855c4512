"""``lint --format sarif`` is SARIF 2.1.0 as the OASIS schema defines it, with file and line per finding."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from .conftest import line_of, run_cli

SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text())


def _validate(log: dict) -> None:
    jsonschema.Draft4Validator(SCHEMA, format_checker=jsonschema.FormatChecker()).validate(log)


def test_the_schema_checks_results_deep_inside_the_log():
    result = {"message": {"text": "x"}, "locations": [{"physicalLocation": {"region": {"startLine": 0}}}]}
    with pytest.raises(jsonschema.ValidationError):
        _validate({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [result]}]})


def test_sarif_output_is_valid_against_the_official_schema(repo):
    result = run_cli("lint", "--format", "sarif", "k8s")
    log = json.loads(result.out)
    _validate(log)
    assert log["version"] == "2.1.0"
    assert result.code == 1


def test_each_result_has_its_rule_file_and_line(repo):
    log = json.loads(run_cli("lint", "--format", "sarif", "k8s").out)
    (run,) = log["runs"]
    rules = run["tool"]["driver"]["rules"]
    by_rule = {r["ruleId"]: r for r in run["results"]}
    allows_all = by_rule["allows-all"]
    assert rules[allows_all["ruleIndex"]]["id"] == "allows-all"
    assert allows_all["level"] == "warning"
    assert by_rule["redundant-rule"]["level"] == "note"
    location = allows_all["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "k8s/policies.yaml", "uriBaseId": "%SRCROOT%"}
    assert location["region"] == {"startLine": line_of(repo / "k8s/policies.yaml", "- {}")}
    assert allows_all["locations"][0]["logicalLocations"] == [
        {"fullyQualifiedName": "spec.ingress[1]", "kind": "member"}
    ]


def test_invalid_manifests_are_sarif_errors_with_their_line(repo):
    (repo / "k8s/policies.yaml").write_text(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: x, namespace: shop}\n"
        "spec:\n  podSelector: {}\n  egress:\n    - to:\n        - ipBlock: {cidr: 10.0.0.0/8, except: [11.0.0.0/8]}\n"
    )
    result = run_cli("lint", "--format", "sarif", "k8s")
    log = json.loads(result.out)
    _validate(log)
    (error,) = log["runs"][0]["results"]
    assert (error["ruleId"], error["level"]) == ("invalid-manifest", "error")
    assert error["locations"][0]["physicalLocation"]["region"]["startLine"] == 8
    assert result.code == 2


def test_fingerprints_are_stable_from_run_to_run(repo):
    first = json.loads(run_cli("lint", "--format", "sarif", "k8s").out)
    second = json.loads(run_cli("lint", "--format", "sarif", "k8s").out)
    assert first == second
    fingerprints = [r["partialFingerprints"] for r in first["runs"][0]["results"]]
    assert len({json.dumps(f) for f in fingerprints}) == len(fingerprints)


def test_a_file_outside_the_working_directory_is_named_by_its_uri(repo, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("elsewhere") / "p.yaml"
    elsewhere.write_text((repo / "k8s/policies.yaml").read_text())
    log = json.loads(run_cli("lint", "--format", "sarif", "k8s/app.yaml", str(elsewhere)).out)
    _validate(log)
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in log["runs"][0]["results"]}
    assert elsewhere.as_uri() in uris
