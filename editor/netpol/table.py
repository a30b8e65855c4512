"""The truth table on the design's own ports: for every source → destination pair, each port the destination
serves (its declared container ports and the ports of the flows drawn to it) with the verdict of both sides.

A destination that names no port is asked about "any port" (a port no rule names), so every cell says
something without the user typing a port first.  One :func:`analyze.matrix` per distinct port does the work.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import analyze
from .model import Graph, Policy

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


def served_ports(graph: Graph) -> dict[str, list[tuple[str, int]]]:
    """workload ref → the (protocol, port) pairs it serves: declared container ports and the ports of flows
    drawn to it or to its namespace (named ports resolved on its container ports; a range by its first port)."""
    out: dict[str, set[tuple[str, int]]] = {w.ref: {(p.protocol, p.port) for p in w.ports} for w in graph.workloads}
    for flow in graph.flows:
        if flow.destination.kind == "workload":
            targets = [graph.workload(flow.destination.ref)]
        elif flow.destination.kind == "namespace":
            targets = graph.workloads_in(flow.destination.ref)  # type: ignore[assignment]
        else:
            continue
        for workload in targets:
            if workload is None:
                continue
            for port in flow.ports:
                if isinstance(port.port, int):
                    out[workload.ref].add((port.protocol, port.port))
                elif isinstance(port.port, str):
                    named = workload.named_port(port.port)
                    if named is not None:
                        out[workload.ref].add((named.protocol, named.port))
    return {ref: sorted(ports) for ref, ports in out.items()}


def port_table(graph: Graph, policies: list[Policy], limit: int | None = None) -> PortTable:
    """The table for the first ``limit`` workloads (all when None), each cell on its destination's ports."""
    workloads = graph.workloads if limit is None else graph.workloads[:limit]
    served = served_ports(graph)
    uses: dict[tuple[str, int], int] = {}
    for w in workloads:
        for pair in served[w.ref]:
            uses[pair] = uses.get(pair, 0) + 1
    ranked = sorted(uses, key=lambda pair: (-uses[pair], pair))
    kept, left_out = set(ranked[:MAX_PORTS]), tuple(sorted(ranked[MAX_PORTS:]))
    tables = {pair: analyze.matrix(graph, policies, *pair) for pair in sorted(kept)}
    any_port = ("TCP", analyze.free_port(policies, "TCP"))
    if any(not [p for p in served[w.ref] if p in kept] for w in workloads):
        tables[any_port] = analyze.matrix(graph, policies, *any_port)
    rows = []
    for i in range(len(workloads)):
        row = []
        for j, destination in enumerate(workloads):
            pairs = [p for p in served[destination.ref] if p in kept]
            verdicts = [
                PortVerdict(
                    protocol,
                    port,
                    tables[(protocol, port)].egress_allows(i, j),
                    tables[(protocol, port)].ingress_allows(i, j),
                )
                for protocol, port in pairs
            ]
            if not pairs:
                t = tables[any_port]
                verdicts = [PortVerdict("TCP", ANY_PORT, t.egress_allows(i, j), t.ingress_allows(i, j))]
            row.append(tuple(verdicts))
        rows.append(tuple(row))
    return PortTable(tuple(w.ref for w in workloads), tuple(rows), left_out)
