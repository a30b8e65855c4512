"""The netassert export: v2 tests netassert accepts, must-connect per drawn flow and port, the nearest misses."""

from __future__ import annotations

import dataclasses

import yaml

from editor.netpol import analyze, netassert, targets
from editor.netpol.compile import compile_design
from editor.netpol.model import ContainerPort, Endpoint, External, Flow, Graph, Namespace, Port, Workload

from .designs import ip_block_with_except, named_port, port_range, three_tier

W, EXT = Endpoint.workload, Endpoint.external
KINDS = {"deployment", "statefulset", "daemonset", "pod"}


def check_netassert_v2(tests: list[dict]) -> None:
    """The rules netassert v2 applies when it reads a test file (internal/data/types.go)."""
    assert isinstance(tests, list)
    names = [t["name"] for t in tests]
    assert len(names) == len(set(names)), "duplicate test name"
    for t in tests:
        assert t["name"] and t["type"] == "k8s" and t["protocol"] in ("tcp", "udp")
        assert isinstance(t["targetPort"], int) and 1 <= t["targetPort"] <= 65535
        assert t["attempts"] > 0 and t["timeoutSeconds"] > 0 and t["exitCode"] in (0, 1)
        assert set(t["src"]) == {"k8sResource"}
        assert set(t["src"]["k8sResource"]) == {"kind", "name", "namespace"}
        assert t["src"]["k8sResource"]["kind"] in KINDS
        assert len(t["dst"]) == 1 and set(t["dst"]) <= {"k8sResource", "host"}
        if "host" in t["dst"]:
            assert t["protocol"] == "tcp" and t["dst"]["host"]["name"]
        else:
            assert set(t["dst"]["k8sResource"]) == {"kind", "name", "namespace"}
            assert t["dst"]["k8sResource"]["kind"] in KINDS


def plan(graph: Graph) -> netassert.Plan:
    return netassert.plan(graph, compile_design(graph))


def test_three_tier_gets_must_connect_and_must_fail_tests():
    tests = plan(three_tier()).tests
    check_netassert_v2(tests)
    by_name = {t["name"]: t for t in tests}
    ok = by_name["shop-frontend-to-shop-api-tcp-8080"]
    assert (ok["exitCode"], ok["targetPort"], ok["protocol"]) == (0, 8080, "tcp")
    assert ok["src"] == {"k8sResource": {"kind": "deployment", "name": "frontend", "namespace": "shop"}}
    assert ok["dst"] == {"k8sResource": {"kind": "deployment", "name": "api", "namespace": "shop"}}
    assert by_name["shop-frontend-to-shop-api-tcp-8081-refused"]["exitCode"] == 1  # the next port
    assert by_name["shop-frontend-to-shop-db-tcp-8080-refused"]["exitCode"] == 1  # a neighbour


def test_every_test_agrees_with_the_analyzer():
    for graph in (three_tier(), named_port(), port_range(), ip_block_with_except()):
        policies = compile_design(graph)
        for t in plan(graph).tests:
            source = graph.workload(f"{t['src']['k8sResource']['namespace']}/{t['src']['k8sResource']['name']}")
            if "host" in t["dst"]:
                destination = analyze.Host.outside(t["dst"]["host"]["name"])
            else:
                ref = f"{t['dst']['k8sResource']['namespace']}/{t['dst']['k8sResource']['name']}"
                destination = analyze.Host.of_workload(graph, graph.workload(ref))
            verdict = analyze.connection(
                policies, analyze.Host.of_workload(graph, source), destination, t["protocol"].upper(), t["targetPort"]
            )
            assert verdict.allowed == (t["exitCode"] == 0), t["name"]


def test_named_port_is_resolved_and_a_range_is_tested_at_both_ends():
    assert [t["targetPort"] for t in plan(named_port()).tests if t["exitCode"] == 0] == [8080]
    ranged = [(t["protocol"], t["targetPort"]) for t in plan(port_range()).tests if t["exitCode"] == 0]
    assert {("tcp", 8000), ("tcp", 8100), ("udp", 7000)} <= set(ranged)


