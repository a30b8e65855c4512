"""Findings: the classic NetworkPolicy mistakes, as data with stable codes.

A finding's ``code`` is kebab-case and never renamed: the UI keys its icons
and one-click fixes off it.  One small function per check; the result is sorted.
"""

from __future__ import annotations

import ipaddress
from collections import defaultdict
from collections.abc import Callable, Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Any

from . import validate
from .analyze import Host, peer_matches, selecting_policies, side_verdict
from .gcpause import without_gc
from .model import (
    DNS_NAMESPACE,
    DNS_PORT,
    NAMESPACE_NAME_LABEL,
    ContainerPort,
    Flow,
    Graph,
    IPBlock,
    LabelSelector,
    Peer,
    Policy,
    Rule,
    Workload,
)

SEVERITIES = ("error", "warning", "info")

MISSING_DNS = "missing-dns"
SELECTOR_OVERLAP = "selector-overlap"
UNKNOWN_NAMED_PORT = "unknown-named-port"
EGRESS_TO_INTERNET = "egress-to-internet"
DNS_BLOCKED_UDP = "dns-blocked-udp"
DNS_BLOCKED_TCP = "dns-blocked-tcp"
ONE_SIDED_FLOW = "one-sided-flow"
SELECTOR_MATCHES_NOTHING = "selector-matches-nothing"
NOT_ISOLATED = "not-isolated"
ALLOWS_ALL = "allows-all"
CROSS_NAMESPACE_PODSELECTOR = "cross-namespace-podselector"
OR_INSTEAD_OF_AND = "or-instead-of-and"
EXCEPT_OUTSIDE_CIDR = "except-outside-cidr"
IPBLOCK_TARGETS_POD = "ipblock-targets-pod"
DUPLICATE_POLICY_NAME = "duplicate-policy-name"
REDUNDANT_RULE = "redundant-rule"
ISOLATES_KUBE_SYSTEM = "isolates-kube-system"
FQDN_NOT_EXPRESSIBLE = "fqdn-not-expressible"

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


@without_gc  # see gcpause.py
def lint(graph: Graph, policies: list[Policy]) -> list[Finding]:
    findings: list[Finding] = []
    for check in CHECKS:
        findings.extend(check(graph, policies))
    return sorted(findings, key=Finding.sort_key)


def missing_dns(graph: Graph, policies: list[Policy]) -> list[Finding]:
    index = _Index(graph, policies)  # the policies that can select each pod, without a scan per workload
    return [f for workload in graph.workloads for f in _missing_dns_of(index, workload)]


def _missing_dns_of(index: _Index, workload: Workload) -> list[Finding]:
    pod = index.host(workload)
    if not index.selecting(pod, "egress"):
        return []
    blocked = [
        protocol for protocol in ("UDP", "TCP") if not index.side(pod, "egress", KUBE_DNS, protocol, DNS_PORT).allowed
    ]
    if not blocked:
        return []
    what = " and ".join(f"{p} {DNS_PORT}" for p in blocked)
    return [
        Finding(
            MISSING_DNS,
            "warning",
            f"{workload.ref} is isolated for egress but cannot resolve names: egress to {what} "
            f"in namespace {DNS_NAMESPACE} is not allowed. Fix: turn the DNS rule on in the "
            f'design\'s settings (one click in the editor, or PATCH the design with {{"dns": true}}).',
            workload.ref,
        )
    ]


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
    return [f for flow in graph.flows for f in _unknown_named_port_of(graph, flow)]


def _unknown_named_port_of(graph: Graph, flow: Flow) -> list[Finding]:
    destination = flow.destination
    if destination.kind == "workload":
        candidates = [graph.workload(destination.ref)]
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


def egress_to_internet(graph: Graph, policies: list[Policy]) -> list[Finding]:
    return [f for flow in graph.flows for f in _egress_to_internet_of(graph, flow)]


def _egress_to_internet_of(graph: Graph, flow: Flow) -> list[Finding]:
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


def fqdn_not_expressible(graph: Graph, policies: list[Policy]) -> list[Finding]:
    return [f for flow in graph.flows for f in _fqdn_not_expressible_of(graph, flow)]


def _fqdn_not_expressible_of(graph: Graph, flow: Flow) -> list[Finding]:
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


# ---------------------------------------------------------------- checks for any design, drawn or imported


