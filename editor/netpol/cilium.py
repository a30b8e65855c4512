"""NetworkPolicy objects → ``cilium.io/v2`` CiliumNetworkPolicy manifests with the same connectivity.

Each NetworkPolicy becomes one CiliumNetworkPolicy of the same name (the one conversion, like render.py spells
Kubernetes' keys, this module spells Cilium's), and every source of a DNS-name flow gets one more, which
allows the names with ``toFQDNs``.  What keeps the meaning (read Cilium's policy language docs and
pkg/k8s/network_policy.go, Cilium's own NetworkPolicy translation):

- Selected pods: ``endpointSelector`` with the pod labels (``k8s:`` source) and the policy's namespace
  (``k8s:io.kubernetes.pod.namespace``).  A direction the NetworkPolicy isolates without rules becomes
  ``[{}]``: Cilium enters default deny for a direction when a rule selecting the endpoint has that section,
  and the empty rule allows nothing.  A direction it does not isolate is left out.
- Peers: one kind of peer per Cilium rule (``toEndpoints`` and ``toCIDRSet`` may not share one), so a
  NetworkPolicy rule that mixes pods and IP blocks is split, the ports copied to each part; a rule
  without peers (every peer) is ``toEntities: [all]``.  Pods in the policy's namespace are pinned with
  the namespace label; namespace selectors become ``k8s:io.cilium.k8s.namespace.labels.<key>`` (the
  namespace's name label becomes the pod namespace label), always with ``io.kubernetes.pod.namespace``
  present, so that a selector of only ``NotIn``/``DoesNotExist`` cannot match the world or the host.
- IP blocks are ``toCIDRSet``/``fromCIDRSet`` with ``except``; Cilium's CIDR rules never match pod IPs
  (the contract compares pods by identity and addresses outside the cluster).
- Ports: a number as a string, a named port as its name, every port of a protocol as ``"0"``, a range with
  ``endPort`` (enforced from Cilium 1.16 on); at most 40 ports per ``toPorts`` item (the CRD's limit).
- DNS names: ``toFQDNs`` (``matchName``, or ``matchPattern`` for ``*.`` names) with the flow's ports, and
  the rule Cilium needs to learn the names' addresses: port 53, protocol ANY, to kube-dns with a DNS rule
  that lets every query through its proxy.  That policy sets ``enableDefaultDeny`` off (Cilium 1.15+), so
  it only adds: pods the NetworkPolicies leave open stay open.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from .compile import NAMESPACE_POLICY_NAME
from .model import (
    DNS_NAMESPACE,
    DNS_PORT,
    NAMESPACE_NAME_LABEL,
    Endpoint,
    Graph,
    LabelSelector,
    Peer,
    Policy,
    Port,
    Requirement,
    Rule,
)
from .render import MANAGED_BY

API_VERSION = "cilium.io/v2"
KIND = "CiliumNetworkPolicy"
LABEL_SOURCE = "k8s:"
POD_NAMESPACE = "k8s:io.kubernetes.pod.namespace"
NAMESPACE_LABELS = "k8s:io.cilium.k8s.namespace.labels."
KUBE_DNS_LABELS = {"k8s:k8s-app": "kube-dns", POD_NAMESPACE: DNS_NAMESPACE}
MAX_PORTS = 40  # per toPorts item: the CRD's maxItems
FQDN_SUFFIX = "-fqdn"


def manifests(graph: Graph, policies: list[Policy]) -> list[dict[str, Any]]:
    """The CiliumNetworkPolicies of a design: its NetworkPolicies converted, and one per DNS-name source."""
    out = [policy_manifest(p) for p in policies if p.ingress_isolated or p.egress_isolated]
    taken = {(p.namespace, p.name) for p in policies}
    out += fqdn_manifests(graph, taken)
    return sorted(out, key=lambda m: (m["metadata"]["namespace"], m["metadata"]["name"]))


def _metadata(name: str, namespace: str) -> dict[str, Any]:
    return {"name": name, "namespace": namespace, "labels": dict(MANAGED_BY)}


def policy_manifest(policy: Policy) -> dict[str, Any]:
    spec: dict[str, Any] = {"endpointSelector": endpoint_selector(policy.pod_selector, policy.namespace)}
    if policy.ingress_isolated:
        spec["ingress"] = [r for rule in policy.ingress for r in rules(rule, policy.namespace, "from")] or [{}]
    if policy.egress_isolated:
        spec["egress"] = [r for rule in policy.egress for r in rules(rule, policy.namespace, "to")] or [{}]
    return {"apiVersion": API_VERSION, "kind": KIND, "metadata": _metadata(policy.name, policy.namespace), "spec": spec}


# ---------------------------------------------------------------- selectors


def _expression(key: str, requirement: Requirement) -> dict[str, Any]:
    out: dict[str, Any] = {"key": key, "operator": requirement.operator}
    if requirement.values:
        out["values"] = list(requirement.values)
    return out


def _selector(labels: dict[str, str], expressions: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if labels:
        out["matchLabels"] = dict(sorted(labels.items()))
    if expressions:
        out["matchExpressions"] = sorted(expressions, key=lambda e: (e["key"], e["operator"], e.get("values", [])))
    return out


def _pod_part(selector: LabelSelector, labels: dict[str, str], expressions: list[dict[str, Any]]) -> None:
    labels.update({LABEL_SOURCE + k: v for k, v in selector.match_labels})
    expressions.extend(_expression(LABEL_SOURCE + r.key, r) for r in selector.match_expressions)


def _namespace_key(key: str) -> str:
    return POD_NAMESPACE if key == NAMESPACE_NAME_LABEL else NAMESPACE_LABELS + key


def endpoint_selector(selector: LabelSelector, namespace: str) -> dict[str, Any]:
    """The pods of ``namespace`` that ``selector`` selects."""
    labels: dict[str, str] = {POD_NAMESPACE: namespace}
    expressions: list[dict[str, Any]] = []
    _pod_part(selector, labels, expressions)
    return _selector(labels, expressions)


def peer_selector(peer: Peer, policy_namespace: str) -> dict[str, Any]:
    """A pod peer (``podSelector`` and/or ``namespaceSelector``) as an endpoint selector: pods only."""
    labels: dict[str, str] = {}
    expressions: list[dict[str, Any]] = []
    if peer.namespace_selector is None:
        labels[POD_NAMESPACE] = policy_namespace
    else:
        for key, value in peer.namespace_selector.match_labels:
            labels[_namespace_key(key)] = value
        expressions.extend(_expression(_namespace_key(r.key), r) for r in peer.namespace_selector.match_expressions)
        if POD_NAMESPACE not in labels:  # pods of any namespace: never the world or the host
            expressions.append({"key": POD_NAMESPACE, "operator": "Exists"})
    if peer.pod_selector is not None:
        _pod_part(peer.pod_selector, labels, expressions)
    return _selector(labels, expressions)


def _cidr_rule(peer: Peer) -> dict[str, Any]:
    assert peer.ip_block is not None
    out: dict[str, Any] = {"cidr": peer.ip_block.cidr}
    if peer.ip_block.except_:
        out["except"] = list(peer.ip_block.except_)
    return out


# ---------------------------------------------------------------- rules and ports


def port_protocol(port: Port) -> dict[str, Any]:
    out: dict[str, Any] = {"port": "0" if port.port is None else str(port.port), "protocol": port.protocol}
    if port.end_port is not None:
        out["endPort"] = port.end_port
    return out


def to_ports(ports: tuple[Port, ...]) -> list[dict[str, Any]]:
    """``toPorts`` items of at most 40 ports each (any of them allows: the items are ORed)."""
    listed = [port_protocol(p) for p in ports]
    return [{"ports": listed[i : i + MAX_PORTS]} for i in range(0, len(listed), MAX_PORTS)]


def rules(rule: Rule, policy_namespace: str, side: str) -> list[dict[str, Any]]:
    """One NetworkPolicy rule as Cilium rules (``side`` is "from" for ingress, "to" for egress)."""
    parts: list[dict[str, Any]] = []
    if not rule.peers:
        parts.append({f"{side}Entities": ["all"]})
    else:
        selectors = [peer_selector(p, policy_namespace) for p in rule.peers if p.ip_block is None]
        cidrs = [_cidr_rule(p) for p in rule.peers if p.ip_block is not None]
        if selectors:
            parts.append({f"{side}Endpoints": selectors})
        if cidrs:
            parts.append({f"{side}CIDRSet": cidrs})
    if rule.ports:
        for part in parts:
            part["toPorts"] = to_ports(rule.ports)
    return parts


# ---------------------------------------------------------------- DNS names


def kube_dns_rule() -> dict[str, Any]:
    """What Cilium needs to learn the addresses of DNS names: every query to kube-dns through its DNS proxy."""
    return {
        "toEndpoints": [{"matchLabels": dict(KUBE_DNS_LABELS)}],
        "toPorts": [{"ports": [{"port": str(DNS_PORT), "protocol": "ANY"}], "rules": {"dns": [{"matchPattern": "*"}]}}],
    }


def fqdn_selector(name: str) -> dict[str, str]:
    return {"matchPattern": name} if name.startswith("*.") else {"matchName": name}


def fqdn_flows(graph: Graph) -> dict[Endpoint, dict[tuple[Port, ...], set[str]]]:
    """Per source (a workload or namespace), the DNS names it may reach, grouped by the flows' ports."""
    out: dict[Endpoint, dict[tuple[Port, ...], set[str]]] = defaultdict(lambda: defaultdict(set))
    for flow in graph.flows:
        if flow.source.kind == "external" or not graph.is_fqdn_endpoint(flow.destination):
            continue
        if flow.source.kind == "workload" and graph.workload(flow.source.ref) is None:
            continue
        external = graph.external(flow.destination.ref)
        assert external is not None
        ports = tuple(sorted(set(flow.ports), key=Port.sort_key))
        out[flow.source][ports].add(external.fqdn)
    return out


