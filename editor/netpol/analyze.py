"""Who can reach whom, and why: NetworkPolicy semantics evaluated directly.

A connection from A to B on (protocol, port) is allowed only when both sides
allow it: A's egress (when some policy selecting A is egress-isolated) and B's
ingress (likewise).  A side that no policy isolates allows everything.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from .model import ContainerPort, Graph, Peer, Policy, Port, Rule, Workload


@dataclass(frozen=True)
class Host:
    """A pod (``namespace`` set) or an address outside the cluster (``namespace`` None)."""

    namespace: str | None = None
    labels: dict[str, str] = field(default_factory=dict)
    namespace_labels: dict[str, str] = field(default_factory=dict)
    ports: tuple[ContainerPort, ...] = ()
    ip: str | None = None
    name: str = ""

    @classmethod
    def of_workload(cls, graph: Graph, workload: Workload, ip: str | None = None) -> Host:
        return cls(
            namespace=workload.namespace,
            labels=workload.labels_dict,
            namespace_labels=graph.namespace(workload.namespace).labels_dict,
            ports=workload.ports,
            ip=ip,
            name=workload.ref,
        )

    @classmethod
    def outside(cls, ip: str) -> Host:
        return cls(ip=ip, name=ip)

    @property
    def is_pod(self) -> bool:
        return self.namespace is not None


def ip_in_block(ip: str, cidr: str, except_: tuple[str, ...]) -> bool:
    address = ipaddress.ip_address(ip)
    network = ipaddress.ip_network(cidr, strict=False)
    if address.version != network.version or address not in network:
        return False
    return not any(address in ipaddress.ip_network(e, strict=False) for e in except_)


def peer_matches(peer: Peer, policy_namespace: str, other: Host) -> bool:
    if peer.ip_block is not None:
        return other.ip is not None and ip_in_block(other.ip, peer.ip_block.cidr, peer.ip_block.except_)
    if not other.is_pod:
        return False
    if peer.namespace_selector is None:
        namespace_ok = other.namespace == policy_namespace
    else:
        namespace_ok = peer.namespace_selector.matches(other.namespace_labels)
    return namespace_ok and (peer.pod_selector is None or peer.pod_selector.matches(other.labels))


def port_matches(rule_port: Port, protocol: str, port: int, destination_ports: tuple[ContainerPort, ...]) -> bool:
    """Named ports resolve on the destination pod's declared container ports."""
    if rule_port.protocol != protocol:
        return False
    if rule_port.port is None:
        return True
    if isinstance(rule_port.port, str):
        return any(
            cp.name == rule_port.port and cp.protocol == protocol and cp.port == port for cp in destination_ports
        )
    if rule_port.end_port is not None:
        return rule_port.port <= port <= rule_port.end_port
    return rule_port.port == port


def rule_allows(
    rule: Rule,
    policy_namespace: str,
    other: Host,
    protocol: str,
    port: int,
    destination_ports: tuple[ContainerPort, ...],
) -> bool:
    peers_ok = not rule.peers or any(peer_matches(p, policy_namespace, other) for p in rule.peers)
    ports_ok = not rule.ports or any(port_matches(p, protocol, port, destination_ports) for p in rule.ports)
    return peers_ok and ports_ok


@dataclass(frozen=True)
class SideVerdict:
    """One side of a connection: is it allowed, which policies isolate it, which rules allow it."""

    allowed: bool
    policies: tuple[str, ...]  # policies that select the pod for this direction
    allowing: tuple[tuple[str, int], ...] = ()  # (policy ref, rule index) that allow it


def selecting_policies(policies: list[Policy], pod: Host, direction: str) -> list[Policy]:
    if not pod.is_pod:
        return []
    return [
        p
        for p in policies
        if p.namespace == pod.namespace
        and (p.ingress_isolated if direction == "ingress" else p.egress_isolated)
        and p.pod_selector.matches(pod.labels)
    ]


def side_verdict(
    policies: list[Policy], pod: Host, direction: str, other: Host, protocol: str, port: int
) -> SideVerdict:
    """Does ``pod`` allow ``direction`` traffic with ``other`` on (protocol, port)?"""
    selecting = selecting_policies(policies, pod, direction)
    if not pod.is_pod or not selecting:
        return SideVerdict(True, ())
    destination_ports = other.ports if direction == "egress" else pod.ports
    allowing = []
    for policy in selecting:
        rules = policy.egress if direction == "egress" else policy.ingress
        for index, rule in enumerate(rules):
            if rule_allows(rule, policy.namespace, other, protocol, port, destination_ports):
                allowing.append((policy.ref, index))
    return SideVerdict(bool(allowing), tuple(sorted(p.ref for p in selecting)), tuple(sorted(allowing)))


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    egress: SideVerdict
    ingress: SideVerdict


def connection(policies: list[Policy], source: Host, destination: Host, protocol: str, port: int) -> Verdict:
    egress = side_verdict(policies, source, "egress", destination, protocol, port)
    ingress = side_verdict(policies, destination, "ingress", source, protocol, port)
    return Verdict(egress.allowed and ingress.allowed, egress, ingress)
