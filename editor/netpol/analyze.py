"""Who can reach whom, and why: NetworkPolicy semantics evaluated directly.

A connection from A to B on (protocol, port) is allowed only when both sides
allow it: A's egress (when some policy selecting A is egress-isolated) and B's
ingress (likewise).  A side that no policy isolates allows everything.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from .model import ContainerPort, Graph, LabelSelector, Peer, Policy, Port, Rule, Workload
from .selector_text import format_selector


@dataclass(frozen=True)
class Host:
    """A pod (``namespace`` set) or an address outside the cluster (``namespace`` None)."""

    namespace: str | None = None
    labels: dict[str, str] = field(default_factory=dict)
    namespace_labels: dict[str, str] = field(default_factory=dict)
    ports: tuple[ContainerPort, ...] = ()
    ip: str | None = None
    name: str = ""

    @classmethod
    def of_workload(cls, graph: Graph, workload: Workload, ip: str | None = None) -> Host:
        return cls(
            namespace=workload.namespace,
            labels=workload.labels_dict,
            namespace_labels=graph.namespace(workload.namespace).labels_dict,
            ports=workload.ports,
            ip=ip if ip is not None else workload.ip,
            name=workload.ref,
        )

    @classmethod
    def outside(cls, ip: str) -> Host:
        return cls(ip=ip, name=ip)

    @property
    def is_pod(self) -> bool:
        return self.namespace is not None


def ip_in_block(ip: str, cidr: str, except_: tuple[str, ...]) -> bool:
    address = ipaddress.ip_address(ip)
    network = ipaddress.ip_network(cidr, strict=False)
    if address.version != network.version or address not in network:
        return False
    return not any(address in ipaddress.ip_network(e, strict=False) for e in except_)


def peer_matches(peer: Peer, policy_namespace: str, other: Host) -> bool:
    if peer.ip_block is not None:
        return other.ip is not None and ip_in_block(other.ip, peer.ip_block.cidr, peer.ip_block.except_)
    if not other.is_pod:
        return False
    if peer.namespace_selector is None:
        namespace_ok = other.namespace == policy_namespace
    else:
        namespace_ok = peer.namespace_selector.matches(other.namespace_labels)
    return namespace_ok and (peer.pod_selector is None or peer.pod_selector.matches(other.labels))


def port_matches(rule_port: Port, protocol: str, port: int, destination_ports: tuple[ContainerPort, ...]) -> bool:
    """Named ports resolve on the destination pod's declared container ports."""
    if rule_port.protocol != protocol:
        return False
    if rule_port.port is None:
        return True
    if isinstance(rule_port.port, str):
        return any(
            cp.name == rule_port.port and cp.protocol == protocol and cp.port == port for cp in destination_ports
        )
    if rule_port.end_port is not None:
        return rule_port.port <= port <= rule_port.end_port
    return rule_port.port == port


def rule_allows(
    rule: Rule,
    policy_namespace: str,
    other: Host,
    protocol: str,
    port: int,
    destination_ports: tuple[ContainerPort, ...],
) -> bool:
    if rule.ports and not any(port_matches(p, protocol, port, destination_ports) for p in rule.ports):
        return False  # the ports first: cheaper than matching the peers' selectors
    return not rule.peers or any(peer_matches(p, policy_namespace, other) for p in rule.peers)


@dataclass(frozen=True)
class SideVerdict:
    """One side of a connection: is it allowed, which policies isolate it, which rules allow it."""

    allowed: bool
    policies: tuple[str, ...]  # policies that select the pod for this direction
    allowing: tuple[tuple[str, int], ...] = ()  # (policy ref, rule index) that allow it


def selecting_policies(policies: list[Policy], pod: Host, direction: str) -> list[Policy]:
    if not pod.is_pod:
        return []
    return [
        p
        for p in policies
        if p.namespace == pod.namespace
        and (p.ingress_isolated if direction == "ingress" else p.egress_isolated)
        and p.pod_selector.matches(pod.labels)
    ]


