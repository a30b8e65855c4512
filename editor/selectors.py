"""Reads.  A selector owns the query shape and hands value objects to the domain."""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from functools import cached_property

from django.core.exceptions import PermissionDenied
from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.http import Http404

from editor import models
from editor.netpol import analyze
from editor.netpol import model as nm
from editor.netpol.compile import Compilation, compile_design
from editor.netpol.gcpause import without_gc
from editor.netpol.importer import policy_from_manifest
from editor.netpol.lint import Finding, LintState
from editor.netpol.render import manifests, to_yaml

OWNER, EDITOR, VIEWER = "owner", models.DesignShare.EDITOR, models.DesignShare.VIEWER
ERR_NO_DESIGN = "No design {pk} here: it does not exist, or it is not shared with you."
ERR_READ_ONLY = (
    "{owner} shared this design with you read-only (as a viewer): you can look at it but not change it. "
    "Ask {owner} to make you an editor."
)
ERR_OWNER_ONLY = "Only the design's owner ({owner}) can {what}."
ERR_LINK_GONE = "This link does not exist or was revoked: ask the design's owner for a new one."


def designs_for(user) -> QuerySet[models.Design]:
    """The designs a user owns: the design list and ``GET /api/v1/designs/``."""
    if not getattr(user, "is_authenticated", False):
        return models.Design.objects.none()
    return models.Design.objects.filter(owner=user)


def designs_shared_with(user) -> QuerySet[models.Design]:
    """Designs other users shared with ``user``, each with ``access`` set to the role (viewer or editor)."""
    if not getattr(user, "is_authenticated", False):
        return models.Design.objects.none()
    role = models.DesignShare.objects.filter(design=OuterRef("pk"), user=user).values("role")[:1]
    return (
        models.Design.objects.filter(shares__user=user)
        .exclude(owner=user)
        .annotate(access=Subquery(role))
        .select_related("owner")
    )


def design_get_for(user, pk: int, *, write: bool = False, owner_only: str = "") -> models.Design:
    """The design ``pk`` if ``user`` may see it; else Http404 (a stranger cannot tell that it exists).

    ``write``: the user must also be allowed to change it (owner or editor), else PermissionDenied (403).
    ``owner_only``: what only the owner may do, e.g. "delete the design"; anyone else gets PermissionDenied.
    The design comes back with ``access`` set to "owner", "editor" or "viewer".

    Every view and API endpoint fetches designs through here, so access rules live in one place.
    """
    if not getattr(user, "is_authenticated", False):
        raise Http404(ERR_NO_DESIGN.format(pk=pk))
    role = models.DesignShare.objects.filter(design=OuterRef("pk"), user=user).values("role")[:1]
    design = (
        models.Design.objects.filter(pk=pk)
        .annotate(share_role=Subquery(role))
        .filter(Q(owner=user) | Q(share_role__isnull=False))
        .select_related("owner")
        .first()
    )
    if design is None:
        raise Http404(ERR_NO_DESIGN.format(pk=pk))
    design.access = OWNER if design.owner_id == user.pk else design.share_role
    if owner_only and design.access != OWNER:
        raise PermissionDenied(ERR_OWNER_ONLY.format(owner=design.owner.get_username(), what=owner_only))
    if write and design.access not in (OWNER, EDITOR):
        raise PermissionDenied(ERR_READ_ONLY.format(owner=design.owner.get_username()))
    return design


def design_get_by_link(token: str) -> models.Design:
    """The design behind a secret read-only link; Http404 for an unknown or revoked token."""
    link = models.ShareLink.objects.select_related("design").filter(token=token).first() if token else None
    if link is None:
        raise Http404(ERR_LINK_GONE)
    design = link.design
    design.access = VIEWER
    return design


def design_shares(design: models.Design) -> QuerySet[models.DesignShare]:
    return design.shares.select_related("user").order_by("user__username")


