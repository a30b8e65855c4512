"""The Cilium export: valid against Cilium's CRD, and the same connectivity as the NetworkPolicy export."""

from __future__ import annotations

import dataclasses
import functools
import json
from pathlib import Path

import jsonschema
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from editor.netpol import analyze, cilium
from editor.netpol.compile import compile_design
from editor.netpol.importer import policy_from_manifest
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
    Requirement,
    Rule,
    Settings,
    Workload,
)

from . import manifest_strategies as ms
from .cilium_eval import Evaluator
from .cilium_eval import Peer as EvalPeer
from .designs import designs, ip_block_with_except, three_tier

CRD = Path(__file__).parent.parent / "data" / "cilium" / "ciliumnetworkpolicies.yaml"
W, NS, EXT = Endpoint.workload, Endpoint.namespace, Endpoint.external


@functools.cache
def validator() -> jsonschema.Draft7Validator:
    crd = yaml.safe_load(CRD.read_text())
    (version,) = [v for v in crd["spec"]["versions"] if v["name"] == "v2"]
    return jsonschema.Draft7Validator(version["schema"]["openAPIV3Schema"])


def assert_valid(manifests: list[dict]) -> None:
    for manifest in manifests:
        errors = sorted(validator().iter_errors(json.loads(json.dumps(manifest))), key=str)
        assert not errors, (manifest["metadata"], [e.message for e in errors[:3]])


HTTPS = (Port.tcp(443),)


def with_fqdn(graph: Graph, *sources: str, ports=HTTPS) -> Graph:
    externals = (External.dns_name("stripe", "api.stripe.com"), External.dns_name("s3", "*.s3.amazonaws.com"))
    flows = tuple(Flow(W(s) if "/" in s else NS(s), EXT(e.name), ports) for s in sources for e in externals)
    return dataclasses.replace(graph, externals=(*graph.externals, *externals), flows=(*graph.flows, *flows))


def export(graph: Graph) -> list[dict]:
    return cilium.manifests(graph, compile_design(graph))


# ---------------------------------------------------------------- shape


def test_crd_is_cilium_v2_ciliumnetworkpolicy():
    crd = yaml.safe_load(CRD.read_text())
    assert crd["spec"]["names"]["kind"] == "CiliumNetworkPolicy" and crd["spec"]["group"] == "cilium.io"


def test_validator_refuses_what_the_crd_refuses():
    bad = {"apiVersion": "cilium.io/v2", "kind": "CiliumNetworkPolicy", "metadata": {}, "spec": {"egress": [{}]}}
    assert list(validator().iter_errors(bad))  # no endpointSelector
    ports = {"ports": [{"port": str(p), "protocol": "TCP"} for p in range(1, 42)]}
    too_many = {**bad, "spec": {"endpointSelector": {}, "egress": [{"toEntities": ["all"], "toPorts": [ports]}]}}
    assert list(validator().iter_errors(too_many))


def test_three_tier_exports_one_cilium_policy_per_networkpolicy_with_namespace_pinned():
    out = {m["metadata"]["name"]: m for m in export(three_tier())}
    assert sorted(out) == ["api", "db", "frontend"]
    api = out["api"]
    assert api["apiVersion"] == "cilium.io/v2" and api["kind"] == "CiliumNetworkPolicy"
    assert api["spec"]["endpointSelector"] == {
        "matchLabels": {"k8s:app": "api", "k8s:io.kubernetes.pod.namespace": "shop"}
    }
    dns, db = api["spec"]["egress"]
    assert dns["toEndpoints"] == [{"matchLabels": {"k8s:io.kubernetes.pod.namespace": "kube-system"}}]
    assert dns["toPorts"] == [{"ports": [{"port": "53", "protocol": "UDP"}, {"port": "53", "protocol": "TCP"}]}]
    assert db["toEndpoints"] == [{"matchLabels": {"k8s:app": "db", "k8s:io.kubernetes.pod.namespace": "shop"}}]
    assert out["frontend"]["spec"]["ingress"] == [{}]  # isolated, nothing drawn towards it: default deny