def side_verdict(
    policies: list[Policy], pod: Host, direction: str, other: Host, protocol: str, port: int
) -> SideVerdict:
    """Does ``pod`` allow ``direction`` traffic with ``other`` on (protocol, port)?"""
    selecting = selecting_policies(policies, pod, direction)
    if not pod.is_pod or not selecting:
        return SideVerdict(True, ())
    destination_ports = other.ports if direction == "egress" else pod.ports
    allowing = []
    for policy in selecting:
        rules = policy.egress if direction == "egress" else policy.ingress
        for index, rule in enumerate(rules):
            if rule_allows(rule, policy.namespace, other, protocol, port, destination_ports):
                allowing.append((policy.ref, index))
    return SideVerdict(bool(allowing), tuple(sorted(p.ref for p in selecting)), tuple(sorted(allowing)))


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    egress: SideVerdict
    ingress: SideVerdict


def connection(policies: list[Policy], source: Host, destination: Host, protocol: str, port: int) -> Verdict:
    egress = side_verdict(policies, source, "egress", destination, protocol, port)
    ingress = side_verdict(policies, destination, "ingress", source, protocol, port)
    return Verdict(egress.allowed and ingress.allowed, egress, ingress)


# ---------------------------------------------------------------- explanations


def _direction_words(direction: str) -> tuple[str, str]:
    return ("to", "egress") if direction == "egress" else ("from", "ingress")


def explain_side(
    policies: list[Policy], pod: Host, direction: str, other: Host, protocol: str, port: int
) -> tuple[SideVerdict, str]:
    """The verdict of one side and a sentence saying why (which policies, which rule, or why none)."""
    verdict = side_verdict(policies, pod, direction, other, protocol, port)
    preposition, word = _direction_words(direction)
    what = f"{protocol} {port} {preposition} {other.name}"
    if not pod.is_pod:
        return verdict, f"{pod.name} is outside the cluster: no NetworkPolicy applies to it, so its side allows {what}."
    if not verdict.policies:
        return verdict, f"No policy selects {pod.name} for {word}, so {pod.name} allows all {word}, also {what}."
    isolated = f"{pod.name} is isolated for {word} by {', '.join(verdict.policies)}"
    if verdict.allowed:
        rules = "; ".join(f"{ref} {word} rule {index + 1}" for ref, index in verdict.allowing)
        return verdict, f"{isolated}; {rules} allows {what}."
    hints = []
    destination_ports = other.ports if direction == "egress" else pod.ports
    for policy in selecting_policies(policies, pod, direction):
        policy_rules = policy.egress if direction == "egress" else policy.ingress
        for index, rule in enumerate(policy_rules):
            peers_ok = not rule.peers or any(peer_matches(p, policy.namespace, other) for p in rule.peers)
            if peers_ok and rule.ports:
                ports = ", ".join(_port_text(p, destination_ports) for p in rule.ports)
                hints.append(f"{policy.ref} {word} rule {index + 1} matches {other.name} but only on {ports}")
    text = f"{isolated}; no {word} rule allows {what}."
    if hints:
        text += " (" + "; ".join(hints) + ".)"
    return verdict, text


def _port_text(port: Port, destination_ports: tuple[ContainerPort, ...]) -> str:
    if isinstance(port.port, str):
        resolved = next(
            (cp.port for cp in destination_ports if cp.name == port.port and cp.protocol == port.protocol), None
        )
        return f"{port.label()} (= {resolved})" if resolved is not None else f"{port.label()} (not declared)"
    return port.label()


# ---------------------------------------------------------------- reachability by reference


class UnknownRef(ValueError):
    """A reference that is neither a workload of the design nor an IP address, or a port that does not resolve."""


def resolve_host(graph: Graph, ref: str) -> Host:
    """A workload ``ns/name``, or an IP address: a workload's pod IP is that pod, any other IP is outside."""
    ref = (ref or "").strip()
    workload = graph.workload(ref)
    if workload is not None:
        return Host.of_workload(graph, workload)
    try:
        address = ipaddress.ip_address(ref)
    except ValueError:
        known = ", ".join(w.ref for w in graph.workloads[:10]) or "(no workloads yet)"
        raise UnknownRef(
            f"'{ref}' is neither a workload of this design (<namespace>/<name>, e.g. {known}) nor an IP address."
        ) from None
    for w in graph.workloads:
        if w.ip is not None and ipaddress.ip_address(w.ip) == address:
            return Host.of_workload(graph, w)
    return Host.outside(str(address))