def design_links(design: models.Design) -> QuerySet[models.ShareLink]:
    return design.links.select_related("created_by")


def design_revisions(design: models.Design) -> QuerySet[models.Revision]:
    """The design's history, newest first, with who made each change."""
    return design.revisions.select_related("author").order_by("-number")


@dataclass(frozen=True)
class Cursor:
    """Where a design stands in its undo history: the change it equals, and where undo and redo lead."""

    current: models.Revision
    undo: models.Revision | None
    redo: models.Revision | None


def design_cursor(design: models.Design) -> Cursor:
    revisions = design.revisions.only("design", "number", "summary", "state", "undo_to")
    latest = revisions.order_by("-number").first()
    if latest is None:  # a design from before revisions existed
        raise models.Revision.DoesNotExist(f"Design {design.pk} has no revisions.")
    state = latest.state or latest.number
    current = latest if state == latest.number else revisions.get(number=state)
    undo = revisions.filter(number=current.undo_to).first() if current.undo_to else None
    redo = revisions.filter(undo_to=state, state=F("number")).order_by("-number").first()
    return Cursor(current, undo, redo)


def design_snapshot(data: DesignData) -> dict:
    """The design's settings and parts as plain JSON; ``services.design_restore`` takes it back."""
    design = data.design
    return {
        "settings": {
            "name": design.name,
            "description": design.description,
            "isolate_ingress": design.isolate_ingress,
            "isolate_egress": design.isolate_egress,
            "dns": design.dns,
        },
        "namespaces": [{"name": ns.name, "labels": ns.labels} for ns in data.namespaces],
        "workloads": [_workload_dict(w, data.refs) for w in data.workloads],
        "policies": [p.manifest for p in data.imported_policies],
        "externals": [_external_dict(e) for e in data.externals],
        "flows": [_flow_dict(f, data.refs) for f in data.flows],
    }


def _workload_dict(w: models.Workload, refs: dict[tuple[str, int], str]) -> dict:
    return {
        "namespace": refs[("namespace", w.namespace_id)],
        "name": w.name,
        "labels": w.labels,
        "ports": w.ports,
        "ip": w.ip,
        "kind": w.kind,
        "x": w.x,
        "y": w.y,
    }


def _external_dict(e: models.External) -> dict:
    return {"name": e.name, "cidr": e.cidr, "except": e.except_cidrs, "fqdn": e.fqdn, "x": e.x, "y": e.y}


def _flow_dict(flow: models.Flow, refs: dict[tuple[str, int], str]) -> dict:
    """One flow as a snapshot holds it."""
    return {
        "source": _endpoint_dict(flow, "source", refs),
        "destination": _endpoint_dict(flow, "destination", refs),
        "ports": flow.ports,
    }


_ENDPOINT_COLUMNS = {
    side: tuple((kind, f"{side}_{kind}_id") for kind in ("workload", "namespace", "external"))
    for side in ("source", "destination")
}


def _end_id(flow: models.Flow, side: str) -> tuple[str, int]:
    """(kind, id) of one end of a flow, from its columns."""
    values = flow.__dict__  # loaded columns directly: this runs twice per flow on every load
    for kind, column in _ENDPOINT_COLUMNS[side]:
        pk = values[column] if column in values else getattr(flow, column)
        if pk is not None:
            return kind, pk
    raise ValueError(f"Flow {flow.pk} has no {side}.")


def flow_endpoint(flow: models.Flow, side: str, refs: dict[tuple[str, int], str]) -> tuple[str, str]:
    """(kind, ref) of one end of a flow, named through a loaded design's ``refs``."""
    kind, pk = _end_id(flow, side)
    return kind, refs[(kind, pk)]


_END_IDS = "_end_ids"  # the cache attribute flow_end_ids sets on a loaded row


