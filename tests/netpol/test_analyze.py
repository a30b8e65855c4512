"""Reachability, explanations and the truth table; differential tests against nca."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from editor.netpol import analyze
from editor.netpol.compile import compile_design
from editor.netpol.importer import import_manifests, policy_from_manifest
from editor.netpol.lint import KUBE_DNS
from editor.netpol.model import (
    ContainerPort,
    Endpoint,
    External,
    Flow,
    Graph,
    LabelSelector,
    Namespace,
    Policy,
    Port,
    Rule,
    Settings,
    Workload,
)
from tests.oracle import nca_allowed_connections

from . import manifest_strategies as ms

API = Workload.of("prod/api", {"app": "api"}, [ContainerPort("http", 8080)])
DB = Workload.of("prod/db", {"app": "db"}, [ContainerPort("pg", 5432)])


def tutorial_graph(**kwargs) -> Graph:
    """api and db in prod; not isolated beyond the given policies unless settings say so."""
    kwargs.setdefault("settings", Settings(isolate_ingress=False, isolate_egress=False, dns=False))
    return Graph(namespaces=(Namespace("prod"),), workloads=(API, DB), **kwargs)


# ---------------------------------------------------------------- the seed tutorial's three questions


def test_egress_only_policy_without_rules_blocks_api_to_db_although_db_allows_it():
    egress_only = Policy("api", "prod", LabelSelector.of({"app": "api"}), ingress_isolated=False, egress_isolated=True)
    db_ingress = Policy(
        "db",
        "prod",
        LabelSelector.of({"app": "db"}),
        ingress_isolated=True,
        egress_isolated=False,
        ingress=(Rule((analyze.Peer.pods({"app": "api"}),), (Port.tcp(5432),)),),
    )
    graph = tutorial_graph(policies=(egress_only, db_ingress))
    answer = analyze.reachability(graph, compile_design(graph), "prod/api", "prod/db", "TCP", 5432)
    assert not answer.allowed
    assert answer.verdict.ingress.allowed and not answer.verdict.egress.allowed
    assert answer.egress_text == (
        "prod/api is isolated for egress by prod/api; no egress rule allows TCP 5432 to prod/db."
    )
    assert "prod/db ingress rule 1 allows TCP 5432 from prod/api" in answer.ingress_text


def test_without_the_dns_rule_name_resolution_fails():
    flows = (Flow(Endpoint.workload("prod/api"), Endpoint.workload("prod/db"), (Port.tcp(5432),)),)
    for dns, expected in ((True, True), (False, False)):
        graph = tutorial_graph(flows=flows, settings=Settings(dns=dns))
        pod = analyze.Host.of_workload(graph, API)
        verdict = analyze.connection(compile_design(graph), pod, KUBE_DNS, "UDP", 53)
        assert verdict.allowed is expected


def test_except_removes_one_address_from_the_range():
    graph = tutorial_graph(
        externals=(External("corp", "10.0.0.0/8", ("10.0.0.100/32",)),),
        flows=(Flow(Endpoint.workload("prod/api"), Endpoint.external("corp"), (Port.tcp(443),)),),
    )
    policies = compile_design(graph)
    assert analyze.reachability(graph, policies, "prod/api", "10.0.0.5", "TCP", 443).allowed
    blocked = analyze.reachability(graph, policies, "prod/api", "10.0.0.100", "TCP", 443)
    assert not blocked.allowed and not blocked.verdict.egress.allowed
    assert blocked.verdict.ingress.policies == ()  # outside the cluster: its own side allows all


# ---------------------------------------------------------------- references and explanations


def test_pod_ip_resolves_to_its_workload_and_other_ips_are_outside():
    graph = Graph(workloads=(Workload("prod", "db", (("app", "db"),), ip="10.1.2.3"),))
    assert analyze.resolve_host(graph, "10.1.2.3").name == "prod/db"
    outside = analyze.resolve_host(graph, "10.1.2.4")
    assert not outside.is_pod and outside.ip == "10.1.2.4"
    with pytest.raises(analyze.UnknownRef, match="neither a workload"):
        analyze.resolve_host(graph, "prod/nope")


def test_named_port_resolves_on_the_destination_and_unknown_names_are_refused():
    db = analyze.Host.of_workload(tutorial_graph(), DB)
    assert analyze.resolve_port(db, "TCP", "pg") == 5432
    with pytest.raises(analyze.UnknownRef, match="no TCP port named 'http'"):
        analyze.resolve_port(db, "TCP", "http")
    with pytest.raises(analyze.UnknownRef):
        analyze.resolve_port(db, "UDP", "pg")


def test_denial_explains_a_rule_that_matches_the_peer_on_other_ports():
    db_ingress = Policy(
        "db",
        "prod",
        LabelSelector.of({"app": "db"}),
        True,
        False,
        ingress=(Rule((analyze.Peer.pods({"app": "api"}),), (Port.tcp(5433),)),),
    )
    graph = tutorial_graph(policies=(db_ingress,))
    answer = analyze.reachability(graph, list(graph.policies), "prod/api", "prod/db", "TCP", 5432)
    assert answer.ingress_text == (
        "prod/db is isolated for ingress by prod/db; no ingress rule allows TCP 5432 from prod/api. "
        "(prod/db ingress rule 1 matches prod/api but only on TCP 5433.)"
    )
    assert "No policy selects prod/api for egress" in answer.egress_text


def test_connections_list_what_policies_allow_with_the_policies():
    flows = (Flow(Endpoint.workload("prod/api"), Endpoint.workload("prod/db"), (Port.tcp(5432),)),)
    graph = tutorial_graph(flows=flows)
    (conn,) = analyze.connections(graph, compile_design(graph))
    assert (conn.source, conn.destination, conn.ports) == ("prod/api", "prod/db", ("TCP 5432",))
    assert conn.policies == ("prod/api", "prod/db")


def test_connections_say_all_ports_when_a_rule_has_none():
    flows = (Flow(Endpoint.workload("prod/api"), Endpoint.workload("prod/db")),)
    graph = tutorial_graph(flows=flows)
    (conn,) = analyze.connections(graph, compile_design(graph))
    assert conn.ports == ("TCP all",)


def test_semantic_diff_reports_added_and_removed_connections():
    flows = (Flow(Endpoint.workload("prod/api"), Endpoint.workload("prod/db"), (Port.tcp(5432),)),)
    isolated = Settings(dns=False)
    before = compile_design(tutorial_graph(flows=flows, settings=isolated))
    moved = (Flow(Endpoint.workload("prod/db"), Endpoint.workload("prod/api"), (Port.tcp(8080),)),)
    graph = tutorial_graph(flows=moved, settings=isolated)
    diff = analyze.semantic_diff(graph, before, compile_design(graph))
    assert [c.label() for c in diff.added] == ["prod/db → prod/api TCP 8080"]
    assert [c.label() for c in diff.removed] == ["prod/api → prod/db TCP 5432"]
    assert analyze.semantic_diff(graph, before, before).unchanged


def test_free_port_avoids_every_range():
    p = Policy(
        "a", "n", LabelSelector(), True, False, ingress=(Rule(ports=(Port.tcp(60000, 65535), Port.tcp(59990, 60001))),)
    )
    assert analyze.free_port([p], "TCP") == 59989
    assert analyze.free_port([p], "UDP") == 65535


# ---------------------------------------------------------------- the truth table


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    ms.policies(max_size=5),
    ms.pods(min_size=1, max_size=7),
    st.sampled_from(ms.PROBES),
    st.lists(st.sampled_from(["10.0.0.5", "10.0.0.7", "192.168.2.7", "192.168.3.1", "172.16.0.1"]), max_size=7),
)
def test_fast_matrix_equals_the_naive_one(manifests, pods, probe, ips):
    policies = [policy_from_manifest(m) for m in manifests]
    graph = ms.graph_of(pods, ips={p.key: ip for p, ip in zip(pods, ips, strict=False)})
    fast = analyze.matrix(graph, policies, *probe)
    naive = analyze.matrix_naive(graph, policies, *probe)
    assert fast == naive


def test_matrix_groups_equivalent_workloads_and_stays_exact_on_many():
    workloads = tuple(
        Workload.of(f"ns{i % 3}/w{i}", {"app": f"a{i % 4}"}, [ContainerPort("http", 8080)]) for i in range(60)
    )
    flows = tuple(
        Flow(
            Endpoint.workload(workloads[i].ref), Endpoint.workload(workloads[(i * 7 + 1) % 60].ref), (Port.tcp("http"),)
        )
        for i in range(0, 60, 2)
    )
    graph = Graph(namespaces=tuple(Namespace(f"ns{i}") for i in range(3)), workloads=workloads, flows=flows)
    policies = compile_design(graph)
    assert analyze.matrix(graph, policies, "TCP", 8080) == analyze.matrix_naive(graph, policies, "TCP", 8080)


def test_does_not_exist_in_a_peer_with_a_namespace_selector_matches_pods_of_every_selected_namespace():
    """Kubernetes matches the podSelector in each namespace the namespaceSelector selects; nca matches a
    DoesNotExist only in the policy's own namespace, so the random comparison with nca leaves this case out."""
    manifest = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "p0", "namespace": "ns1"},
        "spec": {
            "podSelector": {},
            "ingress": [
                {
                    "from": [
                        {
                            "namespaceSelector": {},
                            "podSelector": {"matchExpressions": [{"key": "app", "operator": "DoesNotExist"}]},
                        }
                    ]
                }
            ],
        },
    }
    pods = [ms.Pod("ns1", "w0", {}, []), ms.Pod("ns2", "w1", {}, []), ms.Pod("ns2", "w2", {"app": "a"}, [])]
    table = analyze.matrix(ms.graph_of(pods), [policy_from_manifest(manifest)], "TCP", 80)
    to_w0 = {table.workloads[i] for i in range(len(table.workloads)) if table.allowed(i, 0)}
    assert table.workloads[0] == "ns1/w0"
    assert "ns2/w1" in to_w0 and "ns2/w2" not in to_w0


