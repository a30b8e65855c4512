"""Use network-config-analyzer (``nca``) as an independent oracle for NetworkPolicy semantics.

The editor generates ``networking.k8s.io/v1`` NetworkPolicies; tests need to know, independently of our own
code, which pod-to-pod connections a set of policies allows.  :func:`nca_allowed_connections` answers that by
writing the policies, namespaces and pods to a temporary directory and running *one* nca process::

    python -m nca --connectivity policies.yaml --ns_list namespaces.yaml --pod_list pods.yaml \\
        --output_format txt_no_fw_rules --output_endpoints pods --file_out connectivity.txt

Example::

    pods = [Pod("shop", "api", {"app": "api"}), Pod("shop", "db", {"app": "db"}, [("pg", 5432, "TCP")])]
    allowed = nca_allowed_connections(policies_yaml, {"shop": {}}, pods, [("TCP", 5432), ("UDP", 53)])
    assert ("shop/api", "shop/db", "TCP", 5432) in allowed

Output format
-------------
``txt_no_fw_rules`` prints one line per (source, destination, connection set), with no firewall-rule
minimisation, e.g.::

    shop/api => shop/db : {protocols:TCP,dst_ports:5432,8080}
    shop/api => shop/db : {protocols:UDP,dst_ports:100-200}
    shop/db => shop/api : All connections
    0.0.0.0-255.255.255.255 => shop/api : All connections

A pair may appear on several lines; the allowed set is their union.  A pair that is missing is fully
denied.  The connection text is ``All connections``, a comma-separated list of ``{dim:value,...}`` cubes
(dimensions ``protocols`` and ``dst_ports`` for K8s policies), or ``All but <cubes>`` when nca finds the
complement shorter; :func:`connection_allows` evaluates all three.  The other formats (``txt``, ``csv``,
``yaml``) are *minimised firewall rules* phrased with namespace/label selectors and wildcards, which would
need re-interpreting -- and they treat self-connections as "don't care" while grouping, so e.g. a rule
``[ns]/[*] => [ns]/[*] : TCP 5432`` does not mean a pod reaches itself on only 5432.

nca behaviour worth knowing (checked against nca 2.1.0)
--------------------------------------------------------
* **Self-connections are never reported.**  For connectivity maps nca drops every ``p => p`` edge, so the
  result never contains ``(p, p, ...)`` (Kubernetes cannot block a pod's traffic to itself anyway).
  Compare only ``src != dst`` pairs against the oracle.
* **Both sides must allow.**  A connection is reported only if the source's egress and the destination's
  ingress both permit it; pods not selected by any policy of a direction are unrestricted in that direction.
* **Named ports** in a rule are resolved on the *destination* pod's container ports (for ingress and egress
  rules alike), matching the protocol too: rule ``{protocol: TCP, port: http}`` allows TCP 8080 to a pod
  whose container port ``http`` is TCP 8080, and nothing to a pod without such a port.  nca prints warnings
  such as ``Named ports {'x'} are not defined in any pod`` to stderr; those are harmless and ignored.
* **ipBlocks only match IPs outside the cluster.**  nca ignores ``status.podIP``: an ``ipBlock`` covering
  a pod's IP does *not* allow that pod (consistent with the K8s docs' advice that ipBlocks are for
  cluster-external IPs).  Lines whose endpoint is an IP range are skipped here.
* **``policyTypes`` order.**  nca rejects ``[Egress, Ingress]`` ("policyTypes has invalid value") although
  Kubernetes accepts any order, so this module normalises it to ``[Ingress, Egress]`` before calling nca.
  nca is otherwise stricter than the API server in a few places, e.g. an ``ingress:`` key (even ``[]``)
  without ``Ingress`` in ``policyTypes`` is an error; such errors surface as :class:`NcaError`.
* **Silent failures.**  nca exits 0 and treats a file as empty when it is not valid YAML, and keeps only
  the first of two policies with the same namespace/name.  This module therefore parses and checks the
  YAML itself (``ValueError`` on bad input) and also scans nca's stderr for errors.
* **Isomorphic pods.**  nca keeps at most two pods per "equivalence class" (same namespace, owner workload
  and labels).  Bare ``Pod`` objects without ``ownerReferences`` are their own workload, so every pod given
  here is kept; the module checks nca's "cluster has N unique endpoints" count to be sure.
* **Speed.**  One call is a single nca process and takes roughly 0.4 s, almost all of it interpreter
  start-up and imports; the analysis itself is milliseconds for a few dozen pods.
"""

import ipaddress
import re
import subprocess
import sys
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

__all__ = ["NcaError", "Pod", "connection_allows", "nca_allowed_connections"]