class _Index:
    """Hosts and policies by namespace, so checks stay fast on large designs."""

    def __init__(self, graph: Graph, policies: list[Policy]):
        # the population (namespaces, workloads): caches shared by ``with_policies``
        self.graph = graph
        self.hosts = {w.ref: Host.of_workload(graph, w) for w in graph.workloads}
        self.workloads_by_namespace: dict[str, list[Workload]] = defaultdict(list)
        for w in graph.workloads:
            self.workloads_by_namespace[w.namespace].append(w)
        self.namespace_names = sorted({ns.name for ns in graph.namespaces} | set(self.workloads_by_namespace))
        self._peer_cache: dict[tuple[Peer, str], list[Workload]] = {}
        self._position = {w.ref: i for i, w in enumerate(graph.workloads)}
        self._namespace_labels: dict[str, dict[str, str]] = {}
        self._selected_namespaces: dict[LabelSelector, list[str]] = {}
        self._by_label: dict[tuple[str, str], list[Workload]] = defaultdict(list)  # in the design's order
        for w in graph.workloads:
            for pair in w.labels:
                self._by_label[pair].append(w)
        self._set_policies(policies)

    def with_policies(
        self,
        policies: list[Policy] | tuple[Policy, ...],
        removed: list[Policy] | None = None,
        inserted: list[Policy] | None = None,
    ) -> _Index:
        """The same design with other policies: shares this index's caches of the population (hosts, peers).

        With ``removed`` (objects of this index's policies) and ``inserted`` (objects of ``policies``), the
        policy tables are patched rather than built again: ``policies`` must be this index's policies without
        ``removed``, with ``inserted``, in any order.
        """
        other = object.__new__(_Index)
        other.__dict__.update(self.__dict__)
        if removed is None or inserted is None:
            other._set_policies(policies)
            return other
        other._selecting = {}
        other._policy_position = {id(p): i for i, p in enumerate(policies)}
        other.by_namespace = _patched(self.by_namespace, removed, inserted, _namespace_of)
        other._policies_by_label = _patched(self._policies_by_label, removed, inserted, _first_label_of)
        other._policies_unlabelled = _patched(self._policies_unlabelled, removed, inserted, _unlabelled_of)
        return other

    def _set_policies(self, policies: list[Policy] | tuple[Policy, ...]) -> None:
        self.by_namespace: dict[str, list[Policy]] = defaultdict(list)
        for policy in policies:
            self.by_namespace[policy.namespace].append(policy)
        self._selecting: dict[tuple[str | None, str, str], list[Policy]] = {}
        # policies by (namespace, first label of their pod selector); the rest (no matchLabels) per namespace
        self._policy_position = {id(p): i for i, p in enumerate(policies)}
        self._policies_by_label: dict[tuple[str, str, str], list[Policy]] = defaultdict(list)
        self._policies_unlabelled: dict[str, list[Policy]] = defaultdict(list)
        for policy in policies:
            labels = policy.pod_selector.match_labels
            if labels:
                self._policies_by_label[(policy.namespace, *labels[0])].append(policy)
            else:
                self._policies_unlabelled[policy.namespace].append(policy)

    def host(self, workload: Workload) -> Host:
        return self.hosts[workload.ref]

    def selected(self, policy: Policy) -> list[Workload]:
        labels = policy.pod_selector.match_labels
        if labels:  # a match needs the selector's first label: only workloads carrying it
            pool = [w for w in self._by_label.get(labels[0], []) if w.namespace == policy.namespace]
        else:
            pool = self.workloads_by_namespace.get(policy.namespace, [])
        return [w for w in pool if policy.pod_selector.matches(w.labels_dict)]

    def selecting(self, host: Host, direction: str) -> list[Policy]:
        """``selecting_policies(policies, host, direction)``, from the few candidates the label index names."""
        key = (host.namespace, host.name, direction)
        if key not in self._selecting:
            namespace = host.namespace or ""
            candidates = list(self._policies_unlabelled.get(namespace, []))
            for pair in host.labels.items():
                candidates.extend(self._policies_by_label.get((namespace, *pair), []))
            candidates.sort(key=lambda p: self._policy_position[id(p)])
            self._selecting[key] = selecting_policies(candidates, host, direction)
        return self._selecting[key]

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

    def peer_workloads(self, peer: Peer, namespace: str) -> list[Workload]:
        key = (peer, namespace)
        if key not in self._peer_cache:
            if peer.ip_block is not None:  # pods with a known IP: any namespace
                candidates: list[Workload] | tuple[Workload, ...] = self.graph.workloads
            else:  # only the namespaces the peer can match: not a scan of every workload per peer
                selector = peer.namespace_selector
                names = [namespace] if selector is None else self.matching_namespaces(selector)
                if peer.pod_selector is not None and peer.pod_selector.match_labels:
                    # a match needs the selector's first label: only workloads carrying it
                    within = set(names)
                    pool = self._by_label.get(peer.pod_selector.match_labels[0], [])
                    candidates = [w for w in pool if w.namespace in within]
                else:
                    candidates = [w for n in names for w in self.workloads_by_namespace.get(n, [])]
                    if len(names) > 1:  # keep the design's order
                        candidates.sort(key=lambda w: self._position[w.ref])
            self._peer_cache[key] = [w for w in candidates if peer_matches(peer, namespace, self.host(w))]
        return self._peer_cache[key]

    def side(self, host: Host, direction: str, other: Host, protocol: str, port: int):
        # side_verdict filters the policies selecting ``host`` again, to the same list
        return side_verdict(self.selecting(host, direction), host, direction, other, protocol, port)