def flow_end_ids(flow: models.Flow) -> tuple[str, int, str, int]:
    """(source kind, source id, destination kind, destination id) of a flow, worked out once per loaded row
    (rows are kept between requests and never change; a row a service changed is a new row of the state)."""
    ends = flow.__dict__.get(_END_IDS)
    if ends is None:
        ends = flow.__dict__[_END_IDS] = (*_end_id(flow, "source"), *_end_id(flow, "destination"))
    return ends


def _endpoint_dict(flow: models.Flow, side: str, refs: dict[tuple[str, int], str]) -> dict[str, str]:
    kind, ref = flow_endpoint(flow, side, refs)
    return {kind: ref}


def port_from_row(item: dict) -> nm.Port:
    return nm.Port(item.get("protocol", "TCP"), item.get("port"), item.get("end_port"))


def _workload(row: models.Workload, namespace_name: str) -> nm.Workload:
    return nm.Workload(
        namespace=namespace_name,
        name=row.name,
        labels=tuple(sorted(row.labels.items())),
        ports=tuple(nm.ContainerPort(p["name"], p["port"], p.get("protocol", "TCP")) for p in row.ports),
        ip=row.ip,
        kind=row.kind,
    )


def flow_value(flow: models.Flow, refs: dict[tuple[str, int], str]) -> nm.Flow:
    def endpoint(side: str) -> nm.Endpoint:
        return nm.Endpoint(*flow_endpoint(flow, side, refs))  # type: ignore[arg-type]

    return nm.Flow(endpoint("source"), endpoint("destination"), tuple(port_from_row(p) for p in flow.ports))


@dataclass(frozen=True)
class DesignData:
    """A design's rows and its domain graph, loaded in a fixed number of queries."""

    design: models.Design
    namespaces: list[models.Namespace]
    workloads: list[models.Workload]
    externals: list[models.External]
    flows: list[models.Flow]
    graph: nm.Graph
    refs: dict[tuple[str, int], str]
    imported_policies: tuple[models.ImportedPolicy, ...] = ()
    # what was worked out from this data (its ``Compiled``): shared by every copy of it, see ``design_compile``
    derived: dict = field(default_factory=dict, compare=False, repr=False)


# ---------------------------------------------------------------- loaded designs, kept per revision
# Loading a large design is the biggest fixed cost of a request (≈ 90 ms at 1,000 workloads), so each process
# keeps the last designs it loaded, keyed by the design's (revision, updated).  Every change bumps both in the
# same transaction as the change (services._touch), so a key names one content: a hit is never stale, and a
# change rolled back leaves a key no later change reuses (``updated`` differs).  The rows are shared between
# requests: treat them as read-only (copy a row before handing it to a service).

_LOADED: OrderedDict[int, tuple[tuple, DesignData]] = OrderedDict()
_LOADED_SIZE = 8
_LOADED_LOCK = threading.Lock()


def forget_loaded() -> None:
    """Drop every kept design and compiled result (tests and the benchmark: a process that kept nothing)."""
    with _LOADED_LOCK:
        _LOADED.clear()
    with _COMPILED_LOCK:
        _COMPILED.clear()


def _loaded_key(design: models.Design) -> tuple:
    return (design.revision, design.updated)


def _stored_key(pk: int) -> tuple | None:
    return models.Design.objects.filter(pk=pk).values_list("revision", "updated").first()


def _loaded_get(pk: int, key: tuple) -> DesignData | None:
    with _LOADED_LOCK:
        found = _LOADED.get(pk)
        if found is None or found[0] != key:
            return None
        _LOADED.move_to_end(pk)
        return found[1]


def _loaded_put(pk: int, key: tuple, data: DesignData) -> None:
    with _LOADED_LOCK:
        _LOADED[pk] = (key, data)
        _LOADED.move_to_end(pk)
        while len(_LOADED) > _LOADED_SIZE:
            _LOADED.popitem(last=False)


