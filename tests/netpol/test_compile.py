"""The compiler's rules, one behaviour at a time."""

import dataclasses

import pytest

from editor.netpol.compile import CompileError, compile_design, dns_rule
from editor.netpol.model import Endpoint, External, Flow, Graph, Namespace, Peer, Port, Rule, Settings, Workload

from .designs import three_tier

W, NS, EXT = Endpoint.workload, Endpoint.namespace, Endpoint.external


def by_ref(graph):
    return {p.ref: p for p in compile_design(graph)}


def test_one_flow_adds_egress_on_the_source_and_ingress_on_the_destination():
    policies = by_ref(three_tier())
    assert policies["shop/api"].egress[1] == Rule((Peer.pods({"app": "db"}),), (Port.tcp(5432),))
    assert policies["shop/db"].ingress == (Rule((Peer.pods({"app": "api"}),), (Port.tcp(5432),)),)


def test_every_workload_is_isolated_both_ways_by_default():
    for policy in compile_design(three_tier()):
        assert policy.policy_types == ("Ingress", "Egress")


def test_dns_rule_comes_first_for_every_egress_isolated_workload():
    for policy in compile_design(three_tier()):
        assert policy.egress[0] == dns_rule()
    assert dns_rule().ports == (Port.udp(53), Port.tcp(53))


def test_dns_setting_off_drops_the_dns_rule():
    graph = dataclasses.replace(three_tier(), settings=Settings(dns=False))
    assert all(dns_rule() not in p.egress for p in compile_design(graph))


def test_without_isolation_only_workloads_with_flows_get_policy_types():
    graph = dataclasses.replace(three_tier(), settings=Settings(False, False, True))
    policies = by_ref(graph)
    assert policies["shop/frontend"].policy_types == ("Egress",)
    assert policies["shop/api"].policy_types == ("Ingress", "Egress")
    assert policies["shop/db"].policy_types == ("Ingress",)
    assert policies["shop/db"].egress == ()


def test_no_isolation_and_no_flows_gives_no_policies():
    graph = dataclasses.replace(three_tier(), flows=(), settings=Settings(False, False, True))
    assert compile_design(graph) == []


def test_peer_in_another_namespace_is_one_peer_with_both_selectors():
    graph = Graph(
        workloads=(Workload.of("a/web"), Workload.of("b/api")),
        flows=(Flow(W("a/web"), W("b/api"), (Port.tcp(80),)),),
    )
    peer = by_ref(graph)["b/api"].ingress[0].peers[0]
    assert peer == Peer.pods_in_namespace("a", {"app": "web"})
    assert peer.namespace_selector is not None and peer.pod_selector is not None


def test_namespace_endpoint_gets_a_policy_selecting_all_its_pods():
    graph = Graph(
        workloads=(Workload.of("prod/api"),),
        flows=(Flow(NS("monitoring"), W("prod/api"), (Port.tcp(9090),)),),
    )
    policy = by_ref(graph)["monitoring/all-pods"]
    assert policy.pod_selector.is_empty
    assert policy.policy_types == ("Egress",)
    assert policy.egress[0] == dns_rule()
    assert policy.egress[1].peers == (Peer.pods_in_namespace("prod", {"app": "api"}),)
    assert by_ref(graph)["prod/api"].ingress[0].peers == (Peer.namespace("monitoring"),)


def test_namespace_policy_name_never_clashes_with_a_workload():
    graph = Graph(
        workloads=(Workload.of("prod/all-pods"), Workload.of("prod/all-pods-2"), Workload.of("x/api")),
        flows=(Flow(W("x/api"), NS("prod")),),
    )
    assert "prod/all-pods-3" in by_ref(graph)


def test_external_is_an_ip_block_with_its_except_list():
    graph = Graph(
        workloads=(Workload.of("prod/api"),),
        externals=(External("corp", "10.0.0.0/8", ("10.0.0.5/32",)),),
        flows=(Flow(W("prod/api"), EXT("corp"), (Port.tcp(443),)), Flow(EXT("corp"), W("prod/api"))),
    )
    policy = by_ref(graph)["prod/api"]
    block = Peer.ip_block_of("10.0.0.0/8", ("10.0.0.5/32",))
    assert policy.egress[1] == Rule((block,), (Port.tcp(443),))
    assert policy.ingress == (Rule((block,), ()),)


def test_peers_with_the_same_ports_merge_and_ports_of_one_peer_merge():
    graph = Graph(
        workloads=(Workload.of("s/api"), Workload.of("s/db"), Workload.of("s/cache"), Workload.of("s/log")),
        flows=(
            Flow(W("s/api"), W("s/db"), (Port.tcp(5432),)),
            Flow(W("s/api"), W("s/cache"), (Port.tcp(5432),)),
            Flow(W("s/api"), W("s/log"), (Port.udp(514), Port.tcp(514))),
        ),
    )
    egress = by_ref(graph)["s/api"].egress[1:]
    assert Rule((Peer.pods({"app": "cache"}), Peer.pods({"app": "db"})), (Port.tcp(5432),)) in egress
    assert Rule((Peer.pods({"app": "log"}),), (Port.tcp(514), Port.udp(514))) in egress
    assert len(egress) == 2


def test_all_ports_wins_over_specific_ports_for_the_same_peer():
    graph = Graph(
        workloads=(Workload.of("s/api"), Workload.of("s/db")),
        flows=(Flow(W("s/api"), W("s/db"), (Port.tcp(5432),)), Flow(W("s/api"), W("s/db"))),
    )
    assert by_ref(graph)["s/db"].ingress == (Rule((Peer.pods({"app": "api"}),), ()),)


def test_namespace_flow_and_workload_flow_stay_separate_rules():
    graph = Graph(
        workloads=(Workload.of("s/api"), Workload.of("s/db")),
        flows=(Flow(W("s/api"), W("s/db"), (Port.tcp(5432),)), Flow(NS("s"), W("s/db"))),
    )
    # api reaches db on every port through the namespace-wide flow; its own flow keeps its port
    assert by_ref(graph)["s/db"].ingress == (
        Rule((Peer.pods({"app": "api"}),), (Port.tcp(5432),)),
        Rule((Peer.namespace("s"),), ()),
    )


def test_flow_to_an_unknown_workload_is_a_clear_error():
    graph = Graph(workloads=(Workload.of("s/api"),), flows=(Flow(W("s/api"), W("s/nope")),))
    with pytest.raises(CompileError, match="s/nope is not a workload"):
        compile_design(graph)


def test_flow_between_two_externals_is_a_clear_error():
    graph = Graph(
        externals=(External("a", "10.0.0.0/8"), External("b", "11.0.0.0/8")), flows=(Flow(EXT("a"), EXT("b")),)
    )
    with pytest.raises(CompileError, match="two externals"):
        compile_design(graph)


def test_policies_are_sorted_by_namespace_then_name():
    graph = Graph(workloads=(Workload.of("b/x"), Workload.of("a/z"), Workload.of("a/y")))
    assert [p.ref for p in compile_design(graph)] == ["a/y", "a/z", "b/x"]


def test_namespace_labels_do_not_change_selection_by_name():
    graph = Graph(
        namespaces=(Namespace("prod", (("env", "prod"),)),),
        workloads=(Workload.of("prod/api"), Workload.of("dev/web")),
        flows=(Flow(W("dev/web"), NS("prod")),),
    )
    assert by_ref(graph)["dev/web"].egress[1].peers == (Peer.namespace("prod"),)
