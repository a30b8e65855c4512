"""Drawn flows → least-privilege NetworkPolicy objects.

A flow is intent; policies are derived.  One flow adds an egress rule to the
policy of its source and an ingress rule to the policy of its destination
(both sides must permit).  A namespace endpoint stands for every pod of that
namespace, also pods not drawn, so it gets a policy with an empty pod selector.
Every egress-isolated policy gets the DNS rule first when the design wants it.
A flow to a DNS-name external cannot be expressed in a NetworkPolicy: it is left
out (nothing is opened for it; lint says so with ``fqdn-not-expressible``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import NamedTuple

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


class _Target(NamedTuple):
    """Whose policy a rule lands in: a workload (``ref``) or a whole namespace.  A named tuple: it keys the
    compiler's dicts tens of thousands of times per design, and a tuple hashes in C."""

    kind: str  # "workload" | "namespace"
    ref: str

    @property
    def namespace(self) -> str:
        return self.ref.split("/", 1)[0]


class _Accumulator:
    """peer → ports, per target and direction; ``None`` ports means every port."""

    def __init__(self) -> None:
        self.rules: dict[tuple[_Target, str], dict[Peer, tuple[Port, ...] | set[Port] | None]] = defaultdict(dict)

    def add(self, target: _Target, direction: str, peer: Peer, ports: tuple[Port, ...]) -> None:
        peers = self.rules[(target, direction)]
        if not ports:
            peers[peer] = None
            return
        had = peers.get(peer, ())
        if had is None:
            return  # every port already
        # the flow's own tuple when the peer is new (most are: no set per peer), a set once ports merge
        peers[peer] = set(had).union(ports) if had else ports

    def rules_for(self, target: _Target, direction: str) -> tuple[Rule, ...]:
        by_ports: dict[tuple[Port, ...], list[Peer]] = defaultdict(list)
        for peer, ports in self.rules.get((target, direction), {}).items():
            key = () if ports is None else tuple(sorted(set(ports), key=Port.sort_key))
            by_ports[key].append(peer)
        rules = [Rule(peers=tuple(sorted(peers, key=Peer.sort_key)), ports=ports) for ports, peers in by_ports.items()]
        return tuple(sorted(rules, key=Rule.sort_key))

    def has(self, target: _Target, direction: str) -> bool:
        return bool(self.rules.get((target, direction)))


@without_gc  # millions of cycle-free objects at thousands of workloads: see gcpause.py
def compile_design(graph: Graph) -> list[Policy]:
    """Compile a design into NetworkPolicies, sorted by namespace and name."""
    return Compilation.of(graph).policies


def _same_population(a: Graph, b: Graph) -> bool:
    """Everything but the flows is equal (identical objects make this cheap)."""
    return all(
        x is y or x == y
        for x, y in (
            (a.namespaces, b.namespaces),
            (a.workloads, b.workloads),
            (a.externals, b.externals),
            (a.settings, b.settings),
            (a.policies, b.policies),
        )
    )


