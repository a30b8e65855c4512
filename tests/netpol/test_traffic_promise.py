"""The promise of a design made from traffic, property-tested: random clusters and traffic → the design's
NetworkPolicy export allows every used connection (flows to DNS-name externals aside) and nothing that was
not observed (DNS aside), judged on the observed pods' own labels by the project's analyzer and by nca.

The generated workloads are told apart by their labels (each has its own ``app``), which is when the
contract promises "nothing else".  Pods of one workload talking to each other are never drawn (a design
has no flow from a workload to itself), so they are not allowed either.
"""

from __future__ import annotations

import io
import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from editor.netpol import analyze, traffic, traffic_check, traffic_design
from editor.netpol.compile import compile_design
from editor.netpol.render import manifests, to_yaml
from tests.oracle import Pod as NcaPod
from tests.oracle import nca_allowed_connections

from .hubble import body, flow, pod, world

NAMESPACES = ("shop", "data", "ops")
NAMES = ("web", "api", "db", "cache")
PORTS = (80, 443, 5432, 8080)
PROTOCOLS = ("TCP", "UDP", "SCTP")
OUTSIDE = (("52.1.2.3", "api.stripe.com"), ("140.82.112.3", ""), ("203.0.113.9", ""))
UNSEEN_IP = "198.51.100.1"
COREDNS = pod("kube-system", "coredns", {"k8s-app": "kube-dns"}, ip="10.0.0.53")


@st.composite
def clusters(draw):
    """(pods, outside, lines): each pod a (workload ref, hubble endpoint, labels); lines as flow() args."""
    pods = []
    ip = itertools.count(10)
    for ns in draw(st.lists(st.sampled_from(NAMESPACES), min_size=1, max_size=3, unique=True)):
        for name in draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=3, unique=True)):
            for i in range(draw(st.integers(1, 2))):
                labels = {"app": name}
                if draw(st.booleans()):
                    labels["tier"] = draw(st.sampled_from(["a", "b"]))
                address = f"10.1.0.{next(ip)}"
                ep = pod(ns, name, labels, ip=address, pod_name=f"{name}-6d4cf56db6-p{i}")
                pods.append((f"{ns}/{name}", ep, labels))
    outside = [(address, name, world(address)) for address, name in OUTSIDE]
    ends = [("pod", i) for i in range(len(pods))] + [("out", i) for i in range(len(outside))]
    lines = []
    for _ in range(draw(st.integers(1, 14))):
        src, dst = draw(st.sampled_from(ends)), draw(st.sampled_from(ends))
        if src[0] == dst[0] == "out":
            continue
        kind = draw(st.sampled_from(["start", "start", "start", "reply", "dropped", "dns"]))
        if kind == "dns" and src[0] == "out":
            kind = "start"
        lines.append((src, dst, draw(st.sampled_from(PROTOCOLS)), draw(st.sampled_from(PORTS)), kind))
    return pods, outside, lines


def _endpoint(end, pods, outside):
    return pods[end[1]][1] if end[0] == "pod" else outside[end[1]][2]


def _capture(pods, outside, lines) -> bytes:
    out = []
    for src, dst, protocol, port, kind in lines:
        s, d = _endpoint(src, pods, outside), _endpoint(dst, pods, outside)
        names = (outside[dst[1]][1],) if dst[0] == "out" and outside[dst[1]][1] else ()
        if kind == "dns" and src[0] == "pod":
            out.append(flow(s, COREDNS, 53, "UDP"))
        elif kind == "reply":
            out.append(flow(s, d, port, protocol, syn=True, ack=True, reply=True, names=names))
        else:
            out.append(flow(s, d, port, protocol, verdict="DROPPED" if kind == "dropped" else "FORWARDED", names=names))
    return body(*out)


def _observed(pods, outside, lines) -> set[tuple[str, str, str, int]]:
    """(source, destination, protocol, port) of used lines: workload refs, or outside addresses."""
    found = set()
    for src, dst, protocol, port, kind in lines:
        if kind != "start":
            continue
        name = {"pod": lambda i: pods[i][0], "out": lambda i: outside[i][0]}
        found.add((name[src[0]](src[1]), name[dst[0]](dst[1]), protocol, port))
    return found


