"""The lookups every check shares: hosts, label postings and policies by namespace, so no check scans all pairs.

An ``Index`` is built once per lint from the design's population (namespaces, workloads) and its policies;
``with_policies`` makes the index of the same population with other policies, sharing the population's caches.
Workloads are found through their rarest label (a posting list per ``key=value``), so a selector costs what it
matches, not the size of its namespace.
"""

from __future__ import annotations

import bisect
import ipaddress
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Any, NamedTuple

from editor.netpol.analyze import Host, SideVerdict, peer_matches, port_matches, selecting_policies, side_verdict
from editor.netpol.model import (
    DNS_NAMESPACE,
    DNS_PORT,
    NAMESPACE_NAME_LABEL,
    ContainerPort,
    Graph,
    IPBlock,
    LabelSelector,
    Peer,
    Policy,
    Port,
    Rule,
    Workload,
)

# What a cluster's DNS looks like: CoreDNS pods in kube-system.
KUBE_DNS = Host(
    namespace=DNS_NAMESPACE,
    labels={"k8s-app": "kube-dns"},
    namespace_labels={NAMESPACE_NAME_LABEL: DNS_NAMESPACE},
    ports=(ContainerPort("dns", DNS_PORT, "UDP"), ContainerPort("dns-tcp", DNS_PORT, "TCP")),
    name=f"{DNS_NAMESPACE}/kube-dns",
)


class PodIPs:
    """The workloads with a known pod IP, sorted by address: which of them a CIDR covers, by bisection."""

    def __init__(self, graph: Graph):
        keyed = sorted(
            ((ip.version, int(ip)), position, w.ref)
            for position, w in enumerate(graph.workloads)
            if w.ip
            for ip in [ipaddress.ip_address(w.ip)]
        )
        self._keys = [k for k, _, _ in keyed]
        self._entries = [(position, ref) for _, position, ref in keyed]
        self._covered: dict[IPBlock, list[str]] = {}

    def __bool__(self) -> bool:
        return bool(self._keys)

    def covered(self, block: IPBlock) -> list[str]:
        """The refs of the workloads whose pod IP is in the block and not in its excepts, in the design's order."""
        found = self._covered.get(block)
        if found is None:
            try:
                network = ipaddress.ip_network(block.cidr, strict=False)
                excepts = [ipaddress.ip_network(e, strict=False) for e in block.except_]
            except ValueError:
                found = []
            else:
                found = [ref for _, ref in sorted(self._within(network, excepts))]
            self._covered[block] = found
        return found

    def _within(
        self,
        network: ipaddress.IPv4Network | ipaddress.IPv6Network,
        excepts: list[ipaddress.IPv4Network | ipaddress.IPv6Network],
    ) -> list[tuple[int, str]]:
        v = network.version
        low = bisect.bisect_left(self._keys, (v, int(network.network_address)))
        high = bisect.bisect_right(self._keys, (v, int(network.broadcast_address)))
        ranges = [(int(e.network_address), int(e.broadcast_address)) for e in excepts if e.version == v]
        return [
            self._entries[i]
            for i in range(low, high)
            if not any(first <= self._keys[i][1] <= last for first, last in ranges)
        ]


def pod_ips(graph: Graph) -> PodIPs:
    return PodIPs(graph)


def rules_of(policy: Policy) -> list[tuple[str, int, Rule]]:
    """(direction, position, rule) of every rule: ingress first."""
    return [("ingress", i, r) for i, r in enumerate(policy.ingress)] + [
        ("egress", i, r) for i, r in enumerate(policy.egress)
    ]


def rule_name(policy: Policy, direction: str, index: int) -> str:
    return f"{policy.ref} {direction} rule {index + 1}"


# the caches keyed by object identity (each entry holds its object): shared along a state's edits, so bounded
_BY_IDENTITY = ("_peer_by_id", "_peer_refs", "_policy_tables", "_namespaces_by_id")
_FEW = 64  # a rule whose peers match more workloads than this is checked by set membership, not listed per workload


