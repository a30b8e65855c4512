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
from typing import Any

from . import analyze
from .model import NAMESPACE_NAME_LABEL, Graph, Namespace, Policy, Workload
from .traffic import Endpoint, Pod, Traffic


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

    def as_dict(self, explain: bool = False) -> dict[str, Any]:
        def side(v: analyze.SideVerdict, text: str) -> dict[str, Any]:
            out: dict[str, Any] = {"allowed": v.allowed, "policies": list(v.policies)}
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

    def as_dict(self, explain: bool = False) -> dict[str, Any]:
        return {
            "flows": self.flows,
            "checked": self.checked,
            "allowed": self.allowed,
            "denied": [d.as_dict(explain) for d in self.denied],
        }


def _host(graph: Graph, endpoint: Endpoint) -> analyze.Host:
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


def _pod_graph(traffic: Traffic, hosts: list[analyze.Host]) -> tuple[Graph, dict[int, int]]:
    """The observed pods as the workloads of a graph (one per distinct label set), with their namespaces' observed
    labels: the truth table of a (protocol, port) then judges every pod-to-pod connection on it at once."""
    position: dict[int, int] = {}
    workloads: list[Workload] = []
    namespaces: dict[str, dict[str, str]] = {}
    for i, host in enumerate(hosts):
        if host.namespace is None:
            continue
        position[i] = len(workloads)
        workloads.append(Workload(host.namespace, f"pod-{i}", tuple(sorted(host.labels.items())), host.ports))
        namespaces.setdefault(host.namespace, host.namespace_labels)
    graph = Graph(
        namespaces=tuple(Namespace(n, tuple(sorted(labels.items()))) for n, labels in namespaces.items()),
        workloads=tuple(workloads),
    )
    return graph, position


def check(traffic: Traffic, graph: Graph, policies: list[Policy]) -> Check:
    """Judge every used connection of ``traffic`` by ``policies`` (a design's NetworkPolicy export).

    Pod-to-pod connections are looked up in ``analyze.matrix`` of their (protocol, port), computed once for all
    observed pods; a connection with an end outside the cluster is judged on its own (``analyze.side_verdict``)."""
    by_namespace: dict[str, list[Policy]] = defaultdict(list)
    for policy in policies:
        by_namespace[policy.namespace].append(policy)
    hosts = [_host(graph, e) for e in traffic.endpoints]
    pods, position = _pod_graph(traffic, hosts)
    tables: dict[tuple[str, int], analyze.Matrix] = {}

    def allows(s: int, d: int, protocol: str, port: int) -> bool:
        if s in position and d in position:
            table = tables.get((protocol, port))
            if table is None:
                table = tables[(protocol, port)] = analyze.matrix(pods, policies, protocol, port)
            return table.allowed(position[s], position[d])
        source, destination = hosts[s], hosts[d]
        return analyze.connection(
            by_namespace.get(source.namespace or "", []) + by_namespace.get(destination.namespace or "", []),
            source,
            destination,
            protocol,
            port,
        ).allowed

    allowed = 0
    # (from, to, protocol, port) → (count, the first source host, the first destination host)
    groups: dict[tuple[str, str, str, int], tuple[int, analyze.Host, analyze.Host]] = {}
    for (s, d, protocol, port), (count, _) in traffic.connections.items():
        if allows(s, d, protocol, port):
            allowed += count
            continue
        source, destination = hosts[s], hosts[d]
        key = (source.name, destination.name, protocol, port)
        found = groups.get(key)
        groups[key] = (count, source, destination) if found is None else (found[0] + count, found[1], found[2])
    denied: list[Denied] = []
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
