"""Value objects of the domain: what a design is, and what a NetworkPolicy is.

Everything here is a frozen dataclass, hashable and ordered by an explicit
``sort_key`` so that compiled output is deterministic.  Nothing here knows
Kubernetes' key spellings (``podSelector`` …): that is ``render.py``'s job.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal, TypeAlias

Protocol = Literal["TCP", "UDP", "SCTP"]
PROTOCOLS: tuple[str, ...] = ("TCP", "UDP", "SCTP")
NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"
DNS_NAMESPACE = "kube-system"
DNS_PORT = 53

# What the ``sort_key`` methods return: plain tuples, compared element by element.
RequirementKey: TypeAlias = tuple[str, str, tuple[str, ...]]
SelectorKey: TypeAlias = tuple[tuple[tuple[str, str], ...], tuple[RequirementKey, ...]]
PortKey: TypeAlias = tuple[str, int, int, str, int]
PeerKey: TypeAlias = tuple[
    tuple[int] | tuple[int, str, tuple[str, ...]],
    tuple[int] | tuple[int, SelectorKey],
    tuple[int] | tuple[int, SelectorKey],
]
RuleKey: TypeAlias = tuple[tuple[PeerKey, ...], tuple[PortKey, ...]]
EndpointKey: TypeAlias = tuple[str, str]
FlowKey: TypeAlias = tuple[EndpointKey, EndpointKey, tuple[PortKey, ...]]


# ---------------------------------------------------------------- selectors


@dataclass(frozen=True)
class Requirement:
    """One ``matchExpressions`` entry: ``key`` ``operator`` ``values``."""

    key: str
    operator: Literal["In", "NotIn", "Exists", "DoesNotExist"]
    values: tuple[str, ...] = ()

    def matches(self, labels: dict[str, str]) -> bool:
        if self.operator == "In":
            return self.key in labels and labels[self.key] in self.values
        if self.operator == "NotIn":
            return self.key not in labels or labels[self.key] not in self.values
        if self.operator == "Exists":
            return self.key in labels
        return self.key not in labels

    def sort_key(self) -> RequirementKey:
        return (self.key, self.operator, self.values)


@dataclass(frozen=True)
class LabelSelector:
    """A Kubernetes label selector.  The empty selector matches everything."""

    match_labels: tuple[tuple[str, str], ...] = ()
    match_expressions: tuple[Requirement, ...] = ()

    @classmethod
    def of(cls, labels: dict[str, str] | None = None, expressions: Iterable[Requirement] = ()) -> LabelSelector:
        return cls(
            tuple(sorted((labels or {}).items())),
            tuple(sorted(expressions, key=Requirement.sort_key)),
        )

    @classmethod
    def everything(cls) -> LabelSelector:
        return cls()

    @property
    def is_empty(self) -> bool:
        return not self.match_labels and not self.match_expressions

    def matches(self, labels: dict[str, str]) -> bool:
        return all(labels.get(k) == v for k, v in self.match_labels) and all(
            r.matches(labels) for r in self.match_expressions
        )

    def sort_key(self) -> SelectorKey:
        return (self.match_labels, tuple(r.sort_key() for r in self.match_expressions))


# ---------------------------------------------------------------- ports


@dataclass(frozen=True)
class Port:
    """A port of a rule: a number, a named port, or a range ``port``–``end_port``."""

    protocol: str = "TCP"
    port: int | str | None = None
    end_port: int | None = None

    @classmethod
    def tcp(cls, port: int | str, end_port: int | None = None) -> Port:
        return cls("TCP", port, end_port)

    @classmethod
    def udp(cls, port: int | str, end_port: int | None = None) -> Port:
        return cls("UDP", port, end_port)

    @classmethod
    def sctp(cls, port: int | str, end_port: int | None = None) -> Port:
        return cls("SCTP", port, end_port)

    @property
    def is_named(self) -> bool:
        return isinstance(self.port, str)

    def sort_key(self) -> PortKey:
        if self.port is None:
            return (self.protocol, 0, 0, "", 0)
        if isinstance(self.port, str):
            return (self.protocol, 2, 0, self.port, 0)
        return (self.protocol, 1, self.port, "", self.end_port or self.port)

    def label(self) -> str:
        """Short human text: ``TCP 5432``, ``TCP http``, ``TCP 8000-8100``."""
        if self.port is None:
            return f"{self.protocol} all"
        if self.end_port is not None:
            return f"{self.protocol} {self.port}-{self.end_port}"
        return f"{self.protocol} {self.port}"


@dataclass(frozen=True)
class ContainerPort:
    """A named port a workload declares (``containers[].ports[]``)."""

    name: str
    port: int
    protocol: str = "TCP"


# ---------------------------------------------------------------- peers, rules, policies


@dataclass(frozen=True)
class IPBlock:
    cidr: str
    except_: tuple[str, ...] = ()


@dataclass(frozen=True)
class Peer:
    """One item of ``from``/``to``.  Selectors inside one peer are ANDed."""

    pod_selector: LabelSelector | None = None
    namespace_selector: LabelSelector | None = None
    ip_block: IPBlock | None = None

    @classmethod
    def pods(cls, labels: dict[str, str]) -> Peer:
        """Pods with these labels in the policy's own namespace."""
        return cls(pod_selector=LabelSelector.of(labels))

    @classmethod
    def pods_in_namespace(cls, namespace: str, labels: dict[str, str]) -> Peer:
        """Pods with these labels in the named namespace (one peer: AND)."""
        return cls(
            pod_selector=LabelSelector.of(labels),
            namespace_selector=LabelSelector.of({NAMESPACE_NAME_LABEL: namespace}),
        )

    @classmethod
    def workload(cls, workload: Workload, policy_namespace: str) -> Peer:
        if workload.namespace == policy_namespace:
            return cls.pods(workload.labels_dict)
        return cls.pods_in_namespace(workload.namespace, workload.labels_dict)

    @classmethod
    def namespace(cls, name: str) -> Peer:
        """Every pod of the named namespace."""
        return cls(namespace_selector=LabelSelector.of({NAMESPACE_NAME_LABEL: name}))

    @classmethod
    def ip_block_of(cls, cidr: str, except_: tuple[str, ...] = ()) -> Peer:
        return cls(ip_block=IPBlock(cidr, tuple(sorted(except_))))

    def sort_key(self) -> PeerKey:
        def sel(s: LabelSelector | None) -> tuple[int] | tuple[int, SelectorKey]:
            return (0,) if s is None else (1, s.sort_key())

        ip: tuple[int] | tuple[int, str, tuple[str, ...]]
        ip = (0,) if self.ip_block is None else (1, self.ip_block.cidr, self.ip_block.except_)
        return (ip, sel(self.namespace_selector), sel(self.pod_selector))


