"""Findings: the classic NetworkPolicy mistakes, as data with stable codes.

A finding's ``code`` is kebab-case and never renamed: the UI keys its icons
and one-click fixes off it.  One small function per check; the result is sorted.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from .analyze import Host, selecting_policies, side_verdict
from .model import DNS_NAMESPACE, DNS_PORT, NAMESPACE_NAME_LABEL, ContainerPort, Graph, Policy

SEVERITIES = ("error", "warning", "info")

MISSING_DNS = "missing-dns"
SELECTOR_OVERLAP = "selector-overlap"
UNKNOWN_NAMED_PORT = "unknown-named-port"
EGRESS_TO_INTERNET = "egress-to-internet"

# What a cluster's DNS looks like: CoreDNS pods in kube-system.
KUBE_DNS = Host(
    namespace=DNS_NAMESPACE,
    labels={"k8s-app": "kube-dns"},
    namespace_labels={NAMESPACE_NAME_LABEL: DNS_NAMESPACE},
    ports=(ContainerPort("dns", DNS_PORT, "UDP"), ContainerPort("dns-tcp", DNS_PORT, "TCP")),
    name=f"{DNS_NAMESPACE}/kube-dns",
)


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str
    message: str
    subject: str

    def sort_key(self) -> tuple:
        return (SEVERITIES.index(self.severity), self.code, self.subject, self.message)

    def as_dict(self) -> dict[str, str]:
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "subject": self.subject,
        }


def lint(graph: Graph, policies: list[Policy]) -> list[Finding]:
    findings: list[Finding] = []
    for check in (missing_dns, selector_overlap, unknown_named_port, egress_to_internet):
        findings.extend(check(graph, policies))
    return sorted(findings, key=Finding.sort_key)


def missing_dns(graph: Graph, policies: list[Policy]) -> list[Finding]:
    findings = []
    for workload in graph.workloads:
        pod = Host.of_workload(graph, workload)
        if not selecting_policies(policies, pod, "egress"):
            continue
        blocked = [
            protocol
            for protocol in ("UDP", "TCP")
            if not side_verdict(policies, pod, "egress", KUBE_DNS, protocol, DNS_PORT).allowed
        ]
        if blocked:
            what = " and ".join(f"{p} {DNS_PORT}" for p in blocked)
            findings.append(
                Finding(
                    MISSING_DNS,
                    "warning",
                    f"{workload.ref} is isolated for egress but cannot resolve names: egress to {what} "
                    f"in namespace {DNS_NAMESPACE} is not allowed. Fix: turn the DNS rule on in the "
                    f"design's settings, or draw a flow to namespace {DNS_NAMESPACE} on UDP 53 and TCP 53.",
                    workload.ref,
                )
            )
    return findings


def selector_overlap(graph: Graph, policies: list[Policy]) -> list[Finding]:
    findings = []
    by_namespace = defaultdict(list)
    for workload in graph.workloads:
        by_namespace[workload.namespace].append(workload)
    for workloads in by_namespace.values():
        for workload in workloads:
            selector = dict(workload.labels)
            for other in workloads:
                if other is workload or not all(other.labels_dict.get(k) == v for k, v in selector.items()):
                    continue
                labels = ", ".join(f"{k}={v}" for k, v in workload.labels)
                findings.append(
                    Finding(
                        SELECTOR_OVERLAP,
                        "warning",
                        f"The selector of {workload.ref} ({labels or 'no labels'}) also selects "
                        f"{other.ref}, so {other.ref} gets {workload.ref}'s permissions. Fix: give "
                        f"{workload.ref} a label that {other.ref} does not have.",
                        workload.ref,
                    )
                )
    return findings


def unknown_named_port(graph: Graph, policies: list[Policy]) -> list[Finding]:
    findings = []
    for flow in graph.flows:
        destination = flow.destination
        if destination.kind == "workload":
            candidates = [graph.workload(destination.ref)]
        elif destination.kind == "namespace":
            candidates = graph.workloads_in(destination.ref)
        else:
            continue
        for port in flow.ports:
            if not isinstance(port.port, str):
                continue
            declared = any(
                cp.name == port.port and cp.protocol == port.protocol
                for w in candidates
                if w is not None
                for cp in w.ports
            )
            if not declared:
                findings.append(
                    Finding(
                        UNKNOWN_NAMED_PORT,
                        "error",
                        f"Flow {flow.ref} uses the port name '{port.port}' ({port.protocol}), which "
                        f"{destination.ref} does not declare, so the flow allows nothing. Fix: declare a "
                        f"{port.protocol} port named '{port.port}' on {destination.ref}, or use a port number.",
                        flow.ref,
                    )
                )
    return findings


def egress_to_internet(graph: Graph, policies: list[Policy]) -> list[Finding]:
    findings = []
    for flow in graph.flows:
        if flow.destination.kind != "external":
            continue
        external = graph.external(flow.destination.ref)
        if external is not None and external.is_everything:
            findings.append(
                Finding(
                    EGRESS_TO_INTERNET,
                    "warning",
                    f"Flow {flow.ref} allows egress to {external.cidr}, the whole internet: a compromised "
                    f"pod could send data anywhere. Fix: narrow the external to the CIDRs the workload "
                    f"needs, or add the ranges it must not reach to its except list.",
                    flow.ref,
                )
            )
    return findings
