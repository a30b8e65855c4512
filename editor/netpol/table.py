"""The truth table on the design's own ports: for every source → destination pair, each port the destination
serves (its declared container ports and the ports of the flows drawn to it) with the verdict of both sides.

A destination that names no port is asked about "any port" (a port no rule names), so every cell says
something without the user typing a port first.  One :func:`analyze.matrix` per distinct port does the work.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from . import analyze
from .model import Graph, Policy, Workload

ANY_PORT = "any port"
MAX_PORTS = 24  # distinct (protocol, port) pairs evaluated; the most used are kept, the rest named as left out


@dataclass(frozen=True)
class PortVerdict:
    protocol: str
    port: int | str  # a number, or ANY_PORT
    egress: bool  # the source's egress allows it
    ingress: bool  # the destination's ingress allows it

    @property
    def allowed(self) -> bool:
        return self.egress and self.ingress

    @property
    def label(self) -> str:
        return f"{self.protocol} {self.port}"

    @property
    def mark(self) -> str:
        return "✓" if self.allowed else "✗"


@dataclass(frozen=True)
class PortTable:
    workloads: tuple[str, ...]
    cells: tuple[tuple[tuple[PortVerdict, ...], ...], ...]  # [source][destination] → verdicts, one per port
    left_out: tuple[tuple[str, int], ...] = ()  # ports not evaluated (over MAX_PORTS)

    @staticmethod
    def state(verdicts: tuple[PortVerdict, ...]) -> str:
        """ "allowed" (every port), "denied" (none), or "partial"."""
        allowed = sum(v.allowed for v in verdicts)
        return "allowed" if allowed == len(verdicts) else "denied" if not allowed else "partial"


def served_ports(graph: Graph, workloads: Sequence[Workload] | None = None) -> dict[str, list[tuple[str, int]]]:
    """workload ref → the (protocol, port) pairs it serves: declared container ports and the ports of flows
    drawn to it or to its namespace (named ports resolved on its container ports; a range by its first port).
    ``workloads``: only these (default: all of the graph's)."""
    chosen = graph.workloads if workloads is None else workloads
    refs = {w: f"{w.namespace}/{w.name}" for w in chosen}
    by_ref = {ref: w for w, ref in refs.items()}
    namespaces = {w.namespace for w in chosen}
    out: dict[str, set[tuple[str, int]]] = {ref: {(p.protocol, p.port) for p in w.ports} for w, ref in refs.items()}
    for flow in graph.flows:
        end = flow.destination
        if end.kind == "workload" and end.ref in by_ref:
            targets = [by_ref[end.ref]]
        elif end.kind == "namespace" and end.ref in namespaces:
            targets = [w for w in chosen if w.namespace == end.ref]
        else:
            continue
        for workload in targets:
            for port in flow.ports:
                if isinstance(port.port, int):
                    out[refs[workload]].add((port.protocol, port.port))
                elif isinstance(port.port, str):
                    named = workload.named_port(port.port)
                    if named is not None:
                        out[refs[workload]].add((named.protocol, named.port))
    return {ref: sorted(ports) for ref, ports in out.items()}


def port_table(graph: Graph, policies: list[Policy], limit: int | None = None) -> PortTable:
    """The table for the first ``limit`` workloads (all when None), each cell on its destination's ports."""
    workloads = tuple(graph.workloads if limit is None else graph.workloads[:limit])
    refs = [f"{w.namespace}/{w.name}" for w in workloads]
    served = served_ports(graph, workloads)
    # a verdict between two pods depends on them and the policies only: the shown workloads alone give the
    # same answers, at the cost of their number rather than the design's
    graph = replace(graph, workloads=workloads)
    uses: dict[tuple[str, int], int] = {}
    for ref in refs:
        for pair in served[ref]:
            uses[pair] = uses.get(pair, 0) + 1
    ranked = sorted(uses, key=lambda pair: (-uses[pair], pair))
    kept, left_out = set(ranked[:MAX_PORTS]), tuple(sorted(ranked[MAX_PORTS:]))
    # per destination: (protocol, port label, the port's table), the design's ports or else "any port"
    asked: dict[tuple[str, int], analyze.Matrix] = {}
    columns = []
    for ref in refs:
        pairs: list[tuple[str, int | str, int]] = [
            (protocol, port, port) for protocol, port in served[ref] if (protocol, port) in kept
        ]
        if not pairs:
            pairs = [("TCP", ANY_PORT, analyze.free_port(policies, "TCP"))]
        column = []
        for protocol, label, number in pairs:
            if (protocol, number) not in asked:
                asked[(protocol, number)] = analyze.matrix(graph, policies, protocol, number)
            column.append((protocol, label, asked[(protocol, number)]))
        columns.append(column)
    # verdicts are values: a few distinct ones serve every cell
    made: dict[tuple[str, int | str, bool, bool], PortVerdict] = {}

    def verdict(protocol: str, label: int | str, egress: bool, ingress: bool) -> PortVerdict:
        key = (protocol, label, egress, ingress)
        found = made.get(key)
        if found is None:
            found = made[key] = PortVerdict(protocol, label, egress, ingress)
        return found

    rows = []
    for i in range(len(workloads)):
        row = []
        for j, column in enumerate(columns):
            row.append(
                tuple(
                    verdict(protocol, label, bool(t.egress[i] >> j & 1), bool(t.ingress[i] >> j & 1))
                    for protocol, label, t in column
                )
            )
        rows.append(tuple(row))
    return PortTable(tuple(refs), tuple(rows), left_out)
