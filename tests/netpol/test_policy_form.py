"""A kept policy as the structured form's fields and back (editor/netpol/policy_form.py)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from editor.netpol.importer import import_manifests, policy_from_manifest
from editor.netpol.model import IPBlock, LabelSelector, Peer, Policy, Port, Rule
from editor.netpol.notation import NotationError
from editor.netpol.policy_form import (
    NEW_POLICY_TEMPLATE,
    peer_from_line,
    peer_line,
    policy_fields,
    policy_form_initial,
    policy_from_fields,
    policy_manifest_from_form,
)
from editor.netpol.render import policy_manifest

from .notation_strategies import peer, policy


class Post:
    """What a posted form offers (as Django's QueryDict): ``get`` and ``getlist``."""

    def __init__(self, fields: dict):
        self.fields = fields

    def get(self, key, default=None):
        return self.fields.get(key, default)

    def getlist(self, key):
        return list(self.fields.get(key, []))


def post_of(fields: dict) -> Post:
    rules = fields["rules"]
    return Post(
        {
            "name": fields["name"],
            "namespace": fields["namespace"],
            "selector": fields["selector"],
            **({"ingress": "on"} if fields["ingress"] else {}),
            **({"egress": "on"} if fields["egress"] else {}),
            "rule-direction": [r["direction"] for r in rules],
            "rule-peers": [r["peers"] for r in rules],
            "rule-ports": [r["ports"] for r in rules],
        }
    )


def test_the_form_builds_the_manifest_a_person_means():
    post = Post(
        {
            "name": "db",
            "namespace": "prod",
            "selector": "app=db",
            "ingress": "on",
            "rule-direction": ["ingress", "ingress", "egress"],
            "rule-peers": [
                "pods app=api\nnamespaces team=web pods role=front\nip 10.0.0.0/8 except 10.1.0.0/16",
                "",
                "",
            ],
            "rule-ports": ["TCP 5432, TCP 8000-8100", "UDP", "TCP 53"],
        }
    )
    manifest = policy_manifest_from_form(post)
    assert manifest == {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "db", "namespace": "prod"},
        "spec": {
            "podSelector": {"matchLabels": {"app": "db"}},
            "policyTypes": ["Ingress"],
            "ingress": [
                {
                    "from": [
                        {"podSelector": {"matchLabels": {"app": "api"}}},
                        {
                            "namespaceSelector": {"matchLabels": {"team": "web"}},
                            "podSelector": {"matchLabels": {"role": "front"}},
                        },
                        {"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.1.0.0/16"]}},
                    ],
                    "ports": [
                        {"protocol": "TCP", "port": 5432},
                        {"protocol": "TCP", "port": 8000, "endPort": 8100},
                    ],
                },
                {"ports": [{"protocol": "UDP"}]},
            ],
        },
    }  # the egress rule is left out: the policy does not isolate egress


def test_removed_rules_are_left_out():
    post = Post({"name": "a", "namespace": "b", "ingress": "on", "rule-direction": ["ingress", "ingress"],
                 "rule-peers": ["pods app=x", "pods app=y"], "rule-ports": ["", ""], "rule-remove": ["0"]})  # fmt: skip
    assert policy_from_fields(post).ingress == (Rule((Peer.pods({"app": "y"}),)),)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("pods *", Peer(pod_selector=LabelSelector())),
        ("namespaces *", Peer(namespace_selector=LabelSelector())),
        (
            "namespaces team=a pods",
            Peer(pod_selector=LabelSelector(), namespace_selector=LabelSelector.of({"team": "a"})),
        ),
        (
            "namespaces pods app=x",
            Peer(pod_selector=LabelSelector.of({"app": "x"}), namespace_selector=LabelSelector()),
        ),
        ("ip 10.0.0.0/8", Peer(ip_block=IPBlock("10.0.0.0/8"))),
    ],
)
def test_peer_lines(line, expected):
    assert peer_from_line(line) == expected


@pytest.mark.parametrize(
    ("field", "text", "message"),
    [
        ("rule-peers", "everyone", "is not a peer"),
        ("rule-ports", "ICMP 8", "is not a port"),
        ("selector", "tier in a", "is not a selector term"),
    ],
)
def test_text_outside_the_notations_is_refused_with_the_syntax(field, text, message):
    fields = {"name": "a", "namespace": "b", "ingress": "on", "selector": "",
              "rule-direction": ["ingress"], "rule-peers": ["pods *"], "rule-ports": [""]}  # fmt: skip
    fields[field] = [text] if field.startswith("rule-") else text
    with pytest.raises(NotationError, match=message):
        policy_manifest_from_form(Post(fields))


def test_a_stored_manifest_shows_as_the_fields_it_was_made_from():
    manifest = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "db", "namespace": "prod"},
        "spec": {
            "podSelector": {"matchExpressions": [{"key": "tier", "operator": "In", "values": ["a", "b"]}]},
            "policyTypes": ["Egress"],
            "egress": [{"to": [{"namespaceSelector": {}}], "ports": [{"protocol": "UDP", "port": 53}]}],
        },
    }
    assert policy_form_initial(manifest) == {
        "name": "db",
        "namespace": "prod",
        "selector": "tier in (a, b)",
        "ingress": False,
        "egress": True,
        "rules": [{"direction": "egress", "peers": "namespaces *", "ports": "UDP 53"}],
    }


def test_the_new_policy_template_is_a_valid_policy():
    (policy,) = import_manifests(NEW_POLICY_TEMPLATE).graph.policies
    assert policy.ingress_isolated and not policy.egress_isolated


@given(peer)
def test_a_peer_line_reads_back_the_same(peer):
    assert peer_from_line(peer_line(peer)) == peer


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(policy())
def test_a_policy_shown_as_fields_and_posted_back_is_the_same_policy(policy):
    assert policy_from_fields(post_of(policy_fields(policy))) == policy


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(policy())
def test_the_form_of_a_stored_manifest_builds_that_manifest_again(policy: Policy):
    manifest = policy_manifest(policy)
    rebuilt = policy_manifest_from_form(post_of(policy_form_initial(manifest)))
    assert policy_from_manifest(rebuilt) == policy_from_manifest(manifest)


def test_ports_of_a_rule_are_the_port_notation():
    fields = policy_fields(Policy("a", "b", LabelSelector(), True, False, ingress=(Rule((), (Port.tcp(80, 90),)),)))
    assert fields["rules"] == [{"direction": "ingress", "peers": "", "ports": "TCP 80-90"}]
