"""SARIF 2.1.0 for code-scanning tools: one run, one rule per finding code, one result per finding.

Files are named relative to the working directory (``uriBaseId`` ``%SRCROOT%``), as a CI job runs the
command at the repository's root; a file outside it is named by its ``file://`` URI.  Each result carries
its line (``region.startLine``) and a fingerprint of what it says and where, so a code-scanning tool can
follow it from run to run.  tests/cli/test_sarif.py validates the output against the OASIS schema.
"""

from __future__ import annotations

import hashlib
import os
from importlib import metadata
from pathlib import Path

from editor.netpol import lint

from .findings import INVALID_MANIFEST, Located

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
LEVEL = {"error": "error", "warning": "warning", "info": "note"}

# One line per code: what the check finds (the finding's own message says what to do).
DESCRIPTIONS = {
    lint.MISSING_DNS: "A workload isolated for egress cannot reach the cluster DNS.",
    lint.SELECTOR_OVERLAP: "A workload's labels also select another workload, which gets its permissions.",
    lint.UNKNOWN_NAMED_PORT: "A flow names a port the destination does not declare.",
    lint.EGRESS_TO_INTERNET: "A flow allows egress to the whole internet.",
    lint.FLOW_ALL_PORTS: "A flow to an external or a whole namespace allows every port.",
    lint.ALLOWS_ALL_PODS: "A rule allows every pod of the cluster.",
    lint.SPLIT_RULE: "A stray '-' split one rule in two: peers on all ports, or all peers on those ports.",
    lint.FQDN_NOT_EXPRESSIBLE: "A flow to a DNS name, which a NetworkPolicy cannot express.",
    lint.ONE_SIDED_FLOW: "A rule allows a connection that the other side's policies block.",
    lint.SELECTOR_MATCHES_NOTHING: "A selector matches no workload, so it does nothing.",
    lint.NOT_ISOLATED: "No NetworkPolicy selects a workload: it accepts and sends any traffic.",
    lint.ALLOWS_ALL: "A rule allows all traffic on every port.",
    lint.CROSS_NAMESPACE_PODSELECTOR: "A podSelector without a namespaceSelector only matches its own namespace.",
    lint.OR_INSTEAD_OF_AND: "A namespaceSelector and a podSelector as two peers mean OR, not AND.",
    lint.EXCEPT_OUTSIDE_CIDR: "An ipBlock's except lies outside its cidr.",
    lint.IPBLOCK_TARGETS_POD: "An ipBlock covers pod IPs.",
    lint.DUPLICATE_POLICY_NAME: "Several policies have the same name.",
    lint.REDUNDANT_RULE: "A rule allows nothing that another rule does not already allow.",
    lint.ISOLATES_KUBE_SYSTEM: "A flow isolates every pod of kube-system, cluster DNS included.",
    INVALID_MANIFEST: "A manifest that a Kubernetes API server would refuse, or a file that cannot be read.",
}


def _version() -> str:
    try:
        return metadata.version("policyeditor")
    except metadata.PackageNotFoundError:
        return "0"


def _location(source: str) -> dict:
    path = Path(source)
    try:
        relative = path.resolve().relative_to(Path(os.getcwd()).resolve())
    except ValueError:
        return {"uri": path.resolve().as_uri()}
    return {"uri": relative.as_posix(), "uriBaseId": "%SRCROOT%"}


def _rule(code: str, severity: str) -> dict:
    text = DESCRIPTIONS.get(code, code.replace("-", " ").capitalize() + ".")
    return {
        "id": code,
        "name": "".join(word.capitalize() for word in code.split("-")),
        "shortDescription": {"text": text},
        "fullDescription": {"text": text},
        "defaultConfiguration": {"level": LEVEL[severity]},
        "properties": {"tags": ["kubernetes", "networkpolicy", "security"]},
    }


def _result(finding: Located, rule_index: int, inputs: list[str]) -> dict:
    source = finding.source or (inputs[0] if inputs else "")
    region = {"startLine": finding.line or 1}
    physical: dict = {"artifactLocation": _location(source), "region": region} if source not in ("", "-") else {}
    fingerprint = hashlib.sha256(
        "\0".join((finding.code, finding.subject, finding.message, finding.path)).encode()
    ).hexdigest()
    result: dict = {
        "ruleId": finding.code,
        "ruleIndex": rule_index,
        "level": LEVEL[finding.severity],
        "message": {"text": finding.message},
        "partialFingerprints": {"policyeditorFinding/v1": fingerprint},
        "properties": {"subject": finding.subject},
    }
    if physical:
        location: dict = {"physicalLocation": physical}
        if finding.path:
            location["logicalLocations"] = [{"fullyQualifiedName": finding.path, "kind": "member"}]
        result["locations"] = [location]
    if finding.document is not None:
        result["properties"]["document"] = finding.document
    return result


def report(findings: list[Located], inputs: list[str]) -> dict:
    """The SARIF log (a dict to dump as JSON) for ``findings`` of the files ``inputs``."""
    rules: dict[str, int] = {}
    rule_list: list[dict] = []
    for finding in findings:
        if finding.code not in rules:
            rules[finding.code] = len(rule_list)
            rule_list.append(_rule(finding.code, finding.severity))
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "policyeditor",
                        "version": _version(),
                        "rules": rule_list,
                    }
                },
                "artifacts": [{"location": _location(name)} for name in inputs if name != "-"],
                "results": [_result(f, rules[f.code], inputs) for f in findings],
                "columnKind": "utf16CodeUnits",
            }
        ],
    }