def _namespace_of(policy: Policy) -> str:
    return policy.namespace


def _first_label_of(policy: Policy) -> tuple[str, str, str] | None:
    labels = policy.pod_selector.match_labels
    return (policy.namespace, *labels[0]) if labels else None


def _unlabelled_of(policy: Policy) -> str | None:
    return None if policy.pod_selector.match_labels else policy.namespace


def _patched(groups: dict, removed: list[Policy], inserted: list[Policy], key: Callable[[Policy], Any]) -> dict:
    """``groups`` (key → policies) without the objects ``removed`` and with ``inserted``; ``groups`` unchanged."""
    out = defaultdict(list, groups)
    copied = set()

    def members(policy: Policy) -> list[Policy] | None:
        """The policy's group in ``out``, copied before its first change (``groups`` keeps its lists)."""
        k = key(policy)
        if k is not None and k not in copied:
            out[k] = list(out[k])
            copied.add(k)
        return None if k is None else out[k]

    for policy in removed:
        group = members(policy)
        if group is not None:
            del group[next(i for i, p in enumerate(group) if p is policy)]
    for policy in inserted:
        group = members(policy)
        if group is not None:
            group.append(policy)
    return out


def _rules(policy: Policy) -> list[tuple[str, int, Rule]]:
    return [("ingress", i, r) for i, r in enumerate(policy.ingress)] + [
        ("egress", i, r) for i, r in enumerate(policy.egress)
    ]


def _rule_name(policy: Policy, direction: str, index: int) -> str:
    return f"{policy.ref} {direction} rule {index + 1}"


def dns_blocked(graph: Graph, policies: list[Policy]) -> list[Finding]:
    """Per protocol: UDP 53 blocked breaks every lookup, TCP 53 blocked breaks large answers."""
    index = _Index(graph, policies)
    return [f for workload in graph.workloads for f in _dns_blocked_of(index, workload)]


def _dns_blocked_of(index: _Index, workload: Workload) -> list[Finding]:
    pod = index.host(workload)
    if not index.selecting(pod, "egress"):
        return []
    findings = []
    for protocol, code, effect in (
        ("UDP", DNS_BLOCKED_UDP, "name lookups fail"),
        ("TCP", DNS_BLOCKED_TCP, "large DNS answers (and DNS over TCP) fail"),
    ):
        if not index.side(pod, "egress", KUBE_DNS, protocol, DNS_PORT).allowed:
            findings.append(
                Finding(
                    code,
                    "info",
                    f"{workload.ref} cannot send {protocol} {DNS_PORT} to the cluster DNS in {DNS_NAMESPACE}: "
                    f"{effect}. Fix: allow egress to namespace {DNS_NAMESPACE} on {protocol} {DNS_PORT}.",
                    workload.ref,
                )
            )
    return findings


def _probe_ports(rule: Rule, destination: Workload) -> list[tuple[str, int]]:
    if not rule.ports:
        return [(cp.protocol, cp.port) for cp in destination.ports]
    out = []
    for port in rule.ports:
        if port.port is None:
            out.extend((cp.protocol, cp.port) for cp in destination.ports if cp.protocol == port.protocol)
        elif isinstance(port.port, str):
            named = destination.named_port(port.port)
            if named is not None and named.protocol == port.protocol:
                out.append((port.protocol, named.port))
        else:
            out.append((port.protocol, port.port))
    return out


_ProbeKey = tuple[str, str, str, int]  # (source, destination, protocol, port)


def one_sided_flow(graph: Graph, policies: list[Policy]) -> list[Finding]:
    """A rule names pods on one side, but the other side's policies do not let the traffic through."""
    index = _Index(graph, policies)
    return _first_per_key(
        candidate for policy in policies for segment in _one_sided_segments(index, policy)[0] for candidate in segment
    )


_Candidates = tuple[tuple[_ProbeKey, Finding], ...]