@dataclass(frozen=True)
class Compilation:
    """A compiled design, with what it takes to compile the next version incrementally.

    ``generated`` holds each target's compiled policy (``None`` when the target needs none) and
    ``flows_of`` the flows that put rules in each target's policy.  A policy depends only on its
    target's flows and the design's population (namespaces, workloads, externals, settings), so when
    only flows change, ``update`` recompiles just the targets those flows touch; the result equals a
    full compile (tests/netpol/test_compile_incremental.py checks that on random edits).
    """

    graph: Graph
    policies: list[Policy]
    generated: dict[_Target, Policy | None]
    flows_of: dict[_Target, list[Flow] | tuple[Flow, ...]]

    @classmethod
    @without_gc
    def of(cls, graph: Graph) -> Compilation:
        acc = _Accumulator()
        namespace_targets: set[str] = set()
        peers: dict[tuple[str, str, str], Peer] = {}  # one Peer object per endpoint and policy namespace

        def peer(endpoint: Endpoint, policy_namespace: str) -> Peer:
            key = (endpoint.kind, endpoint.ref, policy_namespace)  # plain strings: hashed in C
            found = peers.get(key)
            if found is None:
                found = peers[key] = _peer(graph, endpoint, policy_namespace)
            return found

        flows_of: dict[_Target, list[Flow]] = defaultdict(list)
        # The result does not depend on the order of the flows, only which error is raised first does:
        # sort (a cost at thousands of flows) only to report the first bad flow deterministically.
        try:
            _add_flows(graph, acc, namespace_targets, graph.flows, peer, flows_of)
        except CompileError:
            acc, namespace_targets = _Accumulator(), set()
            _add_flows(graph, acc, namespace_targets, sorted(graph.flows, key=Flow.sort_key), peer, defaultdict(list))
        generated = {target: _target_policy(graph, acc, target) for target in _targets(graph, namespace_targets)}
        return cls(
            graph,
            with_kept_policies([p for p in generated.values() if p is not None], graph.policies),
            generated,
            dict(flows_of),  # lists, never changed once here: update copies the ones it changes
        )

    def update(self, graph: Graph, removed: tuple[Flow, ...] = (), added: tuple[Flow, ...] = ()) -> Compilation:
        """The compilation of ``graph``, which is this one's graph with ``removed`` flows taken out and
        ``added`` flows put in (nothing else changed); anything else, or a bad flow, compiles in full."""
        if not _same_population(self.graph, graph):
            return Compilation.of(graph)
        return self.changed(graph, removed, added)

    def changed(
        self,
        graph: Graph,
        removed: tuple[Flow, ...] = (),
        added: tuple[Flow, ...] = (),
        dirty: tuple[tuple[str, str], ...] = (),
    ) -> Compilation:
        """The compilation of ``graph``, which differs from this one's graph by the ``removed`` and ``added``
        flows and by parts whose change can only alter the policies of the ``dirty`` targets ((kind, ref):
        ``("workload", "prod/api")`` or ``("namespace", "prod")``): a changed workload's own policy and
        those of its flows' other ends, say.  The settings must be the same.  A bad flow compiles in full.
        The caller names the dirty targets; tests/test_state.py checks the result against full compiles."""
        if graph.settings != self.graph.settings:
            return Compilation.of(graph)
        try:
            touched: dict[_Target, list[Flow]] = {}
            for flow, sign in [(f, -1) for f in removed] + [(f, 1) for f in added]:
                if sign > 0 and not expressible(graph, flow):
                    continue
                ends = (flow.source, flow.destination)  # a removed flow's ends may be gone from the graph
                for target in {_target(graph, e) if sign > 0 else _end_target(e) for e in ends} - {None}:
                    flows = touched.setdefault(target, list(self.flows_of.get(target, ())))  # type: ignore[arg-type]
                    if sign > 0:
                        flows.append(flow)
                    elif flow in flows:  # a flow NetworkPolicy could not say was never there
                        flows.remove(flow)
            for kind, ref in dirty:
                target = _Target(kind, ref)
                touched.setdefault(target, list(self.flows_of.get(target, ())))
            flows_of = dict(self.flows_of)
            generated = dict(self.generated)
            for target, flows in touched.items():
                if target.kind == "workload" and graph.workload(target.ref) is None:  # deleted or renamed
                    flows_of.pop(target, None)
                    generated.pop(target, None)
                    continue
                if flows:
                    flows_of[target] = tuple(flows)
                else:
                    flows_of.pop(target, None)
                if target.kind == "namespace" and not flows:
                    generated.pop(target, None)
                    continue
                acc = _Accumulator()
                for flow in flows:
                    if _target(graph, flow.source) == target:
                        acc.add(target, "egress", _peer(graph, flow.destination, target.namespace), flow.ports)
                    if _target(graph, flow.destination) == target:
                        acc.add(target, "ingress", _peer(graph, flow.source, target.namespace), flow.ports)
                generated[target] = _target_policy(graph, acc, target)
        except (CompileError, ValueError):  # a bad flow, or one removed that was not there: compile in full
            return Compilation.of(graph)
        return Compilation(
            graph,
            with_kept_policies([p for p in generated.values() if p is not None], graph.policies),
            generated,
            flows_of,
        )


def _targets(graph: Graph, namespace_targets: set[str]) -> list[_Target]:
    """Every workload, then the namespaces that are flow endpoints: whose policies a design can have."""
    return [_Target("workload", w.ref) for w in graph.workloads] + [
        _Target("namespace", n) for n in sorted(namespace_targets)
    ]


def _target_policy(graph: Graph, acc: _Accumulator, target: _Target) -> Policy | None:
    settings = graph.settings
    if target.kind == "workload":
        workload = graph.workload(target.ref)
        assert workload is not None
        return _policy(
            acc,
            target,
            name=workload.name,
            selector=LabelSelector.of(workload.labels_dict),
            ingress_isolated=settings.isolate_ingress or acc.has(target, "ingress"),
            egress_isolated=settings.isolate_egress or acc.has(target, "egress"),
            dns=settings.dns,
        )
    taken = graph.__dict__.get("_policy_names")
    if taken is None:  # workload names by namespace: a namespace policy must not clash with one
        taken = {(w.namespace, w.name) for w in graph.workloads}
        object.__setattr__(graph, "_policy_names", taken)
    name = NAMESPACE_POLICY_NAME
    suffix = 2
    while (target.ref, name) in taken:
        name = f"{NAMESPACE_POLICY_NAME}-{suffix}"
        suffix += 1
    return _policy(
        acc,
        target,
        name=name,
        selector=LabelSelector.everything(),
        ingress_isolated=acc.has(target, "ingress"),
        egress_isolated=acc.has(target, "egress"),
        dns=settings.dns,
    )


def expressible(graph: Graph, flow: Flow) -> bool:
    """Whether a NetworkPolicy can say ``flow``: not when either end is a DNS-name external."""
    return not (graph.is_fqdn_endpoint(flow.source) or graph.is_fqdn_endpoint(flow.destination))


def _add_flows(
    graph: Graph,
    acc: _Accumulator,
    namespace_targets: set[str],
    flows: Iterable[Flow],
    peer: Callable[[Endpoint, str], Peer],
    flows_of: dict[_Target, list[Flow]],
) -> None:
    for flow in flows:
        if not expressible(graph, flow):
            continue
        src = _target(graph, flow.source)
        dst = _target(graph, flow.destination)
        if src is None and dst is None:
            raise CompileError(f"Flow {flow.ref} connects two externals: one end must be a workload or namespace.")
        if src is not None:
            acc.add(src, "egress", peer(flow.destination, src.namespace), flow.ports)
            flows_of[src].append(flow)
        if dst is not None:
            acc.add(dst, "ingress", peer(flow.source, dst.namespace), flow.ports)
            if dst != src:
                flows_of[dst].append(flow)
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


def _end_target(endpoint: Endpoint) -> _Target | None:
    return None if endpoint.kind == "external" else _Target(endpoint.kind, endpoint.ref)


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
