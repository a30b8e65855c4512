"""History pages: who changed what and when, what each change did (a diff), and restore.

Restoring is a change like any other: it needs write access (``selectors.design_get_for(write=True)``) and is
refused with the current state shown when the design moved on since the page was loaded
(``services.check_revision``), so a slower browser tab never silently overwrites a newer change.
"""

from __future__ import annotations

import difflib

import yaml
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from editor import models, selectors, services

SHOWN = 200  # revisions listed on the page, newest first
ERR_BAD_REVISION = "The form did not say which revision you were looking at: reload the page and try again."


def _snapshot_text(snapshot: dict | None) -> list[str]:
    if snapshot is None:
        return []
    return yaml.dump(snapshot, Dumper=yaml.CSafeDumper, sort_keys=False, default_flow_style=False).splitlines()


def _history(request, design: models.Design, *, notice: str = "", status: int = 200):
    revisions = list(selectors.design_revisions(design).defer("snapshot")[: SHOWN + 1])
    context = {
        "design": design,
        "revisions": revisions[:SHOWN],
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
    before = _snapshot_text(selectors.revision_snapshot(previous) if previous else None)
    diff = list(
        difflib.unified_diff(
            before,
            _snapshot_text(selectors.revision_snapshot(revision)),
            f"revision {previous.number}" if previous else "(nothing)",
            f"revision {revision.number}",
            lineterm="",
        )
    )
    lines = [("add" if line[:1] == "+" else "del" if line[:1] == "-" else "ctx", line) for line in diff]
    context = {
        "design": design,
        "revision": revision,
        "previous": previous,
        "lines": lines,
        "can_restore": design.access in (selectors.OWNER, selectors.EDITOR),
    }
    return render(request, "editor/history/detail.html", context)


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
