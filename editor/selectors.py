"""Reads.  A selector owns the query shape; a design's derived state is read through ``editor.state``."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.utils.text import slugify

from editor import models
from editor.netpol import analyze
from editor.netpol.importer import policy_from_manifest
from editor.state import DesignState, Parts, changes, parts_of_snapshot, snapshot_of, state_of
from editor.state.records import FlowRec

OWNER, EDITOR, VIEWER = "owner", models.DesignShare.EDITOR, models.DesignShare.VIEWER
ERR_NO_DESIGN = "No design {pk} here: it does not exist, or it is not shared with you."
ERR_READ_ONLY = (
    "{owner} shared this design with you read-only (as a viewer): you can look at it but not change it. "
    "Ask {owner} to make you an editor."
)
ERR_OWNER_ONLY = "Only the design's owner ({owner}) can {what}."
ERR_LINK_GONE = "This link does not exist or was revoked: ask the design's owner for a new one."


def yaml_filename(design: models.Design) -> str:
    """The file name of the design's YAML download: the design's name, slugified."""
    return f"{slugify(design.name) or 'design'}-networkpolicies.yaml"


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


def design_state(design: models.Design) -> DesignState:
    """The design's state at its current revision: records, graph, policies, findings, manifests (editor.state)."""
    return state_of(design)


def flow_endpoint(flow: FlowRec, side: str, refs: dict[tuple[str, int], str]) -> tuple[str, str]:
    """(kind, ref) of one end of a flow, named through a state's ``refs``."""
    kind, pk = getattr(flow, side)
    return kind, refs[(kind, pk)]


def flow_end_ids(flow: FlowRec) -> tuple[str, int, str, int]:
    """(source kind, source id, destination kind, destination id) of a flow."""
    return (*flow.source, *flow.destination)


def revision_parts(revision: models.Revision) -> Parts:
    """The design's records as they were at ``revision``: its base snapshot with the typed changes since
    applied at once (revisions from before typed changes: through their snapshot)."""
    if revision.snapshot is not None:
        return parts_of_snapshot(revision.snapshot)
    chain = _chain(revision)
    replayed = _replayed(chain)
    return replayed if replayed is not None else parts_of_snapshot(_spliced(chain))


def revision_snapshot(revision: models.Revision) -> dict:
    """The whole design as it was at ``revision``: its snapshot, or its base snapshot with the changes since."""
    if revision.snapshot is not None:
        return revision.snapshot
    chain = _chain(revision)
    replayed = _replayed(chain)
    return snapshot_of(replayed) if replayed is not None else _spliced(chain)


def _chain(revision: models.Revision) -> list[models.Revision]:
    """``revision`` and the revisions before it back to its base (the whole snapshot), oldest first."""
    return list(
        models.Revision.objects.filter(
            design_id=revision.design_id, number__gte=revision.base, number__lte=revision.number
        )
        .order_by("number")
        .only("number", "snapshot", "delta")
    )


def _replayed(chain: list[models.Revision]) -> Parts | None:
    """The chain's base records with every typed change since applied at once; None for an older chain."""
    if not all(changes.is_change_json(step.delta) for step in chain[1:]):
        return None
    change = tuple(op for step in chain[1:] for op in changes.from_json(step.delta))
    return changes.apply(parts_of_snapshot(chain[0].snapshot), change)


def _spliced(chain: list[models.Revision]) -> dict:
    """A chain of revisions from before typed changes: their list splices applied to the base snapshot."""
    snapshot = chain[0].snapshot
    for step in chain[1:]:
        snapshot = step.snapshot if step.snapshot is not None else _apply_splices(snapshot, step.delta)
    return snapshot


def revision_snapshots(design: models.Design, low: int, high: int) -> dict[int, dict]:
    """revision number → the whole design as it was then, for the revisions ``low`` to ``high`` (read in one
    query from the newest whole snapshot at or before ``low``); a revision after a gap in the chain is left out."""
    first = (
        models.Revision.objects.filter(design=design, number__lte=low)
        .order_by("-number")
        .values_list("number", "base")
        .first()
    )
    if first is None:
        return {}
    number, base = first
    rows = (
        models.Revision.objects.filter(design=design, number__gte=min(base or number, number), number__lte=high)
        .order_by("number")
        .values_list("number", "snapshot", "delta")
    )
    out: dict[int, dict] = {}
    current: dict | None = None
    for number, snapshot, delta in rows:
        if snapshot is not None:
            current = snapshot
        elif current is not None and changes.is_change_json(delta):
            current = snapshot_of(changes.apply(parts_of_snapshot(current), changes.from_json(delta)))
        elif current is not None and delta is not None:
            current = _apply_splices(current, delta)
        else:
            current = None  # a chain with a gap: say nothing rather than something wrong
        if current is not None and number >= low:
            out[number] = current
    return out


def _apply_splices(snapshot: dict, delta: list) -> dict:
    """An older revision's delta: splices ``[section, index, count, items, pks]`` of the snapshot's lists."""
    out = dict(snapshot)
    for section, index, count, items, *_ in delta:
        rows = out[section] = list(out[section])
        rows[index : index + count] = items
    return out


# ---------------------------------------------------------------- analysis (issue 4)


def design_connections(state: DesignState) -> list[analyze.Connection]:
    """Workload → workload connections the design's policies allow, each with its ports and the policies
    that allow it (pairs that no policy restricts on either side are left out).  The canvas draws these."""
    return analyze.connections(state.graph, state.policies)


def design_import_diff(design: models.Design, state: DesignState) -> analyze.Diff | None:
    """Connections added and removed compared with what the design allowed when it was imported
    (``None`` for a design that was not imported)."""
    baseline = models.ImportBaseline.objects.filter(design=design).first()
    if baseline is None:
        return None
    before = [policy_from_manifest(m) for m in baseline.manifests]
    return analyze.semantic_diff(state.graph, before, state.policies)