@pytest.mark.nca
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ms.policies(max_size=4), ms.pods(min_size=2, max_size=5))
def test_analysis_agrees_with_nca_on_random_policies_and_pods(manifests, pods):
    policies = [policy_from_manifest(m) for m in manifests]
    graph = ms.graph_of(pods)
    ours = set()
    for protocol, port in ms.PROBES:
        table = analyze.matrix(graph, policies, protocol, port)
        for i, source in enumerate(table.workloads):
            for j, destination in enumerate(table.workloads):
                if i != j and table.allowed(i, j):
                    ours.add((source, destination, protocol, port))
    theirs = nca_allowed_connections(yaml.safe_dump_all(manifests), ms.NAMESPACES, pods, ms.PROBES)
    assert ours == theirs


def test_import_then_analyze_uses_the_imported_pod_ip():
    text = (
        "apiVersion: v1\nkind: Pod\nmetadata: {name: api, namespace: prod, labels: {app: api}}\n"
        "status: {podIP: 10.0.0.7}\n"
    )
    graph = import_manifests(text).graph
    assert analyze.resolve_host(graph, "10.0.0.7").name == "prod/api"


def test_describe_policy_in_words():
    (policy,) = import_manifests(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: db, namespace: prod}\n"
        "spec:\n  podSelector: {matchLabels: {app: db}}\n  policyTypes: [Ingress, Egress]\n  ingress:\n"
        "  - from:\n    - namespaceSelector: {matchExpressions: [{key: env, operator: NotIn, values: [dev]}]}\n"
        "      podSelector: {matchExpressions: [{key: legacy, operator: DoesNotExist}]}\n"
        "    - ipBlock: {cidr: 10.0.0.0/8, except: [10.0.0.5/32]}\n    ports: [{port: 5432}, {port: pg}]\n"
    ).policies
    assert analyze.describe_policy(policy) == [
        "Selects app=db in namespace prod.",
        "Ingress rule 1: from pods !legacy in namespaces env notin (dev) or IPs 10.0.0.0/8 except 10.0.0.5/32, "
        "on TCP 5432, TCP pg.",
        "Isolates egress and allows none: every egress connection is denied.",
    ]