def test_a_direction_not_isolated_is_left_out():
    graph = dataclasses.replace(three_tier(), settings=Settings(isolate_ingress=True, isolate_egress=False))
    out = {m["metadata"]["name"]: m["spec"] for m in export(graph)}
    assert "egress" not in out["db"] and out["db"]["ingress"]


def test_mixed_peers_are_split_with_the_ports_on_each_part():
    rule = Rule(
        (Peer.pods({"app": "a"}), Peer.ip_block_of("10.0.0.0/8", ("10.0.0.5/32",))),
        (Port.tcp(80),),
    )
    parts = cilium.rules(rule, "prod", "to")
    assert parts == [
        {
            "toEndpoints": [{"matchLabels": {"k8s:app": "a", "k8s:io.kubernetes.pod.namespace": "prod"}}],
            "toPorts": [{"ports": [{"port": "80", "protocol": "TCP"}]}],
        },
        {
            "toCIDRSet": [{"cidr": "10.0.0.0/8", "except": ["10.0.0.5/32"]}],
            "toPorts": [{"ports": [{"port": "80", "protocol": "TCP"}]}],
        },
    ]


def test_rule_without_peers_is_every_entity():
    assert cilium.rules(Rule((), (Port.udp(53),)), "prod", "from") == [
        {"fromEntities": ["all"], "toPorts": [{"ports": [{"port": "53", "protocol": "UDP"}]}]}
    ]


def test_more_than_40_ports_are_split_into_items_of_40():
    ports = tuple(Port.tcp(p) for p in range(1000, 1085))
    (part,) = cilium.rules(Rule((), ports), "prod", "to")
    assert [len(item["ports"]) for item in part["toPorts"]] == [40, 40, 5]


def test_named_port_range_and_all_ports_of_a_protocol():
    ports = (Port.tcp("http"), Port.tcp(8000, 8100), Port("UDP", None))
    assert [cilium.port_protocol(p) for p in ports] == [
        {"port": "http", "protocol": "TCP"},
        {"port": "8000", "protocol": "TCP", "endPort": 8100},
        {"port": "0", "protocol": "UDP"},
    ]


def test_namespace_selector_becomes_namespace_labels_and_stays_on_pods():
    peer = Peer(namespace_selector=LabelSelector.of({}, [Requirement("env", "NotIn", ("prod",))]))
    assert cilium.peer_selector(peer, "prod") == {
        "matchExpressions": [
            {"key": "k8s:io.cilium.k8s.namespace.labels.env", "operator": "NotIn", "values": ["prod"]},
            {"key": "k8s:io.kubernetes.pod.namespace", "operator": "Exists"},
        ]
    }
    named = Peer.pods_in_namespace("data", {"app": "db"})
    assert cilium.peer_selector(named, "prod") == {
        "matchLabels": {"k8s:app": "db", "k8s:io.kubernetes.pod.namespace": "data"}
    }


def test_dns_names_get_tofqdns_and_the_kube_dns_rule_in_a_policy_that_only_adds():
    out = {m["metadata"]["name"]: m["spec"] for m in export(with_fqdn(three_tier(), "shop/api"))}
    spec = out["api-fqdn"]
    assert spec["enableDefaultDeny"] == {"egress": False, "ingress": False}
    dns, names = spec["egress"]
    assert dns == {
        "toEndpoints": [{"matchLabels": {"k8s:io.kubernetes.pod.namespace": "kube-system", "k8s:k8s-app": "kube-dns"}}],
        "toPorts": [{"ports": [{"port": "53", "protocol": "ANY"}], "rules": {"dns": [{"matchPattern": "*"}]}}],
    }
    assert names == {
        "toFQDNs": [{"matchPattern": "*.s3.amazonaws.com"}, {"matchName": "api.stripe.com"}],
        "toPorts": [{"ports": [{"port": "443", "protocol": "TCP"}]}],
    }
    assert out["api"] == {m["metadata"]["name"]: m["spec"] for m in export(three_tier())}["api"]