class _RuleTable(NamedTuple):
    """Port lists of a policy's rules of one direction: of rules without peers, by the workload a rule's peers
    match, and of rules whose peers match many workloads (with their set)."""

    any_peer: list[tuple[Port, ...]]
    by_ref: dict[str, list[tuple[Port, ...]]]
    many: list[tuple[frozenset[str], tuple[Port, ...]]]


class Index:
    """Hosts and policies by namespace and label, so checks stay fast on large designs."""

    def __init__(self, graph: Graph, policies: list[Policy] | tuple[Policy, ...]):
        # the population (namespaces, workloads): caches shared by ``with_policies``
        self.graph = graph
        self.hosts = {w.ref: Host.of_workload(graph, w) for w in graph.workloads}
        self.workloads_by_namespace: dict[str, list[Workload]] = defaultdict(list)
        self._by_label_set: dict[tuple[str, tuple[tuple[str, str], ...]], list[Workload]] = defaultdict(list)
        self._by_label: dict[tuple[str, str], list[Workload]] = defaultdict(list)  # in the design's order
        for w in graph.workloads:
            self.workloads_by_namespace[w.namespace].append(w)
            self._by_label_set[(w.namespace, w.labels)].append(w)
            for pair in w.labels:
                self._by_label[pair].append(w)
        self.namespace_names = sorted({ns.name for ns in graph.namespaces} | set(self.workloads_by_namespace))
        self._peer_cache: dict[tuple[Peer, str], list[Workload]] = {}
        self._peer_by_id: dict[tuple[int, str], tuple[Peer, list[Workload]]] = {}
        self._peer_refs: dict[tuple[int, str], tuple[Peer, frozenset[str]]] = {}
        self._policy_tables: dict[tuple[int, str], tuple[Policy, _RuleTable]] = {}
        self._namespaces_by_id: dict[int, tuple[Peer, list[str]]] = {}
        self._selected_cache: dict[tuple[str, LabelSelector], list[Workload]] = {}
        self._position = {w.ref: i for i, w in enumerate(graph.workloads)}
        self._namespace_labels: dict[str, dict[str, str]] = {}
        self._selected_namespaces: dict[LabelSelector, list[str]] = {}
        self._kept: frozenset[Policy] | None = None
        self._set_policies(policies)

    def with_policies(
        self,
        graph: Graph,
        policies: list[Policy] | tuple[Policy, ...],
        removed: list[Policy] | None = None,
        inserted: list[Policy] | None = None,
    ) -> Index:
        """The same population (``graph``'s, equal to this index's) with other policies: shares this index's
        caches of the population (hosts, peers, selections).

        With ``removed`` (objects of this index's policies) and ``inserted`` (objects of ``policies``), the
        policy tables are patched rather than built again: ``policies`` must be this index's policies without
        ``removed``, with ``inserted``, in any order.
        """
        other = object.__new__(Index)
        other.__dict__.update(self.__dict__)
        other.graph = graph
        limit = 4 * (len(policies) + len(graph.workloads)) + 1000
        for name in _BY_IDENTITY:  # caches by object identity hold their objects: start afresh once they outgrow
            if len(getattr(self, name)) > limit:
                setattr(other, name, {})
        if graph.policies is not self.graph.policies:
            other._kept = None
        if removed is None or inserted is None:
            other._set_policies(policies)
            return other
        other._selecting = {}
        other._host_tables = {}
        other._policy_position = {id(p): i for i, p in enumerate(policies)}
        other.by_namespace = _patched(self.by_namespace, removed, inserted, _namespace_of)
        other._policies_by_label = _patched(
            self._policies_by_label,
            removed,
            inserted,
            other._label_key,
            lambda p: _label_keys(p, self._policies_by_label),
        )
        other._policies_unlabelled = _patched(self._policies_unlabelled, removed, inserted, _unlabelled_of)
        return other

    def with_population(
        self, graph: Graph, removed: Sequence[Workload], added: Sequence[Workload], namespaces: Iterable[str]
    ) -> Index:
        """The same policies over another population: ``graph``'s, which is this index's without the workloads
        ``removed`` (objects of this index's design), with ``added``, and with the namespaces ``namespaces``
        changed (labels, or whether the design has them).  The postings of the workloads and namespaces
        concerned are patched; the caches of what selectors match start afresh."""
        other = object.__new__(Index)
        other.__dict__.update(self.__dict__)
        other.graph = graph
        changed = {w.namespace for w in (*removed, *added)}
        moved = set(namespaces)  # their workloads' hosts carry other namespace labels
        hosts = dict(self.hosts)
        for w in removed:
            del hosts[w.ref]
        by_namespace: dict[str, list[Workload]] = defaultdict(list, self.workloads_by_namespace)
        for name in changed:
            by_namespace[name] = graph.workloads_in(name)
            if not by_namespace[name]:
                del by_namespace[name]
        for w in added:
            hosts[w.ref] = Host.of_workload(graph, w)
        for name in moved:
            for w in by_namespace.get(name, ()):
                hosts[w.ref] = Host.of_workload(graph, w)
        other.hosts = hosts
        other.workloads_by_namespace = by_namespace
        other._position = position = {w.ref: i for i, w in enumerate(graph.workloads)}
        by_label_set: dict[tuple[str, tuple[tuple[str, str], ...]], list[Workload]] = defaultdict(
            list, self._by_label_set
        )
        for key in {(w.namespace, w.labels) for w in (*removed, *added)}:
            by_label_set[key] = [w for w in by_namespace.get(key[0], ()) if w.labels == key[1]]
        other._by_label_set = by_label_set
        gone = {id(w) for w in removed}
        by_label: dict[tuple[str, str], list[Workload]] = defaultdict(list, self._by_label)
        for pair in {pair for w in (*removed, *added) for pair in w.labels}:
            kept = [w for w in self._by_label.get(pair, ()) if id(w) not in gone]
            kept += [w for w in added if pair in w.labels]
            by_label[pair] = sorted(kept, key=lambda w: position[w.ref])
        other._by_label = by_label
        other.namespace_names = sorted({ns.name for ns in graph.namespaces} | set(by_namespace))
        other._peer_cache = {}
        for name in _BY_IDENTITY:
            setattr(other, name, {})
        other._selected_cache = {k: v for k, v in self._selected_cache.items() if k[0] not in changed}
        other._namespace_labels = {k: v for k, v in self._namespace_labels.items() if k not in moved}
        other._selected_namespaces = {} if moved else self._selected_namespaces
        other._kept = None
        other._selecting = {}
        other._host_tables = {}
        return other

    def _set_policies(self, policies: list[Policy] | tuple[Policy, ...]) -> None:
        self.by_namespace: dict[str, list[Policy]] = defaultdict(list)
        for policy in policies:
            self.by_namespace[policy.namespace].append(policy)
        self._selecting: dict[tuple[str | None, str, str], list[Policy]] = {}
        self._host_tables: dict[tuple[str | None, str, str], list[_RuleTable]] = {}
        # policies by (namespace, rarest label of their pod selector); the rest (no matchLabels) per namespace
        self._policy_position = {id(p): i for i, p in enumerate(policies)}
        self._policies_by_label: dict[tuple[str, str, str], list[Policy]] = defaultdict(list)
        self._policies_unlabelled: dict[str, list[Policy]] = defaultdict(list)
        for policy in policies:
            key = self._label_key(policy)
            if key is not None:
                self._policies_by_label[key].append(policy)
            else:
                self._policies_unlabelled[policy.namespace].append(policy)

    def _label_key(self, policy: Policy) -> tuple[str, str, str] | None:
        """(namespace, the pod selector's label fewest workloads carry): a pod it selects carries that label."""
        labels = policy.pod_selector.match_labels
        if not labels:
            return None
        rarest = min(labels, key=lambda pair: (len(self._by_label.get(pair, ())), pair))
        return (policy.namespace, *rarest)

    # ------------------------------------------------------------ the population

    def host(self, workload: Workload) -> Host:
        return self.hosts[workload.ref]

    def _pool(self, selector: LabelSelector) -> list[Workload] | None:
        """The workloads carrying the selector's rarest label (a match needs every label), or None without one."""
        if not selector.match_labels:
            return None
        return min((self._by_label.get(pair, []) for pair in selector.match_labels), key=len)

    def matching(self, selector: LabelSelector, namespace: str) -> list[Workload]:
        """The workloads of ``namespace`` that ``selector`` selects, in the design's order (kept per selector)."""
        key = (namespace, selector)
        found = self._selected_cache.get(key)
        if found is None:
            pool = self._pool(selector)
            if pool is None or len(self.workloads_by_namespace.get(namespace, ())) < len(pool):
                pool = self.workloads_by_namespace.get(namespace, [])
            found = self._selected_cache[key] = [
                w for w in pool if w.namespace == namespace and selector.matches(w.labels_dict)
            ]
        return found

    def matching_elsewhere(self, selector: LabelSelector, namespace: str) -> list[Workload]:
        """The workloads outside ``namespace`` that ``selector`` selects, in the design's order."""
        pool = self._pool(selector)
        if pool is None:
            pool = list(self.graph.workloads)
        return [w for w in pool if w.namespace != namespace and selector.matches(w.labels_dict)]

    def labelled_exactly(self, namespace: str, labels: tuple[tuple[str, str], ...]) -> list[Workload]:
        """The workloads of ``namespace`` whose labels are exactly ``labels``."""
        return self._by_label_set.get((namespace, labels), [])

    def namespace_labels(self, name: str) -> dict[str, str]:
        if name not in self._namespace_labels:
            self._namespace_labels[name] = self.graph.namespace(name).labels_dict
        return self._namespace_labels[name]

    def matching_namespaces(self, selector: LabelSelector) -> list[str]:
        """The design's namespaces (``namespace_names``) whose labels ``selector`` matches, once per selector."""
        if selector not in self._selected_namespaces:
            self._selected_namespaces[selector] = [
                n for n in self.namespace_names if selector.matches(self.namespace_labels(n))
            ]
        return self._selected_namespaces[selector]

    def peer_namespaces(self, peer: Peer, namespace: str) -> list[str]:
        """The namespaces a (pod-selecting) peer of a policy in ``namespace`` looks in."""
        if peer.namespace_selector is None:
            return [namespace]
        found = self._namespaces_by_id.get(id(peer))
        if found is None or found[0] is not peer:
            found = self._namespaces_by_id[id(peer)] = (peer, self.matching_namespaces(peer.namespace_selector))
        return found[1]

    def peer_workloads(self, peer: Peer, namespace: str) -> list[Workload]:
        # compiled policies share one Peer object per endpoint: by identity first (hashing a Peer is slow)
        fast = self._peer_by_id.get((id(peer), namespace))
        if fast is not None and fast[0] is peer:
            return fast[1]
        key = (peer, namespace)
        if key not in self._peer_cache:
            if peer.ip_block is not None:  # pods with a known IP: any namespace
                candidates: list[Workload] | tuple[Workload, ...] = self.graph.workloads
            else:  # only the namespaces the peer can match: not a scan of every workload per peer
                names = self.peer_namespaces(peer, namespace)
                pool = None if peer.pod_selector is None else self._pool(peer.pod_selector)
                if pool is not None:  # a match needs the selector's rarest label: only workloads carrying it
                    within = set(names)
                    candidates = [w for w in pool if w.namespace in within]
                else:
                    candidates = [w for n in names for w in self.workloads_by_namespace.get(n, [])]
                    if len(names) > 1:  # keep the design's order
                        candidates.sort(key=lambda w: self._position[w.ref])
            self._peer_cache[key] = [w for w in candidates if peer_matches(peer, namespace, self.host(w))]
        found = self._peer_cache[key]
        self._peer_by_id[(id(peer), namespace)] = (peer, found)  # holds the peer: its id stays its own
        return found

    # ------------------------------------------------------------ the policies

    @property
    def kept(self) -> frozenset[Policy]:
        """The design's kept (imported) policies: what the design's settings do not write."""
        if self._kept is None:
            self._kept = frozenset(self.graph.policies)
        return self._kept

    def selected(self, policy: Policy) -> list[Workload]:
        return self.matching(policy.pod_selector, policy.namespace)

    def _candidates(self, namespace: str, labels: Iterable[tuple[str, str]]) -> list[Policy]:
        """The policies of ``namespace`` that may select a pod with ``labels``: unlabelled ones, and those whose
        rarest label the pod carries, in the order of the policies."""
        candidates = list(self._policies_unlabelled.get(namespace, []))
        for pair in labels:
            candidates.extend(self._policies_by_label.get((namespace, *pair), []))
        candidates.sort(key=lambda p: self._policy_position[id(p)])
        return candidates

    def selecting(self, host: Host, direction: str) -> list[Policy]:
        """``selecting_policies(policies, host, direction)``, from the few candidates the label index names."""
        key = (host.namespace, host.name, direction)
        if key not in self._selecting:
            candidates = self._candidates(host.namespace or "", host.labels.items())
            self._selecting[key] = selecting_policies(candidates, host, direction)
        return self._selecting[key]

    def selecting_labels(self, namespace: str, labels: dict[str, str]) -> list[Policy]:
        """The policies (for any direction) that select a pod of ``namespace`` with ``labels``."""
        return [p for p in self._candidates(namespace, labels.items()) if p.pod_selector.matches(labels)]

    def selected_by_any(self, workload: Workload) -> bool:
        """Does any policy (for any direction) select ``workload``?"""
        labels = workload.labels_dict
        return any(p.pod_selector.matches(labels) for p in self._candidates(workload.namespace, workload.labels))

    def side(self, host: Host, direction: str, other: Host, protocol: str, port: int) -> SideVerdict:
        # side_verdict filters the policies selecting ``host`` again, to the same list
        return side_verdict(self.selecting(host, direction), host, direction, other, protocol, port)

    def peer_refs(self, peer: Peer, namespace: str) -> frozenset[str]:
        """The refs of ``peer_workloads(peer, namespace)``, as a set (kept per peer object)."""
        found = self._peer_refs.get((id(peer), namespace))
        if found is None or found[0] is not peer:
            refs = frozenset(w.ref for w in self.peer_workloads(peer, namespace))
            found = self._peer_refs[(id(peer), namespace)] = (peer, refs)  # holds the peer: its id stays its own
        return found[1]

    def rule_peers(self, policy: Policy, rule: Rule) -> frozenset[str]:
        """The refs of the design's workloads that a rule's peers match (the rule must have peers)."""
        if len(rule.peers) == 1:
            return self.peer_refs(rule.peers[0], policy.namespace)
        return frozenset().union(*(self.peer_refs(peer, policy.namespace) for peer in rule.peers))

    def _policy_table(self, policy: Policy, direction: str) -> _RuleTable:
        """A policy's rules of one direction by the workloads their peers match: once per policy object (a policy
        that selects many pods, such as a namespace's, is not tabled again per pod)."""
        found = self._policy_tables.get((id(policy), direction))
        if found is not None and found[0] is policy:
            return found[1]
        table = _RuleTable([], defaultdict(list), [])
        for rule in policy.egress if direction == "egress" else policy.ingress:
            if not rule.peers:
                table.any_peer.append(rule.ports)
                continue
            refs = self.rule_peers(policy, rule)
            if len(refs) > _FEW:
                table.many.append((refs, rule.ports))
            else:
                for ref in refs:
                    table.by_ref[ref].append(rule.ports)
        self._policy_tables[(id(policy), direction)] = (policy, table)  # holds the policy: its id stays its own
        return table

    def blocked(
        self,
        host: Host,
        direction: str,
        other: Workload,
        probes: list[tuple[str, int]],
        probed_ports: tuple[Port, ...] = (),
    ) -> list[tuple[str, int]]:
        """The (protocol, port) probes that ``host`` does not allow for ``direction`` traffic with ``other``, a
        workload of the design: ``not self.allows(host, direction, self.host(other), *probe)``, by rule peer sets.

        ``probed_ports``: the ports of the rule the probes come from (resolved on the same destination); a rule of
        ``host`` with the same ports allows every probe (a drawn flow's two sides do)."""
        key = (host.namespace, host.name, direction)
        tables = self._host_tables.get(key)
        if tables is None:
            tables = self._host_tables[key] = [
                self._policy_table(p, direction) for p in self.selecting(host, direction)
            ]
        if not tables:
            return []
        ref = other.ref
        port_lists: list[tuple[Port, ...]] = []
        for table in tables:
            found = table.by_ref.get(ref)
            if found:
                if () in found or (probed_ports and probed_ports in found):
                    return []  # a rule allows every port, or every port the probes come from
                port_lists += found
            if table.any_peer:
                port_lists += table.any_peer
            if table.many:
                port_lists += [ports for refs, ports in table.many if ref in refs]
        if not port_lists:
            return list(probes)
        if not all(port_lists) or (probed_ports and probed_ports in port_lists):
            return []
        destination_ports = other.ports if direction == "egress" else host.ports
        return [
            (protocol, port)
            for protocol, port in probes
            if not any(port_matches(p, protocol, port, destination_ports) for ports in port_lists for p in ports)
        ]

    def allows(self, host: Host, direction: str, other: Host, protocol: str, port: int) -> bool:
        """``self.side(...).allowed``, stopping at the first rule that allows (most probes are allowed)."""
        selecting = self.selecting(host, direction)
        if not selecting:
            return True
        destination_ports = other.ports if direction == "egress" else host.ports
        for policy in selecting:
            for rule in policy.egress if direction == "egress" else policy.ingress:
                if (not rule.ports or any(port_matches(p, protocol, port, destination_ports) for p in rule.ports)) and (
                    not rule.peers or any(peer_matches(p, policy.namespace, other) for p in rule.peers)
                ):
                    return True
        return False