def resolve_port(destination: Host, protocol: str, port: int | str) -> int:
    """A port number, or a named port of the destination pod, as a number."""
    if isinstance(port, int):
        return port
    text = str(port).strip()
    if text.isascii() and text.isdigit():  # only ASCII digits: "٨٠" is not port 80
        digits = text.lstrip("0") or "0"
        return int(digits) if len(digits) <= 6 else 1_000_000  # out of range either way, without a huge int
    for cp in destination.ports:
        if cp.name == text and cp.protocol == protocol:
            return cp.port
    declared = ", ".join(f"{cp.name} ({cp.protocol} {cp.port})" for cp in destination.ports) or "none"
    raise UnknownRef(
        f"{destination.name} declares no {protocol} port named '{text}' (its named ports: {declared}): "
        f"give a port number or one of its port names."
    )


@dataclass(frozen=True)
class Reachability:
    source: Host
    destination: Host
    protocol: str
    port: int
    verdict: Verdict
    egress_text: str
    ingress_text: str

    @property
    def allowed(self) -> bool:
        return self.verdict.allowed

    def as_dict(self, explain: bool = False) -> dict[str, Any]:
        def side(v: SideVerdict, text: str) -> dict[str, Any]:
            out: dict[str, Any] = {"allowed": v.allowed, "policies": list(v.policies)}
            if explain:
                out["explanation"] = text
                out["rules"] = [{"policy": ref, "rule": index} for ref, index in v.allowing]
            return out

        return {
            "allowed": self.verdict.allowed,
            "egress": side(self.verdict.egress, self.egress_text),
            "ingress": side(self.verdict.ingress, self.ingress_text),
        }


def reachability(
    graph: Graph, policies: list[Policy], source: str, destination: str, protocol: str, port: int | str
) -> Reachability:
    """Can ``source`` reach ``destination`` on (protocol, port)?  Both sides, explained."""
    src = resolve_host(graph, source)
    dst = resolve_host(graph, destination)
    number = resolve_port(dst, protocol, port)
    egress, egress_text = explain_side(policies, src, "egress", dst, protocol, number)
    ingress, ingress_text = explain_side(policies, dst, "ingress", src, protocol, number)
    verdict = Verdict(egress.allowed and ingress.allowed, egress, ingress)
    return Reachability(src, dst, protocol, number, verdict, egress_text, ingress_text)


# ---------------------------------------------------------------- the truth table


@dataclass(frozen=True)
class Matrix:
    """Workloads × workloads for one (protocol, port).  Rows are sources, bit ``j`` of a row the destination.

    ``egress[i]`` bit ``j``: i's egress allows i → j; ``ingress[i]`` bit ``j``: j's ingress allows i → j.
    """

    workloads: tuple[str, ...]
    protocol: str
    port: int
    egress: tuple[int, ...]
    ingress: tuple[int, ...]
    egress_isolated: tuple[bool, ...] = ()
    ingress_isolated: tuple[bool, ...] = ()

    def egress_allows(self, i: int, j: int) -> bool:
        return bool(self.egress[i] >> j & 1)

    def ingress_allows(self, i: int, j: int) -> bool:
        return bool(self.ingress[i] >> j & 1)

    def allowed(self, i: int, j: int) -> bool:
        return bool((self.egress[i] & self.ingress[i]) >> j & 1)

    def _bools(self, rows: Iterable[int]) -> list[list[bool]]:
        n = len(self.workloads)
        table = []
        for row in rows:
            bits = format(row, f"0{n}b")[::-1] if n else ""
            table.append([b == "1" for b in bits])
        return table

    def as_dict(self) -> dict[str, Any]:
        return {
            "protocol": self.protocol,
            "port": self.port,
            "workloads": list(self.workloads),
            "egress": self._bools(self.egress),
            "ingress": self._bools(self.ingress),
            "allowed": self._bools(e & i for e, i in zip(self.egress, self.ingress, strict=True)),
        }


