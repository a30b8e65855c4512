"""Observed connections (``traffic.Traffic``) → the parts of a new design, and the promise it keeps.

A pod endpoint becomes the workload ``<namespace>/<name>`` with the labels all of its observed pods
share (noise labels left out); a workload whose pods share no label stands as its whole namespace (an
empty selector is what its pods have in common).  An address outside the cluster becomes an external:
per DNS name where the flow had one (the default, as the contract says), else per address (``/32``,
``/128``), or grouped per ``/24`` (``/64`` for IPv6).  UDP and TCP 53 to pods in ``kube-system`` is the
design's DNS rule, not drawn, and such DNS servers never become workloads.  Each (source, destination)
pair is one flow with every observed (protocol, port).

The promise: the design's NetworkPolicy export allows every used connection (both sides; flows to a
DNS-name external aside, which only the Cilium export can express) and draws nothing that was not
observed.  Connections a design cannot draw (a workload talking to itself, a DNS server's own traffic)
are reported as skipped with their first line, and not counted as used.
"""

from __future__ import annotations

import ipaddress
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from . import model as nm
from .traffic import Endpoint as Observed
from .traffic import Outside, Pod, Traffic, dns_label

GROUPS = ("dns", "address", "subnet")
GROUP_HELP = {
    "dns": "per DNS name where the flow had one, else per address",
    "address": "per address (/32, /128)",
    "subnet": "per /24 (IPv6: /64)",
}
ERR_GROUP = "Unknown grouping '{group}': use one of {known}."
DNS_PORT_PROTOCOLS = ("UDP", "TCP")


def _is_dns(destination: Observed, protocol: str, port: int) -> bool:
    return (
        isinstance(destination, Pod)
        and destination.namespace == nm.DNS_NAMESPACE
        and port == nm.DNS_PORT
        and protocol in DNS_PORT_PROTOCOLS
    )


@dataclass
class Plan:
    """A design to create, as plain data (the shapes of a design snapshot), with what the preview says."""

    flows_seen: int
    used: int
    dropped: int
    skipped: list[dict[str, Any]]
    namespaces: list[dict[str, Any]] = field(default_factory=list)
    workloads: list[dict[str, Any]] = field(default_factory=list)
    externals: list[dict[str, Any]] = field(default_factory=list)
    flows: list[dict[str, Any]] = field(default_factory=list)

    @property
    def connections(self) -> int:
        return len(self.flows)

    @property
    def to_outside(self) -> int:
        return sum(1 for f in self.flows if "external" in f["destination"])

    def answer(self) -> dict[str, Any]:
        """The contract's counts (without the id)."""
        return {
            "flows": self.flows_seen,
            "used": self.used,
            "dropped": self.dropped,
            "connections": self.connections,
            "skipped": self.skipped,
        }

    def snapshot(self, name: str, description: str) -> dict[str, Any]:
        """What ``services.design_restore`` takes: a least-privilege design with the DNS rule on."""
        return {
            "settings": {
                "name": name,
                "description": description,
                "isolate_ingress": True,
                "isolate_egress": True,
                "dns": True,
            },
            "namespaces": self.namespaces,
            "workloads": self.workloads,
            "externals": self.externals,
            "flows": self.flows,
            "policies": [],
        }

    def graph(self) -> nm.Graph:
        return nm.Graph(
            namespaces=tuple(nm.Namespace(n["name"], tuple(sorted(n["labels"].items()))) for n in self.namespaces),
            workloads=tuple(
                nm.Workload(w["namespace"], w["name"], tuple(sorted(w["labels"].items()))) for w in self.workloads
            ),
            externals=tuple(nm.External(e["name"], e["cidr"], (), e["fqdn"]) for e in self.externals),
            flows=tuple(
                nm.Flow(
                    nm.Endpoint(*next(iter(f["source"].items()))),
                    nm.Endpoint(*next(iter(f["destination"].items()))),
                    tuple(nm.Port(p["protocol"], p["port"]) for p in f["ports"]),
                )
                for f in self.flows
            ),
        )


class _Names:
    """Unique external names: the first taker keeps a name, later ones get -2, -3 …"""

    def __init__(self) -> None:
        self.by_value: dict[tuple[str, str], str] = {}
        self.taken: set[str] = set()

    def name(self, value: tuple[str, str], wanted: str) -> str:
        found = self.by_value.get(value)
        if found is None:
            found, n = wanted, 2
            while found in self.taken:
                suffix = f"-{n}"
                found, n = wanted[: 63 - len(suffix)].rstrip("-") + suffix, n + 1
            self.taken.add(found)
            self.by_value[value] = found
        return found


def _outside_external(outside: Outside, group: str) -> tuple[tuple[str, str], str, str, str]:
    """(identity, wanted name, cidr, fqdn) of the external an outside address belongs to."""
    if group == "dns" and outside.fqdn:
        return ("fqdn", outside.fqdn), dns_label(outside.fqdn.replace("*", "any")), "", outside.fqdn
    address = ipaddress.ip_address(outside.address)
    if group == "subnet":
        network = ipaddress.ip_network(f"{address}/{24 if address.version == 4 else 64}", strict=False)
        cidr = str(network)
        if address.version == 4:
            wanted = "net-" + str(network.network_address).replace(".", "-") + "-24"
        else:
            wanted = "net6-" + "-".join(network.network_address.exploded.split(":")[:4]) + "-64"
        return ("cidr", cidr), wanted, cidr, ""
    cidr = f"{address}/{32 if address.version == 4 else 128}"
    wanted = (
        "ip-" + str(address).replace(".", "-") if address.version == 4 else "ip6-" + address.exploded.replace(":", "-")
    )
    return ("cidr", cidr), wanted, cidr, ""