def _seen(pods, lines) -> list:
    """The pods some used line shows (a design is made of those)."""
    seen = set()
    for src, dst, _, _, kind in lines:
        ends = [src, dst] if kind == "start" else [src] if kind == "dns" else []
        seen |= {end[1] for end in ends if end[0] == "pod"}
    return [p for i, p in enumerate(pods) if i in seen]


def _planned(pods, outside, lines):
    t = traffic.read(io.BytesIO(_capture(pods, outside, lines)))
    plan = traffic_design.plan(t)
    graph = plan.graph()
    plan.traffic = t  # type: ignore[attr-defined]
    return plan, graph, compile_design(graph)


def _expected(pods, outside, observed, source: str, destination: str, protocol: str, port: int) -> bool:
    """What the promise says for two ends (workload refs or addresses)."""
    if destination == "kube-system/coredns":
        return port == 53 and protocol in ("UDP", "TCP")
    if source == destination:
        return False
    fqdn_only = {address for address, name, _ in outside if name}
    return (source, destination, protocol, port) in observed and destination not in fqdn_only


PROBES = [(p, n) for p in PROTOCOLS for n in (*PORTS, 53, 81)]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(clusters())
def test_the_export_allows_exactly_the_observed_connections_by_the_analyzer(cluster):
    pods, outside, lines = cluster
    plan, graph, policies = _planned(pods, outside, lines)
    observed = _observed(pods, outside, lines)
    hosts = [
        (ref, analyze.Host(namespace=ref.split("/")[0], labels=labels, namespace_labels=_ns_labels(ref), name=ref))
        for ref, _, labels in _seen(pods, lines)
    ]
    hosts.append(
        ("kube-system/coredns", analyze.Host("kube-system", {"k8s-app": "kube-dns"}, _ns_labels("kube-system/")))
    )
    hosts += [(address, analyze.Host.outside(address)) for address, _, _ in outside]
    hosts.append((UNSEEN_IP, analyze.Host.outside(UNSEEN_IP)))
    for (a, ha), (b, hb) in itertools.permutations(hosts, 2):
        if (not ha.is_pod and not hb.is_pod) or a == "kube-system/coredns":
            continue  # the DNS server is no workload: its own traffic is not the design's
        for protocol, port in PROBES:
            allowed = analyze.connection(policies, ha, hb, protocol, port).allowed
            if not hb.is_pod or hb.namespace != "kube-system":
                assert allowed == _expected(pods, outside, observed, a, b, protocol, port), (a, b, protocol, port)
            elif port == 53 and protocol in ("UDP", "TCP") and ha.is_pod:
                assert allowed, (a, b, protocol, port)
    # the check (truth tables per port) says the same of the capture itself: only what cannot be drawn is refused
    result = traffic_check.check(plan.traffic, graph, policies)
    fqdn = {address for address, name, _ in outside if name}
    assert all(d.destination in fqdn or d.source == d.destination for d in result.denied), result.denied
    hosts = [traffic_check._host(graph, e) for e in plan.traffic.endpoints]
    one_by_one = sum(
        count
        for (s, d, protocol, port), (count, _) in plan.traffic.connections.items()
        if analyze.connection(policies, hosts[s], hosts[d], protocol, port).allowed
    )
    assert result.allowed == one_by_one
    name = {"pod": lambda i: pods[i][0], "out": lambda i: outside[i][0]}
    drawable = [(name[s[0]](s[1]), name[d[0]](d[1])) for s, d, _, _, kind in lines if kind == "start"]
    dns = [line for line in lines if line[4] == "dns" and line[0][0] == "pod"]
    assert plan.used == sum(1 for s, d in drawable if s != d) + len(dns)


def _ns_labels(ref: str) -> dict:
    return {"kubernetes.io/metadata.name": ref.split("/")[0]}