def _one_sided_segments(
    index: _Index, policy: Policy, before: list[_Candidates] | None = None, touched: AbstractSet[str] = frozenset()
) -> tuple[list[_Candidates], frozenset[str]]:
    """What ``policy`` alone reports as one-sided, keyed by probe, and the workloads whose policies it consulted.

    One segment per (rule, selected pod, peer workload), in the order the rules, pods and peers come: the
    probes of one pair against the peer's policies.  The design-wide report keeps the first finding per key
    in policy order (``_first_per_key``).  A segment changes only with the policy, the population, or the
    policies selecting its peer workload: given the segments of ``before`` (same policy and population),
    only those whose peer is in ``touched`` are probed again.
    """
    selected = index.selected(policy)
    if not selected:
        return [], frozenset()
    segments: list[_Candidates] = []
    consulted: set[str] = set()
    for direction, number, rule in _rules(policy):
        specific = [p for p in rule.peers if p.pod_selector is not None and not p.pod_selector.is_empty]
        others = {w.ref: w for p in specific for w in index.peer_workloads(p, policy.namespace)}
        consulted.update(others)
        other_direction = "ingress" if direction == "egress" else "egress"
        for pod in selected:
            for other in others.values():
                if other.ref == pod.ref:
                    continue
                if before is not None and other.ref not in touched:
                    segments.append(before[len(segments)])
                    continue
                source, destination = (pod, other) if direction == "egress" else (other, pod)
                segment = []
                for protocol, port in _probe_ports(rule, destination):
                    verdict = index.side(index.host(other), other_direction, index.host(pod), protocol, port)
                    if verdict.allowed:
                        continue
                    segment.append(
                        (
                            (source.ref, destination.ref, protocol, port),
                            Finding(
                                ONE_SIDED_FLOW,
                                "warning",
                                f"{_rule_name(policy, direction, number)} allows {protocol} {port} from "
                                f"{source.ref} to {destination.ref}, but {other.ref} is isolated for "
                                f"{other_direction} by {', '.join(verdict.policies)} and no {other_direction} rule "
                                f"allows it, so the connection is blocked. Fix: allow it on both sides (a drawn "
                                f"flow does both).",
                                f"{source.ref} -> {destination.ref}",
                            ),
                        )
                    )
                segments.append(tuple(segment))
    return segments, frozenset(consulted)


def _first_per_key(candidates: Iterable[tuple[_ProbeKey, Finding]]) -> list[Finding]:
    """One finding per probe key: the first reported, in policy order."""
    seen: set[_ProbeKey] = set()
    findings = []
    for key, finding in candidates:
        if key not in seen:
            seen.add(key)
            findings.append(finding)
    return findings


def selector_matches_nothing(graph: Graph, policies: list[Policy]) -> list[Finding]:
    """Selectors that match no workload, where the design knows the workloads of the namespaces concerned."""
    index = _Index(graph, policies)
    return [f for policy in policies for f in _selector_matches_nothing_of(index, policy)]


def _selector_matches_nothing_of(index: _Index, policy: Policy) -> list[Finding]:
    findings = []
    if index.workloads_by_namespace.get(policy.namespace) and not index.selected(policy):
        findings.append(
            Finding(
                SELECTOR_MATCHES_NOTHING,
                "warning",
                f"Policy {policy.ref} selects no workload of namespace {policy.namespace}, so it does "
                f"nothing here. Fix: check its podSelector against the workloads' labels.",
                policy.ref,
            )
        )
    for direction, number, rule in _rules(policy):
        for peer in rule.peers:
            if peer.pod_selector is None:
                continue
            if peer.namespace_selector is None:
                namespaces = [policy.namespace]
            else:
                namespaces = index.matching_namespaces(peer.namespace_selector)
            if not any(index.workloads_by_namespace.get(n) for n in namespaces):
                continue  # the design does not know those pods (e.g. kube-system)
            if not index.peer_workloads(peer, policy.namespace):
                findings.append(
                    Finding(
                        SELECTOR_MATCHES_NOTHING,
                        "warning",
                        f"A peer of {_rule_name(policy, direction, number)} matches no workload of the "
                        f"design (namespaces {', '.join(namespaces)}), so that peer allows nothing. Fix: "
                        f"check its selectors against the workloads' labels.",
                        policy.ref,
                    )
                )
    return findings


def not_isolated(graph: Graph, policies: list[Policy]) -> list[Finding]:
    index = _Index(graph, policies)
    return [f for workload in graph.workloads for f in _not_isolated_of(index, workload)]


def _not_isolated_of(index: _Index, workload: Workload) -> list[Finding]:
    candidates = index.by_namespace.get(workload.namespace, [])
    if any(p.pod_selector.matches(workload.labels_dict) for p in candidates):
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


def _everyone(peers: tuple[Peer, ...]) -> bool:
    if not peers:
        return True
    return any(
        p.ip_block is None
        and p.namespace_selector is not None
        and p.namespace_selector.is_empty
        and (p.pod_selector is None or p.pod_selector.is_empty)
        for p in peers
    )


def allows_all(graph: Graph, policies: list[Policy]) -> list[Finding]:
    return [f for policy in policies for f in _allows_all_of(policy)]


def _allows_all_of(policy: Policy) -> list[Finding]:
    findings = []
    for direction, number, rule in _rules(policy):
        if _everyone(rule.peers) and not rule.ports:
            whom = "from every source" if direction == "ingress" else "to every destination"
            findings.append(
                Finding(
                    ALLOWS_ALL,
                    "warning",
                    f"{_rule_name(policy, direction, number)} allows all traffic {whom} on every port, "
                    f"so {policy.ref} does not restrict {direction} of the pods it selects. Fix: name the "
                    f"peers and ports the pods need.",
                    policy.ref,
                )
            )
    return findings


