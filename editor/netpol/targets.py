"""The export targets and what each one can express.

``networkpolicy`` is the compiled design; ``cilium`` converts its policies (``cilium.py``) and adds what only
Cilium can say (DNS names); ``netassert`` derives tests from the design (``netassert.py``).  A target's
findings are the NetworkPolicy lint (the same connectivity) adjusted by the target.
"""

from __future__ import annotations

from typing import Protocol

from .lint import FQDN_NOT_EXPRESSIBLE, Finding
from .model import Graph, Policy

NETWORKPOLICY, CILIUM, NETASSERT = "networkpolicy", "cilium", "netassert"
TARGETS: tuple[str, ...] = (NETWORKPOLICY, CILIUM, NETASSERT)


class CompiledDesign(Protocol):
    """What a target reads of a compiled design: its NetworkPolicies and their findings."""

    policies: list[Policy]
    findings: list[Finding]


def findings(target: str, graph: Graph, compiled: CompiledDesign) -> list[Finding]:
    """The NetworkPolicy findings as ``target`` sees them, sorted."""
    base = compiled.findings
    if target == NETWORKPOLICY:
        return base
    out = list(base)
    if target == CILIUM:  # Cilium says DNS names with toFQDNs
        out = [f for f in base if f.code != FQDN_NOT_EXPRESSIBLE]
    return sorted(out, key=Finding.sort_key)
