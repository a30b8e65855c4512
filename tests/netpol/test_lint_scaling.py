"""No check compares every pair: the work of a full lint (counted in Python function calls, not timed) grows
linearly with the number of workloads of one namespace, with overlapping selectors, a namespace-wide policy
and kept policies that select many pods."""

from __future__ import annotations

import sys

from editor.netpol.compile import compile_design
from editor.netpol.lint import LintState
from editor.netpol.model import (
    ContainerPort,
    Endpoint,
    External,
    Flow,
    Graph,
    LabelSelector,
    Namespace,
    Peer,
    Policy,
    Port,
    Rule,
    Workload,
)


def one_namespace(n: int) -> Graph:
    workloads = []
    for i in range(n):
        labels = {"app": f"svc-{i:05d}", "tier": ("web", "api", "db")[i % 3], "team": "flat"}
        if i % 50 == 49:  # a canary: the labels of the one before, and one more
            labels = {**workloads[-1].labels_dict, "track": "canary"}
        ports = (ContainerPort("http", 8080), ContainerPort("metrics", 9090))
        workloads.append(
            Workload("flat", f"svc-{i:05d}", tuple(sorted(labels.items())), ports, f"10.1.{i // 250}.{i % 250}")
        )
    flows = []
    for i, w in enumerate(workloads):
        me = Endpoint.workload(w.ref)
        flows.append(Flow(me, Endpoint.workload(workloads[(i + 1) % n].ref), (Port.tcp("http"),)))
        flows.append(Flow(me, Endpoint.workload(workloads[(i + 7) % n].ref), (Port.tcp(9090),)))
        if i % 4 == 0:
            flows.append(Flow(me, Endpoint.external("corp"), (Port.tcp(443),)))
        if i % 10 == 0:
            flows.append(Flow(me, Endpoint.namespace("flat"), (Port.tcp(8080),)))  # a namespace-wide policy
    kept = (
        Policy(
            "web",
            "flat",
            LabelSelector.of({"tier": "web"}),
            True,
            False,
            ingress=(Rule((Peer.pods({"team": "flat"}),)),),
        ),
        Policy("ip", "flat", LabelSelector(), False, True, egress=(Rule((Peer.ip_block_of("10.1.0.0/16"),)),)),
    )
    return Graph(
        namespaces=(Namespace("flat"),),
        workloads=tuple(workloads),
        externals=(External("corp", "10.0.0.0/8"),),
        flows=tuple(flows),
        policies=kept,
    )


def calls_of_a_full_lint(n: int) -> int:
    graph = one_namespace(n)
    policies = compile_design(graph)
    count = 0

    def counter(frame, event, arg):
        nonlocal count
        if event in ("call", "c_call"):
            count += 1

    sys.setprofile(counter)
    try:
        LintState.full(graph, policies)
    finally:
        sys.setprofile(None)
    return count


def test_a_full_lint_of_one_namespace_grows_linearly():
    small, large = calls_of_a_full_lint(300), calls_of_a_full_lint(600)
    assert large / small < 2.3, (small, large)  # every pair would be 4×
