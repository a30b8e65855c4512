"""Where states live: one bounded cache per process, and the database reads that fill it."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from editor import models
from editor.netpol.gcpause import without_gc
from editor.netpol.lint import Finding
from editor.state import changes as ch
from editor.state.records import (
    ExternalRec,
    FlowRec,
    NamespaceRec,
    Parts,
    PolicyRec,
    SettingsRec,
    WorkloadRec,
    ordered,
)
from editor.state.state import DesignState

KEPT_DESIGNS = 8  # designs a process keeps a state of (the newest state of each)
CATCH_UP_MAX = 200  # revisions another process may have made before this one loads the design anew

_KEPT: OrderedDict[int, DesignState] = OrderedDict()
_LOCK = threading.Lock()


def kept(pk: int) -> DesignState | None:
    with _LOCK:
        state = _KEPT.get(pk)
        if state is not None:
            _KEPT.move_to_end(pk)
        return state


def keep(state: DesignState) -> None:
    with _LOCK:
        current = _KEPT.get(state.design_pk)
        if current is not None and current.revision > state.revision:
            return  # a newer state is already here (another thread)
        _KEPT[state.design_pk] = state
        _KEPT.move_to_end(state.design_pk)
        while len(_KEPT) > KEPT_DESIGNS:
            _KEPT.popitem(last=False)


def swap(states: dict[int, DesignState]) -> dict[int, DesignState]:
    """Keep ``states`` instead of what is kept; what was kept."""
    with _LOCK:
        before = dict(_KEPT)
        _KEPT.clear()
        _KEPT.update(states)
        return before


def forget() -> None:
    with _LOCK:
        _KEPT.clear()


# ---------------------------------------------------------------- records from rows


def settings_record(design: models.Design) -> SettingsRec:
    return SettingsRec(design.name, design.description, design.isolate_ingress, design.isolate_egress, design.dns)


def namespace_record(row: models.Namespace) -> NamespaceRec:
    return NamespaceRec(row.pk, row.name, dict(row.labels))


def workload_record(row: models.Workload, namespace: str | None = None) -> WorkloadRec:
    return WorkloadRec(
        row.pk,
        row.namespace_id,
        namespace if namespace is not None else row.namespace.name,
        row.name,
        dict(row.labels),
        [dict(p) for p in row.ports],
        row.ip,
        row.x,
        row.y,
        row.kind,
    )


def external_record(row: models.External) -> ExternalRec:
    return ExternalRec(row.pk, row.name, row.cidr, list(row.except_cidrs), row.x, row.y, row.fqdn)


_KINDS = ("workload", "namespace", "external")
_END_COLUMNS = [f"{side}_{kind}_id" for side in ("source", "destination") for kind in _KINDS]


def _ends(ids) -> tuple[tuple[str, int], tuple[str, int]]:
    source = next((kind, pk) for kind, pk in zip(_KINDS, ids[:3], strict=True) if pk is not None)
    destination = next((kind, pk) for kind, pk in zip(_KINDS, ids[3:], strict=True) if pk is not None)
    return source, destination


def flow_record(row: models.Flow) -> FlowRec:
    source, destination = _ends([getattr(row, column) for column in _END_COLUMNS])
    return FlowRec(row.pk, source, destination, [dict(p) for p in row.ports])


def policy_record(row: models.ImportedPolicy) -> PolicyRec:
    return PolicyRec(row.pk, row.namespace, row.name, row.manifest)


@without_gc
def load_parts(design: models.Design) -> Parts:
    """Every record of ``design``, in five queries of plain values (no model instances)."""
    namespaces = {
        pk: NamespaceRec(pk, name, labels)
        for pk, name, labels in models.Namespace.objects.filter(design=design).values_list("pk", "name", "labels")
    }
    workloads = [
        WorkloadRec(pk, ns, namespaces[ns].name, name, labels, ports, ip, x, y, kind)
        for pk, ns, name, labels, ports, ip, x, y, kind in models.Workload.objects.filter(design=design).values_list(
            "pk", "namespace_id", "name", "labels", "ports", "ip", "x", "y", "kind"
        )
    ]
    externals = [
        ExternalRec(*values)
        for values in models.External.objects.filter(design=design).values_list(
            "pk", "name", "cidr", "except_cidrs", "x", "y", "fqdn"
        )
    ]
    flows = [
        FlowRec(values[0], *_ends(values[1:7]), values[7])
        for values in models.Flow.objects.filter(design=design).values_list("pk", *_END_COLUMNS, "ports")
    ]
    policies = [
        PolicyRec(*values)
        for values in models.ImportedPolicy.objects.filter(design=design).values_list(
            "pk", "namespace", "name", "manifest"
        )
    ]
    return Parts(
        settings_record(design),
        ordered(namespaces.values()),  # type: ignore[arg-type]
        ordered(workloads),  # type: ignore[arg-type]
        ordered(externals),  # type: ignore[arg-type]
        ordered(flows),  # type: ignore[arg-type]
        ordered(policies),  # type: ignore[arg-type]
    )


def stored_findings(design: models.Design) -> list[Finding] | None:
    """The findings kept with the design's current revision (``None`` when none were)."""
    found = (
        models.Revision.objects.filter(design_id=design.pk, number=design.revision, stamp=design.updated)
        .values_list("findings", flat=True)
        .first()
    )
    return None if found is None else [Finding(**f) for f in found]


def store_findings(design: models.Design, state: DesignState) -> None:
    """Keep the findings worked out for the current revision with it, for the next process that opens it."""
    models.Revision.objects.filter(
        design_id=design.pk, number=state.revision, stamp=state.stamp, findings__isnull=True
    ).update(findings=[f.as_dict() for f in state.findings])


def stored_key(pk: int) -> tuple[int, Any] | None:
    return models.Design.objects.filter(pk=pk).values_list("revision", "updated").first()


def caught_up(design: models.Design, state: DesignState) -> DesignState | None:
    """``state`` brought to ``design``'s revision with the changes the revisions between hold (made by another
    process), or None: when one of them holds no change (a whole snapshot), or ``state`` is not the committed
    state of its revision (its change was rolled back)."""
    if not 0 < design.revision - state.revision <= CATCH_UP_MAX:
        return None
    rows = list(
        models.Revision.objects.filter(design_id=design.pk, number__gte=state.revision, number__lte=design.revision)
        .order_by("number")
        .values_list("number", "stamp", "delta")
    )
    if [r[0] for r in rows] != list(range(state.revision, design.revision + 1)):
        return None
    if rows[0][1] != state.stamp or rows[-1][1] != design.updated:
        return None
    if not all(ch.is_change_json(delta) for _, _, delta in rows[1:]):
        return None
    change = tuple(op for _, _, delta in rows[1:] for op in ch.from_json(delta))
    if _settings_differ(state, design):
        change += (ch.Settings(settings_record(design)),)
    return state.apply(change, revision=design.revision, stamp=design.updated)


def _settings_differ(state: DesignState, design: models.Design) -> bool:
    return state.parts.settings != settings_record(design)
