"""Checks of one IP block: an external's range, or an ``ipBlock`` peer of a policy."""

from __future__ import annotations

import ipaddress

from editor.netpol import validate
from editor.netpol.model import Graph, IPBlock, Policy

from .finding import EXCEPT_OUTSIDE_CIDR, IPBLOCK_TARGETS_POD, Finding
from .index import PodIPs, rule_name, rules_of


def external_ip_blocks(graph: Graph) -> list[tuple[str, IPBlock]]:
    return [(f"external {e.name}", IPBlock(e.cidr, e.except_)) for e in graph.externals]


def policy_ip_blocks(policy: Policy) -> list[tuple[str, IPBlock]]:
    return [
        (rule_name(policy, direction, number), p.ip_block)
        for direction, number, rule in rules_of(policy)
        for p in rule.peers
        if p.ip_block
    ]


def ip_blocks(graph: Graph, policies: list[Policy] | tuple[Policy, ...]) -> list[tuple[str, IPBlock]]:
    """Every IP block of the design: the externals', then the policies'."""
    out = external_ip_blocks(graph)
    for policy in policies:
        out.extend(policy_ip_blocks(policy))
    return out


def except_outside_cidr_of(pods: PodIPs, where: str, block: IPBlock) -> list[Finding]:
    try:
        validate.check_except(validate.check_cidr(block.cidr), list(block.except_))
    except validate.Invalid as exc:
        return [Finding(EXCEPT_OUTSIDE_CIDR, "error", f"{where}: {exc} The API server refuses it.", where)]
    return []


def ipblock_targets_pod_of(pods: PodIPs, where: str, block: IPBlock) -> list[Finding]:
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