@dataclass(frozen=True)
class Rule:
    """``peers`` × ``ports``.  No peers: every source/destination; no ports: every port."""

    peers: tuple[Peer, ...] = ()
    ports: tuple[Port, ...] = ()

    def sort_key(self) -> RuleKey:
        return (tuple(p.sort_key() for p in self.peers), tuple(p.sort_key() for p in self.ports))


@dataclass(frozen=True)
class Policy:
    name: str
    namespace: str
    pod_selector: LabelSelector
    ingress_isolated: bool
    egress_isolated: bool
    ingress: tuple[Rule, ...] = ()
    egress: tuple[Rule, ...] = ()

    @property
    def ref(self) -> str:
        return f"{self.namespace}/{self.name}"

    @property
    def policy_types(self) -> tuple[str, ...]:
        return (("Ingress",) if self.ingress_isolated else ()) + (("Egress",) if self.egress_isolated else ())


# ---------------------------------------------------------------- the design (graph)


@dataclass(frozen=True)
class Namespace:
    name: str
    labels: tuple[tuple[str, str], ...] = ()

    @property
    def labels_dict(self) -> dict[str, str]:
        """The namespace's labels, with the one Kubernetes always sets."""
        return {**dict(self.labels), NAMESPACE_NAME_LABEL: self.name}


@dataclass(frozen=True)
class Workload:
    namespace: str
    name: str
    labels: tuple[tuple[str, str], ...]
    ports: tuple[ContainerPort, ...] = ()
    ip: str | None = None  # the pod's IP when known (imported ``status.podIP``)
    kind: str = ""  # the Kubernetes kind it was imported from (Deployment, Pod …); empty when drawn

    @classmethod
    def of(cls, ref: str, labels: dict[str, str] | None = None, ports: Iterable[ContainerPort] = ()) -> Workload:
        namespace, name = ref.split("/", 1)
        return cls(namespace, name, tuple(sorted((labels or {"app": name}).items())), tuple(ports))

    @cached_property
    def ref(self) -> str:  # kept: lint and analysis ask for it hundreds of thousands of times
        return f"{self.namespace}/{self.name}"

    @property
    def labels_dict(self) -> dict[str, str]:
        return dict(self.labels)

    def named_port(self, name: str) -> ContainerPort | None:
        return next((p for p in self.ports if p.name == name), None)


