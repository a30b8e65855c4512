"""A design → a netassert v2 test file: proof, after applying the policies, that the cluster does what the design says.

netassert (github.com/controlplaneio/netassert, v2) runs each test from an ephemeral container in the source
pod: ``exitCode: 0`` means the connection must succeed, ``1`` that it must fail.  Per drawn flow between pods
(and from pods to an IP-range external, as a ``host`` test, TCP only) one must-connect test per port, then
must-fail tests for the nearest misses the design refuses, chosen with the analyzer's rules (the truth of the
NetworkPolicy export): the same pods on the nearest port the flow does not open, and once per source a
neighbour workload (same namespace first) on the same port.  A namespace endpoint stands for every pod of
it: its first drawn workload (by name) is tested for it.

What netassert cannot test gets no test and a finding: SCTP (it speaks TCP and UDP), UDP to a host, and
DNS-name externals.  Named ports are resolved on the destination; a range is tested at both ends; a flow on
every port at the destination's declared ports (else TCP 80).  A test names a workload by the kind it was
imported as (Deployment, StatefulSet, DaemonSet, Pod); a drawn one is a ``deployment``,
and a Job, CronJob or ReplicaSet gets no test and a finding.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any

from . import analyze
from .lint import Finding
from .model import Endpoint, Flow, Graph, Policy, Port, Workload

TIMEOUT_SECONDS = 10
ATTEMPTS = 3
KIND = "deployment"  # a drawn workload, or one whose kind the design does not know
KINDS = {"Deployment": "deployment", "StatefulSet": "statefulset", "DaemonSet": "daemonset", "Pod": "pod", "": KIND}
PROTOCOLS = ("TCP", "UDP")
NEAR = (1, -1, 2, -2, 10, 100, 1000)  # port offsets tried for a must-fail test, nearest first
NEIGHBOURS_TRIED = 8  # workloads tried for a must-fail test to a neighbour

NETASSERT_SCTP = "netassert-sctp-untested"
NETASSERT_DNS_NAME = "netassert-dns-name-untested"
NETASSERT_UDP_HOST = "netassert-udp-host-untested"
NETASSERT_KIND = "netassert-kind-untested"


@dataclass(frozen=True)
class Plan:
    tests: list[dict[str, Any]]
    findings: list[Finding]


def plan(graph: Graph, policies: list[Policy]) -> Plan:
    builder = _Builder(graph, policies)
    for flow in sorted(graph.flows, key=Flow.sort_key):
        builder.flow(flow)
    return Plan(builder.tests, sorted(set(builder.findings), key=Finding.sort_key))


def _pods(graph: Graph, endpoint: Endpoint) -> list[Workload]:
    if endpoint.kind == "workload":
        workload = graph.workload(endpoint.ref)
        return [] if workload is None else [workload]
    if endpoint.kind == "namespace":  # every pod of it: its first drawn workload stands for them
        return sorted(graph.workloads_in(endpoint.ref), key=lambda w: w.ref)[:1]
    return []


def _resource(workload: Workload) -> dict[str, Any]:
    return {"k8sResource": {"kind": KINDS[workload.kind], "name": workload.name, "namespace": workload.namespace}}


def host_address(cidr: str, except_: tuple[str, ...]) -> str | None:
    """An address of ``cidr`` outside its excepts to test against (a well-known resolver for the whole internet)."""
    network = ipaddress.ip_network(cidr, strict=False)
    if network.prefixlen == 0:
        return "1.1.1.1" if network.version == 4 else "2606:4700:4700::1111"
    excluded = [ipaddress.ip_network(e, strict=False) for e in except_]
    address = network.network_address + (1 if network.num_addresses > 2 else 0)
    for _ in range(len(excluded) + 1):  # past each except that holds the address, at most once each
        inside = next((e for e in excluded if address in e), None)
        if inside is None:
            return str(address) if address in network else None
        if int(inside.broadcast_address) >= int(network.broadcast_address):  # one IP version: `address in` it
            return None  # the excepts cover the rest of the range
        address = inside.broadcast_address + 1
    return None


class _Builder:
    def __init__(self, graph: Graph, policies: list[Policy]):
        self.graph, self.policies = graph, policies
        self.tests: list[dict[str, Any]] = []
        self.findings: list[Finding] = []
        self._names: set[str] = set()
        self._seen: set[tuple[str, str, str, int]] = set()
        self._hosts: dict[str, analyze.Host] = {}
        self._by_namespace: dict[str, list[Policy]] = {}
        self._selecting: dict[tuple[str, str], list[Policy]] = {}
        self._neighbours_of: set[str] = set()  # sources that already have a neighbour must-fail test
        self._order: dict[str, list[Workload]] = {}
        self._addresses: dict[str, str] = {}  # per external: the address its host tests use ("" none)
        for policy in policies:  # a policy selects pods of its own namespace only
            self._by_namespace.setdefault(policy.namespace, []).append(policy)

    def host(self, workload: Workload) -> analyze.Host:
        found = self._hosts.get(workload.ref)
        if found is None:
            found = self._hosts[workload.ref] = analyze.Host.of_workload(self.graph, workload)
        return found

    def _side(self, pod: analyze.Host, direction: str, other: analyze.Host, protocol: str, port: int) -> bool:
        """One side, as ``analyze.side_verdict`` decides it, with the selecting policies kept per pod (a policy
        selects pods of its own namespace only) and the first allowing rule ending the search."""
        if not pod.is_pod:
            return True
        key = (pod.name, direction)
        selecting = self._selecting.get(key)
        if selecting is None:
            candidates = self._by_namespace.get(pod.namespace or "", [])
            selecting = self._selecting[key] = analyze.selecting_policies(candidates, pod, direction)
        if not selecting:
            return True
        ports = other.ports if direction == "egress" else pod.ports
        return any(
            analyze.rule_allows(rule, policy.namespace, other, protocol, port, ports)
            for policy in selecting
            for rule in (policy.egress if direction == "egress" else policy.ingress)
        )

    def allowed(self, source: Workload, destination: analyze.Host, protocol: str, port: int) -> bool:
        """What the NetworkPolicy export decides: both sides allow."""
        src = self.host(source)
        return self._side(src, "egress", destination, protocol, port) and self._side(
            destination, "ingress", src, protocol, port
        )

    def add(
        self, source: Workload, dst: dict[str, Any], dst_name: str, protocol: str, port: int, exit_code: int
    ) -> None:
        key = (source.ref, dst_name, protocol, port)
        if key in self._seen:
            return
        self._seen.add(key)
        base = f"{source.namespace}-{source.name}-to-{dst_name}-{protocol.lower()}-{port}"
        base = base.replace("/", "-").replace(":", "-").replace(".", "-") + ("" if exit_code == 0 else "-refused")
        name, suffix = base, 2
        while name in self._names:
            name, suffix = f"{base}-{suffix}", suffix + 1
        self._names.add(name)
        self.tests.append(
            {
                "name": name,
                "type": "k8s",
                "protocol": protocol.lower(),
                "targetPort": port,
                "timeoutSeconds": TIMEOUT_SECONDS,
                "attempts": ATTEMPTS,
                "exitCode": exit_code,
                "src": _resource(source),
                "dst": {kind: dict(value) for kind, value in dst.items()},  # its own objects: no YAML aliases
            }
        )

    def note(self, code: str, flow: Flow, message: str) -> None:
        self.findings.append(Finding(code, "warning", message, flow.ref))

    def testable(self, flow: Flow, workloads: list[Workload]) -> list[Workload]:
        """The workloads netassert can run a test in or against (not a Job, CronJob or ReplicaSet)."""
        out = []
        for workload in workloads:
            if workload.kind in KINDS:
                out.append(workload)
            else:
                self.note(
                    NETASSERT_KIND,
                    flow,
                    f"{workload.ref} is a {workload.kind}, which netassert does not test (it takes deployment, "
                    f"statefulset, daemonset and pod): flow {flow.ref} gets no test with it.",
                )
        return out

    def flow(self, flow: Flow) -> None:
        sources = self.testable(flow, _pods(self.graph, flow.source))
        if flow.destination.kind == "external":
            external = self.graph.external(flow.destination.ref)
            if external is None:
                return
            if external.fqdn:
                self.note(
                    NETASSERT_DNS_NAME,
                    flow,
                    f"Flow {flow.ref} goes to a DNS name: the netassert export has no test for it (a NetworkPolicy "
                    f"does not open it; test it by hand after applying the Cilium export).",
                )
                return
            address = self._addresses.get(external.name)
            if address is None:
                address = self._addresses[external.name] = host_address(external.cidr, external.except_) or ""
            for source in sources:
                self.host_flow(flow, source, address or None)
            return
        for source in sources:
            for destination in self.testable(flow, _pods(self.graph, flow.destination)):
                if destination.ref != source.ref:
                    self.pod_flow(flow, source, destination)

    def _checked_ports(self, flow: Flow, ports: list[tuple[str, int]]) -> list[tuple[str, int]]:
        if any(p[0] == "SCTP" for p in ports):
            self.note(
                NETASSERT_SCTP,
                flow,
                f"Flow {flow.ref} has SCTP ports: netassert tests only TCP and UDP, so they get no test.",
            )
        return [p for p in ports if p[0] in PROTOCOLS]

    def pod_flow(self, flow: Flow, source: Workload, destination: Workload) -> None:
        dst = _resource(destination)
        dst_host = self.host(destination)
        ports = self._checked_ports(flow, _test_ports(flow.ports, destination))
        for protocol, port in ports:
            if self.allowed(source, dst_host, protocol, port):
                self.add(source, dst, destination.ref, protocol, port, 0)
        if not ports:
            return
        protocol, port = ports[0]
        near = next(
            (port + d for d in NEAR if 0 < port + d < 65536 and not self.allowed(source, dst_host, protocol, port + d)),
            None,
        )
        if near is not None:
            self.add(source, dst, destination.ref, protocol, near, 1)
        if source.ref in self._neighbours_of:  # one neighbour miss per source is enough
            return
        neighbour = next(
            (
                w
                for w in self._neighbours(destination.namespace)[:NEIGHBOURS_TRIED]
                if w.ref not in (source.ref, destination.ref)
                and w.kind in KINDS
                and not self.allowed(source, self.host(w), protocol, port)
            ),
            None,
        )
        if neighbour is not None:
            self._neighbours_of.add(source.ref)
            self.add(source, _resource(neighbour), neighbour.ref, protocol, port, 1)

    def _neighbours(self, namespace: str) -> list[Workload]:
        """Workloads to try as a refused neighbour: those of ``namespace`` first, then the others, by name."""
        found = self._order.get(namespace)
        if found is None:
            found = self._order[namespace] = sorted(
                self.graph.workloads, key=lambda w: (w.namespace != namespace, w.ref)
            )[: NEIGHBOURS_TRIED + 2]
        return found

    def host_flow(self, flow: Flow, source: Workload, address: str | None) -> None:
        if address is None:
            return
        dst = {"host": {"name": address}}
        outside = analyze.Host.outside(address)
        ports = self._checked_ports(flow, _test_ports(flow.ports, None))
        if any(p[0] == "UDP" for p in ports):
            self.note(
                NETASSERT_UDP_HOST,
                flow,
                f"Flow {flow.ref} has UDP ports to an address outside the cluster: netassert tests hosts over TCP "
                f"only, so they get no test.",
            )
        ports = [p for p in ports if p[0] == "TCP"]
        for protocol, port in ports:
            if self.allowed(source, outside, protocol, port):
                self.add(source, dst, address, protocol, port, 0)
        if ports:
            protocol, port = ports[0]
            near = next(
                (
                    port + d
                    for d in NEAR
                    if 0 < port + d < 65536 and not self.allowed(source, outside, protocol, port + d)
                ),
                None,
            )
            if near is not None:
                self.add(source, dst, address, protocol, near, 1)


def _test_ports(ports: tuple[Port, ...], destination: Workload | None) -> list[tuple[str, int]]:
    """The (protocol, number) pairs to test for a flow's ports towards ``destination``."""
    if not ports:
        declared = [(p.protocol, p.port) for p in destination.ports] if destination is not None else []
        return sorted(set(declared)) or [("TCP", 80)]
    out: list[tuple[str, int]] = []
    for port in ports:
        if port.port is None:
            out.append((port.protocol, 80))
        elif isinstance(port.port, str):
            named = destination.named_port(port.port) if destination is not None else None
            if named is not None and named.protocol == port.protocol:
                out.append((port.protocol, named.port))
        else:
            out.append((port.protocol, port.port))
            if port.end_port is not None and port.end_port != port.port:
                out.append((port.protocol, port.end_port))
    return list(dict.fromkeys(out))
