"""``Compilation.update`` recompiles only the targets changed flows touch; it must equal a full compile."""

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from editor.netpol.compile import Compilation, compile_design
from editor.netpol.model import Endpoint, Flow, Port

from .designs import designs, three_tier


@st.composite
def flow_edits(draw):
    """A design, then a few edits of its flows: (graph, [(next graph, removed, added), ...])."""
    graph = draw(designs())
    endpoints = (
        [Endpoint.workload(w.ref) for w in graph.workloads]
        + [Endpoint.namespace(n.name) for n in graph.namespaces]
        + [Endpoint.external(e.name) for e in graph.externals]
    )
    steps = []
    current = graph
    for _ in range(draw(st.integers(1, 5))):
        flows = list(current.flows)
        removed, added = [], []
        if flows and draw(st.booleans()):
            removed.append(flows.pop(draw(st.integers(0, len(flows) - 1))))
        if draw(st.booleans()) or not removed:
            src, dst = draw(st.sampled_from(endpoints)), draw(st.sampled_from(endpoints))
            if not (src.kind == dst.kind == "external"):
                ports = draw(st.lists(st.sampled_from([Port.tcp(80), Port.udp(53), Port.tcp("http")]), max_size=2))
                flow = Flow(src, dst, tuple(ports))
                flows.append(flow)
                added.append(flow)
        current = replace(current, flows=tuple(flows))
        steps.append((current, tuple(removed), tuple(added)))
    return graph, steps


@settings(max_examples=150, deadline=None)
@given(flow_edits())
def test_an_incremental_compile_after_flow_edits_equals_a_full_compile(case):
    graph, steps = case
    state = Compilation.of(graph)
    for current, removed, added in steps:
        state = state.update(current, removed, added)
        assert state.policies == compile_design(current)


def test_adding_a_flow_recompiles_only_its_two_ends_and_keeps_the_other_policies():
    graph = three_tier()
    before = Compilation.of(graph)
    new = Flow(Endpoint.workload("shop/frontend"), Endpoint.workload("shop/db"), (Port.tcp(5432),))
    after = before.update(replace(graph, flows=(*graph.flows, new)), (), (new,))
    changed = {p.ref for p in after.policies if not any(p is q for q in before.policies)}
    assert changed == {"shop/frontend", "shop/db"}
    assert after.policies == compile_design(replace(graph, flows=(*graph.flows, new)))


def test_a_changed_population_compiles_in_full():
    graph = three_tier()
    before = Compilation.of(graph)
    renamed = replace(graph, workloads=tuple(replace(w, labels=(("app", w.name), ("v", "2"))) for w in graph.workloads))
    after = before.update(renamed)
    assert after.policies == compile_design(renamed)
    assert all(p.pod_selector.match_labels[-1] == ("v", "2") for p in after.policies)
