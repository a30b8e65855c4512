"""Observed traffic judged by a design's NetworkPolicies, as the cluster would judge it.

Each used connection is evaluated with ``analyze`` on the endpoints' *observed* namespaces and labels
(not on their names): a pod is a ``Host`` with its own labels and its namespace's labels, an address
outside the cluster is outside.  A named port resolves on the declared ports of the design's workload of
the same name, if any.  Identical connections are evaluated once; the denied ones are grouped by
(from, to, protocol, port), most frequent first, each with both sides' verdicts and explanations.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from . import analyze
from .model import NAMESPACE_NAME_LABEL, Graph, Policy
from .traffic import Pod, Traffic


@dataclass(frozen=True)
class Denied:
    source: str
    destination: str
    protocol: str
    port: int
    count: int
    egress: analyze.SideVerdict
    ingress: analyze.SideVerdict
    egress_text: str
    ingress_text: str

    def as_dict(self, explain: bool = False) -> dict:
        def side(v: analyze.SideVerdict, text: str) -> dict:
            out: dict = {"allowed": v.allowed, "policies": list(v.policies)}
            if explain:
                out["explanation"] = text
            return out

        return {
            "from": self.source,
            "to": self.destination,
            "port": self.port,
            "protocol": self.protocol,
            "count": self.count,
            "egress": side(self.egress, self.egress_text),
            "ingress": side(self.ingress, self.ingress_text),
        }


@dataclass(frozen=True)
class Check:
    flows: int
    checked: int
    allowed: int
    denied: tuple[Denied, ...]

    def as_dict(self, explain: bool = False) -> dict:
        return {
            "flows": self.flows,
            "checked": self.checked,
            "allowed": self.allowed,
            "denied": [d.as_dict(explain) for d in self.denied],
        }


def _host(graph: Graph, endpoint) -> analyze.Host:
    if not isinstance(endpoint, Pod):
        return analyze.Host.outside(endpoint.address)
    workload = graph.workload(endpoint.ref)
    return analyze.Host(
        namespace=endpoint.namespace,
        labels=dict(endpoint.labels),
        namespace_labels={**dict(endpoint.namespace_labels), NAMESPACE_NAME_LABEL: endpoint.namespace},
        ports=workload.ports if workload is not None else (),
        name=endpoint.ref,
    )


def check(traffic: Traffic, graph: Graph, policies: list[Policy]) -> Check:
    """Judge every used connection of ``traffic`` by ``policies`` (a design's NetworkPolicy export)."""
    by_namespace: dict[str, list[Policy]] = defaultdict(list)
    for policy in policies:
        by_namespace[policy.namespace].append(policy)
    hosts = [_host(graph, e) for e in traffic.endpoints]

    def side(host: analyze.Host, direction: str, other: analyze.Host, protocol: str, port: int):
        return analyze.side_verdict(by_namespace.get(host.namespace or "", []), host, direction, other, protocol, port)

    allowed = 0
    groups: dict[tuple[str, str, str, int], list] = {}
    for (s, d, protocol, port), (count, _) in traffic.connections.items():
        source, destination = hosts[s], hosts[d]
        egress = side(source, "egress", destination, protocol, port)
        ingress = side(destination, "ingress", source, protocol, port)
        if egress.allowed and ingress.allowed:
            allowed += count
            continue
        key = (source.name, destination.name, protocol, port)
        found = groups.get(key)
        if found is None:
            groups[key] = [count, source, destination]
        else:
            found[0] += count
    denied = []
    for (src, dst, protocol, port), (count, source, destination) in groups.items():
        egress, egress_text = analyze.explain_side(
            by_namespace.get(source.namespace or "", []), source, "egress", destination, protocol, port
        )
        ingress, ingress_text = analyze.explain_side(
            by_namespace.get(destination.namespace or "", []), destination, "ingress", source, protocol, port
        )
        denied.append(Denied(src, dst, protocol, port, count, egress, ingress, egress_text, ingress_text))
    denied.sort(key=lambda d: (-d.count, d.source, d.destination, d.protocol, d.port))
    return Check(traffic.flows, traffic.used, allowed, tuple(denied))