def design_load(design: models.Design) -> DesignData:
    """The design's rows and graph: kept from an earlier load of the same revision, caught up from an older
    one with the revisions' deltas (changes another process made), else loaded now."""
    data = _loaded_get(design.pk, _loaded_key(design))
    if data is not None:
        return data if data.design is design else replace(data, design=design)
    data = _catch_up(design, _loaded_key(design))
    if data is not None:
        return data
    before = _stored_key(design.pk)
    data = _design_load(design)
    if before is not None and before == _stored_key(design.pk):  # no change landed while the rows were read
        _loaded_put(design.pk, before, data)
    return data


@dataclass(frozen=True)
class Change:
    """What a service changed, so the next state can be derived from the kept one: ``flows`` maps a flow's pk
    to its new row (``None``: deleted), ``added`` are new flows (their pks are the highest: they load last),
    ``moved`` are workload or external rows of which only the position changed."""

    flows: dict[int, models.Flow | None] = field(default_factory=dict)
    added: tuple[models.Flow, ...] = ()
    moved: tuple[models.Workload | models.External, ...] = ()


def design_load_after(design: models.Design, before: tuple, change: Change) -> list | None:
    """After ``change`` moved the design from the loaded state ``before`` to its current revision: keep the
    new state's data (derived from the kept ``before`` data, not loaded again) and return the revision delta
    (``revision_snapshot`` applies it), or ``None`` when ``before`` is not kept here."""
    prev = _loaded_get(design.pk, before) or _catch_up(design, before)
    if prev is None:
        return None
    try:
        data, delta = _derive(design, prev, change)
    except KeyError:  # the change names a part the kept state does not have: load it whole instead
        return None
    _loaded_put(design.pk, _loaded_key(design), data)
    return delta


def _derive(design: models.Design, prev: DesignData, change: Change) -> tuple[DesignData, list]:
    delta: list = []
    data = replace(prev, design=design, derived={})
    if change.moved:
        data = _derive_moves(data, change.moved, delta)
    if change.flows or change.added:
        data = _derive_flows(data, prev, change, delta)
    else:  # the graph is the same: so is everything worked out from it
        data.derived.update(prev.derived)
    return data, delta


def _derive_moves(data: DesignData, moved, delta: list) -> DesignData:
    """Rows that only moved: the same graph, the rows replaced (a row whose graph value changed is refused)."""
    workloads, externals = list(data.workloads), list(data.externals)
    for row in moved:
        if isinstance(row, models.Workload):
            index = next(i for i, w in enumerate(workloads) if w.pk == row.pk)
            namespace = data.refs[("namespace", row.namespace_id)]
            if _workload(row, namespace) != data.graph.workloads[index]:
                raise KeyError(row.pk)
            row.namespace = workloads[index].namespace  # share the loaded namespace row
            workloads[index] = row
            delta.append(["workloads", index, 1, [_workload_dict(row, data.refs)], [row.pk]])
        else:
            index = next(i for i, e in enumerate(externals) if e.pk == row.pk)
            old = externals[index]
            if (row.name, row.cidr, row.except_cidrs, row.fqdn) != (old.name, old.cidr, old.except_cidrs, old.fqdn):
                raise KeyError(row.pk)
            externals[index] = row
            delta.append(["externals", index, 1, [_external_dict(row)], [row.pk]])
    return replace(data, workloads=workloads, externals=externals)


