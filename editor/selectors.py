"""Reads.  A selector owns the query shape and hands value objects to the domain."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import cached_property

from django.core.exceptions import PermissionDenied
from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.http import Http404

from editor import models
from editor.netpol import analyze
from editor.netpol import model as nm
from editor.netpol.compile import compile_design
from editor.netpol.gcpause import without_gc
from editor.netpol.importer import policy_from_manifest
from editor.netpol.lint import Finding, lint
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
    revisions = design.revisions.only("number", "summary", "state", "undo_to")
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
        "workloads": [
            {
                "namespace": data.refs[("namespace", w.namespace_id)],
                "name": w.name,
                "labels": w.labels,
                "ports": w.ports,
                "ip": w.ip,
                "x": w.x,
                "y": w.y,
            }
            for w in data.workloads
        ],
        "policies": [p.manifest for p in data.imported_policies],
        "externals": [
            {"name": e.name, "cidr": e.cidr, "except": e.except_cidrs, "x": e.x, "y": e.y} for e in data.externals
        ],
        "flows": [
            {
                "source": _endpoint_dict(f, "source", data.refs),
                "destination": _endpoint_dict(f, "destination", data.refs),
                "ports": f.ports,
            }
            for f in data.flows
        ],
    }


_ENDPOINT_COLUMNS = {
    side: tuple((kind, f"{side}_{kind}_id") for kind in ("workload", "namespace", "external"))
    for side in ("source", "destination")
}


def flow_endpoint(flow: models.Flow, side: str, refs: dict[tuple[str, int], str]) -> tuple[str, str]:
    """(kind, ref) of one end of a flow, named through a loaded design's ``refs``."""
    values = flow.__dict__  # loaded columns directly: this runs twice per flow on every load
    for kind, column in _ENDPOINT_COLUMNS[side]:
        pk = values[column] if column in values else getattr(flow, column)
        if pk is not None:
            return kind, refs[(kind, pk)]
    raise ValueError(f"Flow {flow.pk} has no {side}.")


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


@without_gc  # thousands of rows and value objects, no cycles: see editor/netpol/gcpause.py
def design_load(design: models.Design) -> DesignData:
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
        externals=tuple(nm.External(e.name, e.cidr, tuple(e.except_cidrs)) for e in externals),
        flows=tuple(flow_value(f, refs) for f in flows),
        settings=nm.Settings(design.isolate_ingress, design.isolate_egress, design.dns),
        policies=tuple(policy_from_manifest(p.manifest) for p in imported),
    )
    return DesignData(design, namespaces, workloads, externals, flows, graph, refs, imported)


class Compiled:
    """A design's policies, manifests, YAML and findings, each worked out on first use and then kept.

    Shared between requests by ``design_compile``'s cache: treat everything here as read-only.
    """

    def __init__(self, graph: nm.Graph):
        self.graph = graph

    @cached_property
    def policies(self) -> list[nm.Policy]:
        return compile_design(self.graph)

    @cached_property
    def manifests(self) -> list[dict]:
        return manifests(self.policies)

    @cached_property
    def findings(self) -> list[Finding]:
        return lint(self.graph, self.policies)

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
    with _COMPILED_LOCK:
        compiled = _COMPILED.get(data.graph)
        if compiled is not None:
            _COMPILED.move_to_end(data.graph)
            return compiled
        compiled = _COMPILED[data.graph] = Compiled(data.graph)
        while len(_COMPILED) > _COMPILED_SIZE:
            _COMPILED.popitem(last=False)
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
