"""The traffic reader and the design it plans, on hand-made lines that follow flow.proto."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from editor.netpol import traffic, traffic_check, traffic_design
from editor.netpol.compile import compile_design

from .hubble import body, flow, pod, reserved, world

DATA = Path(__file__).parent.parent / "data"
WEB = pod("shop", "web", {"app": "web", "tier": "front"}, ip="10.0.1.5")
API = pod("shop", "api", {"app": "api"}, ip="10.0.1.6")
DB = pod("data", "db", {"app": "db"}, ip="10.0.2.7")
DNS = pod("kube-system", "coredns", {"k8s-app": "kube-dns"}, ip="10.0.0.53")


def read(data: bytes, fmt: str = "hubble") -> traffic.Traffic:
    return traffic.read(io.BytesIO(data), fmt)


def test_a_syn_is_used_and_its_reply_and_later_packets_are_not():
    t = read(
        body(
            flow(WEB, API, 8080),
            flow(API, WEB, 48512, syn=True, ack=True, reply=True),
            flow(WEB, API, 8080, syn=False, ack=True),
        )
    )
    assert (t.flows, t.used, t.dropped, t.skipped) == (3, 1, 0, [])
    ((key, (count, first)),) = t.connections.items()
    assert (t.endpoints[key[0]].ref, t.endpoints[key[1]].ref, key[2], key[3], count, first) == (
        "shop/web",
        "shop/api",
        "TCP",
        8080,
        1,
        1,
    )


def test_udp_and_sctp_lines_are_used_unless_replies():
    t = read(body(flow(WEB, DB, 9000, "UDP"), flow(DB, WEB, 40000, "UDP", reply=True), flow(WEB, DB, 3868, "SCTP")))
    assert t.used == 2
    assert sorted((k[2], k[3]) for k in t.connections) == [("SCTP", 3868), ("UDP", 9000)]


def test_a_policy_verdict_event_counts_as_a_start_without_flags():
    t = read(body(flow(WEB, API, 8080, syn=False, event_type=traffic.POLICY_VERDICT_EVENT)))
    assert t.used == 1


def test_dropped_lines_are_counted_not_used():
    t = read(body(flow(WEB, DB, 5432, verdict="DROPPED"), flow(WEB, DB, 5432, verdict="AUDIT")))
    assert (t.dropped, t.used) == (1, 1)


def test_icmp_l7_and_other_verdicts_never_become_connections():
    t = read(
        body(
            flow(WEB, API, 0, "ICMPv4"),
            flow(WEB, API, 8080, l7=True),
            flow(WEB, API, 8080, verdict="TRACED"),
            flow(WEB, API, 8080, verdict="REDIRECTED"),
        )
    )
    assert (t.flows, t.used, t.connections, t.skipped) == (4, 0, {}, [])


def test_unreadable_lines_are_skipped_with_their_line_number():
    data = b'not json\n\n[1, 2]\n{"lost_events": {"num_events_lost": 3}}\n' + body(flow(WEB, API, 8080))
    t = read(data)
    assert [s.line for s in t.skipped] == [1, 3, 4]
    assert "not JSON" in t.skipped[0].reason and "not a JSON object" in t.skipped[1].reason
    assert "not a flow" in t.skipped[2].reason
    assert (t.flows, t.used) == (4, 1)


def test_a_skip_reason_quoting_the_line_stays_short():
    t = read(b'{"' + b"k" * 5000 + b'": 1}\n')
    assert len(t.skipped[0].reason) <= 300


def test_reserved_endpoints_other_than_world_are_skipped_with_the_reason():
    t = read(body(flow(reserved("host"), API, 8080), flow(API, reserved("kube-apiserver"), 6443)))
    assert [s.reason for s in t.skipped] == [
        "the source is reserved:host, which a NetworkPolicy cannot select: not drawn",
        "the destination is reserved:kube-apiserver, which a NetworkPolicy cannot select: not drawn",
    ]
    assert t.used == 0


def test_at_most_100_skipped_lines_are_kept_but_all_are_counted():
    t = read(b"x\n" * 250)
    assert (len(t.skipped), t.skipped_count, t.skipped[-1].line) == (100, 250, 100)


def test_an_over_long_line_is_skipped_without_being_read_whole():
    data = b'{"flow": "' + b"a" * (traffic.MAX_LINE_BYTES + 10) + b'"}\n' + body(flow(WEB, API, 8080))
    t = traffic.HubbleReader().read(_Chunked(data, 64 * 1024))
    assert [(s.line, "longer than" in s.reason) for s in t.skipped] == [(1, True)]
    assert t.used == 1


def test_the_body_size_limit_is_enforced_while_reading():
    with pytest.raises(traffic.TooLarge):
        traffic.read(io.BytesIO(body(flow(WEB, API, 8080)) * 10), max_bytes=1000)


class _Chunked:
    """A stream that hands out at most ``size`` bytes a read, as a socket does."""

    def __init__(self, data: bytes, size: int):
        self.data, self.size, self.reads = memoryview(data), size, 0

    def read(self, n: int = -1) -> bytes:
        self.reads += 1
        n = min(n, self.size)
        out, self.data = bytes(self.data[:n]), self.data[n:]
        return out


def test_lines_split_across_reads_are_put_together():
    data = body(*(flow(WEB, API, 8080 + i) for i in range(50)))
    t = traffic.HubbleReader().read(_Chunked(data, 97))
    assert (t.flows, t.used, len(t.connections)) == (50, 50, 50)


# ---------------------------------------------------------------- the planned design


def test_labels_are_those_all_pods_share_without_noise():
    web2 = pod("shop", "web", {"app": "web", "tier": "back"}, ip="10.0.1.9", pod_name="web-6d4cf56db6-zzzzz")
    plan = traffic_design.plan(read(body(flow(WEB, API, 8080), flow(web2, API, 8080))))
    web = next(w for w in plan.workloads if w["name"] == "web")
    assert web["labels"] == {"app": "web"}  # tier differs; hashes, io.kubernetes.*, io.cilium.* dropped


def test_the_workload_name_is_the_first_workloads_name_else_the_pod_name():
    bare = pod("shop", "cron", {"app": "cron"}, pod_name="cron-28911450-abcde", workload=False)
    plan = traffic_design.plan(read(body(flow(bare, API, 8080))))
    assert sorted(w["name"] for w in plan.workloads) == ["api", "cron-28911450-abcde"]


def test_dns_to_kube_system_is_the_dns_rule_and_dns_servers_never_become_workloads():
    t = read(body(flow(WEB, DNS, 53, "UDP"), flow(WEB, DNS, 53, "TCP"), flow(DNS, world("8.8.8.8"), 53, "UDP")))
    plan = traffic_design.plan(t)
    assert plan.flows == []
    assert [w["name"] for w in plan.workloads] == ["web"]  # isolated, with its DNS; coredns is no workload
    assert plan.used == 2  # coredns's own upstream query cannot be drawn: skipped
    assert "kube-system/coredns is a DNS server" in plan.skipped[0]["reason"]


def test_world_destinations_become_dns_name_externals_or_single_addresses():
    t = read(
        body(
            flow(API, world("52.1.2.3"), 443, names=("api.stripe.com",)),
            flow(API, world("52.1.2.4"), 443),
            flow(world("2001:db8::7", v6=True), WEB, 443),
        )
    )
    plan = traffic_design.plan(t)
    assert plan.externals == [
        {"name": "api-stripe-com", "cidr": "", "except": [], "fqdn": "api.stripe.com", "x": 400.0, "y": 100.0},
        {"name": "ip-52-1-2-4", "cidr": "52.1.2.4/32", "except": [], "fqdn": "", "x": 400.0, "y": 210.0},
        {
            "name": "ip6-2001-0db8-0000-0000-0000-0000-0000-0007",
            "cidr": "2001:db8::7/128",
            "except": [],
            "fqdn": "",
            "x": 400.0,
            "y": 320.0,
        },
    ]
    assert traffic_design.plan(t, "subnet").externals[0]["cidr"] == "52.1.2.0/24"
    assert {e["cidr"] for e in traffic_design.plan(t, "address").externals} == {
        "52.1.2.3/32",
        "52.1.2.4/32",
        "2001:db8::7/128",
    }


def test_ports_are_the_pods_and_one_flow_per_pair_holds_them_all():
    plan = traffic_design.plan(read(body(flow(WEB, API, 8080), flow(WEB, API, 9090), flow(WEB, API, 8080))))
    assert plan.flows == [
        {
            "source": {"workload": "shop/web"},
            "destination": {"workload": "shop/api"},
            "ports": [{"protocol": "TCP", "port": 8080}, {"protocol": "TCP", "port": 9090}],
        }
    ]
    assert plan.answer() == {"flows": 3, "used": 3, "dropped": 0, "connections": 1, "skipped": []}


def test_a_workload_talking_to_itself_is_skipped_not_drawn():
    other = pod("shop", "web", {"app": "web"}, ip="10.0.1.8", pod_name="web-6d4cf56db6-other")
    plan = traffic_design.plan(read(body(flow(WEB, other, 7946), flow(WEB, other, 7946))))
    assert plan.flows == [] and plan.used == 0
    assert plan.skipped == [
        {
            "line": 1,
            "reason": "TCP 7946 shop/web → shop/web: shop/web talks to itself: a design cannot draw a flow "
            "from a workload to itself (2 lines like it)",
        }
    ]


def test_the_export_allows_every_used_connection_of_the_sample_file():
    t = traffic.read((DATA / "hubble-sample.jsonl").open("rb"))
    plan = traffic_design.plan(t)
    graph = plan.graph()
    result = traffic_check.check(t, graph, compile_design(graph))
    fqdn_lines = sum(c for (s, d, *_), (c, _) in t.connections.items() if getattr(t.endpoints[d], "fqdn", ""))
    assert result.checked == t.used and result.allowed == t.used - fqdn_lines
    assert plan.answer()["connections"] == len(plan.flows) > 0


def test_check_groups_denied_connections_most_frequent_first_with_both_sides():
    t = read(body(flow(WEB, API, 8080), flow(WEB, DB, 5432), flow(WEB, DB, 5432), flow(API, DB, 5432)))
    graph = traffic_design.plan(read(body(flow(WEB, API, 8080)))).graph()
    result = traffic_check.check(t, graph, compile_design(graph))
    assert (result.flows, result.checked, result.allowed) == (4, 4, 1)
    first = result.denied[0].as_dict()
    assert first == {
        "from": "shop/web",
        "to": "data/db",
        "port": 5432,
        "protocol": "TCP",
        "count": 2,
        "egress": {"allowed": False, "policies": ["shop/web"]},
        "ingress": {"allowed": True, "policies": []},
    }
    assert [d.count for d in result.denied] == [2, 1]
    assert "no egress rule allows TCP 5432" in result.denied[0].egress_text


def test_check_judges_observed_labels_not_names():
    # the design's api workload selects app=api; a pod named api with other labels is not selected by it
    renamed = pod("shop", "api", {"app": "api-v2"}, ip="10.0.1.66")
    graph = traffic_design.plan(read(body(flow(WEB, API, 8080)))).graph()
    result = traffic_check.check(read(body(flow(WEB, renamed, 8080))), graph, compile_design(graph))
    (denied,) = result.denied
    assert denied.egress.allowed is False and denied.ingress.policies == ()


# ---------------------------------------------------------------- Inspektor Gadget


def _ig(**fields) -> dict:
    base = {"type": "normal", "node": "minikube", "namespace": "demo", "pod": "frontend-788f7bdc86-q56rw"}
    base["podLabels"] = {"app": "frontend", "pod-template-hash": "788f7bdc86"}
    return {**base, **fields}


def test_ig_records_become_the_same_connections():
    lines = [
        _ig(
            pktType="OUTGOING",
            proto="tcp",
            port=7070,
            remoteKind="pod",
            remotePodNamespace="demo",
            remotePodName="cartservice-579bdd6865-2wcbk",
            remotePodLabels={"app": "cartservice", "pod-template-hash": "579bdd6865"},
        ),
        _ig(
            pktType="OUTGOING",
            proto="udp",
            port=53,
            remoteKind="svc",
            remoteServiceNamespace="kube-system",
            remoteServiceName="kube-dns",
        ),
        _ig(
            pktType="OUTGOING",
            proto="tcp",
            port=80,
            remoteKind="svc",
            remoteServiceNamespace="demo",
            remoteServiceName="cart",
        ),
        _ig(pktType="OUTGOING", proto="tcp", port=443, remoteKind="other", remoteOther="1.1.1.1"),
        _ig(pktType="HOST", proto="tcp", port=8080, remoteKind="other", remoteOther="10.0.0.1", podHostIP="10.0.0.1"),
        {"type": "debug", "message": "tracer attached", "node": "minikube"},
    ]
    t = read(b"".join(json.dumps(x).encode() + b"\n" for x in lines), "ig")
    assert (t.flows, t.used, t.dropped) == (6, 3, 0)
    assert [s.line for s in t.skipped] == [3, 5, 6]
    assert "Service demo/cart on its port 80" in t.skipped[0].reason
    plan = traffic_design.plan(t)
    assert [f["destination"] for f in plan.flows] == [{"external": "ip-1-1-1-1"}, {"workload": "demo/cartservice"}]
    assert {w["name"]: w["labels"] for w in plan.workloads} == {
        "cartservice": {"app": "cartservice"},
        "frontend": {"app": "frontend"},
    }


def test_ig_workload_names_drop_controller_suffixes():
    assert traffic.workload_name("web-6d4cf56db6-x2x7q", {"pod-template-hash": "6d4cf56db6"}) == "web"
    assert traffic.workload_name("fluentd-abcde", {"controller-revision-hash": "1"}) == "fluentd"
    sts = {"controller-revision-hash": "db-7f", "statefulset.kubernetes.io/pod-name": "db-12"}
    assert traffic.workload_name("db-12", sts) == "db"