def plan(traffic: Traffic, group: str = "dns") -> Plan:
    """The design that ``traffic`` shows: see the module's docstring."""
    if group not in GROUPS:
        raise ValueError(ERR_GROUP.format(group=group, known=", ".join(GROUPS)))
    endpoints = traffic.endpoints
    dns_servers = {
        endpoints[d].ref for (_, d, protocol, port) in traffic.connections if _is_dns(endpoints[d], protocol, port)
    }
    # labels every observed pod of a workload shares; namespace labels every report of it shares
    labels: dict[tuple[str, str], dict[str, str]] = {}
    ns_labels: dict[str, dict[str, str]] = {}
    for e in endpoints:
        if not isinstance(e, Pod) or e.ref in dns_servers:
            continue
        mine = e.design_labels()
        key = (e.namespace, e.name)
        labels[key] = mine if key not in labels else {k: v for k, v in labels[key].items() if mine.get(k) == v}
        theirs = {k: v for k, v in e.namespace_labels if k != nm.NAMESPACE_NAME_LABEL}
        had = ns_labels.get(e.namespace)
        ns_labels[e.namespace] = theirs if had is None else {k: v for k, v in had.items() if theirs.get(k) == v}

    names = _Names()
    externals: dict[str, dict[str, Any]] = {}

    def end(e: Observed) -> tuple[str, str]:
        if isinstance(e, Pod):
            return ("workload", e.ref) if labels[(e.namespace, e.name)] else ("namespace", e.namespace)
        value, wanted, cidr, fqdn = _outside_external(e, group)
        name = names.name(value, wanted)
        externals.setdefault(name, {"name": name, "cidr": cidr, "except": [], "fqdn": fqdn})
        return ("external", name)

    ports: dict[tuple[tuple[str, str], tuple[str, str]], set[tuple[str, int]]] = defaultdict(set)
    skipped = [s.as_dict() for s in traffic.skipped]
    undrawn = 0
    for (s, d, protocol, port), (count, first) in traffic.connections.items():
        source, destination = endpoints[s], endpoints[d]
        if _is_dns(destination, protocol, port):
            continue  # the DNS rule
        reason = ""
        server = next((e.ref for e in (source, destination) if isinstance(e, Pod) and e.ref in dns_servers), "")
        if server:
            reason = (
                f"{server} is a DNS server (it receives port 53 in kube-system): DNS servers never become workloads"
            )
        elif not source.is_pod and not destination.is_pod:
            reason = "both ends are outside the cluster: no pod to apply a policy to"
        else:
            src, dst = end(source), end(destination)
            if src == dst:
                reason = f"{src[1]} talks to itself: a design cannot draw a flow from a {src[0]} to itself"
            else:
                ports[(src, dst)].add((protocol, port))
        if reason:
            undrawn += count
            times = f" ({count:,} lines like it)" if count > 1 else ""
            skipped.append(
                {"line": first, "reason": f"{protocol} {port} {source.ref} → {destination.ref}: {reason}{times}"}
            )

    skipped.sort(key=lambda s: s["line"])
    result = Plan(traffic.flows, traffic.used - undrawn, traffic.dropped, skipped[:100])
    # every observed pod's workload (also one without drawn flows: isolated, it keeps its DNS only)
    used_workloads = {f"{ns}/{name}" for (ns, name), mine in labels.items() if mine}
    used_namespaces = {ref.split("/", 1)[0] for ref in used_workloads}
    used_namespaces |= {ref for pair in ports for kind, ref in pair if kind == "namespace"}
    column = {name: i for i, name in enumerate(sorted(used_namespaces))}
    rows: dict[str, int] = defaultdict(int)
    result.namespaces = [{"name": n, "labels": ns_labels.get(n, {})} for n in sorted(used_namespaces)]
    for namespace, name in sorted(k for k in labels if f"{k[0]}/{k[1]}" in used_workloads):
        row = rows[namespace]
        rows[namespace] += 1
        result.workloads.append(
            {
                "namespace": namespace,
                "name": name,
                "labels": labels[(namespace, name)],
                "ports": [],
                "ip": None,
                "x": 120.0 + 280.0 * column[namespace],
                "y": 100.0 + 110.0 * row,
            }
        )
    used_externals = {ref for pair in ports for kind, ref in pair if kind == "external"}
    for row, name in enumerate(sorted(used_externals)):
        result.externals.append({**externals[name], "x": 120.0 + 280.0 * len(column), "y": 100.0 + 110.0 * row})
    for (src, dst), found in sorted(ports.items()):
        result.flows.append(
            {
                "source": {src[0]: src[1]},
                "destination": {dst[0]: dst[1]},
                "ports": [{"protocol": p, "port": n} for p, n in sorted(found)],
            }
        )
    return result
