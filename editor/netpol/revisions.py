"""What a change did, in words and in policies: two revisions' snapshots compared.

A snapshot is the plain JSON a revision stores (``DesignState.snapshot``): ``settings``,
``namespaces``, ``workloads``, ``policies`` (kept manifests), ``externals`` and ``flows``.  Keys this
module does not know (a part's ``id``, say) are ignored.

- :func:`describe_changes` names what changed, one sentence per part: "Changed the design's settings:
  DNS off → on", "Changed workload prod/api: labels app=api → app=api,tier=back".
- :func:`graph_of` turns a snapshot into the domain graph, so both sides can be compiled and analysed.
- :func:`policy_changes` and :func:`connection_changes` say which NetworkPolicies and which
  workload → workload connections differ between two compiled revisions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeAlias

from . import analyze
from .gcpause import without_gc
from .importer import policy_from_manifest
from .model import (
    ContainerPort,
    Endpoint,
    EndpointKind,
    External,
    Flow,
    Graph,
    Namespace,
    Policy,
    Port,
    Settings,
    Workload,
)
from .render import manifests, to_yaml

Snapshot: TypeAlias = dict[str, Any]  # a revision's plain JSON
Row: TypeAlias = dict[str, Any]  # one part of a snapshot: a namespace, a workload, a flow, a kept manifest …
_ENDPOINT_KINDS: tuple[EndpointKind, ...] = ("workload", "namespace", "external")

MOVES_NAMED = 3  # at most this many moved nodes are named; more are counted ("Moved 12 nodes")

_SETTING_WORDS = (
    ("name", "name"),
    ("description", "description"),
    ("isolate_ingress", "isolate ingress"),
    ("isolate_egress", "isolate egress"),
    ("dns", "DNS"),
)


# ---------------------------------------------------------------- snapshot → graph


@without_gc  # thousands of value objects, no cycles: see gcpause.py
def graph_of(snapshot: Snapshot) -> Graph:
    """The domain graph of a snapshot (what ``editor.state`` builds from the records)."""
    settings = snapshot.get("settings", {})
    workloads = []
    for w in snapshot.get("workloads", []):
        ports = tuple(ContainerPort(p["name"], p["port"], p.get("protocol", "TCP")) for p in w.get("ports") or ())
        labels = tuple(sorted((w.get("labels") or {}).items()))
        workloads.append(Workload(w["namespace"], w["name"], labels, ports, w.get("ip")))
    return Graph(
        namespaces=tuple(Namespace(n["name"], tuple(sorted((n.get("labels") or {}).items()))) for n in _ns(snapshot)),
        workloads=tuple(workloads),
        externals=tuple(
            External(e["name"], e["cidr"], tuple(e.get("except") or ())) for e in snapshot.get("externals", [])
        ),
        flows=tuple(
            Flow(_endpoint(f["source"]), _endpoint(f["destination"]), tuple(_port(p) for p in f.get("ports") or ()))
            for f in snapshot.get("flows", [])
        ),
        settings=Settings(
            settings.get("isolate_ingress", True), settings.get("isolate_egress", True), settings.get("dns", True)
        ),
        policies=tuple(policy_from_manifest(_manifest(m)) for m in snapshot.get("policies", [])),
    )


def _manifest(kept: Row) -> Row:
    """A kept policy as its snapshot holds it, without the keys a snapshot may add (a part's ``id``)."""
    return {k: v for k, v in kept.items() if k != "id"}


def _ns(snapshot: Snapshot) -> list[Row]:
    namespaces: list[Row] = snapshot.get("namespaces", [])
    return namespaces


def _endpoint(value: Row) -> Endpoint:
    kind = next(k for k in _ENDPOINT_KINDS if k in value)
    return Endpoint(kind, value[kind])


def _port(item: Row) -> Port:
    return Port(item.get("protocol", "TCP"), item.get("port"), item.get("end_port"))


# ---------------------------------------------------------------- in words


def _labels(labels: dict[str, str] | None) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted((labels or {}).items())) or "none"


def _container_ports(ports: list[Row] | None) -> str:
    out: list[str] = []
    for p in ports or ():
        protocol = p.get("protocol", "TCP")
        out.append(f"{p['name']}:{p['port']}" + ("" if protocol == "TCP" else f"/{protocol}"))
    return ",".join(out) or "none"


def _flow_ports(ports: list[Row] | None) -> str:
    out: list[str] = []
    for p in ports or ():
        text = f"{p.get('protocol', 'TCP')} {p['port']}"
        out.append(text + (f"-{p['end_port']}" if p.get("end_port") else ""))
    return ", ".join(out) or "all ports"


def _value(value: object) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    return f"'{value}'" if value else "(none)"


def _endpoint_text(value: Row, renamed: dict[str, str]) -> str:
    kind = next((k for k in _ENDPOINT_KINDS if k in value), "")
    ref: str = value.get(kind, "?")
    if kind == "namespace":
        return renamed.get(ref, ref)
    if kind == "workload":
        namespace, _, name = ref.partition("/")
        return f"{renamed.get(namespace, namespace)}/{name}"
    return ref


