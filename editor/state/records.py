"""A design's parts as immutable records: what a state holds instead of ORM rows.

A record is a frozen copy of one row's columns, made once when the row is read or written, so states can be
shared between threads and requests without sharing a model instance.  ``Parts`` holds a design's records by
section, each section a dict by primary key in the order the design lists them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

SECTIONS = ("namespaces", "workloads", "externals", "flows", "policies")
ENDPOINT_KINDS = ("workload", "namespace", "external")


@dataclass(frozen=True, slots=True)
class SettingsRec:
    name: str
    description: str = ""
    isolate_ingress: bool = True
    isolate_egress: bool = True
    dns: bool = True

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "isolate_ingress": self.isolate_ingress,
            "isolate_egress": self.isolate_egress,
            "dns": self.dns,
        }


@dataclass(frozen=True, slots=True)
class NamespaceRec:
    pk: int
    name: str
    labels: dict[str, str] = field(default_factory=dict)

    @property
    def order(self) -> tuple:
        return (self.name,)


@dataclass(frozen=True, slots=True)
class WorkloadRec:
    pk: int
    namespace_pk: int
    namespace: str
    name: str
    labels: dict[str, str] = field(default_factory=dict)
    ports: list[dict] = field(default_factory=list)
    ip: str | None = None
    x: float | None = None
    y: float | None = None
    kind: str = ""  # Deployment, StatefulSet, …: where an import told it

    @property
    def ref(self) -> str:
        return f"{self.namespace}/{self.name}"

    @property
    def order(self) -> tuple:
        return (self.namespace, self.name)

    def same_meaning(self, other: WorkloadRec) -> bool:
        """Equal but for the position on the canvas."""
        return replace(self, x=other.x, y=other.y) == other


@dataclass(frozen=True, slots=True)
class ExternalRec:
    pk: int
    name: str
    cidr: str
    except_cidrs: list[str] = field(default_factory=list)
    x: float | None = None
    y: float | None = None
    fqdn: str = ""  # a DNS name (then ``cidr`` is empty)

    @property
    def order(self) -> tuple:
        return (self.name,)

    def same_meaning(self, other: ExternalRec) -> bool:
        return replace(self, x=other.x, y=other.y) == other


@dataclass(frozen=True, slots=True)
class FlowRec:
    pk: int
    source: tuple[str, int]  # (kind, pk): kind is workload, namespace or external
    destination: tuple[str, int]
    ports: list[dict] = field(default_factory=list)

    @property
    def order(self) -> tuple:
        return (self.pk,)


@dataclass(frozen=True, slots=True)
class PolicyRec:
    """A NetworkPolicy kept as it is (imported, or edited as YAML)."""

    pk: int
    namespace: str
    name: str
    manifest: dict

    @property
    def ref(self) -> str:
        return f"{self.namespace}/{self.name}"

    @property
    def order(self) -> tuple:
        return (self.namespace, self.name)


Record = NamespaceRec | WorkloadRec | ExternalRec | FlowRec | PolicyRec


def ordered(records) -> dict[int, Record]:
    """Records by pk, in the design's order (namespaces and externals by name, workloads by namespace and
    name, flows by id, policies by namespace and name): the order the domain graph lists them in."""
    return {r.pk: r for r in sorted(records, key=lambda r: (r.order, r.pk))}


@dataclass(frozen=True)
class Parts:
    """Every record of a design, by section."""

    settings: SettingsRec
    namespaces: dict[int, NamespaceRec]
    workloads: dict[int, WorkloadRec]
    externals: dict[int, ExternalRec]
    flows: dict[int, FlowRec]
    policies: dict[int, PolicyRec]

    def section(self, name: str) -> dict[int, Any]:
        return getattr(self, name)

    def name_of(self, kind: str, pk: int) -> str:
        """The reference of an endpoint: ``prod/api``, ``prod`` or ``internet``."""
        if kind == "workload":
            return self.workloads[pk].ref
        if kind == "namespace":
            return self.namespaces[pk].name
        return self.externals[pk].name


# ---------------------------------------------------------------- plain JSON, as revisions store them


def record_dict(section: str, rec: Record, parts: Parts | None = None) -> dict[str, Any]:
    """A record as a snapshot lists it: ids and names (flows name their ends, as a person reads them)."""
    if isinstance(rec, NamespaceRec):
        return {"id": rec.pk, "name": rec.name, "labels": rec.labels}
    if isinstance(rec, WorkloadRec):
        return {
            "id": rec.pk,
            "namespace": rec.namespace,
            "name": rec.name,
            "labels": rec.labels,
            "ports": rec.ports,
            "ip": rec.ip,
            "kind": rec.kind,
            "x": rec.x,
            "y": rec.y,
        }
    if isinstance(rec, ExternalRec):
        return {
            "id": rec.pk,
            "name": rec.name,
            "cidr": rec.cidr,
            "except": rec.except_cidrs,
            "fqdn": rec.fqdn,
            "x": rec.x,
            "y": rec.y,
        }
    if isinstance(rec, FlowRec):
        assert parts is not None, "a flow names its ends through the design's parts"
        return {
            "id": rec.pk,
            "source": {rec.source[0]: parts.name_of(*rec.source)},
            "destination": {rec.destination[0]: parts.name_of(*rec.destination)},
            "ports": rec.ports,
        }
    return rec.manifest


def snapshot_of(parts: Parts) -> dict[str, Any]:
    """The whole design as plain JSON (``parts_of_snapshot`` reads it back)."""
    return {
        "settings": parts.settings.as_dict(),
        "namespaces": [record_dict("namespaces", r) for r in parts.namespaces.values()],
        "workloads": [record_dict("workloads", r) for r in parts.workloads.values()],
        "policies": [{**r.manifest} for r in parts.policies.values()],
        "policy_ids": [r.pk for r in parts.policies.values()],
        "externals": [record_dict("externals", r) for r in parts.externals.values()],
        "flows": [record_dict("flows", r, parts) for r in parts.flows.values()],
    }


def parts_of_snapshot(snapshot: dict[str, Any]) -> Parts:
    """The records of a snapshot.  A part without an ``id`` (snapshots from before ids were kept) gets a
    negative one: ``services.design_restore`` matches it to a row by name, or makes a new row."""
    fresh = iter(range(-1, -(10**9), -1))

    def pk(item: dict) -> int:
        value = item.get("id")
        return value if isinstance(value, int) else next(fresh)

    namespaces = [NamespaceRec(pk(n), n["name"], dict(n.get("labels") or {})) for n in snapshot["namespaces"]]
    ns_pk = {n.name: n.pk for n in namespaces}
    workloads = [
        WorkloadRec(
            pk(w),
            ns_pk[w["namespace"]],
            w["namespace"],
            w["name"],
            dict(w.get("labels") or {}),
            list(w.get("ports") or []),
            w.get("ip"),
            w.get("x"),
            w.get("y"),
            w.get("kind") or "",
        )
        for w in snapshot["workloads"]
    ]
    externals = [
        ExternalRec(
            pk(e), e["name"], e["cidr"], list(e.get("except") or []), e.get("x"), e.get("y"), e.get("fqdn", "")
        )
        for e in snapshot["externals"]
    ]
    by_name = {
        "workload": {w.ref: w.pk for w in workloads},
        "namespace": ns_pk,
        "external": {e.name: e.pk for e in externals},
    }

    def end(value: dict) -> tuple[str, int]:
        ((kind, ref),) = value.items()
        return kind, by_name[kind][ref]

    flows = [
        FlowRec(pk(f), end(f["source"]), end(f["destination"]), list(f.get("ports") or [])) for f in snapshot["flows"]
    ]
    manifests = snapshot.get("policies", [])
    ids = snapshot.get("policy_ids") or [None] * len(manifests)
    policies = [
        PolicyRec(
            i if isinstance(i, int) else next(fresh), m["metadata"]["namespace"], m["metadata"]["name"], m
        )
        for i, m in zip(ids, manifests, strict=True)
    ]
    settings = snapshot["settings"]
    return Parts(
        SettingsRec(
            settings["name"],
            settings.get("description", ""),
            settings["isolate_ingress"],
            settings["isolate_egress"],
            settings["dns"],
        ),
        ordered(namespaces),  # type: ignore[arg-type]
        ordered(workloads),  # type: ignore[arg-type]
        ordered(externals),  # type: ignore[arg-type]
        {f.pk: f for f in flows},  # a snapshot lists flows in the order they were drawn
        ordered(policies),  # type: ignore[arg-type]
    )
