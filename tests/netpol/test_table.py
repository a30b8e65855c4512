"""The truth table on the design's own ports (netpol/table.py)."""

from __future__ import annotations

from hypothesis import given, settings

from editor.netpol import analyze
from editor.netpol.compile import compile_design
from editor.netpol.model import ContainerPort, Flow, Graph, Namespace, Port, Workload
from editor.netpol.table import ANY_PORT, PortTable, port_table, served_ports

from .designs import NS, W, designs, three_tier


def verdicts(table: PortTable, source: str, destination: str) -> list[tuple[str, bool]]:
    i, j = table.workloads.index(source), table.workloads.index(destination)
    return [(v.label, v.allowed) for v in table.cells[i][j]]


def test_each_cell_is_asked_about_its_destinations_ports():
    graph = three_tier()
    table = port_table(graph, compile_design(graph))
    assert verdicts(table, "shop/api", "shop/db") == [("TCP 5432", True)]
    assert verdicts(table, "shop/frontend", "shop/db") == [("TCP 5432", False)]
    # frontend declares port 80 and nothing is drawn to it
    assert verdicts(table, "shop/api", "shop/frontend") == [("TCP 80", False)]


def test_a_destination_serves_its_declared_ports_and_the_ports_drawn_to_it_or_its_namespace():
    graph = Graph(
        namespaces=(Namespace("a"),),
        workloads=(
            Workload.of("a/x", ports=[ContainerPort("metrics", 9090)]),
            Workload.of("a/y", ports=[ContainerPort("dns", 53, "UDP")]),
        ),
        flows=(
            Flow(W("a/y"), W("a/x"), (Port.tcp("metrics"), Port.tcp(8000, 8100))),
            Flow(W("a/x"), NS("a"), (Port.udp(53),)),
        ),
    )
    assert served_ports(graph) == {"a/x": [("TCP", 8000), ("TCP", 9090), ("UDP", 53)], "a/y": [("UDP", 53)]}


def test_a_destination_without_ports_is_asked_about_any_port():
    graph = Graph(namespaces=(Namespace("a"),), workloads=(Workload.of("a/x"), Workload.of("a/y")))
    table = port_table(graph, compile_design(graph))
    (v,) = table.cells[0][1]
    assert v.port == ANY_PORT and not v.allowed
    assert PortTable.state(table.cells[0][1]) == "denied"


@settings(max_examples=40, deadline=None)
@given(designs())
def test_a_shown_prefix_gives_the_same_verdicts_as_the_whole_table(graph):
    policies = compile_design(graph)
    whole = port_table(graph, policies)
    shown = port_table(graph, policies, limit=2)
    n = len(shown.workloads)
    assert [list(row[:n]) for row in whole.cells[:n]] == [list(row) for row in shown.cells]


@settings(max_examples=40, deadline=None)
@given(designs())
def test_every_verdict_agrees_with_the_one_port_matrix(graph):
    policies = compile_design(graph)
    table = port_table(graph, policies)
    any_port = analyze.free_port(policies, "TCP")
    for i, row in enumerate(table.cells):
        for j, cell in enumerate(row):
            for v in cell:
                m = analyze.matrix(graph, policies, v.protocol, any_port if v.port == ANY_PORT else v.port)
                assert (v.egress, v.ingress) == (m.egress_allows(i, j), m.ingress_allows(i, j))
