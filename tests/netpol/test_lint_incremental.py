"""Incremental lint: ``LintState.update`` finds exactly what ``lint`` finds, after any edit (flows, kept policies,
workloads, namespaces, externals), and relints only the units an edit concerns."""

from __future__ import annotations

import dataclasses
import itertools
from unittest import mock

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from editor.netpol.compile import compile_design
from editor.netpol.lint import LintState, lint
from editor.netpol.lint.population import Population
from editor.netpol.model import (
    ContainerPort,
    Endpoint,
    External,
    Flow,
    Graph,
    IPBlock,
    LabelSelector,
    Namespace,
    Peer,
    Policy,
    Port,
    Requirement,
    Rule,
    Settings,
    Workload,
)

NAMESPACES = ("alpha", "beta", "gamma", "kube-system")
NAMES = ("api", "db", "web", "cache", "worker", "kube-dns")
LABEL_KEYS = ("app", "tier", "team")
LABEL_VALUES = ("a", "b", "api", "db")
POD_IPS = (None, None, "10.1.2.3", "192.168.1.5", "10.0.0.5")
EXTERNALS = (
    External("corp", "10.0.0.0/8", ("10.0.0.5/32",)),
    External("internet", "0.0.0.0/0"),
    External("lan", "192.168.0.0/16"),
    External("odd", "10.2.0.0/16", ("10.3.0.0/24",)),  # except outside the CIDR
    External("v6", "::/0"),
)
FLOW_PORTS = (
    Port.tcp(80),
    Port.tcp(5432),
    Port.tcp(8080, 8090),
    Port.udp(53),
    Port.tcp("http"),
    Port.udp("dns"),
    Port.tcp("nope"),
    Port("TCP"),
)
SETTINGS = (
    Settings(),
    Settings(dns=False),
    Settings(False, True, True),
    Settings(True, False, True),
    Settings(False, False, False),
)

labels = st.dictionaries(st.sampled_from(LABEL_KEYS), st.sampled_from(LABEL_VALUES), max_size=2)


@st.composite
def workload(draw, namespace: str, name: str) -> Workload:
    ports = draw(
        st.lists(
            st.sampled_from(
                [ContainerPort("http", 8080), ContainerPort("http", 80), ContainerPort("dns", 53, "UDP")]
                + [ContainerPort("metrics", 9090), ContainerPort("pg", 5432)]
            ),
            max_size=2,
            unique_by=lambda p: p.name,
        )
    )
    # overlapping selectors: workloads share labels, some carry only what another has plus more
    own = draw(labels)
    if draw(st.booleans()):
        own = {"app": name, **own}
    return Workload(namespace, name, tuple(sorted(own.items())), tuple(ports), draw(st.sampled_from(POD_IPS)))


requirement = st.one_of(
    st.builds(
        Requirement,
        st.sampled_from(LABEL_KEYS),
        st.sampled_from(["In", "NotIn"]),
        st.sampled_from([("a",), ("api", "b")]),
    ),
    st.builds(Requirement, st.sampled_from(LABEL_KEYS), st.sampled_from(["Exists", "DoesNotExist"])),
)


@st.composite
def selector(draw) -> LabelSelector:
    match = draw(st.dictionaries(st.sampled_from(LABEL_KEYS), st.sampled_from(LABEL_VALUES), max_size=1))
    expressions = draw(st.lists(requirement, max_size=1))
    return LabelSelector.of(match, expressions)


namespace_selector = st.one_of(
    st.just(LabelSelector()),
    st.builds(lambda n: LabelSelector.of({"kubernetes.io/metadata.name": n}), st.sampled_from(NAMESPACES)),
    st.builds(lambda v: LabelSelector.of({"team": v}), st.sampled_from(["red", "blue"])),
)


@st.composite
def odd_peer(draw) -> Peer:
    kind = draw(st.sampled_from(["pod", "pod", "ns", "both", "ip"]))
    if kind == "ip":
        return Peer(
            ip_block=draw(
                st.sampled_from(
                    [
                        IPBlock("0.0.0.0/0"),
                        IPBlock("10.0.0.0/8", ("10.0.0.0/24",)),
                        IPBlock("192.168.1.0/24"),
                        IPBlock("10.2.0.0/16", ("10.9.0.0/24",)),
                    ]
                )
            )
        )
    return Peer(
        pod_selector=draw(selector()) if kind in ("pod", "both") else None,
        namespace_selector=draw(namespace_selector) if kind in ("ns", "both") else None,
    )


