"""Differential test: random drawn designs, compiled, checked by an independent analyzer (nca).

The expectation is computed from the *drawing* alone, with NetworkPolicy's rules written out here
independently of the compiler: a connection is allowed when the source's egress and the destination's
ingress both allow it; a side that nothing isolates allows everything; an isolated side allows exactly
the drawn flows (plus DNS to kube-system for egress).
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings

from editor.netpol.compile import compile_design
from editor.netpol.model import (
    Endpoint,
    Graph,
    Port,
    Workload,
)
from editor.netpol.render import manifests, to_yaml
from tests.oracle import Pod, nca_allowed_connections

from .designs import designs, three_tier

PROBES = [("TCP", 53), ("UDP", 53), ("TCP", 80), ("TCP", 5432), ("TCP", 8080), ("TCP", 8085), ("UDP", 8080)]
KUBE_DNS = Pod("kube-system", "coredns", {"k8s-app": "kube-dns"}, [("dns", 53, "UDP"), ("dns-tcp", 53, "TCP")])


def _pods(graph: Graph) -> list[Pod]:
    return [
        Pod(w.namespace, w.name, w.labels_dict, [(p.name, p.port, p.protocol) for p in w.ports])
        for w in graph.workloads
    ] + [KUBE_DNS]


def _members(graph: Graph, endpoint: Endpoint) -> list[Workload]:
    if endpoint.kind == "workload":
        return [graph.workload(endpoint.ref)]
    if endpoint.kind == "namespace":
        return graph.workloads_in(endpoint.ref)
    return []


def _port_allows(port: Port, protocol: str, number: int, destination: Workload) -> bool:
    if port.protocol != protocol:
        return False
    if isinstance(port.port, str):
        return any(cp.name == port.port and cp.protocol == protocol and cp.port == number for cp in destination.ports)
    if port.end_port is not None:
        return port.port <= number <= port.end_port
    return port.port == number


def expected_connections(graph: Graph) -> set[tuple[str, str, str, int]]:
    """What the drawing means, from first principles."""
    s = graph.settings
    drawn = set()  # (src, dst, protocol, port) that some flow draws
    egress_isolated = {w.ref for w in graph.workloads} if s.isolate_egress else set()
    ingress_isolated = {w.ref for w in graph.workloads} if s.isolate_ingress else set()
    for flow in graph.flows:
        sources, destinations = _members(graph, flow.source), _members(graph, flow.destination)
        egress_isolated |= {w.ref for w in sources}
        ingress_isolated |= {w.ref for w in destinations}
        for src, dst in itertools.product(sources, destinations):
            for protocol, number in PROBES:
                if not flow.ports or any(_port_allows(p, protocol, number, dst) for p in flow.ports):
                    drawn.add((src.ref, dst.ref, protocol, number))
    pods = [p.key for p in _pods(graph)]
    expected = set()
    for src, dst in itertools.product(pods, pods):
        if src == dst:
            continue
        for protocol, number in PROBES:
            key = (src, dst, protocol, number)
            dns = dst == KUBE_DNS.key and number == 53 and s.dns
            egress_ok = src not in egress_isolated or key in drawn or dns
            ingress_ok = dst not in ingress_isolated or key in drawn
            if egress_ok and ingress_ok:
                expected.add(key)
    return expected


def nca_connections(graph: Graph) -> set[tuple[str, str, str, int]]:
    namespaces = {ns.name: dict(ns.labels) for ns in graph.namespaces}
    namespaces.setdefault("kube-system", {})
    text = to_yaml(manifests(compile_design(graph)))
    return nca_allowed_connections(text, namespaces, _pods(graph), PROBES)


@pytest.mark.nca
def test_three_tier_allows_exactly_the_drawn_flows_plus_dns():
    graph = three_tier()
    allowed = nca_connections(graph)
    between_workloads = {c for c in allowed if c[1] != KUBE_DNS.key}
    assert between_workloads == {
        ("shop/frontend", "shop/api", "TCP", 8080),
        ("shop/api", "shop/db", "TCP", 5432),
    }
    to_dns = {(c[0], c[2], c[3]) for c in allowed if c[1] == KUBE_DNS.key}
    assert to_dns == {(w, proto, 53) for w in ("shop/frontend", "shop/api", "shop/db") for proto in ("UDP", "TCP")}


@pytest.mark.nca
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(designs())
def test_random_designs_allow_exactly_what_is_drawn(graph):
    assert nca_connections(graph) == expected_connections(graph)