def test_external_ip_range_is_a_tcp_host_test_outside_the_excepts():
    tests = [t for t in plan(ip_block_with_except()).tests if "host" in t["dst"]]
    corp = [t for t in tests if t["dst"]["host"]["name"].startswith("10.")]
    assert corp and all(t["protocol"] == "tcp" for t in tests)
    assert {t["dst"]["host"]["name"] for t in corp} == {"10.0.0.1"}
    assert netassert.host_address("10.0.0.0/30", ("10.0.0.1/32",)) == "10.0.0.2"
    assert netassert.host_address("10.0.0.0/8", ("10.0.0.0/24", "10.0.1.0/24")) == "10.0.2.0"
    assert netassert.host_address("255.255.255.0/24", ("255.255.255.0/25", "255.255.255.128/25")) is None


def test_sctp_and_dns_names_get_no_test_and_a_finding():
    graph = three_tier()
    graph = dataclasses.replace(
        graph,
        externals=(External.dns_name("stripe", "api.stripe.com"),),
        flows=(
            *graph.flows,
            Flow(W("shop/api"), EXT("stripe"), (Port.tcp(443),)),
            Flow(W("shop/db"), W("shop/api"), (Port.sctp(9000),)),
        ),
    )
    result = plan(graph)
    assert not [t for t in result.tests if t["targetPort"] in (443, 9000)]
    codes = {(f.code, f.subject) for f in result.findings}
    assert codes == {
        (netassert.NETASSERT_DNS_NAME, "shop/api -> stripe"),
        (netassert.NETASSERT_SCTP, "shop/db -> shop/api"),
    }


def test_yaml_is_one_document_holding_the_list_and_deterministic():
    graph = three_tier()
    text = targets.to_yaml("netassert", plan(graph).tests)
    documents = list(yaml.safe_load_all(text))
    assert len(documents) == 1 and documents[0] == plan(graph).tests
    reordered = dataclasses.replace(graph, flows=graph.flows[::-1], workloads=graph.workloads[::-1])
    assert targets.to_yaml("netassert", plan(reordered).tests) == text


def test_a_namespace_endpoint_is_tested_with_its_first_drawn_workload():
    graph = Graph(
        namespaces=(Namespace("a"), Namespace("b")),
        workloads=(
            Workload.of("a/web"),
            Workload.of("b/api", ports=[ContainerPort("http", 8080)]),
            Workload.of("b/db"),
        ),
        flows=(Flow(W("a/web"), Endpoint.namespace("b"), (Port.tcp(8080),)),),
    )
    ok = sorted(t["dst"]["k8sResource"]["name"] for t in plan(graph).tests if t["exitCode"] == 0)
    assert ok == ["api"]


def test_imported_kinds_name_the_resource_and_jobs_get_no_test():
    graph = three_tier()
    kinds = {"shop/frontend": "StatefulSet", "shop/api": "Pod", "shop/db": "Job"}
    graph = dataclasses.replace(
        graph, workloads=tuple(dataclasses.replace(w, kind=kinds[w.ref]) for w in graph.workloads)
    )
    result = plan(graph)
    check_netassert_v2(result.tests)
    ok = {t["name"]: t for t in result.tests if t["exitCode"] == 0}
    test = ok["shop-frontend-to-shop-api-tcp-8080"]
    assert test["src"]["k8sResource"]["kind"] == "statefulset" and test["dst"]["k8sResource"]["kind"] == "pod"
    assert not [
        t
        for t in result.tests
        if "db" in (t["src"]["k8sResource"]["name"], t["dst"].get("k8sResource", {}).get("name"))
    ]
    assert {(f.code, f.subject) for f in result.findings} == {(netassert.NETASSERT_KIND, "shop/api -> shop/db")}