rule_ports = st.lists(
    st.sampled_from(
        [Port.tcp(80), Port.tcp(8080), Port.tcp("http"), Port.udp("dns"), Port.tcp(5000, 9999), Port("UDP")]
    ),
    max_size=2,
    unique=True,
)


@st.composite
def peer(draw, workloads: tuple[Workload, ...], namespace: str) -> Peer:
    """Half the time the pods of a workload of the design (so that one-sided flows happen), else any peer."""
    if draw(st.booleans()):
        return Peer.workload(draw(st.sampled_from(workloads)), namespace)
    return draw(odd_peer())


@st.composite
def kept_policy(draw, workloads: tuple[Workload, ...]) -> Policy:
    """A kept (imported) policy: often selecting a workload of the design by one of its labels."""
    target = draw(st.sampled_from(workloads))
    namespace = target.namespace
    if target.labels and draw(st.booleans()):
        pod_selector = LabelSelector.of(dict([draw(st.sampled_from(target.labels))]))
    else:
        pod_selector = draw(st.one_of(st.just(LabelSelector()), selector()))
        namespace = draw(st.sampled_from([namespace, *NAMESPACES]))
    rules = st.lists(
        st.builds(Rule, st.lists(peer(workloads, namespace), min_size=1, max_size=2).map(tuple), rule_ports.map(tuple)),
        min_size=1,
        max_size=2,
    )
    ingress_isolated, egress_isolated = draw(st.sampled_from([(True, False), (False, True), (True, True)]))
    return Policy(
        name=draw(st.sampled_from(["kept", "api", "other"])),  # "api" clashes with a compiled policy's name
        namespace=namespace,
        pod_selector=pod_selector,
        ingress_isolated=ingress_isolated,
        egress_isolated=egress_isolated,
        ingress=tuple(draw(rules)) if ingress_isolated else (),
        egress=tuple(draw(rules)) if egress_isolated else (),
    )


def endpoints(graph: Graph) -> list[Endpoint]:
    return (
        [Endpoint.workload(w.ref) for w in graph.workloads]
        + [Endpoint.namespace(n) for n in NAMESPACES]
        + [Endpoint.external(e.name) for e in graph.externals]
    )


@st.composite
def flow(draw, graph: Graph) -> Flow | None:
    ends = endpoints(graph)
    source, destination = draw(st.sampled_from(ends)), draw(st.sampled_from(ends))
    if source.kind == destination.kind == "external":
        return None
    ports = draw(st.lists(st.sampled_from(FLOW_PORTS), max_size=2, unique=True))
    if destination.kind == "external":
        ports = [p for p in ports if not p.is_named]
    return Flow(source, destination, tuple(ports))


@st.composite
def designs(draw) -> Graph:
    namespaces = draw(st.lists(st.sampled_from(NAMESPACES), min_size=1, max_size=4, unique=True))
    refs = draw(
        st.lists(st.tuples(st.sampled_from(namespaces), st.sampled_from(NAMES)), min_size=2, max_size=7, unique=True)
    )
    graph = Graph(
        # one namespace of the workloads may be left out: the design then knows only its name
        namespaces=tuple(
            Namespace(n, draw(st.sampled_from([(), (("team", "red"),), (("team", "blue"),)])))
            for n in namespaces
            if draw(st.integers(0, 5))
        ),
        workloads=tuple(draw(workload(ns, name)) for ns, name in refs),
        externals=tuple(draw(st.lists(st.sampled_from(EXTERNALS), max_size=3, unique=True))),
        settings=draw(st.sampled_from(SETTINGS)),
    )
    graph = dataclasses.replace(
        graph, policies=tuple(draw(st.lists(kept_policy(graph.workloads), min_size=1, max_size=4)))
    )
    flows = [draw(flow(graph)) for _ in range(draw(st.integers(0, 8)))]
    return dataclasses.replace(graph, flows=tuple(f for f in flows if f is not None))


