"""``DesignState``: one revision of a design, with everything worked out from it.

A state is immutable: its parts (records), the domain graph, the compilation and the lint are fixed when it
is made; the manifests, their JSON, the YAML and the highlighted preview are worked out on first use and kept
(equal every time).  ``apply`` makes the next state from this one and a typed change, doing only the work the
change needs: the graph reuses every unchanged value object, the compilation recompiles the policies the
change can touch, the lint relints what those policies concern, and rendering reuses every unchanged policy's
output.  ``DesignState.build`` makes a state from scratch; both give equal states (tests/test_state.py).
"""

from __future__ import annotations

import json
import threading
from typing import Any

from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import YamlLexer

from editor.netpol import model as nm
from editor.netpol.compile import Compilation
from editor.netpol.gcpause import without_gc
from editor.netpol.importer import policy_from_manifest
from editor.netpol.lint import Finding, LintState
from editor.netpol.render import policy_manifest, to_yaml
from editor.state import changes as ch
from editor.state.records import (
    ExternalRec,
    FlowRec,
    NamespaceRec,
    Parts,
    PolicyRec,
    WorkloadRec,
    snapshot_of,
)

_FORMATTER = HtmlFormatter(nowrap=True)


def port_value(item: dict) -> nm.Port:
    """A rule port as a flow's record stores it."""
    return nm.Port(item.get("protocol", "TCP"), item.get("port"), item.get("end_port"))


def _namespace(rec: NamespaceRec) -> nm.Namespace:
    return nm.Namespace(rec.name, tuple(sorted(rec.labels.items())))


def _workload(rec: WorkloadRec) -> nm.Workload:
    return nm.Workload(
        namespace=rec.namespace,
        name=rec.name,
        labels=tuple(sorted(rec.labels.items())),
        ports=tuple(nm.ContainerPort(p["name"], p["port"], p.get("protocol", "TCP")) for p in rec.ports),
        ip=rec.ip,
        kind=rec.kind,
    )


def _external(rec: ExternalRec) -> nm.External:
    return nm.External(rec.name, rec.cidr, tuple(rec.except_cidrs), rec.fqdn)


def _flow(rec: FlowRec, parts: Parts) -> nm.Flow:
    return nm.Flow(
        nm.Endpoint(rec.source[0], parts.name_of(*rec.source)),  # type: ignore[arg-type]
        nm.Endpoint(rec.destination[0], parts.name_of(*rec.destination)),  # type: ignore[arg-type]
        tuple(port_value(p) for p in rec.ports),
    )


def _value(section: str, rec: Any, parts: Parts) -> Any:
    if section == "namespaces":
        return _namespace(rec)
    if section == "workloads":
        return _workload(rec)
    if section == "externals":
        return _external(rec)
    if section == "flows":
        return _flow(rec, parts)
    return policy_from_manifest(rec.manifest)


def _settings(parts: Parts) -> nm.Settings:
    s = parts.settings
    return nm.Settings(s.isolate_ingress, s.isolate_egress, s.dns)


def _graph(parts: Parts, values: dict[str, dict[int, Any]]) -> nm.Graph:
    return nm.Graph(
        namespaces=tuple(values["namespaces"][pk] for pk in parts.namespaces),
        workloads=tuple(values["workloads"][pk] for pk in parts.workloads),
        externals=tuple(values["externals"][pk] for pk in parts.externals),
        flows=tuple(values["flows"][pk] for pk in parts.flows),
        settings=_settings(parts),
        policies=tuple(values["policies"][pk] for pk in parts.policies),
    )


