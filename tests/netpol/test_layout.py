"""The layout engine: Graphviz dot per namespace, folded into a bounded grid, namespaces packed as blocks."""

from __future__ import annotations

import dataclasses
import math

import pytest

from benchmark import harness as bench
from editor.netpol import layout
from editor.netpol.model import Endpoint, Flow, Graph, Namespace, Workload


def _boxes(graph: Graph) -> dict[str, tuple[float, float, float, float]]:
    """Each node's box (left, top, right, bottom) as the layout sized it."""
    spots = layout.lay_out_graph(graph)
    sizes = {
        f"workload:{w.ref}": (layout.NODE_W, layout.node_height(len(w.labels), bool(w.ports))) for w in graph.workloads
    }
    sizes.update({f"external:{e.name}": (layout.NODE_W + 16, 60.0) for e in graph.externals})
    assert set(spots) == set(sizes)
    return {
        k: (x - sizes[k][0] / 2, y - sizes[k][1] / 2, x + sizes[k][0] / 2, y + sizes[k][1] / 2)
        for k, (x, y) in spots.items()
    }


def _overlaps(boxes) -> list[tuple[str, str]]:
    items = sorted(boxes.items(), key=lambda kv: kv[1][0])
    found = []
    for i, (ka, a) in enumerate(items):
        for kb, b in items[i + 1 :]:
            if b[0] >= a[2]:
                break
            if a[1] < b[3] and b[1] < a[3]:
                found.append((ka, kb))
    return found


def _aspect(boxes) -> float:
    xs0, ys0, xs1, ys1 = zip(*boxes.values(), strict=True)
    return (max(xs1) - min(xs0)) / (max(ys1) - min(ys0))


def _cycle(n: int) -> Graph:
    workloads = tuple(Workload("ring", f"w{i:03d}", (("app", f"w{i}"),)) for i in range(n))
    flows = tuple(
        Flow(Endpoint.workload(f"ring/w{i:03d}"), Endpoint.workload(f"ring/w{(i + step) % n:03d}"))
        for i in range(n)
        for step in (1, 2)
    )
    return Graph(namespaces=(Namespace("ring"),), workloads=workloads, flows=flows)


def test_flows_run_left_to_right():
    graph = Graph(
        namespaces=(Namespace("shop"),),
        workloads=tuple(Workload("shop", n, ()) for n in ("web", "api", "db")),
        flows=(
            Flow(Endpoint.workload("shop/web"), Endpoint.workload("shop/api")),
            Flow(Endpoint.workload("shop/api"), Endpoint.workload("shop/db")),
        ),
    )
    spots = layout.lay_out_graph(graph)
    assert spots["workload:shop/web"][0] < spots["workload:shop/api"][0] < spots["workload:shop/db"][0]


def test_a_cycle_of_sixty_workloads_folds_into_a_bounded_grid_without_overlaps():
    boxes = _boxes(_cycle(60))
    assert _overlaps(boxes) == []
    assert layout.ASPECT / 3 < _aspect(boxes) < layout.ASPECT * 3  # not 60 columns in a row


@pytest.mark.parametrize(("workloads", "namespaces"), [(160, 12), (1000, 50)])
def test_the_benchmarks_designs_lay_out_without_overlaps_near_the_wanted_aspect(workloads, namespaces):
    boxes = _boxes(bench.spec_graph(bench.synthetic_spec(workloads, namespaces)))
    assert _overlaps(boxes) == []
    assert abs(math.log(_aspect(boxes) / layout.ASPECT)) < math.log(2)


def test_namespace_boxes_do_not_overlap():
    graph = bench.spec_graph(bench.synthetic_spec(160, 12))
    spots = layout.lay_out_graph(graph)
    regions = {}
    for w in graph.workloads:
        x, y = spots[f"workload:{w.ref}"]
        h = layout.node_height(len(w.labels), bool(w.ports))
        r = regions.get(w.namespace, (math.inf, math.inf, -math.inf, -math.inf))
        regions[w.namespace] = (
            min(r[0], x - layout.NODE_W / 2 - layout.PAD),
            min(r[1], y - h / 2 - layout.PAD - layout.HEAD),
            max(r[2], x + layout.NODE_W / 2 + layout.PAD),
            max(r[3], y + h / 2 + layout.PAD),
        )
    assert _overlaps(regions) == []


def test_the_same_design_gets_the_same_layout():
    graph = bench.spec_graph(bench.synthetic_spec(160, 12))
    assert layout.lay_out_graph(graph) == layout.lay_out_graph(graph)


def test_without_graphviz_a_plainer_layout_is_still_made(monkeypatch):
    monkeypatch.setattr(layout.shutil, "which", lambda name: None)
    boxes = _boxes(_cycle(30))
    assert layout.last_engine == "fallback"
    assert _overlaps(boxes) == []


def test_dot_is_used_when_it_is_there():
    if layout.shutil.which("dot") is None:
        pytest.skip("Graphviz is not installed (scripts/setup installs it)")
    layout.lay_out_graph(_cycle(10))
    assert layout.last_engine == "dot"


def test_namespaces_that_talk_are_packed_side_by_side():
    graph = bench.spec_graph(bench.synthetic_spec(40, 8))
    ns = [f"team-{k:03d}" for k in range(8)]
    # team-000 and team-004 share no flow; a flow between team-000 and team-001 puts them next to each other
    flows = graph.flows + tuple(
        Flow(Endpoint.workload(f"{ns[0]}/svc-00000"), Endpoint.workload(f"{ns[1]}/svc-00001")) for _ in range(5)
    )
    order = layout.chain(ns, {(ns[0], ns[1]): 50, (ns[2], ns[3]): 1})
    assert order.index(ns[1]) == order.index(ns[0]) + 1
    assert layout.lay_out_graph(dataclasses.replace(graph, flows=flows))  # and it lays out
