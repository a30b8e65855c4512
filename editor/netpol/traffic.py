"""Observed traffic → connections: a streaming reader of ``hubble observe -o json`` and Inspektor Gadget's
``advise network-policy`` records (JSON lines).

The reader takes a binary stream (anything with ``read(n)``) and looks at one line at a time; it never
holds the body.  Each line is *used* (a connection's start the contract counts), *dropped* (verdict
DROPPED), *skipped* (could not be read, or an endpoint that cannot be drawn: listed with its line number
and the reason, the first ``MAX_SKIPPED``) or passed over (replies, TCP packets after the SYN, ICMP,
L7-only lines, other verdicts).  Used lines are added up per connection (source endpoint, destination
endpoint, protocol, destination port) with a count and the first line that showed it.

Hubble's field names are protojson's with the proto's own names (``api/v1/flow/flow.proto``): ``verdict``,
``is_reply``, ``Type``, ``l4.TCP.flags.SYN``, ``IP.source``, ``source.pod_name``, ``source.workloads``,
``source.labels`` (``k8s:app=web``, ``reserved:world``), ``destination_names``.  A field left out has its
zero value.  The port is always the L4 header's ``destination_port``: the pod's port (Hubble reports the
backend after Service translation), never a Service's.
"""

from __future__ import annotations

import io
import ipaddress
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from .validate import Invalid, check_fqdn, check_label_key, check_label_value

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

try:  # a fast parser when installed (pinned in pyproject.toml); the standard one otherwise
    import orjson

    _loads: Callable[[bytes], Any] = orjson.loads
    _DECODE_ERRORS: tuple[type[Exception], ...] = (orjson.JSONDecodeError, ValueError)
except ImportError:  # pragma: no cover
    _loads = json.loads
    _DECODE_ERRORS = (ValueError,)

FORMATS = ("hubble", "ig")
MAX_SKIPPED = 100
MAX_LINE_BYTES = 1024 * 1024  # one flow line is 1.6-2.6 KB; a longer line is skipped, not read whole
MAX_BYTES = 2 * 1024 * 1024 * 1024  # 2 GiB: about 1,000,000 real-sized Hubble lines
CHUNK = 1024 * 1024

JSONObject = dict[str, Any]  # one parsed record, or an object inside it


class Readable(Protocol):
    """What a body is read from: a file, an upload, a request stream."""

    def read(self, size: int, /) -> bytes: ...


NOISE_LABEL_KEYS = frozenset({"pod-template-hash", "controller-revision-hash", "pod-template-generation"})
NOISE_LABEL_PREFIXES = ("io.kubernetes.", "io.cilium.")
NAMESPACE_LABEL_PREFIX = "io.cilium.k8s.namespace.labels."
WORLD = frozenset({"world", "world-ipv4", "world-ipv6"})
POLICY_VERDICT_EVENT = 5  # Cilium's monitor message type for policy-verdict events (event_type.type)
PROTOCOLS = ("TCP", "UDP", "SCTP")
_VERDICTS = {1: "FORWARDED", 2: "DROPPED", 4: "AUDIT"}  # when printed as numbers

ERR_TOO_LARGE = (
    "The body is larger than {limit:,} bytes, the most one upload may be: split the capture "
    "(e.g. hubble observe --since/--until) and send the parts one by one."
)
ERR_NO_FLOW = (
    "No line of the body is a usable flow: {why}. Send `hubble observe -o json` output (format=hubble) or "
    "Inspektor Gadget's `advise network-policy monitor` records (format=ig), one JSON object a line; "
    "a connection's start (not a reply, a TCP SYN) with verdict FORWARDED or AUDIT over TCP, UDP or SCTP."
)
ERR_FORMAT = "Unknown format '{format}': use one of {known}."


class TooLarge(ValueError):
    """The body is over ``MAX_BYTES``."""


# ---------------------------------------------------------------- endpoints