@st.composite
def edit(draw, graph: Graph) -> Graph:
    """Mostly flow edits; sometimes the population, the settings or the kept policies change."""
    kind = draw(
        st.sampled_from(["add", "add", "add", "remove", "remove", "ports", "shuffle", "settings", "population", "kept"])
    )
    flows = list(graph.flows)
    if kind == "add":
        new = draw(flow(graph))
        if new is not None:
            flows.insert(draw(st.integers(0, len(flows))), new)
    elif kind == "remove" and flows:
        del flows[draw(st.integers(0, len(flows) - 1))]
    elif kind == "ports" and flows:
        i = draw(st.integers(0, len(flows) - 1))
        replacement = draw(flow(graph))
        if replacement is not None and not (flows[i].destination.kind == "external" and replacement.ports):
            flows[i] = dataclasses.replace(flows[i], ports=replacement.ports)
    elif kind == "shuffle":
        flows = draw(st.permutations(flows))
    elif kind == "settings":
        return dataclasses.replace(graph, settings=draw(st.sampled_from(SETTINGS)))
    elif kind == "population":
        i = draw(st.integers(0, len(graph.workloads) - 1))
        workloads = list(graph.workloads)
        workloads[i] = draw(workload(workloads[i].namespace, workloads[i].name))
        return dataclasses.replace(graph, workloads=tuple(workloads))
    elif kind == "kept":
        kept = list(graph.policies)
        if kept and draw(st.booleans()):
            del kept[draw(st.integers(0, len(kept) - 1))]
        else:
            kept.append(draw(kept_policy(graph.workloads)))
        return dataclasses.replace(graph, policies=tuple(kept))
    return dataclasses.replace(graph, flows=tuple(flows))


def reuse(old: list[Policy], new: list[Policy]) -> list[Policy]:
    """The new policies, with the unchanged ones the very objects of before (as a caller that memoises would)."""
    before = {(p.namespace, p.name): p for p in old}
    return [before[key] if before.get(key := (p.namespace, p.name)) == p else p for p in new]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(designs(), st.data())
def test_update_after_random_edits_finds_exactly_what_a_full_lint_finds(graph, data):
    policies = compile_design(graph)
    state = LintState.full(graph, policies)
    assert state.findings == lint(graph, policies)
    for _ in range(data.draw(st.integers(1, 6), label="edits")):
        graph = data.draw(edit(graph), label="edit")
        new = compile_design(graph)
        how = data.draw(st.sampled_from(["same objects", "same objects", "fresh objects", "any list"]), label="how")
        if how == "same objects":
            new = reuse(policies, new)
        elif how == "any list":  # lint takes any policies: reordered, one dropped, one doubled
            new = data.draw(st.permutations(reuse(policies, new)), label="order")
            if new and data.draw(st.booleans(), label="drop or double"):
                new.pop(data.draw(st.integers(0, len(new) - 1), label="drop"))
            elif new:
                new.append(new[data.draw(st.integers(0, len(new) - 1), label="double")])
        before = list(state.findings)
        updated = state.update(graph, new)
        assert updated.findings == lint(graph, new)
        event(f"incremental: {updated.incremental}, relinted policies: {bool(updated.relinted_policies)}")
        event(f"one-sided findings: {min(3, sum(f.code == 'one-sided-flow' for f in updated.findings))}")
        assert state.findings == before  # the old state stays as it was
        state, policies = updated, new


def chain(n: int) -> Graph:
    """``n`` workloads in three namespaces, each talking to the next; one kept policy with a wide selector."""
    workloads = tuple(
        Workload(
            f"ns{i % 3}", f"w{i:02d}", (("app", f"w{i:02d}"), ("tier", "ab"[i % 2])), (ContainerPort("http", 8080),)
        )
        for i in range(n)
    )
    flows = tuple(
        Flow(Endpoint.workload(a.ref), Endpoint.workload(b.ref), (Port.tcp("http"),))
        for a, b in itertools.pairwise(workloads)
    )
    kept = Policy(
        "kept", "ns0", LabelSelector.of({"tier": "a"}), True, False, ingress=(Rule((Peer.pods({"app": "w03"}),)),)
    )
    return Graph(
        namespaces=(Namespace("ns0"), Namespace("ns1"), Namespace("ns2")),
        workloads=workloads,
        flows=flows,
        policies=(kept,),
    )


def test_adding_a_flow_relints_only_the_policies_and_workloads_it_concerns():
    graph = chain(60)
    policies = compile_design(graph)
    state = LintState.full(graph, policies)
    w = graph.workloads
    edited = dataclasses.replace(
        graph, flows=(*graph.flows, Flow(Endpoint.workload(w[10].ref), Endpoint.workload(w[40].ref), (Port.tcp(80),)))
    )
    new = reuse(policies, compile_design(edited))
    updated = state.update(edited, new)
    assert updated.incremental
    assert updated.findings == lint(edited, new)
    # the two ends' policies, and those whose one-sided probes consulted the two ends: not all 61
    assert 2 <= updated.relinted_policies <= 8
    assert updated.relinted_workloads == 2


