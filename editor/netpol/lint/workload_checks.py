"""Checks of one workload against the policies that select it."""

from __future__ import annotations

from editor.netpol.model import DNS_NAMESPACE, DNS_PORT, Workload

from .finding import MISSING_DNS, NOT_ISOLATED, Finding
from .index import KUBE_DNS, Index

_DNS_EFFECT = {
    ("UDP",): "name lookups fail",
    ("TCP",): "large answers (and DNS over TCP) fail",
    ("UDP", "TCP"): "name lookups fail",
}


def missing_dns_of(index: Index, workload: Workload) -> list[Finding]:
    """One finding per egress-isolated workload that cannot reach the cluster DNS, naming the blocked protocols."""
    pod = index.host(workload)
    selecting = index.selecting(pod, "egress")
    if not selecting:
        return []
    blocked = tuple(
        protocol for protocol in ("UDP", "TCP") if not index.allows(pod, "egress", KUBE_DNS, protocol, DNS_PORT)
    )
    if not blocked:
        return []
    what = " and ".join(blocked) if len(blocked) > 1 else blocked[0]
    kept = index.kept
    if any(p not in kept for p in selecting) and not index.graph.settings.dns:
        fix = "turn on DNS in the design's settings"
    else:  # only imported policies isolate it: the design's DNS setting does not write those
        fix = (
            f"add an egress rule to namespace {DNS_NAMESPACE} on {' and '.join(f'{p} {DNS_PORT}' for p in blocked)} "
            f"to {', '.join(sorted({p.ref for p in selecting}))}"
        )
    return [
        Finding(
            MISSING_DNS,
            "warning",
            f"{workload.ref} is isolated for egress and cannot reach the cluster DNS: egress to {what} {DNS_PORT} "
            f"in namespace {DNS_NAMESPACE} is not allowed, so {_DNS_EFFECT[blocked]}. Fix: {fix}.",
            workload.ref,
        )
    ]


def not_isolated_of(index: Index, workload: Workload) -> list[Finding]:
    if index.selected_by_any(workload):
        return []
    return [
        Finding(
            NOT_ISOLATED,
            "warning",
            f"No NetworkPolicy selects {workload.ref}: it accepts and sends any traffic. Fix: turn "
            f"isolation on in the design's settings, or add a policy that selects it.",
            workload.ref,
        )
    ]