def cross_namespace_podselector(graph: Graph, policies: list[Policy]) -> list[Finding]:
    index = _Index(graph, policies)
    return [f for policy in policies for f in _cross_namespace_podselector_of(index, policy)]


def _cross_namespace_podselector_of(index: _Index, policy: Policy) -> list[Finding]:
    findings = []
    for direction, number, rule in _rules(policy):
        for peer in rule.peers:
            if peer.pod_selector is None or peer.namespace_selector is not None or peer.pod_selector.is_empty:
                continue
            if index.peer_workloads(peer, policy.namespace):
                continue
            elsewhere = [
                w.ref
                for w in index.graph.workloads
                if w.namespace != policy.namespace and peer.pod_selector.matches(w.labels_dict)
            ]
            if elsewhere:
                findings.append(
                    Finding(
                        CROSS_NAMESPACE_PODSELECTOR,
                        "warning",
                        f"{_rule_name(policy, direction, number)} has a podSelector without a "
                        f"namespaceSelector: it only matches pods in {policy.namespace}, not "
                        f"{', '.join(elsewhere[:5])}. Fix: add a namespaceSelector to the same peer "
                        f"(same list item), e.g. kubernetes.io/metadata.name: "
                        f"{elsewhere[0].split('/', 1)[0]}.",
                        policy.ref,
                    )
                )
    return findings


def or_instead_of_and(graph: Graph, policies: list[Policy]) -> list[Finding]:
    index = _Index(graph, policies)
    return [f for policy in policies for f in _or_instead_of_and_of(index, policy)]


def _or_instead_of_and_of(index: _Index, policy: Policy) -> list[Finding]:
    findings = []
    for direction, number, rule in _rules(policy):
        namespace_only = [p for p in rule.peers if p.namespace_selector is not None and p.pod_selector is None]
        pod_only = [
            p
            for p in rule.peers
            if p.pod_selector is not None and p.namespace_selector is None and not p.pod_selector.is_empty
        ]
        if not namespace_only or not pod_only:
            continue
        if any(index.peer_workloads(p, policy.namespace) for p in pod_only):
            continue  # the podSelector alone names pods of the policy's namespace: probably meant
        findings.append(
            Finding(
                OR_INSTEAD_OF_AND,
                "warning",
                f"{_rule_name(policy, direction, number)} lists a namespaceSelector and a podSelector as "
                f"two peers, which means OR: every pod of those namespaces, or those pods in "
                f"{policy.namespace}. Fix: to require both, put them in one list item (drop the second '-').",
                policy.ref,
            )
        )
    return findings


def _ip_blocks(graph: Graph, policies: list[Policy]) -> list[tuple[str, IPBlock]]:
    out = _external_ip_blocks(graph)
    for policy in policies:
        out.extend(_policy_ip_blocks(policy))
    return out


def _external_ip_blocks(graph: Graph) -> list[tuple[str, IPBlock]]:
    return [(f"external {e.name}", IPBlock(e.cidr, e.except_)) for e in graph.externals if not e.fqdn]


def _policy_ip_blocks(policy: Policy) -> list[tuple[str, IPBlock]]:
    return [
        (_rule_name(policy, direction, number), p.ip_block)
        for direction, number, rule in _rules(policy)
        for p in rule.peers
        if p.ip_block
    ]


def except_outside_cidr(graph: Graph, policies: list[Policy]) -> list[Finding]:
    return [f for where, block in _ip_blocks(graph, policies) for f in _except_outside_cidr_of(where, block)]


def _except_outside_cidr_of(where: str, block: IPBlock) -> list[Finding]:
    try:
        validate.check_except(validate.check_cidr(block.cidr), list(block.except_))
    except validate.Invalid as exc:
        return [Finding(EXCEPT_OUTSIDE_CIDR, "error", f"{where}: {exc} The API server refuses it.", where)]
    return []


_PodIPs = list[tuple[Workload, ipaddress.IPv4Address | ipaddress.IPv6Address]]


def _pod_ips(graph: Graph) -> _PodIPs:
    return [(w, ipaddress.ip_address(w.ip)) for w in graph.workloads if w.ip]


def ipblock_targets_pod(graph: Graph, policies: list[Policy]) -> list[Finding]:
    pods = _pod_ips(graph)
    if not pods:
        return []
    return [f for where, block in _ip_blocks(graph, policies) for f in _ipblock_targets_pod_of(pods, where, block)]