class _Index:
    """Workloads as bit positions, with masks by namespace, by label and by declared ports.

    A selector becomes a few AND/OR/NOT operations on these masks, so each policy and each rule is
    evaluated once for all workloads: workloads that agree on (namespace, labels, ports) are never
    told apart except by ipBlocks, which look at single pod IPs.
    """

    def __init__(self, graph: Graph):
        self.workloads = list(graph.workloads)
        self.n = len(self.workloads)
        self.full = (1 << self.n) - 1
        self.by_namespace: dict[str, int] = {}
        self.by_label: dict[tuple[str, str], int] = {}
        self.by_key: dict[str, int] = {}
        self.by_ports: dict[tuple[ContainerPort, ...], int] = {}
        for i, w in enumerate(self.workloads):
            bit = 1 << i
            self.by_namespace[w.namespace] = self.by_namespace.get(w.namespace, 0) | bit
            for key, value in w.labels:
                self.by_label[(key, value)] = self.by_label.get((key, value), 0) | bit
                self.by_key[key] = self.by_key.get(key, 0) | bit
            self.by_ports[w.ports] = self.by_ports.get(w.ports, 0) | bit
        self.namespace_labels = {name: graph.namespace(name).labels_dict for name in self.by_namespace}
        self.ips = [(i, ipaddress.ip_address(w.ip)) for i, w in enumerate(self.workloads) if w.ip]
        self._selector_cache: dict[LabelSelector, int] = {}
        self._namespaces_cache: dict[LabelSelector, int] = {}
        self._peer_cache: dict[tuple[Peer, str], int] = {}
        self._ports_cache: dict[tuple[tuple[Port, ...], str, int], int] = {}

    def pods(self, selector: LabelSelector) -> int:
        """Workloads whose labels the selector matches (any namespace)."""
        mask = self._selector_cache.get(selector)
        if mask is not None:
            return mask
        mask = self.full
        for key, value in selector.match_labels:
            mask &= self.by_label.get((key, value), 0)
        for r in selector.match_expressions:
            if r.operator in ("In", "NotIn"):
                some = 0
                for value in r.values:
                    some |= self.by_label.get((r.key, value), 0)
                mask &= some if r.operator == "In" else ~some
            elif r.operator == "Exists":
                mask &= self.by_key.get(r.key, 0)
            else:
                mask &= ~self.by_key.get(r.key, 0)
        mask &= self.full
        self._selector_cache[selector] = mask
        return mask

    def namespaces(self, selector: LabelSelector) -> int:
        """Workloads in the namespaces whose labels the selector matches."""
        mask = self._namespaces_cache.get(selector)
        if mask is None:
            mask = 0
            for name, labels in self.namespace_labels.items():
                if selector.matches(labels):
                    mask |= self.by_namespace[name]
            self._namespaces_cache[selector] = mask
        return mask

    def selected(self, policy: Policy) -> int:
        return self.by_namespace.get(policy.namespace, 0) & self.pods(policy.pod_selector)

    def peer(self, peer: Peer, policy_namespace: str) -> int:
        key = (peer, policy_namespace)
        mask = self._peer_cache.get(key)
        if mask is not None:
            return mask
        if peer.ip_block is not None:
            mask = 0
            network = ipaddress.ip_network(peer.ip_block.cidr, strict=False)
            excepts = [ipaddress.ip_network(e, strict=False) for e in peer.ip_block.except_]
            for i, address in self.ips:
                if address.version == network.version and address in network and not any(address in e for e in excepts):
                    mask |= 1 << i
        else:
            if peer.namespace_selector is None:
                mask = self.by_namespace.get(policy_namespace, 0)
            else:
                mask = self.namespaces(peer.namespace_selector)
            if peer.pod_selector is not None:
                mask &= self.pods(peer.pod_selector)
        self._peer_cache[key] = mask
        return mask

    def rule_peers(self, rule: Rule, policy_namespace: str) -> int:
        if not rule.peers:
            return self.full
        mask = 0
        for peer in rule.peers:
            mask |= self.peer(peer, policy_namespace)
        return mask

    def destinations_on(self, ports: tuple[Port, ...], protocol: str, port: int) -> int:
        """Workloads that, as the destination, match one of ``ports`` (named ports resolve on them)."""
        if not ports:
            return self.full
        key = (ports, protocol, port)
        mask = self._ports_cache.get(key)
        if mask is None:
            mask = 0
            for declared, workloads in self.by_ports.items():
                if any(port_matches(p, protocol, port, declared) for p in ports):
                    mask |= workloads
            self._ports_cache[key] = mask
        return mask