def test_one_sided_finding_appears_and_goes_with_the_flow_that_causes_it():
    graph = chain(9)
    policies = compile_design(graph)
    state = LintState.full(graph, policies)
    w = graph.workloads
    # a kept policy in ns0 lets w00 send to w03 (ns0) on 9999, but w03's compiled policy does not accept it
    extra = Policy(
        "send",
        "ns0",
        LabelSelector.of({"app": "w00"}),
        False,
        True,
        egress=(Rule((Peer.pods({"app": "w03"}),), (Port.tcp(9999),)),),
    )
    edited = dataclasses.replace(graph, policies=(*graph.policies, extra))
    new = reuse(policies, compile_design(edited))
    with_extra = state.update(edited, new)
    assert with_extra.incremental
    one_sided = [f.subject for f in with_extra.findings if f.code == "one-sided-flow"]
    assert f"{w[0].ref} -> {w[3].ref}" in one_sided
    assert f"{w[0].ref} -> {w[3].ref}" not in [f.subject for f in state.findings]
    # a flow w00 -> w03 on 9999 makes both sides allow it: the finding goes, without a full lint
    fixed = dataclasses.replace(
        edited, flows=(*edited.flows, Flow(Endpoint.workload(w[0].ref), Endpoint.workload(w[3].ref), (Port.tcp(9999),)))
    )
    newer = reuse(new, compile_design(fixed))
    after = with_extra.update(fixed, newer)
    assert after.incremental
    assert after.findings == lint(fixed, newer)
    assert f"{w[0].ref} -> {w[3].ref}" not in [f.subject for f in after.findings]
    assert [f for f in after.findings if f.code == "one-sided-flow"]  # the kept policy's own, from before


def test_a_relabelled_workload_is_linted_incrementally_and_finds_the_new_overlap():
    graph = chain(12)
    policies = compile_design(graph)
    state = LintState.full(graph, policies)
    workloads = list(graph.workloads)
    workloads[3] = dataclasses.replace(workloads[3], labels=(("app", "w00"),))  # its selector now selects w00 too
    edited = dataclasses.replace(graph, workloads=tuple(workloads))
    new = reuse(policies, compile_design(edited))
    updated = state.update(edited, new)
    assert updated.incremental
    assert updated.findings == lint(edited, new)
    assert any(f.code == "selector-overlap" for f in updated.findings)


def test_equal_policies_that_are_new_objects_are_recognised_as_unchanged():
    graph = chain(30)
    state = LintState.full(graph, compile_design(graph))
    updated = state.update(graph, compile_design(graph))  # equal, not identical
    assert updated.incremental
    assert updated.relinted_policies == 0
    assert updated.findings == state.findings


# ---------------------------------------------------------------- population edits

RENAMED_NAMESPACES = ("delta", "epsilon")
MORE_EXTERNALS = (
    External("corp", "172.16.0.0/12"),  # same name as one of EXTERNALS, another range
    External("lan", "192.168.1.0/24", ("192.168.1.5/32",)),
    External.dns_name("docs", "docs.example.com"),
    External.dns_name("internet", "*.example.com"),  # a name of EXTERNALS, now a DNS name
)


def _renamed(endpoint: Endpoint, kind: str, names: dict[str, str]) -> Endpoint:
    return Endpoint(endpoint.kind, names[endpoint.ref]) if endpoint.kind == kind and endpoint.ref in names else endpoint


def with_renamed(graph: Graph, kind: str, names: dict[str, str], **changes) -> Graph:
    """``graph`` with ``changes``, its flows naming the renamed parts (old ref → new ref) by their new refs, as the
    editor's records do (a flow refers to a part, not to its name)."""
    flows = tuple(
        dataclasses.replace(f, source=_renamed(f.source, kind, names), destination=_renamed(f.destination, kind, names))
        if {f.source.ref, f.destination.ref} & names.keys()
        else f
        for f in graph.flows
    )
    return dataclasses.replace(graph, flows=flows, **changes)


def without_flows_to(graph: Graph, kind: str, ref: str, **changes) -> Graph:
    """``graph`` with ``changes`` and without the flows naming a deleted part (the database deletes them)."""
    flows = tuple(f for f in graph.flows if (kind, ref) not in {(e.kind, e.ref) for e in (f.source, f.destination)})
    return dataclasses.replace(graph, flows=flows, **changes)


