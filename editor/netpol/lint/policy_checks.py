"""Checks of one NetworkPolicy: its selectors against the design's workloads, and its rules' shape."""

from __future__ import annotations

from editor.netpol.model import Peer, Policy, Port, Rule

from .finding import (
    ALLOWS_ALL,
    ALLOWS_ALL_PODS,
    CROSS_NAMESPACE_PODSELECTOR,
    OR_INSTEAD_OF_AND,
    REDUNDANT_RULE,
    SELECTOR_MATCHES_NOTHING,
    SELECTOR_OVERLAP,
    SPLIT_RULE,
    Finding,
)
from .index import Index, rule_name, rules_of


def selector_overlap_of(index: Index, policy: Policy) -> list[Finding]:
    """A policy that selects a workload by exactly that workload's labels also selects other workloads.

    Only where a policy selects by the overlapping labels: two workloads whose labels overlap are no problem
    until a policy meant for one (its selector is that workload's labels) gives the other its permissions.
    """
    selector = policy.pod_selector
    if selector.match_expressions:
        return []
    owners = index.labelled_exactly(policy.namespace, selector.match_labels)
    if not owners:
        return []
    selected = index.selected(policy)
    if len(selected) < 2:
        return []
    owners = [w for w in owners if w.name == policy.name] or (owners if selector.match_labels else [])
    labels = ", ".join(f"{k}={v}" for k, v in selector.match_labels) or "no labels"
    findings = []
    for owner in owners:
        others = [w.ref for w in selected[:6] if w is not owner][:5]
        more = len(selected) - 1 - len(others)
        listed = ", ".join(others) + (f" and {more} more" if more else "")
        verb = "gets" if len(selected) == 2 else "get"
        findings.append(
            Finding(
                SELECTOR_OVERLAP,
                "warning",
                f"Policy {policy.ref} selects {owner.ref} by its labels ({labels}) and also selects {listed}, "
                f"so {listed} {verb} {owner.ref}'s permissions. Fix: give {owner.ref} a label that "
                f"{others[0]} does not have.",
                owner.ref,
            )
        )
    return findings


def selector_matches_nothing_of(index: Index, policy: Policy) -> list[Finding]:
    """Selectors that match no workload, where the design knows the workloads of the namespaces concerned."""
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
    for direction, number, rule in rules_of(policy):
        for peer in rule.peers:
            if peer.pod_selector is None:
                continue
            if index.peer_workloads(peer, policy.namespace):
                continue
            namespaces = index.peer_namespaces(peer, policy.namespace)
            if any(index.workloads_by_namespace.get(n) for n in namespaces):  # else the design does not know them
                findings.append(
                    Finding(
                        SELECTOR_MATCHES_NOTHING,
                        "warning",
                        f"A peer of {rule_name(policy, direction, number)} matches no workload of the "
                        f"design (namespaces {', '.join(namespaces)}), so that peer allows nothing. Fix: "
                        f"check its selectors against the workloads' labels.",
                        policy.ref,
                    )
                )
    return findings


def _every_pod(peer: Peer) -> bool:
    """``namespaceSelector: {}`` (with no or an empty podSelector): every pod of the cluster, nothing outside."""
    return (
        peer.ip_block is None
        and peer.namespace_selector is not None
        and peer.namespace_selector.is_empty
        and (peer.pod_selector is None or peer.pod_selector.is_empty)
    )


def allows_all_of(index: Index, policy: Policy) -> list[Finding]:
    """A rule without peers and ports allows everything; with ``namespaceSelector: {}``, the whole cluster."""
    findings = []
    for direction, number, rule in rules_of(policy):
        if rule.ports:
            continue
        whom_from = "from" if direction == "ingress" else "to"
        if not rule.peers:
            findings.append(
                Finding(
                    ALLOWS_ALL,
                    "warning",
                    f"{rule_name(policy, direction, number)} names no peers and no ports, so it allows all traffic "
                    f"{whom_from} anywhere (inside and outside the cluster) on every port: {policy.ref} does not "
                    f"restrict {direction} of the pods it selects. Fix: name the peers and ports the pods need.",
                    policy.ref,
                )
            )
        elif any(_every_pod(p) for p in rule.peers):
            findings.append(
                Finding(
                    ALLOWS_ALL_PODS,
                    "info",
                    f"{rule_name(policy, direction, number)} has a peer with an empty namespaceSelector, so it "
                    f"allows {direction} {whom_from} every pod of every namespace in the cluster (not addresses "
                    f"outside it) on every port. Fix: if only some namespaces or pods need it, select them by "
                    f"label, and name the ports.",
                    policy.ref,
                )
            )
    return findings


