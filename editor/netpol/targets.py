"""The export targets: their manifests, YAML, file names and findings.

``networkpolicy`` is the compiled design; ``cilium`` converts its policies (``cilium.py``) and adds what only
Cilium can say (DNS names); ``netassert`` derives tests from the design (``netassert.py``).  A target's
findings are the NetworkPolicy lint (the same connectivity) adjusted by what the target can say.
"""

from __future__ import annotations

import re
from typing import Any, Protocol

import yaml

from . import cilium, netassert, render
from .lint import FQDN_NOT_EXPRESSIBLE, Finding
from .model import Graph, Policy

NETWORKPOLICY, CILIUM, NETASSERT = "networkpolicy", "cilium", "netassert"
TARGETS: tuple[str, ...] = (NETWORKPOLICY, CILIUM, NETASSERT)
FILE_SUFFIX = {NETWORKPOLICY: "networkpolicies", CILIUM: "ciliumnetworkpolicies", NETASSERT: "netassert"}

CILIUM_PORT_RANGE = "cilium-port-range"
CILIUM_EGRESS_NAMED_PORT = "cilium-egress-named-port"
CILIUM_FQDN_RULE = "cilium-fqdn-rule"


class CompiledDesign(Protocol):
    """What a target reads of a compiled design: its NetworkPolicies and their findings (read only)."""

    @property
    def policies(self) -> list[Policy]: ...

    @property
    def findings(self) -> list[Finding]: ...


def manifests(target: str, graph: Graph, policies: list[Policy]) -> list[dict[str, Any]]:
    if target == CILIUM:
        return cilium.manifests(graph, policies)
    if target == NETASSERT:
        return netassert.plan(graph, policies).tests
    return render.manifests(policies)


class _NoAliases(render._Dumper):  # type: ignore[misc]  # libyaml's dumper when installed: typed Any
    """Equal objects written out each time: no ``&id001`` anchors, whatever the data shares."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def to_yaml(target: str, documents: list[dict[str, Any]]) -> str:
    """The download: one document per policy, or for netassert one document holding the list of tests."""
    if target != NETASSERT:
        return render.to_yaml(documents)
    return tests_yaml(documents)


def tests_yaml(tests: list[dict[str, Any]]) -> str:
    """netassert's test list as one block-style YAML document, written line by line: the same text PyYAML
    writes (``reference_tests_yaml``; tests/netpol/test_targets_yaml.py compares them) at a fraction of its
    cost, since a large design has tens of thousands of tests.  Anything the line writer does not know (a
    scalar that needs quoting, a float, an empty collection) sends the whole list through PyYAML."""
    if not tests:
        return reference_tests_yaml(tests)
    lines = ["---"]
    try:
        for test in tests:
            _block(lines, test, "- ", "  ")
    except _NotPlain:
        return reference_tests_yaml(tests)
    return "\n".join(lines) + "\n"


def reference_tests_yaml(tests: list[dict[str, Any]]) -> str:
    return yaml.dump(
        tests,
        Dumper=_NoAliases,
        sort_keys=False,
        default_flow_style=False,
        explicit_start=True,
        allow_unicode=True,
        width=1000,
    )


class _NotPlain(Exception):
    """A value the line writer leaves to PyYAML."""


_PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-.][A-Za-z0-9]+)*")
_RESERVED = frozenset({"y", "n", "yes", "no", "on", "off", "true", "false", "null"})  # YAML 1.1 reads them
_ADDRESS = re.compile(r"[0-9]+(?:\.[0-9]+){3}")  # an IPv4 address: no number to YAML


def _scalar(value: object) -> str:
    if value is True or value is False:
        return "true" if value else "false"
    if type(value) is int:
        return str(value)
    if type(value) is str and (
        (_PLAIN.fullmatch(value) and value.lower() not in _RESERVED) or _ADDRESS.fullmatch(value)
    ):
        return value
    raise _NotPlain(value)


def _block(lines: list[str], mapping: dict[str, Any], first: str, indent: str) -> None:
    """A mapping's lines: the first behind ``first`` (``- `` for a list item), the others behind ``indent``."""
    if not mapping:
        raise _NotPlain(mapping)
    lead = first
    for key, value in mapping.items():
        if type(value) is dict:
            lines.append(f"{lead}{_scalar(key)}:")
            _block(lines, value, indent + "  ", indent + "  ")
        else:
            lines.append(f"{lead}{_scalar(key)}: {_scalar(value)}")
        lead = indent


def findings(target: str, graph: Graph, compiled: CompiledDesign) -> list[Finding]:
    """The NetworkPolicy findings as ``target`` sees them, sorted."""
    base = compiled.findings
    if target == NETWORKPOLICY:
        return base
    if target == CILIUM:  # Cilium says DNS names with toFQDNs
        out = [f for f in base if f.code != FQDN_NOT_EXPRESSIBLE] + cilium_findings(graph, compiled.policies)
    else:
        out = list(base) + netassert.plan(graph, compiled.policies).findings
    return sorted(out, key=Finding.sort_key)


def cilium_findings(graph: Graph, policies: list[Policy]) -> list[Finding]:
    out = []
    for policy in policies:
        ports = [
            (direction, p)
            for direction, rules in (("ingress", policy.ingress), ("egress", policy.egress))
            for r in rules
            for p in r.ports
        ]
        if any(p.end_port is not None for _, p in ports):
            out.append(
                Finding(
                    CILIUM_PORT_RANGE,
                    "info",
                    f"CiliumNetworkPolicy {policy.ref} uses a port range (endPort), which Cilium enforces from "
                    f"version 1.16 on; an older Cilium drops endPort and allows only the first port. Fix: run "
                    f"Cilium 1.16 or later, or list the ports one by one.",
                    policy.ref,
                )
            )
        if any(direction == "egress" and p.is_named for direction, p in ports):
            out.append(
                Finding(
                    CILIUM_EGRESS_NAMED_PORT,
                    "warning",
                    f"CiliumNetworkPolicy {policy.ref} allows egress to a named port. Cilium resolves an egress "
                    f"port name with the named ports of every pod in the cluster (one number for the name, none "
                    f"when pods disagree), not with the destination's own, as a NetworkPolicy does. Fix: use the "
                    f"port number in the flow.",
                    policy.ref,
                )
            )
    for source in cilium.fqdn_flows(graph):
        out.append(
            Finding(
                CILIUM_FQDN_RULE,
                "info",
                f"The DNS names {source.ref} reaches need Cilium 1.15 or later (enableDefaultDeny) with its DNS "
                f"proxy, and the rule that lets it learn their addresses opens port 53 to kube-dns for every "
                f"protocol (SCTP too), not only UDP and TCP.",
                source.ref,
            )
        )
    return out