@dataclass(frozen=True)
class Pod:
    """An observed pod endpoint: its workload's name, and the pod's own labels (one distinct label set)."""

    namespace: str
    name: str
    labels: tuple[tuple[str, str], ...]  # the pod's labels as Kubernetes has them
    namespace_labels: tuple[tuple[str, str], ...] = ()  # as Cilium reports them, when it does

    @property
    def ref(self) -> str:
        return f"{self.namespace}/{self.name}"

    @property
    def is_pod(self) -> bool:
        return True

    def design_labels(self) -> dict[str, str]:
        """The labels a design selects by: without the noise labels (hashes, generations, io.kubernetes.*)."""
        return {k: v for k, v in self.labels if not _noise(k)}


@dataclass(frozen=True)
class Outside:
    """An address outside the cluster; a destination may carry the DNS name it was reached by."""

    address: str
    fqdn: str = ""

    @property
    def ref(self) -> str:
        return self.address

    @property
    def is_pod(self) -> bool:
        return False


Endpoint = Pod | Outside


def _noise(key: str) -> bool:
    return key in NOISE_LABEL_KEYS or key.startswith(NOISE_LABEL_PREFIXES)


_NAME_BAD = re.compile(r"[^a-z0-9-]+")


def dns_label(text: str, fallback: str = "unnamed") -> str:
    """A DNS-1123 label made from ``text`` (lower case, other characters become '-', at most 63)."""
    name = _NAME_BAD.sub("-", text.lower()).strip("-")
    return name[:63].strip("-") or fallback


# ---------------------------------------------------------------- the result


@dataclass
class Skipped:
    line: int
    reason: str

    def as_dict(self) -> dict[str, int | str]:
        return {"line": self.line, "reason": self.reason}


@dataclass
class Traffic:
    """What a body held: counts, skipped lines, and used connections with their counts."""

    flows: int = 0  # every non-empty line
    used: int = 0
    dropped: int = 0
    skipped: list[Skipped] = field(default_factory=list)  # the first MAX_SKIPPED
    skipped_count: int = 0
    endpoints: list[Endpoint] = field(default_factory=list)  # ids are indexes
    # (source id, destination id, protocol, port) → [count, first line]
    connections: dict[tuple[int, int, str, int], list[int]] = field(default_factory=dict)

    def skip(self, line: int, reason: str) -> None:
        self.skipped_count += 1
        if len(self.skipped) < MAX_SKIPPED:  # a reason may quote the line: keep it short
            self.skipped.append(Skipped(line, reason if len(reason) <= 300 else reason[:299] + "…"))

    def why_nothing(self) -> str:
        """Why no line was used, in words (for the 400)."""
        if not self.flows:
            return "the body is empty"
        parts = [f"{self.flows:,} line{'s' if self.flows != 1 else ''} read"]
        if self.dropped:
            parts.append(f"{self.dropped:,} dropped")
        if self.skipped_count:
            first = self.skipped[0]
            parts.append(f"{self.skipped_count:,} skipped (line {first.line}: {first.reason})")
        passed = self.flows - self.dropped - self.skipped_count
        if passed:
            parts.append(f"{passed:,} not a connection's start (replies, TCP after the SYN, ICMP, L7, other verdicts)")
        return ", ".join(parts)


# ---------------------------------------------------------------- reading lines from a stream


class _Raw(io.RawIOBase):
    """Any ``read(n)`` stream as raw IO, so ``io.BufferedReader`` splits lines in C; counts the bytes."""

    def __init__(self, stream: Readable, max_bytes: int):
        self.stream, self.max_bytes, self.total = stream, max_bytes, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        view = memoryview(buffer)
        data = self.stream.read(len(view))
        if not data:
            return 0
        self.total += len(data)
        if self.total > self.max_bytes:
            raise TooLarge(ERR_TOO_LARGE.format(limit=self.max_bytes))
        view[: len(data)] = data
        return len(data)


