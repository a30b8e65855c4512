"""Lint findings placed in the files: which object a finding is about, and the line of the field it names.

A finding's ``subject`` is a policy (``ns/name``), a workload (``ns/name``), a rule (``ns/name ingress rule
2``) or a connection (``a -> b``).  Its place is, in this order: the rule its message names first (a policy
of the files, ``spec.ingress[1]``); the workload, for checks about workloads; the policy; the workload.
Input problems (the importer's errors) become findings with the code ``invalid-manifest``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from editor.netpol import lint
from editor.netpol.importer import WORKLOAD_KINDS, DocumentError, Imported, Origin

from .lines import Locator

INVALID_MANIFEST = "invalid-manifest"

# checks whose subject is a workload (its ref is also often a policy's: the code decides)
WORKLOAD_CODES = frozenset(
    {lint.MISSING_DNS, lint.NOT_ISOLATED, lint.SELECTOR_OVERLAP}
)
# the field a policy-wide finding is about
POLICY_FIELD = {lint.SELECTOR_MATCHES_NOTHING: "spec.podSelector", lint.SELECTOR_OVERLAP: "spec.podSelector"}
WORKLOAD_FIELD = {lint.SELECTOR_OVERLAP: "metadata.labels"}
_RULE = re.compile(r"(?P<ref>[a-z0-9][a-z0-9.-]*/[a-z0-9][a-z0-9.-]*) (?P<direction>ingress|egress) rule (?P<n>\d+)")


@dataclass(frozen=True)
class Located:
    """A finding and where it is: file, line (from 1; None when unknown), document (from 1), field path."""

    code: str
    severity: str
    message: str
    subject: str
    source: str = ""
    line: int | None = None
    document: int | None = None
    path: str = ""

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "subject": self.subject,
            "file": self.source or None,
            "line": self.line,
            "document": self.document,
            "path": self.path or None,
        }


def _join(head: str, tail: str) -> str:
    return f"{head}.{tail}" if head else tail


def place(finding: lint.Finding, imported: Imported) -> tuple[Origin, str, str] | None:
    """(origin of the object, field path inside the document, kind) for a finding, or None."""
    origins = imported.origins
    for match in _RULE.finditer(f"{finding.subject} {finding.message}"):
        origin = origins.get(("NetworkPolicy", match["ref"]))
        if origin is not None:
            index = int(match["n"]) - 1
            return origin, _join(origin.path, f"spec.{match['direction']}[{index}]"), "NetworkPolicy"
    workload = origins.get(("Workload", finding.subject))
    if workload is not None and finding.code in WORKLOAD_CODES:
        field = WORKLOAD_FIELD.get(finding.code, "metadata.name")
        return workload, _join(workload.path, field), "Workload"
    policy = origins.get(("NetworkPolicy", finding.subject))
    if policy is not None:
        return policy, _join(policy.path, POLICY_FIELD.get(finding.code, "metadata.name")), "NetworkPolicy"
    if workload is not None:
        return workload, _join(workload.path, "metadata.name"), "Workload"
    return None


_KINDS: dict[str, str | frozenset[str]] = {
    "NetworkPolicy": "NetworkPolicy",
    "Namespace": "Namespace",
    "Workload": frozenset(WORKLOAD_KINDS),
}


def locate(findings: list[lint.Finding], imported: Imported, locator: Locator) -> list[Located]:
    out = []
    for finding in findings:
        placed = place(finding, imported)
        if placed is None:
            out.append(Located(finding.code, finding.severity, finding.message, finding.subject))
            continue
        origin, path, kind = placed
        line = locator.line(origin.source, origin.document, path, _KINDS[kind])
        out.append(
            Located(
                finding.code,
                finding.severity,
                finding.message,
                finding.subject,
                origin.source,
                line,
                origin.document,
                path,
            )
        )
    return out


def from_errors(errors: list[DocumentError], locator: Locator) -> list[Located]:
    """The importer's errors as findings (``invalid-manifest``, severity error), each with its line."""
    out = []
    for e in errors:
        line = locator.line(e.source, e.document, e.path) if e.source else None
        subject = f"{e.source or '<input>'} document {e.document}" + (f" {e.path}" if e.path else "")
        out.append(Located(INVALID_MANIFEST, "error", e.message, subject, e.source, line, e.document, e.path))
    return out