@dataclass(frozen=True)
class External:
    """A peer outside the cluster: an IP range (``cidr`` minus ``except_``) or a DNS name (``fqdn``, which may
    be a pattern with one leading ``*.`` label).  Exactly one of ``cidr`` and ``fqdn`` is set."""

    name: str
    cidr: str
    except_: tuple[str, ...] = ()
    fqdn: str = ""

    @classmethod
    def dns_name(cls, name: str, fqdn: str) -> External:
        return cls(name, "", (), fqdn)

    @property
    def is_fqdn(self) -> bool:
        return bool(self.fqdn)

    @property
    def is_pattern(self) -> bool:
        """``*.example.com``: every name one label below ``example.com``."""
        return self.fqdn.startswith("*.")

    @property
    def is_everything(self) -> bool:
        return self.cidr in ("0.0.0.0/0", "::/0")


EndpointKind = Literal["workload", "namespace", "external"]


@dataclass(frozen=True)
class Endpoint:
    kind: EndpointKind
    ref: str

    @classmethod
    def workload(cls, ref: str) -> Endpoint:
        return cls("workload", ref)

    @classmethod
    def namespace(cls, name: str) -> Endpoint:
        return cls("namespace", name)

    @classmethod
    def external(cls, name: str) -> Endpoint:
        return cls("external", name)

    def sort_key(self) -> EndpointKey:
        return (self.kind, self.ref)


@dataclass(frozen=True)
class Flow:
    source: Endpoint
    destination: Endpoint
    ports: tuple[Port, ...] = ()

    @property
    def ref(self) -> str:
        return f"{self.source.ref} -> {self.destination.ref}"

    def sort_key(self) -> FlowKey:
        return (self.source.sort_key(), self.destination.sort_key(), tuple(p.sort_key() for p in self.ports))


@dataclass(frozen=True)
class Settings:
    isolate_ingress: bool = True
    isolate_egress: bool = True
    dns: bool = True


@dataclass(frozen=True)
class Graph:
    """A whole design as the domain sees it."""

    namespaces: tuple[Namespace, ...] = ()
    workloads: tuple[Workload, ...] = ()
    externals: tuple[External, ...] = ()
    flows: tuple[Flow, ...] = ()
    settings: Settings = field(default_factory=Settings)
    # NetworkPolicies kept as they are (imported): exported next to the compiled ones, meaning unchanged
    policies: tuple[Policy, ...] = ()

    def namespace(self, name: str) -> Namespace:
        cache = self.__dict__.get("_ns_by_name")
        if cache is None:  # the first namespace of each name, as a scan would find it
            cache = {}
            for ns in self.namespaces:
                cache.setdefault(ns.name, ns)
            object.__setattr__(self, "_ns_by_name", cache)
        found = cache.get(name)
        return found if found is not None else Namespace(name)

    def workload(self, ref: str) -> Workload | None:
        return self._workloads_by_ref().get(ref)

    def external(self, name: str) -> External | None:
        return next((e for e in self.externals if e.name == name), None)

    def is_fqdn_endpoint(self, endpoint: Endpoint) -> bool:
        """Whether ``endpoint`` is a DNS-name external (which a NetworkPolicy cannot express)."""
        if endpoint.kind != "external":
            return False
        names = self.__dict__.get("_fqdn_names")
        if names is None:
            names = frozenset(e.name for e in self.externals if e.fqdn)
            object.__setattr__(self, "_fqdn_names", names)
        return endpoint.ref in names

    def _workloads_by_ref(self) -> dict[str, Workload]:
        cache = self.__dict__.get("_by_ref")
        if cache is None:
            cache = {w.ref: w for w in self.workloads}
            object.__setattr__(self, "_by_ref", cache)
        return cache

    def workloads_in(self, namespace: str) -> list[Workload]:
        cache = self.__dict__.get("_by_namespace")
        if cache is None:
            cache = {}
            for w in self.workloads:
                cache.setdefault(w.namespace, []).append(w)
            object.__setattr__(self, "_by_namespace", cache)
        return list(cache.get(namespace, ()))