def lines(stream: Readable, *, max_bytes: int = MAX_BYTES, chunk: int = CHUNK) -> Iterator[tuple[int, bytes | None]]:
    """(line number, line) for each line of ``stream``, read ``chunk`` bytes at a time; a line longer than
    ``MAX_LINE_BYTES`` comes as ``None`` (never held whole).  Raises :class:`TooLarge` past ``max_bytes``."""
    reader = io.BufferedReader(_Raw(stream, max_bytes), chunk)
    readline, limit, number = reader.readline, MAX_LINE_BYTES + 1, 0
    while True:
        raw = readline(limit)
        if not raw:
            return
        number += 1
        if len(raw) == limit and not raw.endswith(b"\n"):  # too long: drop the rest of it unread
            while (rest := readline(limit)) and not rest.endswith(b"\n"):
                pass
            yield number, None
            continue
        yield number, raw


# ---------------------------------------------------------------- the readers


class _Reader:
    """Shared by both formats: endpoint ids (one per distinct endpoint), counting, skipping."""

    def __init__(self) -> None:
        self.traffic = Traffic()
        self._ids: dict[object, int] = {}

    def endpoint_id(self, key: object, make: Callable[[], Endpoint]) -> int:
        found = self._ids.get(key)
        if found is None:
            found = self._ids[key] = len(self.traffic.endpoints)
            self.traffic.endpoints.append(make())
        return found

    def use(self, number: int, source: int, destination: int, protocol: str, port: int) -> None:
        t = self.traffic
        t.used += 1
        key = (source, destination, protocol, port)
        seen = t.connections.get(key)
        if seen is None:
            t.connections[key] = [1, number]
        else:
            seen[0] += 1

    def read(self, stream: Readable, max_bytes: int = MAX_BYTES) -> Traffic:
        t = self.traffic
        for number, raw in lines(stream, max_bytes=max_bytes):
            if raw is None:
                t.flows += 1
                t.skip(number, f"the line is longer than {MAX_LINE_BYTES:,} bytes: not a flow record")
                continue
            if not raw.strip():
                continue
            t.flows += 1
            if self.passed_over(raw):
                continue
            try:
                record = _loads(raw)
            except _DECODE_ERRORS as exc:
                t.skip(number, f"not JSON ({str(exc).splitlines()[0][:120]})")
                continue
            if not isinstance(record, dict):
                t.skip(number, "not a JSON object: send one record a line (JSON lines), not a list")
                continue
            try:
                self.line(number, record)
            except (AttributeError, TypeError, ValueError, KeyError) as exc:
                t.skip(number, f"a field has an unexpected shape ({type(exc).__name__}: {str(exc)[:100]})")
        return t

    def passed_over(self, raw: bytes) -> bool:
        """Whether a line surely is neither used nor dropped, seen without parsing it (a format may know)."""
        return False

    def line(self, number: int, record: JSONObject) -> None:  # pragma: no cover (each format has its own)
        raise NotImplementedError


def _labels(raw: Iterable[str]) -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...], list[str]]:
    """Cilium's label strings → (pod labels, namespace labels, reserved names)."""
    pod: dict[str, str] = {}
    namespace: dict[str, str] = {}
    reserved: list[str] = []
    for item in raw or ():
        source, _, rest = item.partition(":")
        if source == "reserved":
            reserved.append(rest.partition("=")[0])
            continue
        if source != "k8s":
            continue
        key, _, value = rest.partition("=")
        if key.startswith(NAMESPACE_LABEL_PREFIX):
            key = key[len(NAMESPACE_LABEL_PREFIX) :]
            target = namespace
        elif key == "io.kubernetes.pod.namespace" or key.startswith("io.cilium."):
            continue  # Cilium's own, not the pod's labels
        else:
            target = pod
        try:
            target[check_label_key(key)] = check_label_value(key, value)
        except Invalid:
            continue
    return tuple(sorted(pod.items())), tuple(sorted(namespace.items())), reserved