Connection = tuple[str, str, str, int]
"""``(src "ns/pod", dst "ns/pod", protocol, port)``"""

PROTOCOLS = frozenset({"TCP", "UDP", "SCTP"})
NCA_TIMEOUT_SECONDS = 120
_NS_NAME_LABEL = "kubernetes.io/metadata.name"


class NcaError(RuntimeError):
    """nca could not be run, rejected its input, or printed something this module cannot interpret."""


@dataclass(frozen=True)
class Pod:
    """A bare pod: where it lives, its labels and its container ports ``(name, number, protocol)``.

    A port with an empty name is written as an unnamed container port.  Instances compare by value but are
    not hashable (``labels`` is a dict); use :attr:`key` to put pods in sets or dict keys.
    """

    namespace: str
    name: str
    labels: dict[str, str] = field(default_factory=dict)
    ports: list[tuple[str, int, str]] = field(default_factory=list)

    @property
    def key(self) -> str:
        """The ``"namespace/name"`` form used in results (and by nca)."""
        return f"{self.namespace}/{self.name}"


def nca_allowed_connections(
    policies_yaml: str,
    namespaces: Mapping[str, Mapping[str, str]],
    pods: Sequence[Pod],
    probes: Iterable[tuple[str, int]],
) -> set[Connection]:
    """Ask nca which of ``probes`` each ordered pair of distinct ``pods`` may use.

    :param policies_yaml: multi-document YAML holding only NetworkPolicy objects (may be empty).
    :param namespaces: namespace name -> labels.  ``kubernetes.io/metadata.name`` is added when missing, and
        namespaces used by pods or policies but absent here are added with just that label.
    :param pods: the pods of the cluster; ``(namespace, name)`` must be unique.
    :param probes: ``(protocol, port)`` pairs; protocol is TCP, UDP or SCTP (any case, reported upper-case).
    :return: ``{(src, dst, protocol, port)}`` allowed by nca, pod-to-pod only, never with ``src == dst``.
    :raises ValueError: for malformed input (bad YAML, non-NetworkPolicy documents, duplicate names, ...).
    :raises NcaError: if nca fails or its output cannot be interpreted.
    """
    probe_list = _normalise_probes(probes)
    pods_by_key = _index_pods(pods)
    policies = _load_policies(policies_yaml)
    ns_labels = _namespace_labels(namespaces, pods, policies)
    if not pods:
        return set()  # nca refuses to run a connectivity query on an empty cluster (exit code 4)

    with tempfile.TemporaryDirectory(prefix="nca-oracle-") as tmp:
        tmpdir = Path(tmp)
        policies_file = tmpdir / "policies.yaml"
        policies_file.write_text(yaml.safe_dump_all(policies, sort_keys=False) if policies else "")
        (tmpdir / "namespaces.yaml").write_text(yaml.safe_dump(_namespace_list(ns_labels), sort_keys=False))
        (tmpdir / "pods.yaml").write_text(yaml.safe_dump(_pod_list(pods), sort_keys=False))
        output = _run_nca(tmpdir, expected_pods=len(pods))

    allowed_by_pair: dict[tuple[str, str], list[str]] = defaultdict(list)
    for src, dst, conns in _parse_lines(output):
        src_is_pod, dst_is_pod = src in pods_by_key, dst in pods_by_key
        line_pair = f"{src} => {dst}"
        if src_is_pod and dst_is_pod:
            allowed_by_pair[(src, dst)].append(conns)
        elif not (src_is_pod or _is_ip_range(src)) or not (dst_is_pod or _is_ip_range(dst)):
            raise NcaError(f"nca reported an endpoint that is not a given pod nor an IP range: {line_pair}")

    return {
        (src, dst, protocol, port)
        for (src, dst), conn_texts in allowed_by_pair.items()
        for protocol, port in probe_list
        if any(connection_allows(text, protocol, port) for text in conn_texts)
    }


# ---------------------------------------------------------------------------------------------------------
# Input preparation


def _normalise_probes(probes: Iterable[tuple[str, int]]) -> list[tuple[str, int]]:
    result = []
    for protocol, port in probes:
        proto = protocol.upper()
        if proto not in PROTOCOLS:
            raise ValueError(f"probe protocol must be one of {sorted(PROTOCOLS)}, got {protocol!r}")
        if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
            raise ValueError(f"probe port must be an int in 1..65535, got {port!r}")
        if (proto, port) not in result:
            result.append((proto, port))
    return result


def _index_pods(pods: Sequence[Pod]) -> dict[str, Pod]:
    by_key: dict[str, Pod] = {}
    for pod in pods:
        if pod.key in by_key:
            raise ValueError(f"duplicate pod {pod.key}")
        by_key[pod.key] = pod
    if len(pods) > 254 * 256:
        raise ValueError("too many pods for the 172.30.0.0/16 pod IP range")
    return by_key


