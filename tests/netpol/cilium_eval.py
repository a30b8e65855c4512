"""A small evaluator of CiliumNetworkPolicy manifests: the subset the Cilium export uses, with Cilium's semantics.

Written from Cilium's policy language docs and its policy code, independent of ``editor.netpol.cilium``:
- an endpoint is in default deny for a direction when a policy selecting it has that section (non-empty)
  and does not turn ``enableDefaultDeny`` off for it; it is then allowed what any selecting policy's rules
  of that direction allow, else everything;
- an endpoint's labels: its pod labels (source ``k8s``), ``io.kubernetes.pod.namespace`` and
  ``io.cilium.k8s.namespace.labels.<key>`` for each namespace label; an address outside the cluster has
  no labels (it is ``reserved:world``): CIDR rules and the entity ``all`` match it, endpoint selectors match
  it only if they can match an empty label set;
- a peer selector without ``io.kubernetes.pod.namespace`` and without a namespace-label key is limited to the
  policy's namespace (Cilium's getEndpointSelector); CIDR rules never match pods; ``toFQDNs`` matches names
  only; ``{}`` matches nothing;
- ports: protocol equal or ANY, ``"0"`` every port, ``endPort`` a range, a name resolves on the destination
  pod (``egress_named_ports="destination"``) or, as Cilium does at egress, on every pod of the cluster: the
  one number all pods give that name and protocol, none when they disagree (``"cluster"``).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

POD_NAMESPACE = "io.kubernetes.pod.namespace"
NAMESPACE_LABELS = "io.cilium.k8s.namespace.labels."


@dataclass(frozen=True)
class Peer:
    """A pod (``namespace`` set) or an address outside the cluster (``ip``)."""

    namespace: str | None = None
    labels: dict[str, str] = field(default_factory=dict)
    namespace_labels: dict[str, str] = field(default_factory=dict)
    ports: tuple[tuple[str, int, str], ...] = ()  # (name, number, protocol)
    ip: str | None = None

    def cilium_labels(self) -> dict[str, str]:
        if self.namespace is None:
            return {}
        out = {f"k8s:{k}": v for k, v in self.labels.items()}
        out[f"k8s:{POD_NAMESPACE}"] = self.namespace
        out.update({f"k8s:{NAMESPACE_LABELS}{k}": v for k, v in self.namespace_labels.items()})
        return out


def _label(labels: dict[str, str], key: str) -> str | None:
    """A selector key with or without a source (``k8s:app`` or ``app``, which is any source)."""
    source, _, name = key.rpartition(":")
    if source in ("", "any"):
        return next((v for k, v in labels.items() if k.split(":", 1)[1] == name), None)
    return labels.get(key)


def selector_matches(selector: dict, labels: dict[str, str]) -> bool:
    for key, value in (selector.get("matchLabels") or {}).items():
        if _label(labels, key) != value:
            return False
    for expression in selector.get("matchExpressions") or []:
        found = _label(labels, expression["key"])
        operator, values = expression["operator"], expression.get("values", [])
        if operator == "In" and found not in values:
            return False
        if operator == "NotIn" and found is not None and found in values:
            return False
        if operator == "Exists" and found is None:
            return False
        if operator == "DoesNotExist" and found is not None:
            return False
    return True


def _keys(selector: dict) -> list[str]:
    return [k.split(":", 1)[-1] for k in selector.get("matchLabels") or {}] + [
        e["key"].split(":", 1)[-1] for e in selector.get("matchExpressions") or []
    ]


def peer_selector_matches(selector: dict, policy_namespace: str, peer: Peer) -> bool:
    keys = _keys(selector)
    limited = POD_NAMESPACE not in keys and not any(k.startswith(NAMESPACE_LABELS) for k in keys)
    if limited and peer.namespace != policy_namespace:  # Cilium limits it to the policy's namespace
        return False
    return selector_matches(selector, peer.cilium_labels())


def _in_cidr_rule(ip: str, rule: dict) -> bool:
    address = ipaddress.ip_address(ip)
    network = ipaddress.ip_network(rule["cidr"], strict=False)
    if address.version != network.version or address not in network:
        return False
    return not any(address in ipaddress.ip_network(e, strict=False) for e in rule.get("except", []))


class Evaluator:
    def __init__(self, manifests: list[dict], pods: list[Peer], egress_named_ports: str = "destination"):
        self.manifests = manifests
        self.egress_named_ports = egress_named_ports
        self.cluster_ports: dict[tuple[str, str], set[int]] = {}
        for pod in pods:
            for name, number, protocol in pod.ports:
                self.cluster_ports.setdefault((name, protocol), set()).add(number)

    def _selecting(self, pod: Peer) -> list[dict]:
        if pod.namespace is None:
            return []
        return [
            m
            for m in self.manifests
            if m["metadata"]["namespace"] == pod.namespace
            and selector_matches(m["spec"]["endpointSelector"], pod.cilium_labels())
        ]

    def _named(self, name: str, protocol: str, destination: Peer, egress: bool) -> set[int]:
        if egress and self.egress_named_ports == "cluster":
            numbers = self.cluster_ports.get((name, protocol), set())
            return numbers if len(numbers) == 1 else set()
        return {n for pname, n, proto in destination.ports if pname == name and proto == protocol}

    def _port_matches(self, item: dict, protocol: str, port: int, destination: Peer, egress: bool) -> bool:
        if item.get("protocol", "ANY") not in ("ANY", protocol):
            return False
        value = item["port"]
        if not value.isdigit():
            return port in self._named(value, protocol, destination, egress)
        first = int(value)
        if first == 0:
            return True
        return first <= port <= int(item.get("endPort") or first)

    def _rule_matches(self, rule: dict, side: str, namespace: str, other: Peer, port_owner: Peer, how) -> bool:
        protocol, port, egress = how
        if f"{side}Entities" in rule:
            peer_ok = "all" in rule[f"{side}Entities"]
        elif f"{side}Endpoints" in rule:
            peer_ok = any(peer_selector_matches(s, namespace, other) for s in rule[f"{side}Endpoints"])
        elif f"{side}CIDRSet" in rule:
            peer_ok = other.namespace is None and any(_in_cidr_rule(other.ip, r) for r in rule[f"{side}CIDRSet"])
        else:  # {} or toFQDNs: no pod and no address
            peer_ok = False
        if not peer_ok:
            return False
        if "toPorts" not in rule:
            return True
        return any(
            self._port_matches(item, protocol, port, port_owner, egress)
            for port_rule in rule["toPorts"]
            for item in port_rule["ports"]
        )

    def side(self, pod: Peer, direction: str, other: Peer, destination: Peer, protocol: str, port: int) -> bool:
        selecting = self._selecting(pod)
        enforced = [
            m
            for m in selecting
            if m["spec"].get(direction) and (m["spec"].get("enableDefaultDeny") or {}).get(direction, True)
        ]
        if not enforced:
            return True
        side = "to" if direction == "egress" else "from"
        how = (protocol, port, direction == "egress")
        return any(
            self._rule_matches(rule, side, m["metadata"]["namespace"], other, destination, how)
            for m in selecting
            for rule in m["spec"].get(direction) or []
        )

    def allowed(self, source: Peer, destination: Peer, protocol: str, port: int) -> bool:
        egress = source.namespace is None or self.side(source, "egress", destination, destination, protocol, port)
        ingress = destination.namespace is None or self.side(
            destination, "ingress", source, destination, protocol, port
        )
        return egress and ingress