class HubbleReader(_Reader):
    """``hubble observe -o json``: ``{"flow": {...}, "node_name": ..., "time": ...}`` a line.

    A reply that was not dropped is passed over before parsing: ``"is_reply":true`` (with or without the space
    protojson may put after the colon) can only be the flow's own field, since a quote inside a JSON string
    is escaped.  About half of a capture is replies.  A pod endpoint is looked up by (namespace, pod,
    security identity): Cilium's identity stands for exactly one label set, so its labels are read once.
    """

    def passed_over(self, raw: bytes) -> bool:
        at = raw.rfind(b'"is_reply":')  # near the end (field 26 of 28)
        if at >= 0 and raw[at + 11 : at + 16] in (b"true,", b"true}", b" true"):
            return b'"DROPPED"' not in raw  # a reply
        # a TCP packet after the SYN (no "SYN":true anywhere) that is no policy-verdict event
        return (
            b'"TCP":' in raw
            and b'"SYN":true' not in raw
            and b'"SYN": true' not in raw
            and b'"DROPPED"' not in raw
            and b'"type":5' not in raw
            and b'"type": 5' not in raw
        )

    def line(self, number: int, record: JSONObject) -> None:
        t = self.traffic
        flow = record.get("flow")
        if flow is None:
            if "verdict" not in record and "l4" not in record:  # a bare flow is read too
                other = ", ".join(sorted(record)[:3]) or "an empty object"
                t.skip(number, f'not a flow ({other}): hubble observe -o json prints one {{"flow": ...}} a line')
                return
            flow = record
        get = flow.get
        verdict = get("verdict", "VERDICT_UNKNOWN")
        if verdict.__class__ is int:
            verdict = _VERDICTS.get(verdict, str(verdict))
        if verdict == "DROPPED":
            t.dropped += 1
            return
        if (verdict != "FORWARDED" and verdict != "AUDIT") or get("is_reply") or get("Type") in ("L7", 2):
            return
        l4 = get("l4") or {}
        header = l4.get("TCP")
        if header is not None:
            protocol = "TCP"
            flags = header.get("flags") or {}
            start = flags.get("SYN") and not flags.get("ACK")
            if not start and (get("event_type") or {}).get("type") != POLICY_VERDICT_EVENT:
                return
        elif "UDP" in l4:
            protocol, header = "UDP", l4["UDP"] or {}
        elif "SCTP" in l4:
            protocol, header = "SCTP", l4["SCTP"] or {}
        else:
            return  # ICMP, or no L4 header
        port = header.get("destination_port", 0)
        if port.__class__ is not int or not 1 <= port <= 65535:
            t.skip(number, f"destination_port {port!r} is not a port from 1 to 65535")
            return
        ip = get("IP") or {}
        ids = self._ids
        ep = get("source") or {}
        source = ids.get((ep.get("namespace"), ep.get("pod_name"), ep.get("identity")))  # a pod seen before
        if source is None:
            source = self._endpoint(number, ep, ip.get("source"), (), "source")
            if source is None:
                return
        ep = get("destination") or {}
        destination = ids.get((ep.get("namespace"), ep.get("pod_name"), ep.get("identity")))
        if destination is None:
            destination = self._endpoint(number, ep, ip.get("destination"), get("destination_names"), "destination")
            if destination is None:
                return
        t.used += 1
        key = (source, destination, protocol, port)
        seen = t.connections.get(key)
        if seen is None:
            t.connections[key] = [1, number]
        else:
            seen[0] += 1

    def _endpoint(
        self, number: int, ep: JSONObject, address: object, names: Iterable[object] | None, side: str
    ) -> int | None:
        namespace = ep.get("namespace") or ""
        identity = ep.get("identity")
        fast = (namespace, ep.get("pod_name"), identity) if namespace and identity else None
        if fast is not None:
            found = self._ids.get(fast)
            if found is not None:
                return found
        raw_labels = ep.get("labels") or ()
        quick = None
        if not namespace:  # outside (or reserved): by its labels, address and names
            quick = (tuple(raw_labels), identity, address, tuple(names) if names else ())
            found = self._ids.get(quick)
            if found is not None:
                return found
        workloads = ep.get("workloads") or ()
        name = (workloads[0].get("name") if workloads else "") or ep.get("pod_name") or ""
        key = (namespace, name, tuple(raw_labels), identity or 0)
        found = self._ids.get(key)
        if found is not None:
            if fast is not None:
                self._ids[fast] = found
            return found
        labels, namespace_labels, reserved = _labels(raw_labels)
        world = bool(reserved) and all(r in WORLD for r in reserved)
        if not reserved and not namespace and ep.get("identity") in (2, 9, 10):  # world by its identity alone
            world = True
        if world:
            found = self._outside(number, address, names, side)
            if found is not None and quick is not None:
                self._ids[quick] = found
            return found
        if reserved:
            kind = next(r for r in reserved if r not in WORLD)
            self.traffic.skip(number, f"the {side} is reserved:{kind}, which a NetworkPolicy cannot select: not drawn")
            return None
        if not namespace:
            self.traffic.skip(number, f"the {side} has neither a namespace nor a reserved: label: not a pod")
            return None
        if not name:
            self.traffic.skip(number, f"the {side} pod in {namespace} has neither workloads[].name nor pod_name")
            return None
        found = self.endpoint_id(key, lambda: Pod(namespace, dns_label(name), labels, namespace_labels))
        if fast is not None:
            self._ids[fast] = found
        return found

    def _outside(self, number: int, address: object, names: Iterable[object] | None, side: str) -> int | None:
        try:
            text = str(ipaddress.ip_address(address)) if isinstance(address, str) else ""
        except ValueError:
            text = ""
        if not text:
            self.traffic.skip(number, f"the {side} is outside the cluster but IP.{side} {address!r} is no address")
            return None
        fqdn = ""
        for name in names or ():
            try:
                fqdn = check_fqdn(name)
                break
            except Invalid:
                continue
        return self.endpoint_id(("outside", text, fqdn), lambda: Outside(text, fqdn))