def _load_policies(policies_yaml: str) -> list[dict]:
    """Parse and sanity-check the policies; normalise ``policyTypes`` order (see module docstring)."""
    try:
        documents = [doc for doc in yaml.safe_load_all(policies_yaml) if doc is not None]
    except yaml.YAMLError as exc:
        raise ValueError(f"policies are not valid YAML: {exc}") from exc
    seen: set[tuple[str, str]] = set()
    for doc in documents:
        if not isinstance(doc, dict) or doc.get("kind") != "NetworkPolicy":
            kind = doc.get("kind") if isinstance(doc, dict) else type(doc).__name__
            raise ValueError(f"expected only NetworkPolicy documents, got {kind!r}")
        if doc.get("apiVersion") != "networking.k8s.io/v1":
            raise ValueError(f"expected apiVersion networking.k8s.io/v1, got {doc.get('apiVersion')!r}")
        metadata = doc.get("metadata") or {}
        ident = (metadata.get("namespace") or "default", metadata.get("name"))
        if ident in seen:
            # nca would silently keep only the first one.
            raise ValueError(f"duplicate NetworkPolicy {ident[0]}/{ident[1]}")
        seen.add(ident)
        spec = doc.get("spec")
        if isinstance(spec, dict) and isinstance(spec.get("policyTypes"), list):
            types = spec["policyTypes"]
            if sorted(types) == ["Egress", "Ingress"]:
                spec["policyTypes"] = ["Ingress", "Egress"]
    return documents


def _namespace_labels(
    namespaces: Mapping[str, Mapping[str, str]], pods: Sequence[Pod], policies: list[dict]
) -> dict[str, dict[str, str]]:
    result = {name: dict(labels) for name, labels in namespaces.items()}
    used = [pod.namespace for pod in pods]
    used += [(policy.get("metadata") or {}).get("namespace") or "default" for policy in policies]
    for name in used:
        result.setdefault(name, {})
    for name, labels in result.items():
        labels.setdefault(_NS_NAME_LABEL, name)
    return result


def _namespace_list(ns_labels: dict[str, dict[str, str]]) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "NamespaceList",
        "items": [
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels}}
            for name, labels in ns_labels.items()
        ],
    }


def _pod_list(pods: Sequence[Pod]) -> dict:
    items = []
    for index, pod in enumerate(pods):
        container_ports = []
        for port_name, number, protocol in pod.ports:
            port = {"containerPort": number, "protocol": protocol.upper()}
            if port_name:
                port = {"name": port_name, **port}
            container_ports.append(port)
        container = {"name": "main", "image": "example.invalid/app"}
        if container_ports:
            container["ports"] = container_ports
        items.append(
            {
                "apiVersion": "v1",
                "kind": "Pod",
                # No ownerReferences: each bare pod is its own workload, so nca keeps every one of them.
                "metadata": {"name": pod.name, "namespace": pod.namespace, "labels": dict(pod.labels)},
                "spec": {"containers": [container]},
                "status": {"podIP": f"172.30.{index // 254}.{index % 254 + 1}"},
            }
        )
    return {"apiVersion": "v1", "kind": "PodList", "items": items}


# ---------------------------------------------------------------------------------------------------------
# Running nca

# stderr lines that mean nca ignored or rejected part of the input.  Other stderr lines are lint-style
# warnings ("A podSelector selects no pods", "Named ports {...} are not defined in any pod", ...).
_FATAL_STDERR = re.compile(
    r"Error|Bad yaml|Skipping|Ignoring new policy|not yet supported|multiply defined|Traceback", re.IGNORECASE
)
_ENDPOINT_COUNT = re.compile(r"cluster has (\d+) unique endpoints")