def _policy_ref(manifest: Row) -> str:
    meta = manifest.get("metadata") or {}
    return f"{meta.get('namespace', 'default')}/{meta.get('name', '?')}"


def _keyed(rows: list[Row], key: Callable[[Row], str]) -> dict[str, Row]:
    return {key(row): row for row in rows}


def _renames(old: dict[str, Row], new: dict[str, Row], same: Callable[[Row, Row], bool]) -> dict[str, str]:
    """old key → new key when exactly one part went and one came that ``same`` says are one part renamed."""
    gone, came = [k for k in old if k not in new], [k for k in new if k not in old]
    if len(gone) == 1 and len(came) == 1 and same(old[gone[0]], new[came[0]]):
        return {gone[0]: came[0]}
    return {}


def _fields(before: Row, after: Row, fields: Iterable[tuple[str, str, Callable[[Any], str]]]) -> list[str]:
    said: list[str] = []
    for key, word, fmt in fields:
        old, new = fmt(before.get(key)), fmt(after.get(key))
        if old != new:
            said.append(f"{word} {old} → {new}")
    return said


def _moved(before: Row, after: Row) -> bool:
    return (before.get("x"), before.get("y")) != (after.get("x"), after.get("y"))


def describe_changes(before: Snapshot | None, after: Snapshot) -> list[str]:
    """What changed from snapshot ``before`` to ``after``, one sentence per part, in a stable order:
    settings, namespaces, workloads, externals, flows, kept policies, then moves.  ``before`` None: the
    design was created."""
    if before is None:
        return ["Created the design."]
    lines: list[str] = []
    moved: list[str] = []

    old_settings, new_settings = before.get("settings", {}), after.get("settings", {})
    said = [
        f"{word} {_value(old_settings.get(key))} → {_value(new_settings.get(key))}"
        for key, word in _SETTING_WORDS
        if old_settings.get(key) != new_settings.get(key)
    ]
    if said:
        lines.append("Changed the design's settings: " + "; ".join(said))

    # namespaces (a rename renames every reference to it)
    old_ns, new_ns = _keyed(_ns(before), lambda n: n["name"]), _keyed(_ns(after), lambda n: n["name"])

    def members(snapshot: Snapshot, namespace: str) -> set[str]:
        return {w["name"] for w in snapshot.get("workloads", []) if w["namespace"] == namespace}

    # one namespace went and one came: a rename when it kept its labels or its workloads
    ns_renamed = _renames(
        old_ns,
        new_ns,
        lambda a, b: (
            _labels(a.get("labels")) == _labels(b.get("labels"))
            or members(before, a["name"]) == members(after, b["name"]) != set()
        ),
    )
    for name, new in ns_renamed.items():
        lines.append(f"Renamed namespace {name} → {new}")
    for name in sorted(new_ns):
        old = old_ns.get(name) or old_ns.get(next((o for o, n in ns_renamed.items() if n == name), ""))
        if old is None:
            lines.append(f"Added namespace {name}")
        elif _labels(old.get("labels")) != _labels(new_ns[name].get("labels")):
            lines.append(
                f"Changed namespace {name}: labels {_labels(old.get('labels'))} → {_labels(new_ns[name].get('labels'))}"
            )
    lines += [f"Deleted namespace {name}" for name in sorted(old_ns) if name not in new_ns and name not in ns_renamed]

    # workloads, keyed by namespace/name with renamed namespaces followed
    def ref(w: Row, renamed: dict[str, str] = ns_renamed) -> str:
        return f"{renamed.get(w['namespace'], w['namespace'])}/{w['name']}"

    old_w = _keyed(before.get("workloads", []), ref)
    new_w = _keyed(after.get("workloads", []), lambda w: ref(w, {}))
    w_renamed = _renames(old_w, new_w, lambda a, b: a.get("labels") == b.get("labels"))
    w_fields = (("labels", "labels", _labels), ("ports", "ports", _container_ports), ("ip", "IP", _value))
    for key in sorted(new_w):
        origin = next((o for o, n in w_renamed.items() if n == key), key)
        old = old_w.get(origin)
        if old is None:
            lines.append(f"Added workload {key}")
            continue
        if origin == key and old == new_w[key]:
            continue
        said = _fields(old, new_w[key], w_fields)
        if origin != key:
            lines.append(f"Renamed workload {origin} → {key}" + (": " + "; ".join(said) if said else ""))
        elif said:
            lines.append(f"Changed workload {key}: " + "; ".join(said))
        if _moved(old, new_w[key]):
            moved.append(f"workload {key}")
    lines += [f"Deleted workload {key}" for key in sorted(old_w) if key not in new_w and key not in w_renamed]

    old_e = _keyed(before.get("externals", []), lambda e: e["name"])
    new_e = _keyed(after.get("externals", []), lambda e: e["name"])
    e_renamed = _renames(old_e, new_e, lambda a, b: a.get("cidr") == b.get("cidr"))
    e_fields = (("cidr", "CIDR", _value), ("except", "except", lambda v: ", ".join(v or ()) or "none"))
    for key in sorted(new_e):
        origin = next((o for o, n in e_renamed.items() if n == key), key)
        old = old_e.get(origin)
        if old is None:
            lines.append(f"Added external {key}")
            continue
        said = _fields(old, new_e[key], e_fields)
        if origin != key:
            lines.append(f"Renamed external {origin} → {key}" + (": " + "; ".join(said) if said else ""))
        elif said:
            lines.append(f"Changed external {key}: " + "; ".join(said))
        if _moved(old, new_e[key]):
            moved.append(f"external {key}")
    lines += [f"Deleted external {key}" for key in sorted(old_e) if key not in new_e and key not in e_renamed]

    # flows, keyed by their ends (renamed parts followed, so a rename is not a new flow)
    def flow_key(f: Row, renamed: bool) -> str:
        """ "a → b"; a flow of ``before`` is named after any rename of its ends, so a rename is no new flow."""
        ends: list[str] = []
        for side in ("source", "destination"):
            text = _endpoint_text(f[side], ns_renamed if renamed else {})
            if renamed:
                text = (e_renamed if "external" in f[side] else w_renamed if "workload" in f[side] else {}).get(
                    text, text
                )
            ends.append(text)
        return " → ".join(ends)

    same_flows = before.get("flows") == after.get("flows") and not (ns_renamed or w_renamed or e_renamed)
    old_f = {} if same_flows else _keyed(before.get("flows", []), lambda f: flow_key(f, True))
    new_f = {} if same_flows else _keyed(after.get("flows", []), lambda f: flow_key(f, False))
    for key in sorted(new_f):
        if key not in old_f:
            lines.append(f"Added flow {key} ({_flow_ports(new_f[key].get('ports'))})")
        elif old_f[key].get("ports") != new_f[key].get("ports") and _flow_ports(old_f[key].get("ports")) != _flow_ports(
            new_f[key].get("ports")
        ):
            lines.append(
                f"Changed flow {key}: ports {_flow_ports(old_f[key].get('ports'))} → "
                f"{_flow_ports(new_f[key].get('ports'))}"
            )
    lines += [f"Deleted flow {key}" for key in sorted(old_f) if key not in new_f]

    old_p = _keyed(before.get("policies", []), _policy_ref)
    new_p = _keyed(after.get("policies", []), _policy_ref)
    for key in sorted(new_p):
        if key not in old_p:
            lines.append(f"Added kept NetworkPolicy {key}")
        elif _manifest(old_p[key]) != _manifest(new_p[key]):
            lines.append(f"Changed kept NetworkPolicy {key}")
    lines += [f"Deleted kept NetworkPolicy {key}" for key in sorted(old_p) if key not in new_p]

    if len(moved) > MOVES_NAMED:
        lines.append(f"Moved {len(moved)} nodes")
    else:
        lines += [f"Moved {what}" for what in moved]
    return lines