class GadgetReader(_Reader):
    """Inspektor Gadget's ``advise network-policy monitor`` records (its ``trace network`` events).

    ``pktType`` OUTGOING: the pod opened a connection to the remote on ``port``; HOST: the remote opened one
    to the pod on ``port``.  The remote is a pod, a Service (whose port is the Service's, so the record is
    skipped: the receiving pod's own HOST record has the pod's port) or another address.  Every record is a
    connection's start; Inspektor Gadget sees no verdicts.  Workloads are named from pod names without the
    ReplicaSet and controller suffixes, on both ends alike.
    """

    def line(self, number: int, record: JSONObject) -> None:
        t = self.traffic
        if record.get("type", "normal") != "normal" or "pktType" not in record:
            what = record.get("message") or record.get("type") or "no pktType"
            t.skip(number, f"not a network event ({str(what)[:80]})")
            return
        direction = record["pktType"]
        if direction not in ("OUTGOING", "HOST"):
            return
        protocol = str(record.get("proto", "")).upper()
        if protocol not in PROTOCOLS:
            return
        port = record.get("port", 0)
        if not isinstance(port, int) or not 1 <= port <= 65535:
            t.skip(number, f"port {port!r} is not a port from 1 to 65535")
            return
        k8s = record.get("k8s") or {}
        namespace = record.get("namespace") or k8s.get("namespace") or ""
        pod_name = record.get("pod") or k8s.get("podName") or k8s.get("pod") or ""
        if not namespace or not pod_name:
            t.skip(number, "the record names no namespace and pod")
            return
        local = self._pod(namespace, pod_name, record.get("podLabels") or {})
        remote = self._remote(number, record, direction, namespace, protocol, port)
        if remote is None:
            return
        source, destination = (local, remote) if direction == "OUTGOING" else (remote, local)
        self.use(number, source, destination, protocol, port)

    def _pod(self, namespace: str, pod_name: str, labels: JSONObject) -> int:
        items = tuple(sorted((str(k), str(v)) for k, v in labels.items()))
        return self.endpoint_id(
            ("pod", namespace, pod_name, items),
            lambda: Pod(namespace, dns_label(workload_name(pod_name, labels)), _valid(items)),
        )

    def _remote(
        self, number: int, record: JSONObject, direction: str, namespace: str, protocol: str, port: int
    ) -> int | None:
        dst = record.get("dst") or {}
        kind = record.get("remoteKind") or dst.get("kind") or ""
        if kind == "pod":
            ns = record.get("remotePodNamespace") or record.get("remoteNamespace") or dst.get("namespace") or ""
            name = record.get("remotePodName") or record.get("remoteName") or dst.get("name") or ""
            labels = record.get("remotePodLabels") or record.get("remoteLabels") or dst.get("podlabels") or {}
            if not ns or not name:
                self.traffic.skip(number, "the remote pod has no namespace or name")
                return None
            return self._pod(ns, name, labels)
        if kind == "svc":
            ns = record.get("remoteServiceNamespace") or record.get("remoteNamespace") or dst.get("namespace") or ""
            name = record.get("remoteServiceName") or record.get("remoteName") or dst.get("name") or ""
            if ns == "kube-system" and port == 53:  # DNS: the design's DNS rule covers it
                return self.endpoint_id(("dns", protocol), lambda: Pod("kube-system", "kube-dns", ()))
            self.traffic.skip(
                number,
                f"a connection to Service {ns}/{name} on its port {port}: the pod's port is not in the record; "
                "the receiving pod's own record (pktType HOST) has it",
            )
            return None
        address = record.get("remoteOther") or record.get("remoteAddr") or dst.get("addr") or record.get("ip") or ""
        try:
            parsed = ipaddress.ip_address(address)
        except ValueError:
            self.traffic.skip(number, f"the remote {address!r} is no address")
            return None
        if parsed.is_loopback:
            return None
        if direction == "HOST" and address == record.get("podHostIP"):
            self.traffic.skip(number, "from the pod's own node (kubelet probes): a NetworkPolicy cannot select it")
            return None
        text = str(parsed)
        return self.endpoint_id(("outside", text, ""), lambda: Outside(text))


