"""Checks of one IP block: an external's range, or an ``ipBlock`` peer of a policy."""

from __future__ import annotations

import functools

from editor.netpol import validate
from editor.netpol.model import Graph, IPBlock, Policy

from .finding import EXCEPT_OUTSIDE_CIDR, IPBLOCK_TARGETS_POD, Finding
from .index import PodIPs, rule_name, rules_of


def external_ip_blocks(graph: Graph) -> list[tuple[str, IPBlock]]:
    return [(f"external {e.name}", IPBlock(e.cidr, e.except_)) for e in graph.externals if not e.fqdn]


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


@functools.lru_cache(maxsize=4096)
def _except_problem(cidr: str, except_: tuple[str, ...]) -> str | None:
    """Why the API server refuses this block, or None (a pure function of the block: kept per block)."""
    try:
        validate.check_except(validate.check_cidr(cidr), list(except_))
    except validate.Invalid as exc:
        return str(exc)
    return None


def except_outside_cidr_of(pods: PodIPs, where: str, block: IPBlock) -> list[Finding]:
    problem = _except_problem(block.cidr, block.except_)
    if problem is None:
        return []
    return [Finding(EXCEPT_OUTSIDE_CIDR, "error", f"{where}: {problem} The API server refuses it.", where)]


def ipblock_targets_pod_of(pods: PodIPs, where: str, block: IPBlock) -> list[Finding]:
    if not pods:
        return []
    hit = pods.covered(block)
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