def _derive_flows(data: DesignData, prev: DesignData, change: Change, delta: list) -> DesignData:
    for row in (*change.added, *change.flows.values()):
        if row is not None:  # a service may have changed a copy of a kept row: nothing worked out of it holds
            row.__dict__.pop(_END_IDS, None)
    flows, values = list(prev.flows), list(prev.graph.flows)
    removed: list[nm.Flow] = []
    added: list[nm.Flow] = []
    if change.flows:  # replaced or deleted: found by pk (a scan; adding a flow, the common edit, needs none)
        positions = [i for i, row in enumerate(flows) if row.pk in change.flows]
        for index in reversed(positions):  # later positions first, so earlier ones stay where they were
            new = change.flows[flows[index].pk]
            removed.append(values[index])
            delta.append(["flows", index, 1, *([[], []] if new is None else [[_flow_dict(new, prev.refs)], [new.pk]])])
            if new is None:
                del flows[index], values[index]
            else:
                flows[index], values[index] = new, flow_value(new, prev.refs)
                added.append(values[index])
    if change.added:
        pks = [flows[-1].pk] if flows else []
        pks += [row.pk for row in change.added]
        if pks != sorted(set(pks)):  # flows load in id order: a new one must come last
            raise KeyError("a new flow sorts before another: load the design in its order instead")
        delta.append(
            ["flows", len(flows), 0, [_flow_dict(f, prev.refs) for f in change.added], [f.pk for f in change.added]]
        )
        for row in change.added:
            flows.append(row)
            values.append(flow_value(row, prev.refs))
            added.append(values[-1])
    graph = replace(prev.graph, flows=tuple(values))
    data = replace(data, flows=flows, graph=graph)
    base = prev.derived.get("compiled")
    if base is not None:  # compile (and lint) the new state from the old one: see Compiled
        base.settle()  # one step back is all a state keeps
        data.derived["compiled"] = Compiled(graph, base=base, removed=tuple(removed), added=tuple(added))
    return data


def apply_delta(snapshot: dict, delta: list) -> dict:
    """``snapshot`` (not changed) with a revision's delta applied: splices ``[section, index, count, items,
    pks]`` (``pks``: the items' row ids, which ``design_load`` uses to catch up)."""
    out = dict(snapshot)
    for section, index, count, items, *_ in delta:
        rows = out[section] = list(out[section])
        rows[index : index + count] = items
    return out


_CATCH_UP_MAX = 50  # revisions; a process further behind loads the design whole


def _catch_up(design: models.Design, target: tuple) -> DesignData | None:
    """The kept state of an older revision brought to the ``target`` (revision, updated) of ``design`` with the
    deltas of the revisions between (made by another process: each process keeps its own states), or
    ``None``.  Only when every revision between has a delta of flows and moves, and the kept state is the
    committed one of its revision."""
    with _LOADED_LOCK:
        kept = _LOADED.get(design.pk)
    if kept is None:
        return None
    (number, stamp), prev = kept
    revision, updated = target
    if not 0 < revision - number <= _CATCH_UP_MAX:
        return None
    revisions = list(
        models.Revision.objects.filter(design_id=design.pk, number__gte=number, number__lte=revision)
        .order_by("number")
        .values_list("number", "stamp", "delta")
    )
    numbers = [r[0] for r in revisions]
    if numbers != list(range(number, revision + 1)) or revisions[0][1] != stamp:
        return None  # a gap, or the kept state is of a change that was rolled back
    if revisions[-1][1] != updated or any(delta is None for _, _, delta in revisions[1:]):
        return None
    flow_pks = [row.pk for row in prev.flows]
    touched: dict[str, set[int]] = {"flows": set(), "workloads": set(), "externals": set()}
    for _, _, delta in revisions[1:]:
        for op in delta:
            if len(op) != 5 or op[0] not in touched:
                return None
            section, index, count, _, pks = op
            if section == "flows":
                touched["flows"].update(flow_pks[index : index + count], pks)
                flow_pks[index : index + count] = pks
            else:
                touched[section].update(pks)
    found = {
        section: model.objects.filter(design_id=design.pk, pk__in=touched[section]).in_bulk()
        for section, model in (("flows", models.Flow), ("workloads", models.Workload), ("externals", models.External))
        if touched[section]
    }
    if any(len(found.get(section, {})) != len(touched[section]) for section in ("workloads", "externals")):
        return None  # a moved row is gone: a later change removed it without a delta
    rows = found.get("flows", {})
    before = {row.pk for row in prev.flows}
    if any(pk not in rows for pk in flow_pks if pk in touched["flows"]):
        return None  # a flow the deltas end with is gone: a later change removed it without a delta
    final = set(flow_pks)
    change = Change(
        flows={pk: rows[pk] if pk in final else None for pk in before & touched["flows"]},
        added=tuple(rows[pk] for pk in flow_pks if pk not in before),
        moved=tuple(row for section in ("workloads", "externals") for row in found.get(section, {}).values()),
    )
    try:
        data, _ = _derive(design, prev, change)
    except KeyError:
        return None
    _loaded_put(design.pk, target, data)
    return data


