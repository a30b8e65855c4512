"""The one list of checks, and the full lint that runs it.

Each check is the function of one *unit* of a design: a workload (against the policies selecting it), a drawn
flow, a policy, or an IP block (an external's or a policy's).  Two checks combine what the policies report
across the design: ``one-sided-flow`` (one finding per probe, the first in policy order) and
``duplicate-policy-name`` (counts per name).  ``lint`` runs every check over every unit; ``LintState``
(state.py) runs the same checks per unit and keeps the results, so an edit re-runs only the units it changed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from editor.netpol.gcpause import without_gc
from editor.netpol.model import Graph, Policy

from . import finding as codes
from .finding import Finding
from .flow_checks import (
    egress_to_internet_of,
    flow_all_ports_of,
    fqdn_not_expressible_of,
    isolates_kube_system_of,
    unknown_named_port_of,
)
from .index import Index, pod_ips
from .ipblock_checks import except_outside_cidr_of, ip_blocks, ipblock_targets_pod_of
from .one_sided import first_per_key, one_sided_segments
from .policy_checks import (
    allows_all_of,
    cross_namespace_podselector_of,
    or_instead_of_and_of,
    redundant_rule_of,
    selector_matches_nothing_of,
    selector_overlap_of,
    split_rule_of,
)
from .workload_checks import missing_dns_of, not_isolated_of

WORKLOAD = "workload"  # of(index, workload)
FLOW = "flow"  # of(graph, flow)
POLICY = "policy"  # of(index, policy)
IP_BLOCK = "ip-block"  # of(pods, where, block)
PROBE = "probe"  # one_sided_segments per policy, first finding per probe key
NAME = "name"  # counts of policy names

Policies = list[Policy] | tuple[Policy, ...]


@dataclass(frozen=True)
class Check:
    """One check: the codes it reports, the unit it looks at, and its function of one unit."""

    name: str
    codes: tuple[str, ...]
    unit: str
    of: Callable[..., list[Finding]] | None = None

    def __call__(self, graph: Graph, policies: Policies) -> list[Finding]:
        """This check alone over the whole design (unsorted)."""
        return self.run(Index(graph, policies), policies)

    def run(self, index: Index, policies: Policies) -> list[Finding]:
        graph = index.graph
        of: Any = self.of
        if self.unit == WORKLOAD:
            return [f for w in graph.workloads for f in of(index, w)]
        if self.unit == FLOW:
            return [f for flow in graph.flows for f in of(graph, flow)]
        if self.unit == POLICY:
            return [f for policy in policies for f in of(index, policy)]
        if self.unit == IP_BLOCK:
            pods = pod_ips(graph)
            return [f for where, block in ip_blocks(graph, policies) for f in of(pods, where, block)]
        if self.unit == PROBE:
            return first_per_key(
                c for policy in policies for segment in one_sided_segments(index, policy)[0] for c in segment
            )
        if self.unit == NAME:
            return duplicates(name_counts(policies))
        raise ValueError(f"unknown unit {self.unit!r}")


def name_counts(policies: Iterable[Policy]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for policy in policies:
        counts[policy.ref] += 1
    return counts


def duplicates(counts: dict[str, int]) -> list[Finding]:
    return [
        Finding(
            codes.DUPLICATE_POLICY_NAME,
            "warning",
            f"{count} policies are named {ref}: applying them, the last one replaces the others. Fix: rename all "
            f"but one.",
            ref,
        )
        for ref, count in counts.items()
        if count > 1
    ]


missing_dns = Check("missing_dns", (codes.MISSING_DNS,), WORKLOAD, missing_dns_of)
not_isolated = Check("not_isolated", (codes.NOT_ISOLATED,), WORKLOAD, not_isolated_of)
isolates_kube_system = Check("isolates_kube_system", (codes.ISOLATES_KUBE_SYSTEM,), FLOW, isolates_kube_system_of)
unknown_named_port = Check("unknown_named_port", (codes.UNKNOWN_NAMED_PORT,), FLOW, unknown_named_port_of)
egress_to_internet = Check("egress_to_internet", (codes.EGRESS_TO_INTERNET,), FLOW, egress_to_internet_of)
flow_all_ports = Check("flow_all_ports", (codes.FLOW_ALL_PORTS,), FLOW, flow_all_ports_of)
fqdn_not_expressible = Check("fqdn_not_expressible", (codes.FQDN_NOT_EXPRESSIBLE,), FLOW, fqdn_not_expressible_of)
selector_overlap = Check("selector_overlap", (codes.SELECTOR_OVERLAP,), POLICY, selector_overlap_of)
selector_matches_nothing = Check(
    "selector_matches_nothing", (codes.SELECTOR_MATCHES_NOTHING,), POLICY, selector_matches_nothing_of
)
allows_all = Check("allows_all", (codes.ALLOWS_ALL, codes.ALLOWS_ALL_PODS), POLICY, allows_all_of)
cross_namespace_podselector = Check(
    "cross_namespace_podselector", (codes.CROSS_NAMESPACE_PODSELECTOR,), POLICY, cross_namespace_podselector_of
)
or_instead_of_and = Check("or_instead_of_and", (codes.OR_INSTEAD_OF_AND,), POLICY, or_instead_of_and_of)
split_rule = Check("split_rule", (codes.SPLIT_RULE,), POLICY, split_rule_of)
redundant_rule = Check("redundant_rule", (codes.REDUNDANT_RULE,), POLICY, redundant_rule_of)
except_outside_cidr = Check("except_outside_cidr", (codes.EXCEPT_OUTSIDE_CIDR,), IP_BLOCK, except_outside_cidr_of)
ipblock_targets_pod = Check("ipblock_targets_pod", (codes.IPBLOCK_TARGETS_POD,), IP_BLOCK, ipblock_targets_pod_of)
one_sided_flow = Check("one_sided_flow", (codes.ONE_SIDED_FLOW,), PROBE)
duplicate_policy_name = Check("duplicate_policy_name", (codes.DUPLICATE_POLICY_NAME,), NAME)

CHECKS: tuple[Check, ...] = (
    missing_dns,
    not_isolated,
    isolates_kube_system,
    unknown_named_port,
    egress_to_internet,
    flow_all_ports,
    fqdn_not_expressible,
    selector_overlap,
    selector_matches_nothing,
    allows_all,
    cross_namespace_podselector,
    or_instead_of_and,
    split_rule,
    redundant_rule,
    except_outside_cidr,
    ipblock_targets_pod,
    one_sided_flow,
    duplicate_policy_name,
)


def checks_of(unit: str) -> tuple[Check, ...]:
    return tuple(c for c in CHECKS if c.unit == unit)


@without_gc  # see gcpause.py
def lint(graph: Graph, policies: Policies) -> list[Finding]:
    """Every check over every unit of the design, sorted."""
    index = Index(graph, policies)
    findings: list[Finding] = []
    for check in CHECKS:
        findings.extend(check.run(index, policies))
    return sorted(findings, key=Finding.sort_key)