# ---------------------------------------------------------------- in policies and connections


@dataclass(frozen=True)
class PolicyChange:
    """One NetworkPolicy that differs: ``kind`` is "added", "removed" or "changed"; each side's policy (None
    where it is missing) and, on demand, its YAML."""

    ref: str
    kind: str
    old: Policy | None
    new: Policy | None

    @property
    def before(self) -> str:
        return _yaml(self.old)

    @property
    def after(self) -> str:
        return _yaml(self.new)


def policy_changes(before: list[Policy], after: list[Policy]) -> list[PolicyChange]:
    """The NetworkPolicies that were added, removed or changed, by namespace/name, sorted."""
    old = {p.ref: p for p in before}
    new = {p.ref: p for p in after}
    out = []
    for ref in sorted(set(old) | set(new)):
        a, b = old.get(ref), new.get(ref)
        if a == b:
            continue
        kind = "added" if a is None else "removed" if b is None else "changed"
        out.append(PolicyChange(ref, kind, a, b))
    return out


def _yaml(policy: Policy | None) -> str:
    return to_yaml(manifests([policy])) if policy is not None else ""


@dataclass(frozen=True)
class ConnectionChange:
    """A workload → workload pair whose allowed ports differ: ``before``/``after`` are port labels
    ("TCP 5432", "UDP all but 53"); empty means not allowed (or not restricted by any policy)."""

    source: str
    destination: str
    before: tuple[str, ...]
    after: tuple[str, ...]

    @property
    def kind(self) -> str:
        return "added" if not self.before else "removed" if not self.after else "changed"


def connection_changes(
    before_graph: Graph, before: list[Policy], after_graph: Graph, after: list[Policy]
) -> list[ConnectionChange]:
    """Connections between workloads that the policies allow differently after the change, sorted."""
    old = {(c.source, c.destination): c.ports for c in analyze.connections(before_graph, before)}
    new = {(c.source, c.destination): c.ports for c in analyze.connections(after_graph, after)}
    return [
        ConnectionChange(src, dst, old.get((src, dst), ()), new.get((src, dst), ()))
        for src, dst in sorted(set(old) | set(new))
        if old.get((src, dst), ()) != new.get((src, dst), ())
    ]