def cross_namespace_podselector_of(index: Index, policy: Policy) -> list[Finding]:
    findings = []
    for direction, number, rule in rules_of(policy):
        for peer in rule.peers:
            if peer.pod_selector is None or peer.namespace_selector is not None or peer.pod_selector.is_empty:
                continue
            if index.peer_workloads(peer, policy.namespace):
                continue
            elsewhere = [w.ref for w in index.matching_elsewhere(peer.pod_selector, policy.namespace)]
            if elsewhere:
                findings.append(
                    Finding(
                        CROSS_NAMESPACE_PODSELECTOR,
                        "warning",
                        f"{rule_name(policy, direction, number)} has a podSelector without a "
                        f"namespaceSelector: it only matches pods in {policy.namespace}, not "
                        f"{', '.join(elsewhere[:5])}. Fix: add a namespaceSelector to the same peer "
                        f"(same list item), e.g. kubernetes.io/metadata.name: "
                        f"{elsewhere[0].split('/', 1)[0]}.",
                        policy.ref,
                    )
                )
    return findings


def or_instead_of_and_of(index: Index, policy: Policy) -> list[Finding]:
    findings = []
    for direction, number, rule in rules_of(policy):
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
                f"{rule_name(policy, direction, number)} lists a namespaceSelector and a podSelector as "
                f"two peers, which means OR: every pod of those namespaces, or those pods in "
                f"{policy.namespace}. Fix: to require both, put them in one list item (drop the second '-').",
                policy.ref,
            )
        )
    return findings


def split_rule_of(index: Index, policy: Policy) -> list[Finding]:
    """A rule with peers and no ports, right before a rule with ports and no peers: one rule split by a stray '-'.

    Written ``- from: [...]`` then ``- ports: [...]``, the peers get every port and every peer gets the ports;
    without the second '-' the rule allows only those peers on those ports.  The other order (ports first, as
    in "DNS to anywhere, and anything to the cluster's pods") is a common deliberate pair and is not reported.
    """
    findings = []
    for direction, rules in (("ingress", policy.ingress), ("egress", policy.egress)):
        for i in range(len(rules) - 1):
            peers_only, ports_only = rules[i], rules[i + 1]
            if not (peers_only.peers and not peers_only.ports and ports_only.ports and not ports_only.peers):
                continue
            key = "from" if direction == "ingress" else "to"
            ports = ", ".join(p.label() for p in ports_only.ports)
            findings.append(
                Finding(
                    SPLIT_RULE,
                    "warning",
                    f"{rule_name(policy, direction, i)} and rule {i + 2} look like one rule split by a stray '-' "
                    f"before 'ports': rule {i + 1} allows its peers on every port, and rule {i + 2} allows "
                    f"{ports} {key} anywhere. Fix: delete the '-' before 'ports' so that '{key}' and 'ports' are "
                    f"one rule (only those peers, only those ports); if both rules are meant, keep them.",
                    policy.ref,
                )
            )
    return findings


def _covers(a: Rule, b: Rule) -> bool:
    """Does rule ``a`` allow everything rule ``b`` allows?"""
    if a.ports and (not b.ports or not set(b.ports) <= set(a.ports)):
        return False
    return not a.peers or (bool(b.peers) and set(b.peers) <= set(a.peers))


def redundant_rule_of(index: Index, policy: Policy) -> list[Finding]:
    """A rule that allows nothing another rule of the same direction does not.

    Only rules that can cover a rule are compared with it: those without ports, and those listing its first port
    (a policy's rules, not every pair of them).
    """
    findings = []
    for direction, rules in (("ingress", policy.ingress), ("egress", policy.egress)):
        if len(rules) < 2:
            continue
        portless = [k for k, r in enumerate(rules) if not r.ports]
        by_port: dict[Port, set[int]] = {}
        for k, r in enumerate(rules):
            for port in r.ports:
                by_port.setdefault(port, set()).add(k)
        if not portless and all(len(ks) == 1 for ks in by_port.values()):
            continue  # no two rules share a port, and none has every port: none covers another
        for i, rule in enumerate(rules):
            candidates = sorted(set(portless) | by_port[rule.ports[0]]) if rule.ports else portless
            for k in candidates:
                other = rules[k]
                if k == i or not _covers(other, rule):
                    continue
                if _covers(rule, other) and k > i:
                    continue  # identical: report only the later one
                findings.append(
                    Finding(
                        REDUNDANT_RULE,
                        "info",
                        f"{rule_name(policy, direction, i)} allows nothing that {direction} rule {k + 1} "
                        f"does not already allow. Fix: remove it.",
                        policy.ref,
                    )
                )
                break
    return findings