def _ipblock_targets_pod_of(pods: _PodIPs, where: str, block: IPBlock) -> list[Finding]:
    if not pods:
        return []
    try:
        network = ipaddress.ip_network(block.cidr, strict=False)
        excepts = [ipaddress.ip_network(e, strict=False) for e in block.except_]
    except ValueError:
        return []
    hit = [
        w.ref for w, ip in pods if ip.version == network.version and ip in network and not any(ip in e for e in excepts)
    ]
    if not hit:
        return []
    return [
        Finding(
            IPBLOCK_TARGETS_POD,
            "warning",
            f"{where} uses ipBlock {block.cidr}, which covers the pod IP of {', '.join(hit[:5])}: pod IPs "
            f"change when pods restart, and many network plugins ignore ipBlocks for pods. Fix: use a "
            f"podSelector (with a namespaceSelector) for pods.",
            where,
        )
    ]


def duplicate_policy_name(graph: Graph, policies: list[Policy]) -> list[Finding]:
    counts: dict[str, int] = defaultdict(int)
    for policy in policies:
        counts[policy.ref] += 1
    return _duplicates(counts)


def _duplicates(counts: dict[str, int]) -> list[Finding]:
    return [
        Finding(
            DUPLICATE_POLICY_NAME,
            "warning",
            f"{count} policies are named {ref}: applying them, the last one replaces the others. Fix: rename all "
            f"but one.",
            ref,
        )
        for ref, count in counts.items()
        if count > 1
    ]


def _covers(a: Rule, b: Rule) -> bool:
    peers_ok = not a.peers or (bool(b.peers) and set(b.peers) <= set(a.peers))
    ports_ok = not a.ports or (bool(b.ports) and set(b.ports) <= set(a.ports))
    return peers_ok and ports_ok


def redundant_rule(graph: Graph, policies: list[Policy]) -> list[Finding]:
    return [f for policy in policies for f in _redundant_rule_of(policy)]


def _redundant_rule_of(policy: Policy) -> list[Finding]:
    findings = []
    for direction, rules in (("ingress", policy.ingress), ("egress", policy.egress)):
        for i, rule in enumerate(rules):
            for k, other in enumerate(rules):
                if k == i or not _covers(other, rule):
                    continue
                if _covers(rule, other) and k > i:
                    continue  # identical: report only the later one
                findings.append(
                    Finding(
                        REDUNDANT_RULE,
                        "info",
                        f"{_rule_name(policy, direction, i)} allows nothing that {direction} rule {k + 1} "
                        f"does not already allow. Fix: remove it.",
                        policy.ref,
                    )
                )
                break
    return findings


def isolates_kube_system(graph: Graph, policies: list[Policy]) -> list[Finding]:
    """A flow to the whole kube-system namespace isolates every pod in it for ingress, cluster DNS included."""
    return [f for flow in graph.flows for f in _isolates_kube_system_of(flow)]


def _isolates_kube_system_of(flow: Flow) -> list[Finding]:
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


CHECKS = (
    missing_dns,
    isolates_kube_system,
    selector_overlap,
    unknown_named_port,
    egress_to_internet,
    fqdn_not_expressible,
    dns_blocked,
    one_sided_flow,
    selector_matches_nothing,
    not_isolated,
    allows_all,
    cross_namespace_podselector,
    or_instead_of_and,
    except_outside_cidr,
    ipblock_targets_pod,
    duplicate_policy_name,
    redundant_rule,
)


# ---------------------------------------------------------------- incremental: lint again after an edit


@dataclass(frozen=True)
class _PolicyUnit:
    """What one policy contributes: its own findings (policy + population) and its one-sided candidates."""

    findings: tuple[Finding, ...]
    segments: list[_Candidates]  # see _one_sided_segments
    one_sided: _Candidates  # the segments, joined
    consulted: frozenset[str]  # workloads whose selecting policies the segments read

    @classmethod
    def of(cls, findings: tuple[Finding, ...], segments: list[_Candidates], consulted: frozenset[str]) -> _PolicyUnit:
        return cls(findings, segments, tuple(c for segment in segments for c in segment), consulted)