def test_dns_name_policy_of_a_namespace_selects_every_pod_there_and_avoids_name_clashes():
    graph = with_fqdn(three_tier(), "shop", ports=())
    graph = dataclasses.replace(graph, workloads=(*graph.workloads, Workload.of("shop/all-pods-fqdn")))
    names = [m["metadata"]["name"] for m in export(graph)]
    assert "all-pods-fqdn" in names  # the workload's own policy
    spec = {m["metadata"]["name"]: m["spec"] for m in export(graph)}["all-pods-fqdn-2"]
    assert spec["endpointSelector"] == {"matchLabels": {"k8s:io.kubernetes.pod.namespace": "shop"}}
    assert "toPorts" not in spec["egress"][1]


@pytest.mark.parametrize("graph", [three_tier(), ip_block_with_except(), with_fqdn(three_tier(), "shop/api", "shop")])
def test_export_validates_against_the_crd(graph):
    assert_valid(export(graph))


def test_export_is_deterministic():
    graph = with_fqdn(ip_block_with_except(), "prod/api")
    shuffled = dataclasses.replace(
        graph,
        workloads=graph.workloads[::-1],
        externals=graph.externals[::-1],
        flows=graph.flows[::-1],
        namespaces=graph.namespaces[::-1],
    )
    assert export(shuffled) == export(graph)


# ---------------------------------------------------------------- the same connectivity

KUBE_DNS = Workload(
    "kube-system",
    "coredns",
    (("k8s-app", "kube-dns"),),
    (ContainerPort("dns", 53, "UDP"), ContainerPort("dns-tcp", 53)),
)
OUTSIDE = ["10.0.0.5", "10.0.0.6", "10.1.2.3", "192.168.1.9", "192.168.3.3", "8.8.8.8", "2001:db8::1"]
PROBES = [(proto, port) for proto in ("TCP", "UDP", "SCTP") for port in (53, 80, 443, 5432, 8080, 8085, 8095, 9999)]


def _hosts(graph: Graph) -> list[tuple[analyze.Host, EvalPeer]]:
    out = []
    for w in graph.workloads:
        host = analyze.Host.of_workload(graph, w, ip=None)
        host = dataclasses.replace(host, ip=None)  # pods by identity: Cilium's CIDR rules never match pods
        ports = tuple((p.name, p.port, p.protocol) for p in w.ports)
        out.append((host, EvalPeer(w.namespace, dict(w.labels), host.namespace_labels, ports)))
    for ip in OUTSIDE:
        out.append((analyze.Host.outside(ip), EvalPeer(ip=ip)))
    return out


def differences(graph: Graph, policies: list[Policy]) -> list[tuple]:
    """Every (source, destination, protocol, port) where the Cilium export and the NetworkPolicies disagree,
    apart from what the contract allows: DNS-name flows (port 53 to kube-dns from their sources)."""
    manifests = cilium.manifests(graph, policies)
    assert_valid(manifests)
    hosts = _hosts(graph)
    evaluator = Evaluator(manifests, [peer for _, peer in hosts if peer.namespace is not None])
    fqdn_sources = {
        i
        for i, (_, peer) in enumerate(hosts)
        if any(m["spec"].get("enableDefaultDeny") for m in evaluator._selecting(peer))
    }
    found = []
    for i, (src, src_peer) in enumerate(hosts):
        for dst, dst_peer in hosts:
            if src.namespace is None and dst.namespace is None:
                continue
            for protocol, port in PROBES:
                want = analyze.connection(policies, src, dst, protocol, port).allowed
                got = evaluator.allowed(src_peer, dst_peer, protocol, port)
                if want != got:
                    if i in fqdn_sources and dst.name == "kube-system/coredns" and port == 53 and got:
                        continue
                    found.append((src.name, dst.name, protocol, port, want, got))
    return found


