"""What a change of a design's population (namespaces, workloads, externals) touches in the lint.

``LintState.update`` (state.py) keeps each unit's findings while the unit's inputs are unchanged.  A unit
reads the population only through these dependencies, so a population change relints exactly these units:

- a **workload unit** (``missing-dns``, ``not-isolated``) reads its workload and the policies selecting it:
  a changed workload's own unit (the policies' side is the policy diff's ``touched``);
- a **policy unit** (its own findings, its IP blocks and its one-sided segments) reads the workloads it
  selects, the workloads its peers match (a podSelector without a namespaceSelector: anywhere, for
  ``cross-namespace-podselector``), whether its namespace has workloads, the namespaces (names, labels,
  whether they have workloads) its namespaceSelectors match, the pod IPs inside its IP blocks, and, through
  its one-sided probes, the policies selecting its peer workloads at its selected pods: a policy is relinted
  when it selects, or a peer of it matches, the old or the new version of a changed workload; when it lives in
  a changed namespace or a namespaceSelector of it matches the namespace's old or new labels; when one of its
  IP blocks covers the old or new IP of a changed workload;
- a **flow unit** reads the workload, the namespace's workloads or the external it names;
- the **externals' IP blocks** read the externals and the pod IPs.

``PeerKeys`` finds the policies whose peers can match a workload or a namespace without a scan of every
peer; ``Population`` is the difference of two populations and the units it touches.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from editor.netpol.analyze import ip_in_block
from editor.netpol.model import External, Graph, LabelSelector, Peer, Policy, Workload

from .index import Index

Key = tuple[str, ...]
Labels = dict[str, str]

_ANY: Key = ("any",)  # a peer that may match a pod of any labels, in any namespace
_NSEL_ANY: Key = ("nsel-any",)  # a namespaceSelector that may match a namespace of any labels


def _peer_keys(policy: Policy) -> set[Key]:
    """Keys under which ``policy`` is found: a workload (or namespace) its peers can match yields one of them."""
    keys: set[Key] = set()
    for rule in (*policy.ingress, *policy.egress):
        for peer in rule.peers:
            if peer.ip_block is not None:
                continue  # the policy's IP blocks are its IP findings: see ``Population.covers``
            pod, namespaces = peer.pod_selector, peer.namespace_selector
            if pod is not None and pod.match_labels:
                keys.add(("pod", *pod.match_labels[0]))
            elif namespaces is not None and namespaces.match_labels:
                keys.add(("ns", *namespaces.match_labels[0]))
            elif namespaces is None and (pod is None or pod.is_empty):
                keys.add(("in", policy.namespace))
            else:
                keys.add(_ANY)
            if namespaces is not None:
                keys.add(("nsel", *namespaces.match_labels[0]) if namespaces.match_labels else _NSEL_ANY)
    return keys


def concerns(peer: Peer, policy_namespace: str, workload: Workload, labels: Labels, namespace_labels: Labels) -> bool:
    """Can a check of a policy in ``policy_namespace`` read ``workload`` through ``peer``?  A podSelector without a
    namespaceSelector concerns matching pods of every namespace (``cross-namespace-podselector`` names them)."""
    if peer.ip_block is not None:
        return False
    pod = peer.pod_selector
    if pod is not None and not pod.matches(labels):
        return False
    if peer.namespace_selector is None:
        return workload.namespace == policy_namespace or (pod is not None and not pod.is_empty)
    return peer.namespace_selector.matches(namespace_labels)


class PeerKeys:
    """The policies by the keys of their peers (``_peer_keys``): a superset of those whose peers match a given
    workload or namespace, in a few dict lookups.  Immutable: ``patched`` makes another."""

    def __init__(self, by_key: dict[Key, list[Policy]]):
        self._by_key = by_key

    @classmethod
    def of(cls, policies: Iterable[Policy]) -> PeerKeys:
        by_key: dict[Key, list[Policy]] = defaultdict(list)
        for policy in policies:
            for key in _peer_keys(policy):
                by_key[key].append(policy)
        return cls(by_key)

    def patched(self, removed: Sequence[Policy], inserted: Sequence[Policy]) -> PeerKeys:
        """Without the objects ``removed`` (one occurrence each) and with ``inserted``; ``self`` unchanged."""
        if not removed and not inserted:
            return self
        out = dict(self._by_key)
        copied: set[Key] = set()

        def members(key: Key) -> list[Policy]:
            if key not in copied:
                out[key] = list(out.get(key, ()))
                copied.add(key)
            return out[key]

        for policy in removed:
            for key in _peer_keys(policy):
                group = members(key)
                del group[next(i for i, p in enumerate(group) if p is policy)]
        for policy in inserted:
            for key in _peer_keys(policy):
                members(key).append(policy)
        return PeerKeys(out)

    def of_workload(self, workload: Workload, namespace_labels: Labels) -> list[Policy]:
        """The policies some peer of which may match ``workload`` (in a namespace with ``namespace_labels``)."""
        keys: list[Key] = [("pod", *pair) for pair in workload.labels]
        keys += [("ns", *pair) for pair in namespace_labels.items()]
        keys += [("in", workload.namespace), _ANY]
        return [p for key in keys for p in self._by_key.get(key, ())]

    def of_namespace(self, labels: Labels) -> list[Policy]:
        """The policies some namespaceSelector of which may match a namespace with ``labels``."""
        keys: list[Key] = [("nsel", *pair) for pair in labels.items()] + [_NSEL_ANY]
        return [p for key in keys for p in self._by_key.get(key, ())]


def pair_up(old: Sequence[object], new: Sequence[object]) -> tuple[list[int], list[int], list[int]]:
    """Pair each item of ``new`` with an equal item of ``old``: (old position per new position or -1, unpaired
    old positions, unpaired new positions).  Shared ends first (identical or equal), then identity, then
    equality."""
    start = 0
    for a, b in zip(old, new, strict=False):
        if a is not b and a != b:
            break
        start += 1
    end = 0
    limit = min(len(old), len(new)) - start
    for a, b in zip(reversed(old), reversed(new), strict=False):
        if end == limit or (a is not b and a != b):
            break
        end += 1
    matched = list(range(start)) + [-1] * (len(new) - start - end) + list(range(len(old) - end, len(old)))
    free: dict[object, list[int]] = defaultdict(list)
    for i in range(start, len(old) - end):
        free[old[i]].append(i)  # equal items hash alike: identity is a case of equality here
    added = []
    for j in range(start, len(new) - end):
        candidates = free.get(new[j])
        if candidates:
            matched[j] = candidates.pop(0)
        else:
            added.append(j)
    gone = sorted(i for left in free.values() for i in left)
    return matched, gone, added


@dataclass(frozen=True)
class _NamespaceView:
    present: bool  # among the design's namespace names (a Namespace, or a namespace of a workload)
    labels: Labels
    has_workloads: bool


@dataclass
class Population:
    """The difference between two populations, and the units of the lint it touches."""

    workload_match: list[int]  # per workload of the new design: the position of the equal old one, or -1
    removed: list[Workload]  # old versions that are gone (deleted, or changed)
    added: list[Workload]  # new versions (added, or changed)
    old_graph: Graph
    graph: Graph
    namespaces: dict[str, tuple[_NamespaceView, _NamespaceView]]  # changed namespaces: (before, after)
    externals_changed: bool
    replaced: list[Workload]  # old objects of workloads equal to new objects (``replacements``)
    replacements: list[Workload]

    # A change of more than this share of the workloads is linted in full.
    FULL_ABOVE = 0.25

    @classmethod
    def diff(cls, old_graph: Graph, graph: Graph, old_index: Index) -> Population | None:
        """The difference, or None when a full lint is as fast or the refs are not unique."""
        workload_match, gone, added = pair_up(old_graph.workloads, graph.workloads)
        if len(gone) + len(added) > cls.FULL_ABOVE * max(len(graph.workloads), len(old_graph.workloads)) + 4:
            return None
        if len({w.ref for w in graph.workloads}) != len(graph.workloads) or len(old_index.hosts) != len(
            old_graph.workloads
        ):
            return None  # two workloads with one ref: a flow names the last (``Graph.workload``), keep it simple
        removed = [old_graph.workloads[i] for i in gone]
        new_versions = [graph.workloads[j] for j in added]
        ns_match, ns_gone, ns_added = pair_up(old_graph.namespaces, graph.namespaces)
        names = {old_graph.namespaces[i].name for i in ns_gone} | {graph.namespaces[j].name for j in ns_added}
        names |= {w.namespace for w in removed} | {w.namespace for w in new_versions}
        counts: dict[str, int] = defaultdict(int)
        for w in removed:
            counts[w.namespace] -= 1
        for w in new_versions:
            counts[w.namespace] += 1
        old_names = {ns.name for ns in old_graph.namespaces}
        new_names = {ns.name for ns in graph.namespaces}
        namespaces = {}
        for name in sorted(names):
            before_count = len(old_index.workloads_by_namespace.get(name, ()))
            after_count = before_count + counts[name]
            before = _NamespaceView(
                name in old_names or before_count > 0, old_graph.namespace(name).labels_dict, before_count > 0
            )
            after = _NamespaceView(
                name in new_names or after_count > 0, graph.namespace(name).labels_dict, after_count > 0
            )
            if before != after:
                namespaces[name] = (before, after)
        externals_changed = not (old_graph.externals is graph.externals or old_graph.externals == graph.externals)
        # equal workloads that are other objects: the same units, but the index must hold the design's objects
        swapped = [
            j for j, i in enumerate(workload_match) if i >= 0 and old_graph.workloads[i] is not graph.workloads[j]
        ]
        return cls(
            workload_match,
            removed,
            new_versions,
            old_graph,
            graph,
            namespaces,
            externals_changed,
            [old_graph.workloads[workload_match[j]] for j in swapped],
            [graph.workloads[j] for j in swapped],
        )

    @property
    def unchanged(self) -> bool:
        """The same population, of the same objects."""
        return not (self.removed or self.added or self.namespaces or self.externals_changed or self.replaced)

    def versions(self) -> list[tuple[Workload, Graph]]:
        """Every changed workload's old and new versions, each with its design."""
        return [(w, self.old_graph) for w in self.removed] + [(w, self.graph) for w in self.added]

    @property
    def ips(self) -> list[str]:
        """The pod IPs of the changed workloads (old and new versions)."""
        return [w.ip for w, _ in self.versions() if w.ip]

    def ends(self) -> set[tuple[str, str]]:
        """The flow endpoints (kind, ref) whose parts changed: a flow naming one is linted again."""
        ends = {("workload", w.ref) for w, _ in self.versions()}
        ends |= {("namespace", w.namespace) for w, _ in self.versions()}
        if self.externals_changed:  # a flow reads the first external of its name, and whether one is a DNS name
            before, after = _externals_read(self.old_graph), _externals_read(self.graph)
            ends |= {("external", name) for name in before.keys() | after.keys() if before.get(name) != after.get(name)}
        return ends

    def covers(self, policy: Policy, ips: Sequence[str]) -> bool:
        """Does an IP block of ``policy`` cover one of ``ips``?"""
        for rule in (*policy.ingress, *policy.egress):
            for peer in rule.peers:
                block = peer.ip_block
                if block is not None and any(ip_in_block(ip, block.cidr, block.except_) for ip in ips):
                    return True
        return False

    def dirty_policies(self, index: Index, keys: PeerKeys, policies: Sequence[Policy]) -> set[int]:
        """The positions in ``policies`` (``index``'s, of the new design) of the policies whose units the change
        touches (see the module's docstring)."""
        found: list[Policy] = []
        for workload, graph in self.versions():
            labels = workload.labels_dict
            namespace_labels = graph.namespace(workload.namespace).labels_dict
            found += index.selecting_labels(workload.namespace, labels)
            for policy in keys.of_workload(workload, namespace_labels):
                if any(
                    concerns(peer, policy.namespace, workload, labels, namespace_labels)
                    for rule in (*policy.ingress, *policy.egress)
                    for peer in rule.peers
                ):
                    found.append(policy)
        for name, (before, after) in self.namespaces.items():
            flipped = False
            for policy in keys.of_namespace(before.labels) + keys.of_namespace(after.labels):
                if any(
                    peer.namespace_selector is not None and _reads(peer.namespace_selector, before, after)
                    for rule in (*policy.ingress, *policy.egress)
                    for peer in rule.peers
                ):
                    found.append(policy)
                    flipped = True
            if flipped or before.present != after.present or before.has_workloads != after.has_workloads:
                # its pods' hosts changed for a selector (the tables of its pods' probes), or whether it has pods
                found += index.by_namespace.get(name, ())
        ips = self.ips
        if ips:
            found += [p for p in policies if self.covers(p, ips)]
        if not found:
            return set()
        positions: dict[int, list[int]] = defaultdict(list)
        for position, policy in enumerate(policies):
            positions[id(policy)].append(position)
        return {position for policy in found for position in positions.get(id(policy), ())}


def _reads(selector: LabelSelector, before: _NamespaceView, after: _NamespaceView) -> bool:
    """Does a namespaceSelector read a different namespace: selected or not, or with or without workloads?"""
    was = before.present and selector.matches(before.labels)
    now = after.present and selector.matches(after.labels)
    return was != now or ((was or now) and before.has_workloads != after.has_workloads)


def _externals_read(graph: Graph) -> dict[str, tuple[External, bool]]:
    """What a flow reads of the externals by name: the first of the name, and whether any of it is a DNS name."""
    out: dict[str, tuple[External, bool]] = {}
    for e in graph.externals:
        first, fqdn = out.get(e.name, (e, False))
        out[e.name] = (first, fqdn or bool(e.fqdn))
    return out
