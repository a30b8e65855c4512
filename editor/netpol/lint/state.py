"""Incremental lint: ``lint(graph, policies)`` kept by unit (workload, flow, policy), so an edit is linted again
quickly.  The units and their checks are the registry's (registry.py): this module only decides which units an
edit changed and keeps the others' findings; population.py says which units a change of the workloads,
namespaces or externals touches.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from editor.netpol.gcpause import without_gc
from editor.netpol.model import Flow, Graph, IPBlock, Policy, Workload

from .finding import Finding
from .index import Index, PodIPs, pod_ips
from .ipblock_checks import external_ip_blocks, policy_ip_blocks
from .one_sided import Candidates, first_per_key, one_sided_segments
from .population import PeerKeys, Population
from .registry import FLOW, IP_BLOCK, POLICY, PROBE, WORKLOAD, checks_of, duplicates, name_counts

_WORKLOAD_CHECKS = checks_of(WORKLOAD)
_FLOW_CHECKS = checks_of(FLOW)
_POLICY_CHECKS = checks_of(POLICY)
_IP_BLOCK_CHECKS = checks_of(IP_BLOCK)
_PROBES = bool(checks_of(PROBE))


@dataclass(frozen=True)
class _PolicyUnit:
    """What one policy contributes: its own findings (policy + population) and its one-sided candidates."""

    findings: tuple[Finding, ...]
    segments: list[Candidates]  # see one_sided_segments
    one_sided: Candidates  # the segments, joined
    consulted: frozenset[str]  # workloads whose selecting policies the segments read

    @classmethod
    def of(cls, findings: tuple[Finding, ...], segments: list[Candidates], consulted: frozenset[str]) -> _PolicyUnit:
        return cls(findings, segments, tuple(c for segment in segments for c in segment), consulted)


class LintState:
    """``lint(graph, policies)`` kept by unit (workload, flow, policy), so that an edit is linted again quickly.

    ``LintState.full(graph, policies).findings == lint(graph, policies)``, and ``state.update(graph2, policies2)``
    gives the findings of ``lint(graph2, policies2)`` for any design.  It is fast for every edit but a settings
    change (which rewrites every policy: linted in full): flows, kept policies, and the population (workloads,
    namespaces, externals added, deleted, renamed, relabelled, given other ports or IPs).  Equality decides what
    changed (identity only saves time): the units of unchanged flows and policies are kept, the workloads that a
    changed policy (old or new version) selects are linted again, and so are the one-sided probes of other
    policies against those workloads; a population change also relints the units that read a changed workload,
    namespace or external (population.py says which).  An edit that touches more than ``FULL_ABOVE`` of the
    policies (or ``Population.FULL_ABOVE`` of the workloads) is linted in full.  ``incremental`` and the
    ``relinted_*`` counts say what an update did.
    """

    # Above this share of changed policies (a settings change rewrites them all) a full lint is as fast.
    FULL_ABOVE = 0.25

    findings: list[Finding]

    def __init__(
        self,
        *,
        graph: Graph,
        policies: tuple[Policy, ...],
        index: Index,
        peer_keys: PeerKeys,
        pods: PodIPs,
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
        self._peer_keys = peer_keys  # the policies by the workloads and namespaces their peers can match
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
        findings.extend(first_per_key(c for unit in policy_units if unit.one_sided for c in unit.one_sided))
        findings.extend(duplicates(ref_counts))
        # sort_key is the whole finding: findings with equal keys are equal, so the order of the parts is free
        self.findings = sorted(findings, key=Finding.sort_key)

    @classmethod
    @without_gc
    def full(cls, graph: Graph, policies: list[Policy] | tuple[Policy, ...]) -> LintState:
        policies = tuple(policies)
        index = Index(graph, policies)
        pods = pod_ips(graph)
        population_findings = _ip_block_findings(pods, external_ip_blocks(graph))
        ref_counts = name_counts(policies)
        return cls(
            graph=graph,
            policies=policies,
            index=index,
            peer_keys=PeerKeys.of(policies),
            pods=pods,
            positions=_positions(graph),
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
        if graph.settings != old_graph.settings:
            return LintState.full(graph, policies)
        population = None
        if not (
            graph.namespaces is old_graph.namespaces
            and graph.workloads is old_graph.workloads
            and graph.externals is old_graph.externals
        ):  # equal workloads that are other objects too: the index holds the design's objects
            population = Population.diff(old_graph, graph, self._index)
            if population is None:
                return LintState.full(graph, policies)
            if population.unchanged:
                population = None
        old = self._policies
        matched, gone, added = _match(old, policies)
        if len(gone) + len(added) > self.FULL_ABOVE * max(len(old), len(policies)) + 4:
            return LintState.full(graph, policies)

        changed = [old[i] for i in gone] + [policies[j] for j in added]
        # the index's policy tables hold objects: swap the equal but not identical ones too
        swapped = [j for j, i in enumerate(matched) if i >= 0 and old[i] is not policies[j]]
        removed = [old[i] for i in gone] + [old[matched[j]] for j in swapped]
        inserted = [policies[j] for j in added] + [policies[j] for j in swapped]
        small = len(swapped) + len(changed) <= 64
        if population is not None and len(population.replaced) > 64:
            index = Index(graph, policies)  # a design of new objects: indexed again
        else:
            base = self._index
            if population is not None:  # the postings of the changed workloads and namespaces are patched
                base = base.with_population(
                    graph,
                    population.removed + population.replaced,
                    population.added + population.replacements,
                    population.namespaces,
                )
            # few changed policies: the policy groups are patched too
            index = (
                base.with_policies(graph, policies, removed, inserted) if small else base.with_policies(graph, policies)
            )
        peer_keys = self._peer_keys.patched(removed, inserted) if small else PeerKeys.of(policies)
        if not _same(graph.policies, old_graph.policies):  # a policy kept or no longer: its workloads' DNS advice
            changed += list(set(graph.policies).symmetric_difference(old_graph.policies))
        touched = {w.ref for policy in changed for w in index.selected(policy)}

        pods, positions, population_findings = self._pods, self._positions, self._population_findings
        workload_units = self._workload_units
        dirty: set[int] = set()  # positions of kept policies whose units the population change touches
        fresh: set[int] = set()  # positions of workloads linted anew already
        relinted_workloads = 0
        if population is not None:
            dirty = population.dirty_policies(index, peer_keys, policies)
            if len(dirty) > self.FULL_ABOVE * len(policies) + 4:
                return LintState.full(graph, policies)
            positions = _positions(graph)
            workload_units = []
            for j, i in enumerate(population.workload_match):
                if i >= 0:
                    workload_units.append(self._workload_units[i])
                else:
                    workload_units.append(_workload_unit(index, graph.workloads[j]))
                    fresh.add(j)
            relinted_workloads = len(fresh)
            if population.ips:
                pods = pod_ips(graph)
            if population.ips or population.externals_changed:
                population_findings = _ip_block_findings(pods, external_ip_blocks(graph))
        if touched:
            workload_units = list(workload_units)
            workloads = index.graph.workloads
            for ref in touched:
                for position in positions.get(ref, ()):
                    if position not in fresh:
                        workload_units[position] = _workload_unit(index, workloads[position])
                        relinted_workloads += 1

        relinted_policies = 0
        policy_units = []
        for j, policy in enumerate(policies):
            i = matched[j]
            if i < 0 or j in dirty:
                unit = _policy_unit(index, pods, policy)
                relinted_policies += 1
            else:
                unit = self._policy_units[i]
                if touched and not unit.consulted.isdisjoint(touched):
                    segments, consulted = one_sided_segments(index, policy, unit.segments, touched)
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
            peer_keys=peer_keys,
            pods=pods,
            positions=positions,
            population_findings=population_findings,
            workload_units=workload_units,
            flow_units=_flow_units(
                old_graph.flows, self._flow_units, graph, population.ends() if population is not None else set()
            ),
            policy_units=policy_units,
            ref_counts=ref_counts,
            incremental=True,
            relinted_policies=relinted_policies,
            relinted_workloads=relinted_workloads,
        )


def _positions(graph: Graph) -> dict[str, list[int]]:
    """The positions of the workloads, by ref."""
    positions: dict[str, list[int]] = defaultdict(list)
    for position, workload in enumerate(graph.workloads):
        positions[workload.ref].append(position)
    return dict(positions)


def _same(a: tuple[object, ...], b: tuple[object, ...]) -> bool:
    return a is b or a == b


def _common_ends(old: tuple[object, ...], new: tuple[object, ...]) -> tuple[int, int]:
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


def _flow_units(
    old_flows: tuple[Flow, ...], old_units: list[list[Finding]], graph: Graph, ends: set[tuple[str, str]]
) -> list[list[Finding]]:
    """The findings per flow of ``graph``: of the old flow when identical or equal and naming none of the changed
    parts ``ends`` (kind, ref), else anew."""
    flows = graph.flows
    if flows is old_flows and not ends:
        return old_units
    start, end = _common_ends(old_flows, flows)
    by_id = {id(old_flows[i]): i for i in range(start, len(old_flows) - end)}
    units = old_units[:start]
    for flow in flows[start : len(flows) - end]:
        i = by_id.get(id(flow))
        units.append(old_units[i] if i is not None else _flow_unit(graph, flow))
    units += old_units[len(old_units) - end :]
    if ends:
        for position, flow in enumerate(flows):
            source, destination = flow.source, flow.destination
            if (source.kind, source.ref) in ends or (destination.kind, destination.ref) in ends:
                units[position] = _flow_unit(graph, flow)
    return units


def _workload_unit(index: Index, workload: Workload) -> list[Finding]:
    return [f for check in _WORKLOAD_CHECKS for f in check.of(index, workload)]  # type: ignore[misc]


def _flow_unit(graph: Graph, flow: Flow) -> list[Finding]:
    return [f for check in _FLOW_CHECKS for f in check.of(graph, flow)]  # type: ignore[misc]


def _ip_block_findings(pods: PodIPs, blocks: Iterable[tuple[str, IPBlock]]) -> list[Finding]:
    return [f for where, block in blocks for check in _IP_BLOCK_CHECKS for f in check.of(pods, where, block)]  # type: ignore[misc]


def _policy_unit(index: Index, pods: PodIPs, policy: Policy) -> _PolicyUnit:
    findings = [f for check in _POLICY_CHECKS for f in check.of(index, policy)]  # type: ignore[misc]
    findings += _ip_block_findings(pods, policy_ip_blocks(policy))
    if not _PROBES:
        return _PolicyUnit.of(tuple(findings), [], frozenset())
    return _PolicyUnit.of(tuple(findings), *one_sided_segments(index, policy))