def _run_nca(tmpdir: Path, expected_pods: int) -> str:
    out_file = tmpdir / "connectivity.txt"
    command = [
        sys.executable, "-m", "nca",
        "--connectivity", str(tmpdir / "policies.yaml"),
        "--ns_list", str(tmpdir / "namespaces.yaml"),
        "--pod_list", str(tmpdir / "pods.yaml"),
        "--output_format", "txt_no_fw_rules",
        "--output_endpoints", "pods",
        "--file_out", str(out_file),
    ]  # fmt: skip
    try:
        proc = subprocess.run(
            command, capture_output=True, text=True, timeout=NCA_TIMEOUT_SECONDS, cwd=tmpdir, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise NcaError(f"could not run nca: {exc}") from exc

    def failure(reason: str) -> NcaError:
        policies = (tmpdir / "policies.yaml").read_text().splitlines()
        numbered = "\n".join(f"{n:4}| {line}" for n, line in enumerate(policies, start=1))
        return NcaError(
            f"{reason}\ncommand: {' '.join(command)}\nexit code: {proc.returncode}\n"
            f"stderr:\n{proc.stderr.strip()}\nstdout:\n{proc.stdout.strip()}\n"
            f"policies.yaml as given to nca:\n{numbered}"
        )

    if proc.returncode != 0:
        hint = " (network-config-analyzer is not installed)" if "No module named" in proc.stderr else ""
        raise failure(f"nca failed{hint}")
    fatal = [line for line in proc.stderr.splitlines() if _FATAL_STDERR.search(line)]
    if fatal:
        raise failure(f"nca reported a problem with its input: {fatal[0]}")
    count = _ENDPOINT_COUNT.search(proc.stdout)
    if count is None or int(count.group(1)) != expected_pods:
        raise failure(f"nca did not load exactly the {expected_pods} given pods")
    if not out_file.exists():
        raise failure("nca did not write its output file")
    return out_file.read_text()


# ---------------------------------------------------------------------------------------------------------
# Parsing nca's txt_no_fw_rules output

_LINE = re.compile(r"(?P<src>\S+) => (?P<dst>\S+) : (?P<conns>\S.*)")
_CUBE = re.compile(r"\{([^{}]*)\}")
_CUBE_ITEM_SPLIT = re.compile(r",(?=[a-z_]+:)")
_ALL_BUT = "All but "


def _parse_lines(output: str) -> Iterable[tuple[str, str, str]]:
    for raw in output.splitlines():
        line = raw.strip()
        if not line:
            continue
        match = _LINE.fullmatch(line)
        if match is None:
            raise NcaError(f"unexpected line in nca output: {line!r}")
        yield match["src"], match["dst"], match["conns"]


def _is_ip_range(name: str) -> bool:
    """``a.b.c.d-e.f.g.h`` (how nca prints IP blocks in this format) or a CIDR."""
    try:
        if "/" in name:
            ipaddress.ip_network(name, strict=False)
        else:
            for part in name.split("-", 1):
                ipaddress.ip_address(part)
    except ValueError:
        return False
    return True


def connection_allows(conns: str, protocol: str, port: int) -> bool:
    """Does one nca connection text (the part after ``" : "``) allow ``protocol``/``port``?

    Grammar (as produced by ``ConnectivityProperties.get_simplified_connections_representation``)::

        conns := "All connections" | "No connections" | "All but " cubes | cubes
        cubes := "{" items "}" ("," "{" items "}")*
        items := dim ":" value ("," dim ":" value)*      -- a dimension missing from a cube means "any"
        protocols value: "TCP" | "TCP, UDP" | "all but TCP, UDP"
        dst_ports value: "80" | "100-200" | "80,100-200"
    """
    conns = conns.strip()
    if conns == "All connections":
        return True
    if conns == "No connections":
        return False
    if conns.startswith(_ALL_BUT):
        return not _cubes_allow(conns[len(_ALL_BUT) :], protocol, port)
    return _cubes_allow(conns, protocol, port)


def _cubes_allow(text: str, protocol: str, port: int) -> bool:
    bodies = _CUBE.findall(text)
    if not bodies or ",".join(f"{{{body}}}" for body in bodies) != text:
        raise NcaError(f"cannot parse nca connection set: {text!r}")
    return any(_cube_allows(body, protocol, port) for body in bodies)


def _cube_allows(body: str, protocol: str, port: int) -> bool:
    for item in _CUBE_ITEM_SPLIT.split(body):
        dim, sep, value = item.partition(":")
        if not sep:
            raise NcaError(f"cannot parse nca connection cube: {{{body}}}")
        value = value.strip()
        if dim == "protocols":
            ok = _protocols_match(value, protocol)
        elif dim == "dst_ports":
            ok = _ports_match(value, port)
        else:
            # src_ports, icmp_*, or Istio/HTTP dimensions never come out of K8s NetworkPolicies.
            raise NcaError(f"unsupported dimension {dim!r} in nca connection cube: {{{body}}}")
        if not ok:
            return False
    return True


def _protocols_match(value: str, protocol: str) -> bool:
    if value == "*":
        return True
    negated = value.startswith("all but ")
    names = {name.strip() for name in value.removeprefix("all but ").split(",")}
    return (protocol in names) != negated


def _ports_match(value: str, port: int) -> bool:
    if value == "*":
        return True
    for part in value.split(","):
        low, _, high = part.strip().partition("-")
        try:
            if int(low) <= port <= int(high or low):
                return True
        except ValueError as exc:
            raise NcaError(f"cannot parse nca port set: {value!r}") from exc
    return False
