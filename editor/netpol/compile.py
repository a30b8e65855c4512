"""Drawn flows → least-privilege NetworkPolicy objects.

A flow is intent; policies are derived.  One flow adds an egress rule to the
policy of its source and an ingress rule to the policy of its destination
(both sides must permit).  A namespace endpoint stands for every pod of that
namespace, also pods not drawn, so it gets a policy with an empty pod selector.
Every egress-isolated policy gets the DNS rule first when the design wants it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace

from .gcpause import without_gc
from .model import (
    DNS_NAMESPACE,
    DNS_PORT,
    Endpoint,
    Flow,
    Graph,
    LabelSelector,
    Peer,
    Policy,
    Port,
    Rule,
)

NAMESPACE_POLICY_NAME = "all-pods"
ALL_PORTS: frozenset[Port] = frozenset()  # a peer allowed on every port


class CompileError(ValueError):
    """The design refers to something it does not contain."""


def dns_rule() -> Rule:
    return Rule(peers=(Peer.namespace(DNS_NAMESPACE),), ports=(Port.udp(DNS_PORT), Port.tcp(DNS_PORT)))


@dataclass(frozen=True)
class _Target:
    """Whose policy a rule lands in: a workload (``ref``) or a whole namespace."""

    kind: str  # "workload" | "namespace"
    ref: str

    @property
    def namespace(self) -> str:
        return self.ref.split("/", 1)[0]


class _Accumulator:
    """peer → ports, per target and direction; ``None`` ports means every port."""

    def __init__(self) -> None:
        self.rules: dict[tuple[_Target, str], dict[Peer, set[Port] | None]] = defaultdict(dict)

    def add(self, target: _Target, direction: str, peer: Peer, ports: tuple[Port, ...]) -> None:
        peers = self.rules[(target, direction)]
        if not ports or (peer in peers and peers[peer] is None):
            peers[peer] = None
        else:
            peers.setdefault(peer, set()).update(ports)

    def rules_for(self, target: _Target, direction: str) -> tuple[Rule, ...]:
        by_ports: dict[tuple[Port, ...], list[Peer]] = defaultdict(list)
        for peer, ports in self.rules.get((target, direction), {}).items():
            key = () if ports is None else tuple(sorted(ports, key=Port.sort_key))
            by_ports[key].append(peer)
        rules = [Rule(peers=tuple(sorted(peers, key=Peer.sort_key)), ports=ports) for ports, peers in by_ports.items()]
        return tuple(sorted(rules, key=Rule.sort_key))

    def has(self, target: _Target, direction: str) -> bool:
        return bool(self.rules.get((target, direction)))


@without_gc  # millions of cycle-free objects at thousands of workloads: see gcpause.py
def compile_design(graph: Graph) -> list[Policy]:
    """Compile a design into NetworkPolicies, sorted by namespace and name."""
    acc = _Accumulator()
    namespace_targets: set[str] = set()
    peers: dict[tuple[Endpoint, str], Peer] = {}  # one Peer object per endpoint and policy namespace

    def peer(endpoint: Endpoint, policy_namespace: str) -> Peer:
        key = (endpoint, policy_namespace)
        found = peers.get(key)
        if found is None:
            found = peers[key] = _peer(graph, endpoint, policy_namespace)
        return found

    # The result does not depend on the order of the flows, only which error is raised first does:
    # sort (a cost at thousands of flows) only to report the first bad flow deterministically.
    try:
        _add_flows(graph, acc, namespace_targets, graph.flows, peer)
    except CompileError:
        acc, namespace_targets = _Accumulator(), set()
        _add_flows(graph, acc, namespace_targets, sorted(graph.flows, key=Flow.sort_key), peer)

    settings = graph.settings
    policies: list[Policy] = []
    for workload in graph.workloads:
        target = _Target("workload", workload.ref)
        policy = _policy(
            acc,
            target,
            name=workload.name,
            selector=LabelSelector.of(workload.labels_dict),
            ingress_isolated=settings.isolate_ingress or acc.has(target, "ingress"),
            egress_isolated=settings.isolate_egress or acc.has(target, "egress"),
            dns=settings.dns,
        )
        if policy is not None:
            policies.append(policy)

    taken = {(w.namespace, w.name) for w in graph.workloads}
    for namespace in sorted(namespace_targets):
        target = _Target("namespace", namespace)
        name = NAMESPACE_POLICY_NAME
        suffix = 2
        while (namespace, name) in taken:
            name = f"{NAMESPACE_POLICY_NAME}-{suffix}"
            suffix += 1
        policy = _policy(
            acc,
            target,
            name=name,
            selector=LabelSelector.everything(),
            ingress_isolated=acc.has(target, "ingress"),
            egress_isolated=acc.has(target, "egress"),
            dns=settings.dns,
        )
        if policy is not None:
            policies.append(policy)
    return with_kept_policies(policies, graph.policies)


def _add_flows(graph: Graph, acc: _Accumulator, namespace_targets: set[str], flows, peer) -> None:
    for flow in flows:
        src = _target(graph, flow.source)
        dst = _target(graph, flow.destination)
        if src is None and dst is None:
            raise CompileError(f"Flow {flow.ref} connects two externals: one end must be a workload or namespace.")
        if src is not None:
            acc.add(src, "egress", peer(flow.destination, src.namespace), flow.ports)
        if dst is not None:
            acc.add(dst, "ingress", peer(flow.source, dst.namespace), flow.ports)
        namespace_targets.update(t.ref for t in (src, dst) if t is not None and t.kind == "namespace")


def with_kept_policies(generated: list[Policy], kept: tuple[Policy, ...]) -> list[Policy]:
    """Generated plus kept (imported) policies, sorted; a generated name that clashes gets a suffix."""
    taken = {(p.namespace, p.name) for p in kept}
    out = list(kept)
    for policy in sorted(generated, key=lambda p: (p.namespace, p.name)):
        name, suffix = policy.name, 2
        while (policy.namespace, name) in taken:
            name = f"{policy.name}-{suffix}"
            suffix += 1
        taken.add((policy.namespace, name))
        out.append(policy if name == policy.name else replace(policy, name=name))
    return sorted(out, key=lambda p: (p.namespace, p.name))


def _policy(
    acc: _Accumulator,
    target: _Target,
    *,
    name: str,
    selector: LabelSelector,
    ingress_isolated: bool,
    egress_isolated: bool,
    dns: bool,
) -> Policy | None:
    if not ingress_isolated and not egress_isolated:
        return None
    egress = acc.rules_for(target, "egress") if egress_isolated else ()
    if egress_isolated and dns:
        egress = (dns_rule(), *egress)
    return Policy(
        name=name,
        namespace=target.namespace,
        pod_selector=selector,
        ingress_isolated=ingress_isolated,
        egress_isolated=egress_isolated,
        ingress=acc.rules_for(target, "ingress") if ingress_isolated else (),
        egress=egress,
    )


def _target(graph: Graph, endpoint: Endpoint) -> _Target | None:
    if endpoint.kind == "external":
        return None
    if endpoint.kind == "workload" and graph.workload(endpoint.ref) is None:
        raise CompileError(f"Flow endpoint {endpoint.ref} is not a workload of this design.")
    return _Target(endpoint.kind, endpoint.ref)


def _peer(graph: Graph, endpoint: Endpoint, policy_namespace: str) -> Peer:
    if endpoint.kind == "workload":
        workload = graph.workload(endpoint.ref)
        if workload is None:
            raise CompileError(f"Flow endpoint {endpoint.ref} is not a workload of this design.")
        return Peer.workload(workload, policy_namespace)
    if endpoint.kind == "namespace":
        return Peer.namespace(endpoint.ref)
    external = graph.external(endpoint.ref)
    if external is None:
        raise CompileError(f"Flow endpoint {endpoint.ref} is not an external of this design.")
    return Peer.ip_block_of(external.cidr, external.except_)