def revision_snapshot(revision: models.Revision) -> dict:
    """The whole design as it was at ``revision``: its snapshot, or its base snapshot with the deltas since."""
    if revision.snapshot is not None:
        return revision.snapshot
    chain = list(
        models.Revision.objects.filter(
            design_id=revision.design_id, number__gte=revision.base, number__lte=revision.number
        )
        .order_by("number")
        .only("number", "snapshot", "delta")
    )
    snapshot = chain[0].snapshot
    for step in chain[1:]:
        snapshot = step.snapshot if step.snapshot is not None else apply_delta(snapshot, step.delta)
    return snapshot


@without_gc  # thousands of rows and value objects, no cycles: see editor/netpol/gcpause.py
def _design_load(design: models.Design) -> DesignData:
    namespaces = list(design.namespaces.all())
    ns_names = {ns.pk: ns.name for ns in namespaces}
    workloads = list(design.workloads.all())
    externals = list(design.externals.all())
    flows = list(design.flows.all())
    imported = tuple(design.imported_policies.all())
    ns_rows = {ns.pk: ns for ns in namespaces}
    for w in workloads:  # share the loaded namespace rows instead of a query per workload
        w.namespace = ns_rows[w.namespace_id]
    refs: dict[tuple[str, int], str] = {}
    refs.update({("namespace", ns.pk): ns.name for ns in namespaces})
    refs.update({("workload", w.pk): f"{ns_names[w.namespace_id]}/{w.name}" for w in workloads})
    refs.update({("external", e.pk): e.name for e in externals})
    graph = nm.Graph(
        namespaces=tuple(nm.Namespace(ns.name, tuple(sorted(ns.labels.items()))) for ns in namespaces),
        workloads=tuple(_workload(w, ns_names[w.namespace_id]) for w in workloads),
        externals=tuple(nm.External(e.name, e.cidr, tuple(e.except_cidrs), e.fqdn) for e in externals),
        flows=tuple(flow_value(f, refs) for f in flows),
        settings=nm.Settings(design.isolate_ingress, design.isolate_egress, design.dns),
        policies=tuple(policy_from_manifest(p.manifest) for p in imported),
    )
    return DesignData(design, namespaces, workloads, externals, flows, graph, refs, imported)