def _valid(items: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    out: list[tuple[str, str]] = []
    for key, value in items:
        try:
            out.append((check_label_key(key), check_label_value(key, value)))
        except Invalid:
            continue
    return tuple(out)


_REPLICA_SUFFIX = re.compile(r"-[a-z0-9]{5}$")
_ORDINAL = re.compile(r"-\d+$")


def workload_name(pod_name: str, labels: JSONObject) -> str:
    """A pod's workload: the name without the ReplicaSet hash and pod suffix (Deployments), the ordinal
    (StatefulSets) or the random suffix (DaemonSets)."""
    template_hash = labels.get("pod-template-hash")
    if template_hash and f"-{template_hash}-" in pod_name:
        return pod_name.rsplit(f"-{template_hash}-", 1)[0]
    if "controller-revision-hash" in labels:
        if "statefulset.kubernetes.io/pod-name" in labels:
            return _ORDINAL.sub("", pod_name)
        return _REPLICA_SUFFIX.sub("", pod_name)
    return pod_name


READERS = {"hubble": HubbleReader, "ig": GadgetReader}


def read(stream: Readable, format: str = "hubble", *, max_bytes: int = MAX_BYTES) -> Traffic:
    """Read a whole body (a stream of JSON lines) in one pass; see the module's docstring."""
    if format not in READERS:
        raise ValueError(ERR_FORMAT.format(format=format, known=", ".join(FORMATS)))
    return READERS[format]().read(stream, max_bytes)