@dataclass
class _Attribution:
    """Which policies allow what, kept only when asked (``connections``)."""

    egress: dict[int, list[tuple[str, int]]] = field(default_factory=dict)  # source → [(policy, destinations)]
    ingress: dict[int, list[tuple[str, list[tuple[int, int]]]]] = field(default_factory=dict)

    def egress_policies(self, i: int, j: int) -> list[str]:
        return [ref for ref, destinations in self.egress.get(i, []) if destinations >> j & 1]

    def ingress_policies(self, i: int, j: int) -> list[str]:
        return [ref for ref, rules in self.ingress.get(j, []) if any(d >> j & 1 and s >> i & 1 for d, s in rules)]


def _matrix(
    graph: Graph, policies: list[Policy], protocol: str, port: int, attribution: _Attribution | None = None
) -> Matrix:
    index = _Index(graph)
    n, full = index.n, index.full
    egress_rows = [full] * n
    egress_selected = 0
    ingress_selected = 0
    sources_to_destinations: dict[int, int] = {}  # ingress: a rule's sources → destinations that accept them
    for policy in policies:
        selected = index.selected(policy)
        if not selected:
            continue
        if policy.egress_isolated:
            allowed = 0
            for rule in policy.egress:
                allowed |= index.rule_peers(rule, policy.namespace) & index.destinations_on(rule.ports, protocol, port)
            for i in _bits(selected):
                egress_rows[i] = (egress_rows[i] if egress_selected >> i & 1 else 0) | allowed
                if attribution is not None:
                    attribution.egress.setdefault(i, []).append((policy.ref, allowed))
            egress_selected |= selected
        if policy.ingress_isolated:
            ingress_selected |= selected
            rules = []
            for rule in policy.ingress:
                destinations = selected & index.destinations_on(rule.ports, protocol, port)
                sources = index.rule_peers(rule, policy.namespace)
                if destinations and sources:
                    sources_to_destinations[sources] = sources_to_destinations.get(sources, 0) | destinations
                    rules.append((destinations, sources))
            if attribution is not None:
                for j in _bits(selected):
                    attribution.ingress.setdefault(j, []).append((policy.ref, rules))
    open_columns = full & ~ingress_selected  # destinations no policy isolates for ingress accept everyone
    ingress_rows = [open_columns] * n
    for sources, destinations in sources_to_destinations.items():
        for i in _bits(sources):
            ingress_rows[i] |= destinations
    return Matrix(
        workloads=tuple(w.ref for w in index.workloads),
        protocol=protocol,
        port=port,
        egress=tuple(egress_rows),
        ingress=tuple(ingress_rows),
        egress_isolated=tuple(bool(egress_selected >> i & 1) for i in range(n)),
        ingress_isolated=tuple(bool(ingress_selected >> i & 1) for i in range(n)),
    )


def matrix(graph: Graph, policies: list[Policy], protocol: str, port: int) -> Matrix:
    """The truth table, fast: each selector, peer and rule is evaluated once for all workloads at a time.

    Workloads are bit positions; label, namespace and declared-port indexes turn a selector into a few
    big-integer AND/OR/NOT operations, and the ingress side is collected per distinct set of sources.
    :func:`matrix_naive` is the pair-by-pair reference this is tested against.
    """
    return _matrix(graph, policies, protocol, port)


def matrix_naive(graph: Graph, policies: list[Policy], protocol: str, port: int) -> Matrix:
    """The same table by asking :func:`connection` for every pair: the reference :func:`matrix` is checked against."""
    hosts = [Host.of_workload(graph, w) for w in graph.workloads]
    egress, ingress = [], []
    for source in hosts:
        e_row = i_row = 0
        for j, destination in enumerate(hosts):
            verdict = connection(policies, source, destination, protocol, port)
            e_row |= verdict.egress.allowed << j
            i_row |= verdict.ingress.allowed << j
        egress.append(e_row)
        ingress.append(i_row)
    return Matrix(
        workloads=tuple(w.ref for w in graph.workloads),
        protocol=protocol,
        port=port,
        egress=tuple(egress),
        ingress=tuple(ingress),
        egress_isolated=tuple(bool(selecting_policies(policies, h, "egress")) for h in hosts),
        ingress_isolated=tuple(bool(selecting_policies(policies, h, "ingress")) for h in hosts),
    )