class Compiled:
    """A design's policies, manifests, YAML and findings, each worked out on first use and then kept.

    Shared between requests by ``design_compile``'s cache: treat everything here as read-only.
    """

    def __init__(self, graph: nm.Graph, *, base: Compiled | None = None, removed=(), added=()):
        self.graph = graph
        # the previous state's result and the flows changed since: what is already worked out there is
        # updated instead of worked out again (the result is the same: see the incremental tests)
        self._base, self._removed, self._added = base, removed, added

    def _from_base(self, name: str):
        base = self._base  # once: settle may run in another thread meanwhile
        return None if base is None else base.__dict__.get(name)

    def _kept_per_policy(self, name: str) -> dict[int, object] | None:
        """The previous state's ``name`` (a list parallel to its policies) by policy id, if worked out there."""
        base = self._base
        values = None if base is None else base.__dict__.get(name)
        if values is None:
            return None
        return {id(p): v for p, v in zip(base.policies, values, strict=True)}  # base holds the policies alive

    @cached_property
    def compilation(self) -> Compilation:
        base = self._from_base("compilation")
        if base is not None:
            return base.update(self.graph, self._removed, self._added)
        return Compilation.of(self.graph)

    @cached_property
    def policies(self) -> list[nm.Policy]:
        return self.compilation.policies

    @cached_property
    def manifests(self) -> list[dict]:
        kept = self._kept_per_policy("manifests")
        if kept is None:
            return manifests(self.policies)
        return [kept.get(id(p)) or manifests([p])[0] for p in self.policies]  # type: ignore[misc]

    @cached_property
    def manifests_json(self) -> list[str]:
        """Each manifest as compact JSON (as the API's renderer writes it), kept for unchanged policies."""
        kept = self._kept_per_policy("manifests_json") or {}
        return [
            kept.get(id(p)) or json.dumps(m, ensure_ascii=False, separators=(",", ":"))  # type: ignore[misc]
            for p, m in zip(self.policies, self.manifests, strict=True)
        ]

    @cached_property
    def lint_state(self) -> LintState:
        base = self._from_base("lint_state")
        if base is not None:
            return base.update(self.graph, self.policies)
        return LintState.full(self.graph, self.policies)

    @cached_property
    def findings(self) -> list[Finding]:
        return self.lint_state.findings

    _DERIVED = ("compilation", "manifests", "manifests_json", "lint_state")

    def settle(self) -> None:
        """Work out, from the previous state, what was worked out there, then drop the link to it: a state
        keeps one step back, and a state derived from this one can still update everything incrementally."""
        base = self._base
        if base is not None:
            for name in self._DERIVED:
                if name in base.__dict__:
                    getattr(self, name)
        self._base = None

    @cached_property
    def yaml(self) -> str:
        return to_yaml(self.manifests)


# The last few compiled designs, keyed by the domain graph itself: a hit needs an equal graph, so a cached
# result can never be stale, whatever changed the rows.  Process-local on purpose: Django's LocMemCache
# pickles, and unpickling a large design's policies takes longer than compiling them (docs/benchmarks.md).
_COMPILED: OrderedDict[nm.Graph, Compiled] = OrderedDict()
_COMPILED_SIZE = 4
_COMPILED_LOCK = threading.Lock()


def design_compile(data: DesignData) -> Compiled:
    """The design's compiled output; the same graph (an unchanged design) compiles once per process."""
    compiled = data.derived.get("compiled")  # kept with the loaded data (or derived from the state before)
    if compiled is not None:
        return compiled
    with _COMPILED_LOCK:
        compiled = _COMPILED.get(data.graph)
        if compiled is None:
            compiled = _COMPILED[data.graph] = Compiled(data.graph)
        _COMPILED.move_to_end(data.graph)
        while len(_COMPILED) > _COMPILED_SIZE:
            _COMPILED.popitem(last=False)
    data.derived["compiled"] = compiled
    return compiled


# ---------------------------------------------------------------- analysis (issue 4)


def design_policies(data: DesignData) -> list[nm.Policy]:
    """The design's NetworkPolicies (compiled plus kept): what analysis needs (``Compiled`` is lazy)."""
    return design_compile(data).policies


def design_connections(data: DesignData) -> list[analyze.Connection]:
    """Workload → workload connections the design's policies allow, each with its ports and the policies
    that allow it (pairs that no policy restricts on either side are left out).  The canvas draws these."""
    return analyze.connections(data.graph, compile_design(data.graph))


def design_import_diff(data: DesignData) -> analyze.Diff | None:
    """Connections added and removed compared with what the design allowed when it was imported
    (``None`` for a design that was not imported)."""
    baseline = models.ImportBaseline.objects.filter(design=data.design).first()
    if baseline is None:
        return None
    before = [policy_from_manifest(m) for m in baseline.manifests]
    return analyze.semantic_diff(data.graph, before, compile_design(data.graph))