@st.composite
def designs_with_dns_names(draw) -> Graph:
    graph = draw(designs())
    graph = dataclasses.replace(
        graph,
        namespaces=(*graph.namespaces, Namespace("kube-system")),
        workloads=(*graph.workloads, KUBE_DNS),
        externals=(*graph.externals, External.dns_name("stripe", "api.stripe.com")),
    )
    sources = [W(w.ref) for w in graph.workloads] + [NS(n.name) for n in graph.namespaces]
    chosen = draw(st.lists(st.sampled_from(sources), max_size=2, unique=True))
    ports = draw(st.sampled_from([(), (Port.tcp(443),), (Port.tcp(8000, 8100), Port.udp(443))]))
    return dataclasses.replace(graph, flows=(*graph.flows, *(Flow(s, EXT("stripe"), ports) for s in chosen)))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(designs_with_dns_names())
def test_cilium_export_allows_exactly_what_the_networkpolicy_export_allows(graph):
    assert differences(graph, compile_design(graph)) == []


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ms.pods(), ms.policies())
def test_cilium_conversion_keeps_the_meaning_of_any_networkpolicy(pods, manifests):
    kept = [policy_from_manifest(json.loads(json.dumps(m))) for m in manifests]
    graph = ms.graph_of(pods, kept)
    assert differences(graph, compile_design(graph)) == []


def test_egress_named_ports_resolve_on_every_pod_in_cilium_and_are_flagged():
    """Cilium resolves an egress named port with the named ports of all pods (pkg/endpoint/policy.go
    GetNamedPort), not the destination's: a destination without the name is reachable on the number others
    give it.  The export keeps the name; the cilium target's findings say so."""
    graph = Graph(
        namespaces=(Namespace("shop"),),
        workloads=(
            Workload.of("shop/web"),
            Workload.of("shop/api", {"tier": "back"}, [ContainerPort("http", 8080)]),
            Workload.of("shop/old", {"tier": "back"}),
        ),
        policies=(
            Policy(
                "web",
                "shop",
                LabelSelector.of({"app": "web"}),
                False,
                True,
                egress=(Rule((Peer.pods({"tier": "back"}),), (Port.tcp("http"),)),),
            ),
        ),
    )
    policies = compile_design(dataclasses.replace(graph, settings=Settings(False, False, False)))
    manifests = cilium.manifests(graph, policies)
    web, _api, old = (dataclasses.replace(analyze.Host.of_workload(graph, w), ip=None) for w in graph.workloads)
    peers = [
        EvalPeer(w.namespace, dict(w.labels), {}, tuple((p.name, p.port, p.protocol) for p in w.ports))
        for w in graph.workloads
    ]
    cluster = Evaluator(manifests, peers, egress_named_ports="cluster")
    assert not analyze.connection(policies, web, old, "TCP", 8080).allowed
    assert cluster.allowed(peers[0], peers[2], "TCP", 8080)  # the difference the finding names


def test_a_namespace_selector_of_only_notin_never_lets_the_world_in():
    """Cilium gives the world no labels, so a selector of only NotIn would match it: the export pins pods."""
    graph = Graph(
        namespaces=(Namespace("prod", (("env", "prod"),)), Namespace("dev", (("env", "dev"),))),
        workloads=(Workload.of("prod/api"), Workload.of("dev/web")),
        policies=(
            Policy(
                "api",
                "prod",
                LabelSelector.of({"app": "api"}),
                True,
                False,
                ingress=(
                    Rule((Peer(namespace_selector=LabelSelector.of({}, [Requirement("env", "NotIn", ("prod",))])),)),
                ),
            ),
        ),
    )
    policies = list(graph.policies)
    assert differences(graph, policies) == []
    evaluator = Evaluator(cilium.manifests(graph, policies), [])
    api = EvalPeer("prod", {"app": "api"}, {"env": "prod", "kubernetes.io/metadata.name": "prod"})
    web = EvalPeer("dev", {"app": "web"}, {"env": "dev", "kubernetes.io/metadata.name": "dev"})
    assert evaluator.allowed(web, api, "TCP", 80) and not evaluator.allowed(EvalPeer(ip="8.8.8.8"), api, "TCP", 80)