# ---------------------------------------------------------------- connections between workloads (canvas, diff)

OTHER_PORT = "other"


def probes(graph: Graph, policies: list[Policy]) -> list[tuple[str, int | str]]:
    """(protocol, port) pairs that tell every rule apart: the ports rules and workloads name, plus one
    port per protocol that no rule names (``OTHER_PORT``, evaluated at a free port number)."""
    found: set[tuple[str, int]] = set()
    protocols = {"TCP"}
    for policy in policies:
        for rule in (*policy.ingress, *policy.egress):
            for p in rule.ports:
                protocols.add(p.protocol)
                if isinstance(p.port, int):
                    found.add((p.protocol, p.port))
                    if p.end_port is not None:
                        found.add((p.protocol, p.end_port))
    for w in graph.workloads:
        for cp in w.ports:
            found.add((cp.protocol, cp.port))
            protocols.add(cp.protocol)
    out: list[tuple[str, int | str]] = sorted(found)
    out += [(protocol, OTHER_PORT) for protocol in sorted(protocols)]
    return out


def free_port(policies: list[Policy], protocol: str) -> int:
    """A port number no rule of ``protocol`` names or covers by a range (what "any other port" means)."""
    used: list[tuple[int, int]] = []
    for policy in policies:
        for rule in (*policy.ingress, *policy.egress):
            for p in rule.ports:
                if p.protocol == protocol and isinstance(p.port, int):
                    used.append((p.port, p.end_port or p.port))
    candidate = 65535
    while candidate > 1:
        covering = [low for low, high in used if low <= candidate <= high]
        if not covering:
            break
        candidate = min(covering) - 1
    return max(candidate, 1)


def _mask(flags: Iterable[bool]) -> int:
    return sum(1 << i for i, flag in enumerate(flags) if flag)


def _bits(mask: int) -> Iterator[int]:
    """Indexes of the set bits, lowest first."""
    while mask:
        low = mask & -mask
        yield low.bit_length() - 1
        mask ^= low


def _probe_matrices(graph: Graph, policies: list[Policy]) -> list[tuple[str, int | str, Matrix, _Attribution]]:
    out = []
    for protocol, port in probes(graph, policies):
        number = free_port(policies, protocol) if port == OTHER_PORT else port
        attribution = _Attribution()
        out.append((protocol, port, _matrix(graph, policies, protocol, int(number), attribution), attribution))
    return out


@dataclass(frozen=True)
class Connection:
    """What ``source`` may open to ``destination``, and the policies that allow it (either side)."""

    source: str
    destination: str
    ports: tuple[str, ...]
    egress_policies: tuple[str, ...]
    ingress_policies: tuple[str, ...]

    @property
    def policies(self) -> tuple[str, ...]:
        return tuple(sorted(set(self.egress_policies) | set(self.ingress_policies)))


def _ports_label(allowed: list[tuple[str, int | str]], denied: list[tuple[str, int | str]]) -> tuple[str, ...]:
    labels = []
    for protocol in sorted({p for p, _ in allowed}):
        numbers = [port for p, port in allowed if p == protocol and port != OTHER_PORT]
        if (protocol, OTHER_PORT) in allowed:
            blocked = sorted(str(port) for p, port in denied if p == protocol and port != OTHER_PORT)
            labels.append(f"{protocol} all" + (f" but {', '.join(blocked)}" if blocked else ""))
        else:
            labels.extend(f"{protocol} {n}" for n in sorted(numbers))
    return tuple(labels)