def _fqdn_target(graph: Graph, source: Endpoint) -> tuple[str, str, LabelSelector]:
    """(namespace, base name, selector) of the pods a DNS-name source stands for."""
    if source.kind == "workload":
        workload = graph.workload(source.ref)
        assert workload is not None
        return workload.namespace, workload.name, LabelSelector.of(workload.labels_dict)
    return source.ref, NAMESPACE_POLICY_NAME, LabelSelector.everything()


def fqdn_manifests(graph: Graph, taken: set[tuple[str, str]]) -> list[dict[str, Any]]:
    out = []
    taken = set(taken)
    for source, by_ports in sorted(fqdn_flows(graph).items(), key=lambda item: item[0].sort_key()):
        namespace, base, selector = _fqdn_target(graph, source)
        name, suffix = f"{base}{FQDN_SUFFIX}", 2
        while (namespace, name) in taken:
            name = f"{base}{FQDN_SUFFIX}-{suffix}"
            suffix += 1
        taken.add((namespace, name))
        egress = [kube_dns_rule()]
        for ports, names in sorted(by_ports.items(), key=lambda item: tuple(p.sort_key() for p in item[0])):
            rule: dict[str, Any] = {"toFQDNs": [fqdn_selector(n) for n in sorted(names)]}
            if ports:
                rule["toPorts"] = to_ports(ports)
            egress.append(rule)
        spec = {
            "endpointSelector": endpoint_selector(selector, namespace),
            "enableDefaultDeny": {"egress": False, "ingress": False},
            "egress": egress,
        }
        out.append({"apiVersion": API_VERSION, "kind": KIND, "metadata": _metadata(name, namespace), "spec": spec})
    return out
