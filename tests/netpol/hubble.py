"""Hand-made ``hubble observe -o json`` lines, spelled as flow.proto prints through protojson (the proto's
own field names: ``IP``, ``l4.TCP.flags.SYN``, ``is_reply``, ``Type``, ``source.workloads[].name``...)."""

from __future__ import annotations

import json
import zlib

CILIUM_NOISE = (
    "k8s:io.cilium.k8s.policy.cluster=default",
    "k8s:io.kubernetes.pod.namespace={ns}",
    "k8s:io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name={ns}",
)


def pod(ns: str, name: str, labels: dict, *, ip: str = "10.0.0.10", pod_name: str = "", workload: bool = True) -> dict:
    """A pod endpoint as Hubble reports it, with Cilium's own labels and a pod-template-hash."""
    pod_name = pod_name or f"{name}-6d4cf56db6-x2x7q"
    found = [f"k8s:{k}={v}" for k, v in sorted(labels.items())]
    found += [n.format(ns=ns) for n in CILIUM_NOISE] + ["k8s:pod-template-hash=6d4cf56db6"]
    found.append(f"k8s:io.cilium.k8s.policy.serviceaccount={name}")
    identity = 40000 + zlib.crc32("\n".join(sorted(found)).encode()) % 20000  # Cilium: one identity per label set
    ep = {"ID": 1201, "identity": identity, "namespace": ns, "labels": sorted(found), "pod_name": pod_name}
    if workload:
        ep["workloads"] = [{"name": name, "kind": "Deployment"}]
    return {"endpoint": ep, "ip": ip}


def world(ip: str, v6: bool = False) -> dict:
    return {"endpoint": {"identity": 2, "labels": ["reserved:world-ipv6" if v6 else "reserved:world"]}, "ip": ip}


def reserved(kind: str, ip: str = "172.18.0.2") -> dict:
    identities = {"host": 1, "remote-node": 6, "kube-apiserver": 7, "health": 4}
    return {"endpoint": {"identity": identities.get(kind, 3), "labels": [f"reserved:{kind}"]}, "ip": ip}


def flow(
    src: dict,
    dst: dict,
    port: int,
    protocol: str = "TCP",
    *,
    verdict: str = "FORWARDED",
    syn: bool = True,
    ack: bool = False,
    reply: bool | None = None,
    names: tuple[str, ...] = (),
    event_type: int = 4,
    l7: bool = False,
    source_port: int = 48512,
) -> dict:
    if protocol in ("ICMPv4", "ICMPv6"):
        l4 = {protocol: {"type": 8}}
    else:
        header: dict = {"source_port": source_port, "destination_port": port}
        if protocol == "TCP":
            flags = {k: True for k, on in (("SYN", syn), ("ACK", ack)) if on}
            if flags:
                header["flags"] = flags
        l4 = {protocol: header}
    body: dict = {
        "time": "2026-11-29T10:00:00.123456789Z",
        "uuid": "0b4c6c6e-5a43-4b7c-9e1e-0e0d5d4c3b2a",
        "verdict": verdict,
        "ethernet": {"source": "5a:28:6d:1c:0e:21", "destination": "ce:7e:2a:35:9a:10"},
        "IP": {"source": src["ip"], "destination": dst["ip"], "ipVersion": "IPv6" if ":" in src["ip"] else "IPv4"},
        "l4": l4,
        "source": src["endpoint"],
        "destination": dst["endpoint"],
        "Type": "L7" if l7 else "L3_L4",
        "node_name": "kind-worker",
        "event_type": {"type": event_type, "sub_type": 3},
        "traffic_direction": "EGRESS",
        "trace_observation_point": "TO_STACK",
        "interface": {"index": 12, "name": "lxc8e2c1d3d2f1a"},
        "Summary": "TCP Flags: SYN",
    }
    if verdict == "DROPPED":
        body["drop_reason"] = 133
        body["drop_reason_desc"] = "POLICY_DENIED"
    if reply is not None:
        body["is_reply"] = reply
    if names:
        body["destination_names"] = list(names)
    if l7:
        body["l7"] = {"type": "REQUEST", "http": {"method": "GET", "url": "http://api/"}}
    return {"flow": body, "node_name": "kind-worker", "time": body["time"]}


def body(*flows: dict) -> bytes:
    return b"".join(json.dumps(f).encode() + b"\n" for f in flows)