@st.composite
def population_edit(draw, graph: Graph) -> Graph:
    """One edit of the population: a workload added, deleted, relabelled, renamed, given other ports or another
    pod IP; a namespace relabelled, renamed, added or deleted; an external added, changed or deleted."""
    kind = draw(
        st.sampled_from(
            [
                "add workload",
                "delete workload",
                "relabel workload",
                "rename workload",
                "workload ports",
                "workload ip",
                "relabel namespace",
                "rename namespace",
                "add namespace",
                "delete namespace",
                "add external",
                "change external",
                "delete external",
            ]
        )
    )
    workloads = list(graph.workloads)
    i = draw(st.integers(0, len(workloads) - 1))
    w = workloads[i]
    if kind == "add workload":
        namespace = draw(st.sampled_from(NAMESPACES))
        free = [n for n in (*NAMES, "new") if f"{namespace}/{n}" not in {x.ref for x in workloads}]
        if free:
            workloads.insert(
                draw(st.integers(0, len(workloads))), draw(workload(namespace, draw(st.sampled_from(free))))
            )
        return dataclasses.replace(graph, workloads=tuple(workloads))
    if kind == "delete workload":
        if len(workloads) < 2:
            return graph
        del workloads[i]
        return without_flows_to(graph, "workload", w.ref, workloads=tuple(workloads))
    if kind == "relabel workload":
        workloads[i] = dataclasses.replace(w, labels=draw(workload(w.namespace, w.name)).labels)
        return dataclasses.replace(graph, workloads=tuple(workloads))
    if kind == "rename workload":
        free = [n for n in (*NAMES, "renamed") if f"{w.namespace}/{n}" not in {x.ref for x in workloads}]
        workloads[i] = renamed = dataclasses.replace(w, name=draw(st.sampled_from(free)))
        return with_renamed(graph, "workload", {w.ref: renamed.ref}, workloads=tuple(workloads))
    if kind == "workload ports":
        workloads[i] = dataclasses.replace(w, ports=draw(workload(w.namespace, w.name)).ports)
        return dataclasses.replace(graph, workloads=tuple(workloads))
    if kind == "workload ip":
        workloads[i] = dataclasses.replace(w, ip=draw(st.sampled_from(POD_IPS)))
        return dataclasses.replace(graph, workloads=tuple(workloads))
    namespaces = list(graph.namespaces)
    if kind == "relabel namespace" and namespaces:
        k = draw(st.integers(0, len(namespaces) - 1))
        labels = draw(st.sampled_from([(), (("team", "red"),), (("team", "blue"),), (("env", "prod"),)]))
        namespaces[k] = dataclasses.replace(namespaces[k], labels=labels)
        return dataclasses.replace(graph, namespaces=tuple(namespaces))
    if kind == "rename namespace" and namespaces:
        k = draw(st.integers(0, len(namespaces) - 1))
        old = namespaces[k].name
        taken = {n.name for n in namespaces} | {x.namespace for x in workloads}
        free = [n for n in (*NAMESPACES, *RENAMED_NAMESPACES) if n not in taken]
        if not free:
            return graph
        name = draw(st.sampled_from(free))
        namespaces[k] = dataclasses.replace(namespaces[k], name=name)
        moved = {x.ref: f"{name}/{x.name}" for x in workloads if x.namespace == old}
        workloads = [dataclasses.replace(x, namespace=name) if x.namespace == old else x for x in workloads]
        graph = with_renamed(graph, "workload", moved, workloads=tuple(workloads))
        return with_renamed(graph, "namespace", {old: name}, namespaces=tuple(namespaces))
    if kind == "add namespace":
        taken = {n.name for n in namespaces}
        free = [n for n in (*NAMESPACES, *RENAMED_NAMESPACES) if n not in taken]
        if free:
            labels = draw(st.sampled_from([(), (("team", "red"),), (("env", "prod"),)]))
            namespaces.insert(draw(st.integers(0, len(namespaces))), Namespace(draw(st.sampled_from(free)), labels))
        return dataclasses.replace(graph, namespaces=tuple(namespaces))
    if kind == "delete namespace" and namespaces:  # its workloads stay: the design then knows only its name
        del namespaces[draw(st.integers(0, len(namespaces) - 1))]
        return dataclasses.replace(graph, namespaces=tuple(namespaces))
    externals = list(graph.externals)
    if kind == "add external":
        taken = {e.name for e in externals}
        free = [e for e in (*EXTERNALS, *MORE_EXTERNALS) if e.name not in taken]
        if free:
            externals.insert(draw(st.integers(0, len(externals))), draw(st.sampled_from(free)))
        return dataclasses.replace(graph, externals=tuple(externals))
    if kind == "change external" and externals:
        k = draw(st.integers(0, len(externals) - 1))
        others = [e for e in (*EXTERNALS, *MORE_EXTERNALS) if e != externals[k]]
        other = draw(st.sampled_from(others))
        externals[k] = dataclasses.replace(other, name=externals[k].name)
        graph = dataclasses.replace(graph, externals=tuple(externals))
        if externals[k].fqdn:  # a DNS name takes no ports: the editor refuses them
            flows = tuple(
                dataclasses.replace(f, ports=())
                if f.destination == Endpoint.external(externals[k].name) and f.ports
                else f
                for f in graph.flows
            )
            graph = dataclasses.replace(graph, flows=flows)
        return graph
    if kind == "delete external" and externals:
        gone = externals.pop(draw(st.integers(0, len(externals) - 1)))
        return without_flows_to(graph, "external", gone.name, externals=tuple(externals))
    return graph


