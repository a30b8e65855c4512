"""Typed changes to a design: what a service did, in the terms a state understands.

A ``Change`` is a tuple of operations: ``Put`` (a part added or changed: its whole new record), ``Drop`` (a part
deleted, by pk) and ``Settings`` (the design's settings).  ``apply`` gives the parts after a change; a revision
stores a change as JSON (``to_json``/``from_json``), so history replays it onto an older snapshot, and another
process catches up by applying the changes it missed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from editor.state.records import (
    ExternalRec,
    FlowRec,
    NamespaceRec,
    Parts,
    PolicyRec,
    Record,
    SettingsRec,
    WorkloadRec,
    ordered,
)

RECORD_TYPES: dict[str, type] = {
    "namespaces": NamespaceRec,
    "workloads": WorkloadRec,
    "externals": ExternalRec,
    "flows": FlowRec,
    "policies": PolicyRec,
}


@dataclass(frozen=True, slots=True)
class Put:
    section: str
    record: Record


@dataclass(frozen=True, slots=True)
class Drop:
    section: str
    pk: int


@dataclass(frozen=True, slots=True)
class Settings:
    settings: SettingsRec


Op = Put | Drop | Settings
Change = tuple[Op, ...]


def apply(parts: Parts, change: Change) -> Parts:
    """The parts after ``change`` (``parts`` is not changed).  Only the sections the change touches are copied."""
    sections: dict[str, dict[int, Any]] = {}
    settings = parts.settings
    for op in change:
        if isinstance(op, Settings):
            settings = op.settings
            continue
        rows = sections.get(op.section)
        if rows is None:
            rows = sections[op.section] = dict(parts.section(op.section))
        if isinstance(op, Put):
            rows[op.record.pk] = op.record
        else:
            rows.pop(op.pk, None)
    if any(isinstance(op, Drop) and op.section in ("namespaces", "workloads", "externals") for op in change):
        _cascade(parts, sections)
    fields = {name: ordered(rows.values()) for name, rows in sections.items()}
    return Parts(
        settings=settings,
        namespaces=fields.get("namespaces", parts.namespaces),  # type: ignore[arg-type]
        workloads=fields.get("workloads", parts.workloads),  # type: ignore[arg-type]
        externals=fields.get("externals", parts.externals),  # type: ignore[arg-type]
        flows=fields.get("flows", parts.flows),  # type: ignore[arg-type]
        policies=fields.get("policies", parts.policies),  # type: ignore[arg-type]
    )


def _cascade(parts: Parts, sections: dict[str, dict[int, Any]]) -> None:
    """What the database deletes with a part: a namespace's workloads, and the flows of a deleted end."""
    namespaces = sections.get("namespaces", parts.namespaces)
    workloads = sections.get("workloads", parts.workloads)
    if any(w.namespace_pk not in namespaces for w in workloads.values()):
        workloads = sections["workloads"] = {pk: w for pk, w in workloads.items() if w.namespace_pk in namespaces}
    ends = {"workload": workloads, "namespace": namespaces, "external": sections.get("externals", parts.externals)}
    flows = sections.get("flows", parts.flows)
    kept = {pk: f for pk, f in flows.items() if all(end[1] in ends[end[0]] for end in (f.source, f.destination))}
    if len(kept) != len(flows):
        sections["flows"] = kept


def diff(old: Parts, new: Parts) -> Change:
    """The change that turns ``old`` into ``new``: drops first, then puts, in section order (a namespace before
    its workloads, workloads before the flows that name them)."""
    drops: list[Op] = []
    puts: list[Op] = []
    if old.settings != new.settings:
        puts.append(Settings(new.settings))
    for section in ("namespaces", "workloads", "externals", "flows", "policies"):
        before, after = old.section(section), new.section(section)
        if before is after:
            continue
        drops += [Drop(section, pk) for pk in before if pk not in after]
        puts += [Put(section, rec) for pk, rec in after.items() if before.get(pk) != rec]
    return (*reversed(drops), *puts)


# ---------------------------------------------------------------- JSON, as a revision stores a change


def to_json(change: Change) -> list[list[Any]]:
    out: list[list[Any]] = []
    for op in change:
        if isinstance(op, Settings):
            out.append(["settings", op.settings.as_dict()])
        elif isinstance(op, Drop):
            out.append(["drop", op.section, op.pk])
        else:
            out.append(["put", op.section, _record_json(op.record)])
    return out


def from_json(data: list[list[Any]]) -> Change:
    ops: list[Op] = []
    for item in data:
        if item[0] == "settings":
            ops.append(Settings(SettingsRec(**item[1])))
        elif item[0] == "drop":
            ops.append(Drop(item[1], item[2]))
        else:
            ops.append(Put(item[1], _record_of_json(item[1], item[2])))
    return tuple(ops)


def is_change_json(data: object) -> bool:
    """A revision delta written by ``to_json`` (older revisions hold list splices instead)."""
    return isinstance(data, list) and all(
        isinstance(item, list) and item and item[0] in ("put", "drop", "settings") for item in data
    )


def _record_json(rec: Record) -> dict[str, Any]:
    values = {name: getattr(rec, name) for name in rec.__slots__}
    if isinstance(rec, FlowRec):
        values["source"], values["destination"] = list(rec.source), list(rec.destination)
    return values


def _record_of_json(section: str, values: dict[str, Any]) -> Record:
    if section == "flows":
        values = {**values, "source": tuple(values["source"]), "destination": tuple(values["destination"])}
    return RECORD_TYPES[section](**values)