class LintState:
    """``lint(graph, policies)`` kept by unit (workload, flow, policy), so that an edit is linted again quickly.

    ``LintState.full(graph, policies).findings == lint(graph, policies)``, and ``state.update(graph2, policies2)``
    gives the findings of ``lint(graph2, policies2)`` for any design; it is fast when the population (namespaces,
    workloads, externals) is unchanged and few policies changed, as after adding or deleting a flow.  Equality
    decides what changed (identity only saves time): the units of unchanged flows and policies are kept, the
    workloads that a changed policy (old or new version) selects are linted again, and so are the one-sided
    probes of other policies against those workloads.  ``incremental`` and the ``relinted_*`` counts say what
    an update did.
    """

    # Above this share of changed policies (a settings change rewrites them all) a full lint is as fast.
    FULL_ABOVE = 0.25

    findings: list[Finding]

    def __init__(
        self,
        *,
        graph: Graph,
        policies: tuple[Policy, ...],
        index: _Index,
        pods: _PodIPs,
        positions: dict[str, list[int]],
        population_findings: list[Finding],
        workload_units: list[list[Finding]],
        flow_units: list[list[Finding]],
        policy_units: list[_PolicyUnit],
        ref_counts: dict[str, int],
        incremental: bool,
        relinted_policies: int,
        relinted_workloads: int,
    ):
        self._graph = graph
        self._policies = policies
        self._index = index
        self._pods = pods
        self._positions = positions  # of the workloads, by ref
        self._population_findings = population_findings
        self._workload_units = workload_units  # per workload of the design
        self._flow_units = flow_units  # per flow of the design
        self._policy_units = policy_units  # per policy
        self._ref_counts = ref_counts
        self.incremental = incremental
        self.relinted_policies = relinted_policies
        self.relinted_workloads = relinted_workloads
        findings = list(population_findings)
        for units in (flow_units, workload_units):
            for found in units:
                if found:
                    findings.extend(found)
        for unit in policy_units:
            if unit.findings:
                findings.extend(unit.findings)
        findings.extend(_first_per_key(c for unit in policy_units if unit.one_sided for c in unit.one_sided))
        findings.extend(_duplicates(ref_counts))
        # sort_key is the whole finding: findings with equal keys are equal, so the order of the parts is free
        self.findings = sorted(findings, key=Finding.sort_key)

    @classmethod
    @without_gc
    def full(cls, graph: Graph, policies: list[Policy] | tuple[Policy, ...]) -> LintState:
        policies = tuple(policies)
        index = _Index(graph, policies)
        pods = _pod_ips(graph)
        population_findings = selector_overlap(graph, [])
        for where, block in _external_ip_blocks(graph):
            population_findings += _except_outside_cidr_of(where, block) + _ipblock_targets_pod_of(pods, where, block)
        positions: dict[str, list[int]] = defaultdict(list)
        for position, workload in enumerate(graph.workloads):
            positions[workload.ref].append(position)
        ref_counts: dict[str, int] = defaultdict(int)
        for policy in policies:
            ref_counts[policy.ref] += 1
        return cls(
            graph=graph,
            policies=policies,
            index=index,
            pods=pods,
            positions=positions,
            population_findings=population_findings,
            workload_units=[_workload_unit(index, w) for w in graph.workloads],
            flow_units=[_flow_unit(graph, flow) for flow in graph.flows],
            policy_units=[_policy_unit(index, pods, policy) for policy in policies],
            ref_counts=ref_counts,
            incremental=False,
            relinted_policies=len(policies),
            relinted_workloads=len(graph.workloads),
        )

    @without_gc
    def update(self, graph: Graph, policies: list[Policy] | tuple[Policy, ...]) -> LintState:
        """The state of a changed design; ``self`` stays as it is."""
        policies = tuple(policies)
        old_graph = self._graph
        if not (
            _same(graph.namespaces, old_graph.namespaces)
            and _same(graph.workloads, old_graph.workloads)
            and _same(graph.externals, old_graph.externals)
        ):
            return LintState.full(graph, policies)
        old = self._policies
        matched, gone, added = _match(old, policies)
        if len(gone) + len(added) > self.FULL_ABOVE * max(len(old), len(policies)) + 4:
            return LintState.full(graph, policies)

        changed = [old[i] for i in gone] + [policies[j] for j in added]
        # the index's policy tables hold objects: swap the equal but not identical ones too
        swapped = [j for j, i in enumerate(matched) if i >= 0 and old[i] is not policies[j]]
        if len(swapped) + len(changed) <= 64:
            removed = [old[i] for i in gone] + [old[matched[j]] for j in swapped]
            inserted = [policies[j] for j in added] + [policies[j] for j in swapped]
            index = self._index.with_policies(policies, removed, inserted)  # the population's caches carry over
        else:
            index = self._index.with_policies(policies)
        touched = {w.ref for policy in changed for w in index.selected(policy)}

        workload_units = self._workload_units
        relinted_workloads = 0
        if touched:
            workload_units = list(workload_units)
            workloads = index.graph.workloads
            for ref in touched:
                for position in self._positions[ref]:
                    workload_units[position] = _workload_unit(index, workloads[position])
                    relinted_workloads += 1

        relinted_policies = 0
        policy_units = []
        for j, policy in enumerate(policies):
            i = matched[j]
            if i < 0:
                unit = _policy_unit(index, self._pods, policy)
                relinted_policies += 1
            else:
                unit = self._policy_units[i]
                if touched and not unit.consulted.isdisjoint(touched):
                    segments, consulted = _one_sided_segments(index, policy, unit.segments, touched)
                    unit = _PolicyUnit.of(unit.findings, segments, consulted)
                    relinted_policies += 1
            policy_units.append(unit)

        ref_counts = self._ref_counts
        if changed:
            ref_counts = defaultdict(int, ref_counts)
            for i in gone:
                ref_counts[old[i].ref] -= 1
            for j in added:
                ref_counts[policies[j].ref] += 1

        return LintState(
            graph=graph,
            policies=policies,
            index=index,
            pods=self._pods,
            positions=self._positions,
            population_findings=self._population_findings,
            workload_units=workload_units,
            flow_units=_flow_units(old_graph.flows, self._flow_units, graph),
            policy_units=policy_units,
            ref_counts=ref_counts,
            incremental=True,
            relinted_policies=relinted_policies,
            relinted_workloads=relinted_workloads,
        )


