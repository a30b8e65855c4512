"""Checks of one drawn flow (intent, before compiling)."""

from __future__ import annotations

from collections.abc import Sequence

from editor.netpol.model import DNS_NAMESPACE, Flow, Graph, Workload

from .finding import (
    EGRESS_TO_INTERNET,
    FLOW_ALL_PORTS,
    FQDN_NOT_EXPRESSIBLE,
    ISOLATES_KUBE_SYSTEM,
    UNKNOWN_NAMED_PORT,
    Finding,
)


def unknown_named_port_of(graph: Graph, flow: Flow) -> list[Finding]:
    destination = flow.destination
    if destination.kind == "workload":
        candidates: Sequence[Workload | None] = [graph.workload(destination.ref)]
    elif destination.kind == "namespace":
        candidates = graph.workloads_in(destination.ref)
    else:
        return []
    findings = []
    for port in flow.ports:
        if not isinstance(port.port, str):
            continue
        declared = any(
            cp.name == port.port and cp.protocol == port.protocol for w in candidates if w is not None for cp in w.ports
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


def egress_to_internet_of(graph: Graph, flow: Flow) -> list[Finding]:
    if flow.destination.kind != "external":
        return []
    external = graph.external(flow.destination.ref)
    if external is None or not external.is_everything:
        return []
    return [
        Finding(
            EGRESS_TO_INTERNET,
            "warning",
            f"Flow {flow.ref} allows egress to {external.cidr}, the whole internet: a compromised "
            f"pod could send data anywhere. Fix: narrow the external to the CIDRs the workload "
            f"needs, or add the ranges it must not reach to its except list.",
            flow.ref,
        )
    ]


def flow_all_ports_of(graph: Graph, flow: Flow) -> list[Finding]:
    """A flow without ports to or from an external, or to a whole namespace: least privilege names the ports."""
    if flow.ports:
        return []
    if flow.destination.kind == "external" or flow.source.kind == "external":
        outside = flow.destination if flow.destination.kind == "external" else flow.source
        whom = f"{'to' if outside is flow.destination else 'from'} the external {outside.ref}"
    elif flow.destination.kind == "namespace":
        whom = f"to every pod of namespace {flow.destination.ref}"
    else:
        return []
    return [
        Finding(
            FLOW_ALL_PORTS,
            "warning",
            f"Flow {flow.ref} has no ports, so it allows traffic {whom} on every port and protocol. Fix: select "
            f"the flow and enter the ports it needs (for example TCP 443).",
            flow.ref,
        )
    ]


def isolates_kube_system_of(graph: Graph, flow: Flow) -> list[Finding]:
    """A flow to the whole kube-system namespace isolates every pod in it for ingress, cluster DNS included."""
    if flow.destination.kind != "namespace" or flow.destination.ref != DNS_NAMESPACE:
        return []
    return [
        Finding(
            ISOLATES_KUBE_SYSTEM,
            "warning",
            f"Flow {flow.ref} covers every pod of {DNS_NAMESPACE}, so the design isolates all of them for ingress "
            f"(cluster DNS included): pods outside this design can no longer resolve names. Fix: delete this flow "
            f"and rely on the design's DNS rule, or draw the flow to a workload in {DNS_NAMESPACE} instead.",
            flow.ref,
        )
    ]


def fqdn_not_expressible_of(graph: Graph, flow: Flow) -> list[Finding]:
    """A flow to a DNS-name external: a networking.k8s.io/v1 NetworkPolicy cannot say it, so it is left out."""
    if not graph.is_fqdn_endpoint(flow.destination):
        return []
    external = graph.external(flow.destination.ref)
    assert external is not None
    return [
        Finding(
            FQDN_NOT_EXPRESSIBLE,
            "warning",
            f"Flow {flow.ref} goes to the DNS name {external.fqdn}, which a networking.k8s.io/v1 NetworkPolicy "
            f"cannot express: this export leaves the flow out, so nothing is opened for it. Fix: export for "
            f"Cilium (target cilium), which allows it with toFQDNs, or make the external an IP range (cidr).",
            flow.ref,
        )
    ]
