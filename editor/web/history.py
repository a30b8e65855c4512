"""History pages: who changed what and when, what each change did, and restore.

The list names what each recent change did ("Changed the design's settings: DNS off → on"), worked out from
the revision's snapshot and the one before it (``netpol.revisions.describe_changes``).  A revision's page
shows that, the NetworkPolicies that changed (each side compiled from its snapshot) and the workload →
workload connections the policies allow differently.

Restoring is a change like any other: it needs write access (``selectors.design_get_for(write=True)``) and is
refused with the current state shown when the design moved on since the page was loaded
(``services.check_revision``), so a slower browser tab never silently overwrites a newer change.
"""

from __future__ import annotations

import difflib

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from editor import models, selectors, services
from editor.netpol import revisions as changes
from editor.netpol.compile import compile_design

SHOWN = 200  # revisions listed on the page, newest first
DESCRIBED = 50  # the newest revisions whose changes the list names (each needs its snapshot and the one before)
# … fewer on a large design, whose snapshots take long to read: about this many workloads' worth of snapshots
# (at 1,000 workloads the newest 3 revisions: reading one snapshot of 1,000 workloads takes 70-140 ms)
SNAPSHOT_BUDGET = 3_000
CONNECTIONS_UP_TO = 150  # workloads; a larger design's revision page lists changed policies, not connections
POLICIES_SHOWN = 40  # changed policies shown with their YAML on a revision's page; the others are named
ERR_BAD_REVISION = "The form did not say which revision you were looking at: reload the page and try again."


def _what_changed(design: models.Design, revisions: list[models.Revision]) -> dict[int, list[str]]:
    """revision number → what it changed, in words, for the newest few of ``revisions`` (newest first);
    left out where the words would only repeat the summary."""
    limit = max(3, min(DESCRIBED, SNAPSHOT_BUDGET // max(1, design.workloads.count())))
    described = revisions[:limit]
    if not described:
        return {}
    snapshots = selectors.revision_snapshots(design, max(1, described[-1].number - 1), described[0].number)
    out = {}
    for revision in described:
        after = snapshots.get(revision.number)
        if after is None:
            continue
        before = snapshots.get(revision.number - 1)
        if before is None:  # the first revision: its summary says it all
            continue
        lines = changes.describe_changes(before, after)
        if lines and lines != [revision.summary]:
            out[revision.number] = lines
    return out


def _history(request, design: models.Design, *, notice: str = "", status: int = 200):
    revisions = list(selectors.design_revisions(design).defer("snapshot", "delta")[: SHOWN + 1])
    details = _what_changed(design, revisions[:SHOWN])
    context = {
        "design": design,
        "revisions": [(r, details.get(r.number, ())) for r in revisions[:SHOWN]],
        "more": len(revisions) > SHOWN,
        "can_restore": design.access in (selectors.OWNER, selectors.EDITOR),
        "notice": notice,
    }
    return render(request, "editor/history/list.html", context, status=status)


@require_GET
@login_required
def design_history(request, pk: int):
    return _history(request, selectors.design_get_for(request.user, pk))


@require_GET
@login_required
def revision_detail(request, pk: int, number: int):
    """One revision: who, when, and what changed compared with the revision before it."""
    design = selectors.design_get_for(request.user, pk)
    revisions = selectors.design_revisions(design)
    revision = revisions.filter(number=number).first()
    if revision is None:
        raise Http404(f"Design {design.pk} has no revision {number}.")
    previous = revisions.filter(number__lt=number).first()  # newest first: the one just before
    before = selectors.revision_snapshot(previous) if previous else None
    after = selectors.revision_snapshot(revision)
    current = None
    if revision.number == design.revision:  # the design as it is: its compiled state is likely kept already
        data = selectors.design_state(design)
        current = (data.graph, data.policies)
    context = {
        "design": design,
        "revision": revision,
        "previous": previous,
        "described": changes.describe_changes(before, after),
        "can_restore": design.access in (selectors.OWNER, selectors.EDITOR),
        **_effects(before, after, current),
    }
    return render(request, "editor/history/detail.html", context)


def _diff_lines(change: changes.PolicyChange) -> list[tuple[str, str]]:
    """A changed policy's YAML as (kind, line) pairs of a unified diff; an added or removed one whole."""
    before, after = change.before, change.after
    if change.kind != "changed":
        kind = "add" if change.kind == "added" else "del"
        sign = "+" if kind == "add" else "-"
        return [(kind, sign + line) for line in (after or before).splitlines()]
    diff = difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=2)
    lines = list(diff)[2:]  # no ---/+++ header: the policy's name says what is compared
    return [(_line_kind(line), line) for line in lines]


def _line_kind(line: str) -> str:
    return "hunk" if line[:2] == "@@" else "add" if line[:1] == "+" else "del" if line[:1] == "-" else "ctx"


def _effects(before: dict | None, after: dict, current=None) -> dict:
    """The NetworkPolicies and connections that differ between two snapshots (``before`` None: nothing);
    ``current``: (graph, policies) of ``after`` when the design is at it, instead of compiling it again."""
    old_graph = changes.graph_of(before or {})
    old = compile_design(old_graph)
    if current is None:
        graph = changes.graph_of(after)
        current = (graph, compile_design(graph))
    new_graph, new = current
    changed = changes.policy_changes(old, new)
    policies = [(c, _diff_lines(c)) for c in changed[:POLICIES_SHOWN]]
    large = max(len(old_graph.workloads), len(new_graph.workloads)) > CONNECTIONS_UP_TO
    connections = [] if large else changes.connection_changes(old_graph, old, new_graph, new)
    return {
        "policy_changes": policies,
        "policies_more": [c.ref for c in changed[POLICIES_SHOWN:]],
        "connection_changes": connections,
        "connections_skipped": large,
    }


@require_POST
@login_required
def revision_restore(request, pk: int, number: int):
    """Restore revision ``number`` as a new revision, unless the design changed since the page was loaded."""
    design = selectors.design_get_for(request.user, pk, write=True)
    revision = selectors.design_revisions(design).filter(number=number).first()
    if revision is None:
        raise Http404(f"Design {design.pk} has no revision {number}.")
    try:
        seen = int(request.POST.get("revision", ""))
    except ValueError:
        return _history(request, design, notice=ERR_BAD_REVISION, status=400)
    try:
        with transaction.atomic():
            services.check_revision(design, seen)
            services.design_restore(
                design=design,
                snapshot=selectors.revision_snapshot(revision),
                summary=f"Restored revision {number}",
                actor=request.user,
            )
    except services.StaleRevision as exc:
        design.refresh_from_db()
        return _history(request, design, notice=str(exc), status=409)
    return redirect("design-history", pk=design.pk)
