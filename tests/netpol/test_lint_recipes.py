"""Every finding is true on real-world policies: the Kubernetes docs' examples and ahmetb's
kubernetes-network-policy-recipes (tests/netpol/recipes/, each file naming its source).

The expected findings are written from each example's own explanation (quoted), with the pods its "try it out"
runs; the comparison is exact, so a check that claims something the example does not show fails here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from editor.netpol.compile import compile_design
from editor.netpol.importer import import_manifests
from editor.netpol.lint import LintState, lint

RECIPES = Path(__file__).parent / "recipes"

# Pods that no policy of the example selects accept and send anything: not-isolated is true for them.
EXPECTED: dict[str, set[tuple[str, str]]] = {
    # "This NetworkPolicy will drop all traffic to pods of an application": a deny-all, not an allow-all.
    "01-deny-all-traffic-to-an-application": {("not-isolated", "default/test")},
    # "allowing traffic from only certain Pods": app=bookstore; the API server's selector is its own labels only.
    "02-limit-traffic-to-an-application": {("not-isolated", "default/test"), ("not-isolated", "default/frontend")},
    # "Applying this policy makes any other policies restricting the traffic to the pod void".
    "02a-allow-all-traffic-to-an-application": {
        ("allows-all", "default/web-allow-all"),
        ("not-isolated", "default/test"),
    },
    # "blocking all cross-pod networking other than the ones whitelisted": nothing to report.
    "03-deny-all-non-whitelisted-traffic-in-the-namespace": set(),
    # "allows traffic from ALL pods in the default namespace": an empty podSelector is the own namespace only.
    "04-deny-traffic-from-other-namespaces": {("not-isolated", "foo/test")},
    # "allow traffic from all pods in all namespaces": the whole cluster, not everything (allows-all-pods, info).
    "05-allow-traffic-from-all-namespaces": {
        ("allows-all-pods", "default/web-allow-all-namespaces"),
        ("not-isolated", "secondary/test"),
    },
    "06-allow-traffic-from-a-namespace": {("not-isolated", "dev/test"), ("not-isolated", "prod/test")},
    # "combine podSelector and namespaceSelector with an AND": one peer, no or-instead-of-and.
    "07-allow-traffic-from-some-pods-in-another-namespace": {
        ("not-isolated", "default/test"),
        ("not-isolated", "default/monitor"),
        ("not-isolated", "other/test"),
        ("not-isolated", "other/monitor"),
    },
    # "Please note that that example below is OR condition": every pod of namespace other, or monitoring pods of
    # default (there are none).  So the podSelector peer alone matches nothing, and the pod it was meant for is
    # in another namespace: three true findings about the one '-' too many.
    "07-or-remark": {
        ("or-instead-of-and", "default/web-allow-all-ns-monitoring"),
        ("cross-namespace-podselector", "default/web-allow-all-ns-monitoring"),
        ("selector-matches-nothing", "default/web-allow-all-ns-monitoring"),
        ("not-isolated", "other/monitor"),
    },
    # "it allows traffic from all resources, including external".
    "08-allow-external-traffic": {("allows-all", "default/web-allow-external")},
    # "To restrict external access only to port 80": every source, one port; neither allows-all nor split-rule.
    "08-port-80-remark": set(),
    # "Allow traffic on port 5000 from pods with label role=monitoring": ports and from in one rule.
    "09-allow-traffic-only-to-a-port": {("not-isolated", "default/test"), ("not-isolated", "default/monitor")},
    # "Rules specified in spec.ingress.from are OR'ed": three peers of one rule, nothing wrong.
    "10-allowing-traffic-with-multiple-selectors": {
        ("not-isolated", "default/search"),
        ("not-isolated", "default/api"),
        ("not-isolated", "default/catalog"),
        ("not-isolated", "default/test"),
    },
    # "The pod is failing to resolve the address, because the network policy is not allowing it to establish
    # connections to the kube-dns Pods": one missing-dns, for both protocols.
    "11-deny-egress-traffic-from-an-application": {("missing-dns", "default/test"), ("not-isolated", "default/web")},
    # "we actually see the IP addresses are resolved": DNS allowed, no missing-dns.
    "11-allowing-dns-traffic": {("not-isolated", "default/web")},
    # "This causes all traffic (including DNS resolution) to be dropped".
    "12-deny-all-non-whitelisted-traffic-from-the-namespace": {("missing-dns", "default/web")},
    # "allows all outbound traffic on ports 53/udp and 53/tcp to the kube-dns pods for DNS resolution".
    "14-deny-external-egress-traffic": {("not-isolated", "default/web")},
    # Kubernetes docs: "isolates role=db pods ... for both ingress and egress"; egress only to 10.0.0.0/24 on TCP
    # 5978, so the db pod cannot resolve names.  The three peers are OR, and role=frontend names a pod of default.
    "k8s-docs-networkpolicy": {
        ("missing-dns", "default/db"),
        ("not-isolated", "default/frontend"),
        ("not-isolated", "myproject/client"),
    },
    "k8s-docs-multiport-egress": {("missing-dns", "default/db")},
    # "creating a NetworkPolicy that selects all pods but does not allow any ingress traffic".
    "k8s-docs-default-deny-ingress": set(),
    # "allow all incoming connections to all pods in a namespace".
    "k8s-docs-allow-all-ingress": {("allows-all", "default/allow-all-ingress")},
    # "ensure that even pods that aren't selected by any other NetworkPolicy will not be allowed egress traffic".
    "k8s-docs-default-deny-egress": {("missing-dns", "default/web")},
    # "allow all connections from all pods in a namespace".
    "k8s-docs-allow-all-egress": {("allows-all", "default/allow-all-egress")},
    "k8s-docs-default-deny-all": {("missing-dns", "default/web")},
    "k8s-docs-allow-all-egress-deny-all-ingress": {("allows-all", "default/allow-egress-deny-ingress")},
}


def findings_of(name: str):
    graph = import_manifests((RECIPES / f"{name}.yaml").read_text()).graph
    policies = compile_design(graph)
    return graph, policies, lint(graph, policies)


def test_every_example_file_has_its_expected_findings_written_down():
    assert sorted(p.stem for p in RECIPES.glob("*.yaml")) == sorted(EXPECTED)


def test_every_example_file_names_its_source():
    for path in RECIPES.glob("*.yaml"):
        assert path.read_text().startswith("# Source: github.com/"), path.name


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_findings_on_a_real_world_example_are_exactly_the_true_ones(name):
    graph, policies, found = findings_of(name)
    assert {(f.code, f.subject) for f in found} == EXPECTED[name]
    assert LintState.full(graph, policies).findings == found


def test_missing_dns_on_an_imported_policy_names_both_protocols_and_the_policy_to_change():
    *_, found = findings_of("11-deny-egress-traffic-from-an-application")
    (dns,) = [f for f in found if f.code == "missing-dns"]
    assert "egress to UDP and TCP 53 in namespace kube-system is not allowed, so name lookups fail" in dns.message
    assert "add an egress rule to namespace kube-system on UDP 53 and TCP 53 to default/foo-deny-egress" in dns.message


def test_an_empty_rule_is_reported_as_allowing_everything_including_outside_the_cluster():
    *_, found = findings_of("08-allow-external-traffic")
    (finding,) = [f for f in found if f.code == "allows-all"]
    assert "inside and outside the cluster" in finding.message
