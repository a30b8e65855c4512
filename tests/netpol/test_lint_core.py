"""The core findings: missing-dns, selector-overlap, unknown-named-port, egress-to-internet."""

import dataclasses

from editor.netpol.compile import compile_design
from editor.netpol.lint import lint
from editor.netpol.model import (
    ContainerPort,
    Endpoint,
    External,
    Flow,
    Graph,
    Namespace,
    Port,
    Settings,
    Workload,
)

from .designs import three_tier

W, NS, EXT = Endpoint.workload, Endpoint.namespace, Endpoint.external


def findings(graph):
    return lint(graph, compile_design(graph))


def codes(graph, code):
    return [f for f in findings(graph) if f.code == code]


def test_least_privilege_three_tier_has_no_findings():
    assert findings(three_tier()) == []


def test_egress_isolated_workload_without_dns_is_flagged_with_the_fix():
    graph = dataclasses.replace(three_tier(), settings=Settings(dns=False))
    found = codes(graph, "missing-dns")
    assert [f.subject for f in found] == ["shop/api", "shop/db", "shop/frontend"]
    assert all(f.severity == "warning" for f in found)
    assert "egress to UDP and TCP 53 in namespace kube-system is not allowed" in found[0].message
    assert "Fix: turn on DNS in the design's settings." in found[0].message
    assert "PATCH" not in found[0].message and "{" not in found[0].message  # worded for people


def test_missing_dns_says_which_protocol_is_blocked():
    graph = dataclasses.replace(
        three_tier(),
        settings=Settings(dns=False),
        flows=(*three_tier().flows, Flow(W("shop/api"), NS("kube-system"), (Port.udp(53),))),
        namespaces=(Namespace("shop"), Namespace("kube-system")),
    )
    api = [f for f in codes(graph, "missing-dns") if f.subject == "shop/api"]
    assert len(api) == 1
    assert "egress to TCP 53 in namespace kube-system is not allowed" in api[0].message


def test_workload_not_egress_isolated_needs_no_dns():
    graph = dataclasses.replace(three_tier(), flows=(), settings=Settings(True, False, False))
    assert codes(graph, "missing-dns") == []


def test_selector_that_also_selects_another_workload_is_flagged():
    graph = Graph(
        namespaces=(Namespace("shop"),),
        workloads=(
            Workload("shop", "api", (("app", "api"),)),
            Workload("shop", "api-canary", (("app", "api"), ("track", "canary"))),
            Workload("other", "api", (("app", "api"),)),
        ),
    )
    found = codes(graph, "selector-overlap")
    assert [(f.subject, f.severity) for f in found] == [("shop/api", "warning")]
    assert "Policy shop/api selects shop/api by its labels (app=api)" in found[0].message
    assert "shop/api-canary gets shop/api's permissions" in found[0].message


def test_overlapping_labels_without_a_policy_selecting_by_them_are_not_flagged():
    # no isolation and no flows: no policy selects shop/api, so its labels give shop/api-canary nothing
    graph = Graph(
        namespaces=(Namespace("shop"),),
        workloads=(
            Workload("shop", "api", (("app", "api"),)),
            Workload("shop", "api-canary", (("app", "api"), ("track", "canary"))),
        ),
        settings=Settings(False, False, False),
    )
    assert codes(graph, "selector-overlap") == []
    # a flow to shop/api gives it a policy that selects by app=api: now the canary shares it
    flowing = dataclasses.replace(graph, flows=(Flow(W("shop/api-canary"), W("shop/api"), (Port.tcp(80),)),))
    assert [f.subject for f in codes(flowing, "selector-overlap")] == ["shop/api"]


def test_many_workloads_with_the_same_labels_give_one_overlap_finding_each_with_a_short_list():
    workloads = tuple(Workload("shop", f"api-{i:02d}", (("app", "api"),)) for i in range(12))
    found = codes(Graph(namespaces=(Namespace("shop"),), workloads=workloads), "selector-overlap")
    assert [f.subject for f in found] == [w.ref for w in workloads]
    assert "shop/api-01, shop/api-02, shop/api-03, shop/api-04, shop/api-05 and 6 more" in found[0].message


