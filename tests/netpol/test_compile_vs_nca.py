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
from hypothesis import strategies as st

from editor.netpol.compile import compile_design
from editor.netpol.model import (
    ContainerPort,
    Endpoint,
    External,
    Flow,
    Graph,
    Namespace,
    Port,
    Settings,
    Workload,
)
from editor.netpol.render import manifests, to_yaml
from tests.oracle import Pod, nca_allowed_connections

from .designs import three_tier

PROBES = [("TCP", 53), ("UDP", 53), ("TCP", 80), ("TCP", 5432), ("TCP", 8080), ("TCP", 8085), ("UDP", 8080)]
PORT_CHOICES = [
    Port.tcp(80),
    Port.tcp(5432),
    Port.tcp(8080),
    Port.tcp(8080, 8090),
    Port.udp(8080),
    Port.tcp("http"),
    Port.tcp("web"),
]
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


@st.composite
def designs(draw) -> Graph:
    namespaces = draw(st.lists(st.sampled_from(["alpha", "beta", "gamma"]), min_size=1, max_size=3, unique=True))
    refs = draw(
        st.lists(
            st.tuples(st.sampled_from(namespaces), st.sampled_from(["api", "db", "web", "cache", "worker"])),
            min_size=2,
            max_size=5,
            unique=True,
        )
    )
    workloads = []
    for ns, name in refs:
        extra = draw(st.dictionaries(st.sampled_from(["tier", "team"]), st.sampled_from(["a", "b"]), max_size=1))
        ports = []
        if draw(st.booleans()):
            ports.append(ContainerPort("http", draw(st.sampled_from([80, 8080]))))
        if draw(st.booleans()):
            ports.append(ContainerPort("web", 8085))
        workloads.append(Workload(ns, name, tuple(sorted({"app": name, **extra}.items())), tuple(ports)))
    externals = (External("corp", "10.0.0.0/8", ("10.0.0.5/32",)),)
    endpoints = (
        [Endpoint.workload(w.ref) for w in workloads]
        + [Endpoint.namespace(ns) for ns in namespaces]
        + [Endpoint.external("corp")]
    )
    pairs = draw(st.lists(st.tuples(st.sampled_from(endpoints), st.sampled_from(endpoints)), max_size=6, unique=True))
    flows = []
    for src, dst in pairs:
        if src == dst or (src.kind == dst.kind == "external"):
            continue
        choices = [p for p in PORT_CHOICES if not (dst.kind == "external" and p.is_named)]
        ports = draw(st.lists(st.sampled_from(choices), max_size=2, unique=True))
        flows.append(Flow(src, dst, tuple(ports)))
    setting = draw(
        st.sampled_from(
            [
                Settings(),
                Settings(),
                Settings(dns=False),
                Settings(False, True, True),
                Settings(True, False, True),
                Settings(False, False, False),
            ]
        )
    )
    return Graph(
        namespaces=tuple(Namespace(ns) for ns in namespaces),
        workloads=tuple(workloads),
        externals=externals,
        flows=tuple(flows),
        settings=setting,
    )


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