def _namespace_of(policy: Policy) -> str:
    return policy.namespace


def _unlabelled_of(policy: Policy) -> str | None:
    return None if policy.pod_selector.match_labels else policy.namespace


def _label_keys(policy: Policy, groups: dict[tuple[str, str, str], list[Policy]]) -> Any:
    """The key of the label group holding ``policy`` (filed under its rarest label when it came: the counts may
    have changed since)."""
    for pair in policy.pod_selector.match_labels:
        key = (policy.namespace, *pair)
        if any(p is policy for p in groups.get(key, ())):
            return key
    return None


def _patched(
    groups: dict[Any, list[Policy]],
    removed: list[Policy],
    inserted: list[Policy],
    key: Callable[[Policy], Any],
    removal_key: Callable[[Policy], Any] | None = None,
) -> dict[Any, list[Policy]]:
    """``groups`` (key → policies) without the objects ``removed`` and with ``inserted``; ``groups`` unchanged.
    ``removal_key`` finds a removed policy's group when ``key`` may no longer (default: ``key``)."""
    out: dict[Any, list[Policy]] = defaultdict(list, groups)
    copied: set[Any] = set()

    def members(policy: Policy, key: Callable[[Policy], Any] = key) -> list[Policy] | None:
        """The policy's group in ``out``, copied before its first change (``groups`` keeps its lists)."""
        k = key(policy)
        if k is not None and k not in copied:
            out[k] = list(out[k])
            copied.add(k)
        return None if k is None else out[k]

    for policy in removed:
        group = members(policy, removal_key or key)
        if group is not None:
            del group[next(i for i, p in enumerate(group) if p is policy)]
    for policy in inserted:
        group = members(policy)
        if group is not None:
            group.append(policy)
    return out
