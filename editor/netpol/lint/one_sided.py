"""``one-sided-flow``: a rule names pods on one side, but the other side's policies do not let the traffic through.

Each policy contributes candidates keyed by probe (source, destination, protocol, port); the design-wide report
keeps the first finding per key in policy order (``first_per_key``).
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Set as AbstractSet

from editor.netpol.model import Policy, Rule, Workload

from .finding import ONE_SIDED_FLOW, Finding
from .index import Index, rule_name, rules_of

ProbeKey = tuple[str, str, str, int]  # (source, destination, protocol, port)

# A pod selector (of a policy, or of a peer) that matches more workloads than this does not name pods: it is a
# group, such as every pod of a namespace or a team, and its pairs are not probed.  Probing them would compare
# every pair of the two groups (and report every pair).  A drawn flow's policies name pods, or are a namespace's.
NAMED_PODS = 32
Candidates = tuple[tuple[ProbeKey, Finding], ...]


def _probe_ports(rule: Rule, destination: Workload) -> list[tuple[str, int]]:
    if not rule.ports:
        return [(cp.protocol, cp.port) for cp in destination.ports]
    out: list[tuple[str, int]] = []
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


def one_sided_segments(
    index: Index, policy: Policy, before: list[Candidates] | None = None, touched: AbstractSet[str] = frozenset()
) -> tuple[list[Candidates], frozenset[str]]:
    """What ``policy`` alone reports as one-sided, keyed by probe, and the workloads whose policies it consulted.

    Only pods a selector names are probed: a policy, or a peer, whose pod selector matches at most ``NAMED_PODS``
    workloads.

    One segment per (rule, selected pod, peer workload), in the order the rules, pods and peers come: the
    probes of one pair against the peer's policies.  A segment changes only with the policy, the population,
    or the policies selecting its peer workload: given the segments of ``before`` (same policy and
    population), only those whose peer is in ``touched`` are probed again.
    """
    selected = index.selected(policy)
    if not selected or len(selected) > NAMED_PODS:
        return [], frozenset()
    segments: list[Candidates] = []
    consulted: set[str] = set()
    for direction, number, rule in rules_of(policy):
        specific = [p for p in rule.peers if p.pod_selector is not None and not p.pod_selector.is_empty]
        named = [index.peer_workloads(p, policy.namespace) for p in specific]
        others = {w.ref: w for workloads in named if len(workloads) <= NAMED_PODS for w in workloads}
        consulted.update(others)
        if not others:
            continue
        other_direction = "ingress" if direction == "egress" else "egress"
        # numbered ports probe the same on every destination: worked out once per rule
        numbered = (
            [(p.protocol, p.port) for p in rule.ports if isinstance(p.port, int)]
            if rule.ports and all(isinstance(p.port, int) and p.end_port is None for p in rule.ports)
            else None
        )
        for pod in selected:
            pod_ref = pod.ref
            for other_ref, other in others.items():
                if other_ref == pod_ref:
                    continue
                if before is not None and other_ref not in touched:
                    segments.append(before[len(segments)])
                    continue
                source, destination = (pod, other) if direction == "egress" else (other, pod)
                probes = numbered if numbered is not None else _probe_ports(rule, destination)
                blocked = (
                    index.blocked(index.hosts[other_ref], other_direction, pod, probes, rule.ports) if probes else []
                )
                if not blocked:
                    segments.append(())
                    continue
                isolating = ", ".join(sorted(p.ref for p in index.selecting(index.host(other), other_direction)))
                segment = [
                    (
                        (source.ref, destination.ref, protocol, port),
                        Finding(
                            ONE_SIDED_FLOW,
                            "warning",
                            f"{rule_name(policy, direction, number)} allows {protocol} {port} from "
                            f"{source.ref} to {destination.ref}, but {other.ref} is isolated for "
                            f"{other_direction} by {isolating} and no {other_direction} rule "
                            f"allows it, so the connection is blocked. Fix: allow it on both sides (a drawn "
                            f"flow does both).",
                            f"{source.ref} -> {destination.ref}",
                        ),
                    )
                    for protocol, port in blocked
                ]
                segments.append(tuple(segment))
    return segments, frozenset(consulted)


def first_per_key(candidates: Iterable[tuple[ProbeKey, Finding]]) -> list[Finding]:
    """One finding per probe key: the first reported, in policy order."""
    seen: set[ProbeKey] = set()
    findings = []
    for key, finding in candidates:
        if key not in seen:
            seen.add(key)
            findings.append(finding)
    return findings