@pytest.mark.nca
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(clusters())
def test_the_export_allows_exactly_the_observed_connections_by_nca(cluster):
    pods, outside, lines = cluster
    _, _, policies = _planned(pods, outside, lines)
    observed = _observed(pods, outside, lines)
    seen = _seen(pods, lines)
    nca_pods = [NcaPod(ref.split("/")[0], ep["endpoint"]["pod_name"], labels, []) for ref, ep, labels in seen]
    workload = {f"{p.namespace}/{p.name}": ref for p, (ref, _, _) in zip(nca_pods, seen, strict=True)}
    nca_pods.append(NcaPod("kube-system", "coredns-0", {"k8s-app": "kube-dns"}, []))
    workload["kube-system/coredns-0"] = "kube-system/coredns"
    namespaces = {ns: {} for ns in {p.namespace for p in nca_pods}}
    allowed = nca_allowed_connections(to_yaml(manifests(policies)), namespaces, nca_pods, PROBES)
    expected = {
        (a.key, b.key, protocol, port)
        for a, b in itertools.permutations(nca_pods, 2)
        if a.namespace != "kube-system"
        for protocol, port in PROBES
        if _expected(pods, outside, observed, workload[a.key], workload[b.key], protocol, port)
    }
    assert {c for c in allowed if not c[0].startswith("kube-system/")} == expected


# ---------------------------------------------------------------- the same promise for Inspektor Gadget records


def _ig_capture(pods, outside, lines) -> bytes:
    """Each start as Inspektor Gadget records it: OUTGOING on the source pod, HOST on the destination pod."""
    import json

    def local(i: int) -> dict:
        ref, ep, labels = pods[i]
        return {
            "type": "normal",
            "namespace": ref.split("/")[0],
            "pod": ep["endpoint"]["pod_name"],
            "podLabels": {**labels, "pod-template-hash": "6d4cf56db6"},
            "podIP": ep["ip"],
        }

    def remote(end) -> dict:
        if end[0] == "out":
            return {"remoteKind": "other", "remoteOther": outside[end[1]][0]}
        ref, ep, labels = pods[end[1]]
        return {
            "remoteKind": "pod",
            "remotePodNamespace": ref.split("/")[0],
            "remotePodName": ep["endpoint"]["pod_name"],
            "remotePodLabels": {**labels, "pod-template-hash": "6d4cf56db6"},
        }

    records = []
    for src, dst, protocol, port, kind in lines:
        if protocol == "SCTP":
            continue  # Inspektor Gadget traces TCP and UDP
        if kind == "dns" and src[0] == "pod":
            records.append(
                {
                    **local(src[1]),
                    "pktType": "OUTGOING",
                    "proto": "udp",
                    "port": 53,
                    "remoteKind": "svc",
                    "remoteServiceNamespace": "kube-system",
                    "remoteServiceName": "kube-dns",
                }
            )
        if kind != "start":
            continue
        if src[0] == "pod":
            records.append(
                {**local(src[1]), "pktType": "OUTGOING", "proto": protocol.lower(), "port": port, **remote(dst)}
            )
        if dst[0] == "pod":
            records.append({**local(dst[1]), "pktType": "HOST", "proto": protocol.lower(), "port": port, **remote(src)})
    return b"".join(json.dumps(r).encode() + b"\n" for r in records)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(clusters())
def test_ig_records_keep_the_same_promise_by_the_analyzer(cluster):
    pods, outside, lines = cluster
    lines = [line for line in lines if line[2] != "SCTP"]
    no_names = [(address, "", ep) for address, _, ep in outside]
    t = traffic.read(io.BytesIO(_ig_capture(pods, outside, lines)), "ig")
    graph = traffic_design.plan(t).graph()
    policies = compile_design(graph)
    observed = _observed(pods, no_names, lines)
    hosts = [
        (ref, analyze.Host(namespace=ref.split("/")[0], labels=labels, namespace_labels=_ns_labels(ref), name=ref))
        for ref, _, labels in _seen(pods, lines)
    ]
    hosts += [(address, analyze.Host.outside(address)) for address, _, _ in outside]
    for (a, ha), (b, hb) in itertools.permutations(hosts, 2):
        if not ha.is_pod and not hb.is_pod:
            continue
        for protocol, port in PROBES:
            allowed = analyze.connection(policies, ha, hb, protocol, port).allowed
            assert allowed == _expected(pods, no_names, observed, a, b, protocol, port), (a, b, protocol, port)