def test_flow_without_ports_to_an_external_or_a_namespace_is_flagged():
    graph = Graph(
        namespaces=(Namespace("shop"), Namespace("data")),
        workloads=(Workload.of("shop/api"), Workload.of("shop/web"), Workload.of("data/db")),
        externals=(External("corp", "10.0.0.0/8"),),
        flows=(
            Flow(W("shop/api"), EXT("corp")),
            Flow(EXT("corp"), W("shop/web")),
            Flow(W("shop/api"), NS("data")),
            Flow(W("shop/web"), W("shop/api")),  # workload to workload: the drawn intent names both ends
            Flow(W("shop/api"), EXT("corp"), (Port.tcp(443),)),
            Flow(W("shop/web"), NS("data"), (Port.tcp(5432),)),
        ),
    )
    found = codes(graph, "flow-all-ports")
    assert sorted(f.subject for f in found) == ["corp -> shop/web", "shop/api -> corp", "shop/api -> data"]
    assert all(f.severity == "warning" for f in found)
    by_subject = {f.subject: f.message for f in found}
    assert "traffic to the external corp on every port" in by_subject["shop/api -> corp"]
    assert "traffic from the external corp on every port" in by_subject["corp -> shop/web"]
    assert "to every pod of namespace data on every port" in by_subject["shop/api -> data"]
    assert "enter the ports it needs" in by_subject["shop/api -> data"]


def test_flow_with_a_port_name_the_destination_lacks_is_flagged():
    graph = Graph(
        namespaces=(Namespace("shop"),),
        workloads=(Workload.of("shop/web"), Workload.of("shop/api", ports=[ContainerPort("http", 8080)])),
        flows=(Flow(W("shop/web"), W("shop/api"), (Port.tcp("http"), Port.tcp("grpc"), Port.udp("http"))),),
    )
    found = codes(graph, "unknown-named-port")
    assert [f.subject for f in found] == ["shop/web -> shop/api", "shop/web -> shop/api"]
    assert any("'grpc' (TCP)" in f.message for f in found)
    assert any("'http' (UDP)" in f.message for f in found)


def test_egress_to_the_whole_internet_is_flagged_but_a_narrow_cidr_is_not():
    graph = Graph(
        namespaces=(Namespace("shop"),),
        workloads=(Workload.of("shop/api"),),
        externals=(External("internet", "0.0.0.0/0"), External("v6", "::/0"), External("corp", "10.0.0.0/8")),
        flows=(
            Flow(W("shop/api"), EXT("internet"), (Port.tcp(443),)),
            Flow(W("shop/api"), EXT("v6")),
            Flow(W("shop/api"), EXT("corp")),
            Flow(EXT("internet"), W("shop/api"), (Port.tcp(443),)),
        ),
    )
    assert sorted(f.subject for f in codes(graph, "egress-to-internet")) == [
        "shop/api -> internet",
        "shop/api -> v6",
    ]


def test_findings_are_sorted_errors_first():
    graph = Graph(
        namespaces=(Namespace("shop"),),
        workloads=(Workload.of("shop/web"), Workload.of("shop/api")),
        externals=(External("internet", "0.0.0.0/0"),),
        flows=(Flow(W("shop/web"), W("shop/api"), (Port.tcp("http"),)), Flow(W("shop/api"), EXT("internet"))),
        settings=Settings(dns=False),
    )
    severities = [f.severity for f in findings(graph)]
    assert severities == sorted(severities, key=["error", "warning", "info"].index)
    assert severities[0] == "error"


def test_flow_to_the_whole_kube_system_namespace_warns_that_it_isolates_cluster_dns():
    graph = Graph(
        namespaces=(Namespace("shop"), Namespace("kube-system")),
        workloads=(Workload.of("shop/api"), Workload.of("kube-system/coredns", {"k8s-app": "kube-dns"})),
        flows=(
            Flow(W("shop/api"), NS("kube-system"), (Port.udp(53),)),
            Flow(W("shop/api"), W("kube-system/coredns"), (Port.tcp(53),)),
        ),
    )
    found = codes(graph, "isolates-kube-system")
    assert [(f.subject, f.severity) for f in found] == [("shop/api -> kube-system", "warning")]
    assert "cluster DNS included" in found[0].message
