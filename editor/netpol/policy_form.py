"""A kept NetworkPolicy as the fields of the page's structured form, and back.

One field per part, in the notations people type: the pod selector in kubectl's syntax (selector_text.py),
per rule its direction, its peers one per line (``pods SELECTOR``, ``namespaces SELECTOR``,
``namespaces SELECTOR pods SELECTOR``, ``ip CIDR [except CIDR, CIDR]``) and its ports (port_text.py).  The
manifest built from the fields is validated later, like any YAML, so errors name the manifest path.
"""

from __future__ import annotations

from typing import Any, Protocol

from .importer import NETWORK_POLICY_API_VERSION, policy_from_manifest
from .model import IPBlock, Peer, Policy, Rule
from .notation import NotationError
from .port_text import format_ports, parse_ports
from .render import rule_dict, selector_dict
from .selector_text import format_selector, parse_selector

ERR_PEER_SYNTAX = (
    "'{line}' is not a peer: write 'pods SELECTOR', 'namespaces SELECTOR', 'namespaces SELECTOR pods SELECTOR' "
    "or 'ip CIDR [except CIDR, CIDR]' (SELECTOR like app=api, tier in (a, b); * for all)."
)
DIRECTIONS = ("ingress", "egress")

NEW_POLICY_TEMPLATE = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: allow-something
  namespace: default
spec:
  podSelector: {}
  policyTypes:
  - Ingress
  ingress: []
"""


class FormFields(Protocol):
    """What a posted form offers (Django's ``QueryDict`` does): single values and repeated ones."""

    def get(self, key: str, default: Any = None) -> Any: ...

    def getlist(self, key: str) -> list[Any]: ...


# ---------------------------------------------------------------- peers


def peer_from_line(line: str) -> Peer:
    words = line.strip()
    lowered = words.lower()
    if lowered.startswith("ip "):
        cidr, _, excepts = words[3:].partition(" except ")
        return Peer(ip_block=IPBlock(cidr.strip(), tuple(e.strip() for e in excepts.split(",") if e.strip())))
    if lowered.startswith("namespaces ") or lowered == "namespaces":
        rest = words[len("namespaces ") :]
        at = f" {rest.lower()} ".find(" pods ")
        if at < 0:
            return Peer(namespace_selector=parse_selector(rest))
        namespaces, pods = rest[: max(at - 1, 0)], rest[at + len("pods ") :]
        return Peer(pod_selector=parse_selector(pods), namespace_selector=parse_selector(namespaces))
    if lowered.startswith("pods ") or lowered == "pods":
        return Peer(pod_selector=parse_selector(words[4:]))
    raise NotationError(ERR_PEER_SYNTAX.format(line=words), words)


def peer_line(peer: Peer) -> str:
    if peer.ip_block is not None:
        block = peer.ip_block
        return f"ip {block.cidr}" + (f" except {', '.join(block.except_)}" if block.except_ else "")
    parts = []
    if peer.namespace_selector is not None:
        parts.append(f"namespaces {format_selector(peer.namespace_selector)}")
    if peer.pod_selector is not None:
        parts.append(f"pods {format_selector(peer.pod_selector)}")
    return " ".join(parts)


# ---------------------------------------------------------------- policies


def policy_fields(policy: Policy) -> dict[str, Any]:
    """A policy as the form's fields."""
    rules = [
        {
            "direction": direction,
            "peers": "\n".join(peer_line(p) for p in rule.peers),
            "ports": format_ports(rule.ports),
        }
        for direction, rules_of in (("ingress", policy.ingress), ("egress", policy.egress))
        for rule in rules_of
    ]
    return {
        "name": policy.name,
        "namespace": policy.namespace,
        "selector": format_selector(policy.pod_selector),
        "ingress": policy.ingress_isolated,
        "egress": policy.egress_isolated,
        "rules": rules,
    }


def policy_from_fields(post: FormFields) -> Policy:
    """The form's fields as a policy (rules of a direction the policy does not isolate are left out, as the
    API server ignores them); raises :class:`NotationError` for text that is not in a notation."""
    ingress_isolated, egress_isolated = bool(post.get("ingress")), bool(post.get("egress"))
    rules: dict[str, list[Rule]] = {"ingress": [], "egress": []}
    removed = set(post.getlist("rule-remove"))
    rows = zip(post.getlist("rule-direction"), post.getlist("rule-peers"), post.getlist("rule-ports"), strict=False)
    for index, (direction, peer_text, port_text) in enumerate(rows):
        if str(index) in removed or direction not in DIRECTIONS:
            continue
        if not (ingress_isolated if direction == "ingress" else egress_isolated):
            continue
        peers = tuple(peer_from_line(line) for line in peer_text.splitlines() if line.strip())
        rules[direction].append(Rule(peers, tuple(parse_ports(port_text))))
    return Policy(
        name=(post.get("name") or "").strip(),
        namespace=(post.get("namespace") or "").strip(),
        pod_selector=parse_selector(post.get("selector") or ""),
        ingress_isolated=ingress_isolated,
        egress_isolated=egress_isolated,
        ingress=tuple(rules["ingress"]),
        egress=tuple(rules["egress"]),
    )


def policy_form_initial(manifest: dict[str, Any]) -> dict[str, Any]:
    """A stored manifest as the structured form's fields."""
    return policy_fields(policy_from_manifest(manifest))


def policy_manifest_from_form(post: FormFields) -> dict[str, Any]:
    """The structured form's fields → a manifest (validated later, like any YAML)."""
    policy = policy_from_fields(post)
    spec: dict[str, Any] = {"podSelector": selector_dict(policy.pod_selector), "policyTypes": list(policy.policy_types)}
    for direction, key, rules in (("ingress", "from", policy.ingress), ("egress", "to", policy.egress)):
        if rules:
            spec[direction] = [rule_dict(rule, key) for rule in rules]
    return {
        "apiVersion": NETWORK_POLICY_API_VERSION,
        "kind": "NetworkPolicy",
        "metadata": {"name": policy.name, "namespace": policy.namespace},
        "spec": spec,
    }


__all__ = [
    "ERR_PEER_SYNTAX",
    "NEW_POLICY_TEMPLATE",
    "NotationError",
    "peer_from_line",
    "peer_line",
    "policy_fields",
    "policy_form_initial",
    "policy_from_fields",
    "policy_manifest_from_form",
]