def connections(graph: Graph, policies: list[Policy]) -> list[Connection]:
    """Every workload → workload connection some policy allows (pairs no policy restricts are left out:
    they are open on both sides), with its ports and the policies whose rules allow it."""
    tables = _probe_matrices(graph, policies)
    n = len(graph.workloads)
    refs = [w.ref for w in graph.workloads]
    out: list[Connection] = []
    if not tables or not n:
        return out
    first = tables[0][2]
    ingress_isolated = _mask(first.ingress_isolated)
    for i in range(n):
        # a pair is restricted when the source's egress or the destination's ingress is isolated
        candidates = ((1 << n) - 1 if first.egress_isolated[i] else ingress_isolated) & ~(1 << i)
        any_allowed = 0
        for _, _, table, _ in tables:
            any_allowed |= table.egress[i] & table.ingress[i]
        for j in _bits(candidates & any_allowed):
            allowed, denied = [], []
            egress_refs: set[str] = set()
            ingress_refs: set[str] = set()
            for protocol, port, table, attribution in tables:
                if table.allowed(i, j):
                    allowed.append((protocol, port))
                    egress_refs.update(attribution.egress_policies(i, j))
                    ingress_refs.update(attribution.ingress_policies(i, j))
                else:
                    denied.append((protocol, port))
            if allowed:
                out.append(
                    Connection(
                        refs[i],
                        refs[j],
                        _ports_label(allowed, denied),
                        tuple(sorted(egress_refs)),
                        tuple(sorted(ingress_refs)),
                    )
                )
    return out


@dataclass(frozen=True)
class Change:
    source: str
    destination: str
    protocol: str
    port: int | str  # a number, or OTHER_PORT: a port no rule names

    def label(self) -> str:
        port = "other ports" if self.port == OTHER_PORT else self.port
        return f"{self.source} → {self.destination} {self.protocol} {port}"


@dataclass(frozen=True)
class Diff:
    added: tuple[Change, ...]
    removed: tuple[Change, ...]

    @property
    def unchanged(self) -> bool:
        return not self.added and not self.removed


def semantic_diff(graph: Graph, before: list[Policy], after: list[Policy]) -> Diff:
    """Connections between the design's workloads that ``after`` allows and ``before`` did not, and back."""
    combined = before + after
    added: list[Change] = []
    removed: list[Change] = []
    for protocol, port in probes(graph, combined):
        number = free_port(combined, protocol) if port == OTHER_PORT else int(port)
        old = matrix(graph, before, protocol, number)
        new = matrix(graph, after, protocol, number)
        for i, source in enumerate(old.workloads):
            old_row = old.egress[i] & old.ingress[i] & ~(1 << i)
            new_row = new.egress[i] & new.ingress[i] & ~(1 << i)
            added.extend(Change(source, old.workloads[j], protocol, port) for j in _bits(new_row & ~old_row))
            removed.extend(Change(source, old.workloads[j], protocol, port) for j in _bits(old_row & ~new_row))
    return Diff(tuple(added), tuple(removed))


# ---------------------------------------------------------------- policies in words


def describe_selector(selector: LabelSelector, everything: str = "every pod") -> str:
    """kubectl's selector syntax: ``app=api, tier in (a, b), !legacy``; the empty selector in words."""
    return format_selector(selector, everything)


def describe_peer(peer: Peer, policy_namespace: str) -> str:
    if peer.ip_block is not None:
        text = f"IPs {peer.ip_block.cidr}"
        return text + (f" except {', '.join(peer.ip_block.except_)}" if peer.ip_block.except_ else "")
    if peer.namespace_selector is None:
        where = f"namespace {policy_namespace}"
    elif peer.namespace_selector.is_empty:
        where = "every namespace"
    else:
        where = f"namespaces {describe_selector(peer.namespace_selector)}"
    if peer.pod_selector is None or peer.pod_selector.is_empty:
        return f"every pod in {where}"
    return f"pods {describe_selector(peer.pod_selector)} in {where}"


def describe_policy(policy: Policy) -> list[str]:
    """The policy in plain words, one line per fact: whom it selects, each rule, or that it denies all."""
    lines = [f"Selects {describe_selector(policy.pod_selector, 'every pod')} in namespace {policy.namespace}."]
    for direction, isolated, rules, word in (
        ("ingress", policy.ingress_isolated, policy.ingress, "from"),
        ("egress", policy.egress_isolated, policy.egress, "to"),
    ):
        if not isolated:
            continue
        if not rules:
            lines.append(f"Isolates {direction} and allows none: every {direction} connection is denied.")
        for index, rule in enumerate(rules, start=1):
            peers = " or ".join(describe_peer(p, policy.namespace) for p in rule.peers) or "anywhere"
            ports = ", ".join(p.label() for p in rule.ports) or "any port"
            lines.append(f"{direction.capitalize()} rule {index}: {word} {peers}, on {ports}.")
    return lines