class DesignState:
    """One revision of one design and what is worked out from it.  Shared between threads: read only."""

    def __init__(
        self,
        *,
        design_pk: int,
        revision: int,
        stamp: Any,
        parts: Parts,
        values: dict[str, dict[int, Any]],
        graph: nm.Graph,
        compilation: Compilation,
        lint: LintState | None,
        findings: list[Finding] | None = None,
        inherited: DesignState | None = None,
    ):
        self.design_pk, self.revision, self.stamp = design_pk, revision, stamp
        self.parts = parts
        self._values = values
        self.graph = graph
        self.compilation = compilation
        self._lint = lint
        self._stored_findings = findings  # kept with the revision: the lint is worked out only when an edit needs it
        self._lock = threading.RLock()
        self._rendered: dict[str, dict[int, tuple[nm.Policy, Any]]] = {"manifest": {}, "json": {}, "preview": {}}
        # what the state before rendered, by policy: an unchanged policy's output is taken from there
        self._inherited = inherited._rendered if inherited is not None else None
        self._whole: dict[str, Any] = {}

    # ------------------------------------------------------------ making states

    @classmethod
    @without_gc  # thousands of value objects, no cycles: see editor/netpol/gcpause.py
    def build(
        cls, *, design_pk: int, revision: int, stamp: Any, parts: Parts, findings: list[Finding] | None = None
    ) -> DesignState:
        """A state from scratch; ``findings`` are the revision's as stored with it (then the lint waits)."""
        values = {
            section: {pk: _value(section, rec, parts) for pk, rec in parts.section(section).items()}
            for section in ("namespaces", "workloads", "externals", "flows", "policies")
        }
        graph = _graph(parts, values)
        compilation = Compilation.of(graph)
        return cls(
            design_pk=design_pk,
            revision=revision,
            stamp=stamp,
            parts=parts,
            values=values,
            graph=graph,
            compilation=compilation,
            lint=None if findings is not None else LintState.full(graph, compilation.policies),
            findings=findings,
        )

    @without_gc
    def apply(self, change: ch.Change, *, revision: int, stamp: Any) -> DesignState:
        """The state after ``change``, made from this one (which stays as it is)."""
        old, parts = self.parts, ch.apply(self.parts, change)
        values = dict(self._values)
        renamed: set[tuple[str, int]] = set()  # endpoints whose name changed: their flows are named anew
        dirty: set[tuple[str, str]] = set()  # compile targets a changed part can touch
        touched: set[tuple[str, int]] = set()  # endpoints whose meaning changed
        for section in ("namespaces", "workloads", "externals", "policies"):
            before, after = old.section(section), parts.section(section)
            if before is after:
                continue
            kept = values[section] = dict(values[section])
            for pk in [pk for pk in before if pk not in after]:
                del kept[pk]
                self._note(section, before[pk], None, renamed, dirty, touched)
            for pk, rec in after.items():
                was = before.get(pk)
                if was == rec:
                    continue
                if was is not None and section in ("workloads", "externals") and was.same_meaning(rec):
                    continue  # moved on the canvas: the same value
                kept[pk] = _value(section, rec, parts)
                self._note(section, was, rec, renamed, dirty, touched)
        flows = values["flows"] = dict(values["flows"]) if old.flows is not parts.flows or renamed else values["flows"]
        removed: list[nm.Flow] = []
        added: list[nm.Flow] = []
        for pk in [pk for pk in old.flows if pk not in parts.flows]:
            removed.append(flows.pop(pk))
        for pk, rec in parts.flows.items():
            was = old.flows.get(pk)
            if was == rec and rec.source not in renamed and rec.destination not in renamed:
                if rec.source in touched or rec.destination in touched:  # a flow to a changed part
                    dirty.update(_ends(flows[pk]))
                continue
            if was is not None:
                removed.append(flows[pk])
            flows[pk] = _flow(rec, parts)
            added.append(flows[pk])
        graph = _graph(parts, values)
        if _settings(old) != _settings(parts):  # a name or a description compiles nothing anew
            compilation = Compilation.of(graph)
        else:
            compilation = self.compilation.changed(graph, tuple(removed), tuple(added), tuple(sorted(dirty)))
        return DesignState(
            design_pk=self.design_pk,
            revision=revision,
            stamp=stamp,
            parts=parts,
            values=values,
            graph=graph,
            compilation=compilation,
            lint=self.lint.update(graph, compilation.policies),
            inherited=self,
        )

    @staticmethod
    def _note(section: str, was: Any, rec: Any, renamed: set, dirty: set, touched: set) -> None:
        """Which compile targets a changed part (``was`` → ``rec``; either may be None) can touch."""
        if section == "workloads":
            for r in (was, rec):
                if r is not None:
                    dirty.add(("workload", r.ref))
                    dirty.add(("namespace", r.namespace))  # a namespace policy's name avoids its workloads'
            key = ("workload", (was or rec).pk)
            touched.add(key)
            if was is not None and rec is not None and was.ref != rec.ref:
                renamed.add(key)
        elif section == "externals":
            key = ("external", (was or rec).pk)
            touched.add(key)
            if was is not None and rec is not None:  # its flows are compiled anew (a DNS name drops them)
                renamed.add(key)
        elif section == "namespaces":
            key = ("namespace", (was or rec).pk)
            if was is not None and rec is not None and was.name != rec.name:
                renamed.add(key)
                dirty.update({("namespace", was.name), ("namespace", rec.name)})

    # ------------------------------------------------------------ reading

    @property
    def namespaces(self) -> list[NamespaceRec]:
        return list(self.parts.namespaces.values())

    @property
    def workloads(self) -> list[WorkloadRec]:
        return list(self.parts.workloads.values())

    @property
    def externals(self) -> list[ExternalRec]:
        return list(self.parts.externals.values())

    @property
    def flows(self) -> list[FlowRec]:
        return list(self.parts.flows.values())

    @property
    def imported_policies(self) -> list[PolicyRec]:
        return list(self.parts.policies.values())

    @property
    def refs(self) -> dict[tuple[str, int], str]:
        """(kind, pk) → the part's reference: ``prod/api``, ``prod``, ``internet``."""

        def make() -> dict[tuple[str, int], str]:
            refs = {("namespace", pk): n.name for pk, n in self.parts.namespaces.items()}
            refs.update({("workload", pk): w.ref for pk, w in self.parts.workloads.items()})
            refs.update({("external", pk): e.name for pk, e in self.parts.externals.items()})
            return refs

        return self._once("refs", make)

    @property
    def policies(self) -> list[nm.Policy]:
        return self.compilation.policies

    @property
    def lint(self) -> LintState:
        """The incremental lint of this state (worked out whole here when the state was built with stored
        findings: the next edit derives from it)."""
        if self._lint is None:
            lint = LintState.full(self.graph, self.compilation.policies)
            with self._lock:
                if self._lint is None:
                    self._lint = lint
        return self._lint

    @property
    def findings(self) -> list[Finding]:
        if self._lint is None and self._stored_findings is not None:
            return self._stored_findings
        return self.lint.findings

    def snapshot(self) -> dict[str, Any]:
        return snapshot_of(self.parts)

    def _per_policy(self, product: str, make, policies: list[nm.Policy] | None = None) -> list:
        """``make(policy)`` for each of ``policies`` (default: all of this state's), each worked out once and
        taken over from the state before while the policy is the same object."""
        own = self._rendered[product]
        inherited = self._inherited[product] if self._inherited is not None else {}
        out = []
        for policy in self.policies if policies is None else policies:
            hit = own.get(id(policy)) or inherited.get(id(policy))
            if hit is None or hit[0] is not policy:
                hit = (policy, make(policy))
            own[id(policy)] = hit
            out.append(hit[1])
        return out

    def once(self, name, make):
        """``make()``, worked out once for this state and kept with it (an export target's output, say)."""
        return self._once(name, make)

    def _once(self, name, make):
        with self._lock:
            if name not in self._whole:
                self._whole[name] = make()
            return self._whole[name]

    @property
    def manifests(self) -> list[dict]:
        return self._once("manifests", lambda: self._per_policy("manifest", policy_manifest))

    @property
    def manifests_json(self) -> list[str]:
        """Each manifest as compact JSON (as the API's renderer writes it)."""

        def make() -> list[str]:
            by_policy = dict(zip(map(id, self.policies), self.manifests, strict=True))
            return self._per_policy(
                "json", lambda p: json.dumps(by_policy[id(p)], ensure_ascii=False, separators=(",", ":"))
            )

        return self._once("json", make)

    @property
    def yaml(self) -> str:
        """Every manifest as one multi-document YAML text (the download)."""
        return self._once("yaml", lambda: to_yaml(self.manifests))

    def preview(self, policies: list[nm.Policy]) -> list[tuple[str, str]]:
        """(YAML, highlighted HTML) of some of this state's policies: the editor's preview."""

        def make(policy: nm.Policy) -> tuple[str, str]:
            text = to_yaml([policy_manifest(policy)])
            return text, highlight(text, YamlLexer(), _FORMATTER)

        return self._per_policy("preview", make, policies)


def _ends(flow: nm.Flow) -> list[tuple[str, str]]:
    return [(e.kind, e.ref) for e in (flow.source, flow.destination) if e.kind != "external"]