def _same(a: tuple, b: tuple) -> bool:
    return a is b or a == b


def _common_ends(old: tuple, new: tuple) -> tuple[int, int]:
    """How many items ``old`` and ``new`` share at the start, and then at the end (identical or equal)."""
    start = 0
    for a, b in zip(old, new, strict=False):  # lengths may differ
        if a is not b and a != b:
            break
        start += 1
    end = 0
    limit = min(len(old), len(new)) - start
    for a, b in zip(reversed(old), reversed(new), strict=False):
        if end == limit or (a is not b and a != b):
            break
        end += 1
    return start, end


def _match(old: tuple[Policy, ...], new: tuple[Policy, ...]) -> tuple[list[int], list[int], list[int]]:
    """Pair each new policy with an equal old one: (old position per new position or -1, unpaired old, unpaired new).

    Same position first (identical or equal), then identity, then equality within a namespace and name.
    """
    start, end = _common_ends(old, new)
    matched = list(range(start)) + [-1] * (len(new) - start - end) + list(range(len(old) - end, len(old)))
    if len(old) == len(new):  # the usual edit: policies changed in place
        rest_old, rest_new = [], []
        for i in range(start, len(old) - end):
            if old[i] is new[i] or old[i] == new[i]:
                matched[i] = i
            else:
                rest_old.append(i)
                rest_new.append(i)
    else:
        rest_old, rest_new = list(range(start, len(old) - end)), list(range(start, len(new) - end))
    if not rest_new:
        return matched, rest_old, []
    by_id: dict[int, list[int]] = {}
    for i in rest_old:
        by_id.setdefault(id(old[i]), []).append(i)
    used: set[int] = set()
    rest = []
    for j in rest_new:
        for i in by_id.get(id(new[j]), ()):
            if i not in used:
                used.add(i)
                matched[j] = i
                break
        else:
            rest.append(j)
    by_name: dict[tuple[str, str], list[int]] = defaultdict(list)
    if rest:
        for i in rest_old:
            if i not in used:
                by_name[(old[i].namespace, old[i].name)].append(i)
    added = []
    for j in rest:
        policy = new[j]
        candidates = by_name.get((policy.namespace, policy.name), [])
        i = next((i for i in candidates if old[i] == policy), -1)
        if i < 0:
            added.append(j)
        else:
            candidates.remove(i)
            used.add(i)
            matched[j] = i
    gone = [i for i in rest_old if i not in used]
    return matched, gone, added


def _flow_units(old_flows: tuple[Flow, ...], old_units: list[list[Finding]], graph: Graph) -> list[list[Finding]]:
    """The findings per flow of ``graph``: of the old flow when identical or equal (same population), else anew."""
    flows = graph.flows
    if flows is old_flows:
        return old_units
    start, end = _common_ends(old_flows, flows)
    by_id = {id(old_flows[i]): i for i in range(start, len(old_flows) - end)}
    middle = []
    for flow in flows[start : len(flows) - end]:
        i = by_id.get(id(flow))
        middle.append(old_units[i] if i is not None else _flow_unit(graph, flow))
    return old_units[:start] + middle + old_units[len(old_units) - end :]


def _workload_unit(index: _Index, workload: Workload) -> list[Finding]:
    return _missing_dns_of(index, workload) + _dns_blocked_of(index, workload) + _not_isolated_of(index, workload)


def _flow_unit(graph: Graph, flow: Flow) -> list[Finding]:
    return (
        _isolates_kube_system_of(flow)
        + _unknown_named_port_of(graph, flow)
        + _egress_to_internet_of(graph, flow)
        + _fqdn_not_expressible_of(graph, flow)
    )


def _policy_unit(index: _Index, pods: _PodIPs, policy: Policy) -> _PolicyUnit:
    findings = (
        _selector_matches_nothing_of(index, policy)
        + _allows_all_of(policy)
        + _cross_namespace_podselector_of(index, policy)
        + _or_instead_of_and_of(index, policy)
        + _redundant_rule_of(policy)
    )
    for where, block in _policy_ip_blocks(policy):
        findings += _except_outside_cidr_of(where, block) + _ipblock_targets_pod_of(pods, where, block)
    return _PolicyUnit.of(tuple(findings), *_one_sided_segments(index, policy))