@st.composite
def any_edit(draw, graph: Graph) -> Graph:
    """A population edit most of the time; else a flow edit or a kept-policy edit (``edit``, without settings)."""
    if draw(st.integers(0, 2)):
        return draw(population_edit(graph))
    edited = draw(edit(graph))
    return graph if edited.settings != graph.settings else edited


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(designs(), st.data())
def test_update_after_population_edits_finds_exactly_what_a_full_lint_finds(graph, data):
    # half the time never a full lint, however much an edit changes (small designs cross the shares easily)
    share = 100.0 if data.draw(st.booleans(), label="never full") else Population.FULL_ABOVE
    with (
        mock.patch.object(Population, "FULL_ABOVE", share),
        mock.patch.object(LintState, "FULL_ABOVE", max(share, LintState.FULL_ABOVE)),
    ):
        policies = compile_design(graph)
        state = LintState.full(graph, policies)
        for _ in range(data.draw(st.integers(1, 5), label="edits")):
            graph = data.draw(any_edit(graph), label="edit")
            new = compile_design(graph)
            if data.draw(st.integers(0, 3), label="fresh objects"):
                new = reuse(policies, new)
            updated = state.update(graph, new)
            assert updated.findings == LintState.full(graph, new).findings
            event(f"incremental: {updated.incremental}")
            event(f"findings: {min(len(updated.findings), 10) // 5 * 5}+")
            state, policies = updated, new


def _edited(graph: Graph, kind: str) -> Graph:
    w = graph.workloads[10]
    workloads = list(graph.workloads)
    if kind == "relabel":
        workloads[10] = dataclasses.replace(w, labels=(*w.labels, ("zone", "b")))
    elif kind == "add":
        workloads.append(Workload(w.namespace, "new", (("app", "new"),), w.ports))
    elif kind == "rename":
        workloads[10] = dataclasses.replace(w, name="renamed")
        return with_renamed(graph, "workload", {w.ref: f"{w.namespace}/renamed"}, workloads=tuple(workloads))
    elif kind == "ports":
        workloads[10] = dataclasses.replace(w, ports=(ContainerPort("http", 80),))
    elif kind == "delete":
        del workloads[10]
        return without_flows_to(graph, "workload", w.ref, workloads=tuple(workloads))
    elif kind == "relabel namespace":
        return dataclasses.replace(graph, namespaces=(Namespace("ns0", (("team", "red"),)), *graph.namespaces[1:]))
    elif kind == "add external":
        return dataclasses.replace(graph, externals=(*graph.externals, External("corp", "10.0.0.0/8")))
    return dataclasses.replace(graph, workloads=tuple(workloads))


def test_population_edits_relint_only_the_units_they_concern():
    graph = chain(60)
    policies = compile_design(graph)
    state = LintState.full(graph, policies)
    for kind in ("relabel", "add", "rename", "ports", "delete", "relabel namespace", "add external"):
        edited = _edited(graph, kind)
        new = reuse(policies, compile_design(edited))
        updated = state.update(edited, new)
        assert updated.findings == lint(edited, new), kind
        assert updated.incremental, kind
        assert updated.relinted_policies <= 30, kind  # of 61; a namespace's relabel relints its 20 workloads' policies
        assert updated.relinted_workloads <= 4, kind
