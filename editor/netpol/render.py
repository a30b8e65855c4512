"""Policy objects → manifest dicts → YAML.

This is the one place that spells Kubernetes' keys.  YAML is dumped from data
with libyaml's ``CSafeDumper``; the same policies always give the same bytes.
"""

from __future__ import annotations

from typing import Any

import yaml

from .gcpause import without_gc
from .model import IPBlock, LabelSelector, Peer, Policy, Port, Rule

API_VERSION = "networking.k8s.io/v1"
KIND = "NetworkPolicy"
MANAGED_BY = {"app.kubernetes.io/managed-by": "policyeditor"}

try:  # libyaml is part of PyYAML's wheels; fall back only where it is missing
    _Dumper: Any = yaml.CSafeDumper
except AttributeError:  # pragma: no cover
    _Dumper = yaml.SafeDumper


def selector_dict(selector: LabelSelector) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if selector.match_labels:
        out["matchLabels"] = dict(selector.match_labels)
    if selector.match_expressions:
        out["matchExpressions"] = [
            {"key": r.key, "operator": r.operator, **({"values": list(r.values)} if r.values else {})}
            for r in selector.match_expressions
        ]
    return out


def ip_block_dict(block: IPBlock) -> dict[str, Any]:
    out: dict[str, Any] = {"cidr": block.cidr}
    if block.except_:
        out["except"] = list(block.except_)
    return out


def peer_dict(peer: Peer) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if peer.ip_block is not None:
        out["ipBlock"] = ip_block_dict(peer.ip_block)
    if peer.namespace_selector is not None:
        out["namespaceSelector"] = selector_dict(peer.namespace_selector)
    if peer.pod_selector is not None:
        out["podSelector"] = selector_dict(peer.pod_selector)
    return out


def port_dict(port: Port) -> dict[str, Any]:
    out: dict[str, Any] = {"protocol": port.protocol}
    if port.port is not None:
        out["port"] = port.port
    if port.end_port is not None:
        out["endPort"] = port.end_port
    return out


def rule_dict(rule: Rule, peers_key: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if rule.peers:
        out[peers_key] = [peer_dict(p) for p in rule.peers]
    if rule.ports:
        out["ports"] = [port_dict(p) for p in rule.ports]
    return out


def policy_manifest(policy: Policy) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "podSelector": selector_dict(policy.pod_selector),
        "policyTypes": list(policy.policy_types),
    }
    if policy.ingress:
        spec["ingress"] = [rule_dict(r, "from") for r in policy.ingress]
    if policy.egress:
        spec["egress"] = [rule_dict(r, "to") for r in policy.egress]
    return {
        "apiVersion": API_VERSION,
        "kind": KIND,
        "metadata": {"name": policy.name, "namespace": policy.namespace, "labels": dict(MANAGED_BY)},
        "spec": spec,
    }


@without_gc  # see gcpause.py
def manifests(policies: list[Policy]) -> list[dict[str, Any]]:
    return [policy_manifest(p) for p in policies]


def to_yaml(documents: list[dict[str, Any]]) -> str:
    """Multi-document YAML, each document starting with ``---``."""
    if not documents:
        return ""
    return yaml.dump_all(
        documents,
        Dumper=_Dumper,
        sort_keys=False,
        default_flow_style=False,
        explicit_start=True,
        allow_unicode=True,
        width=1000,
    )
