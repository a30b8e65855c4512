"""One test per check: it fires on the classic mistake and stays quiet on the least-privilege design."""

from __future__ import annotations

import textwrap

from editor.netpol import lint
from editor.netpol.compile import compile_design
from editor.netpol.importer import import_manifests
from editor.netpol.model import (
    ContainerPort,
    Endpoint,
    External,
    Flow,
    Graph,
    IPBlock,
    Namespace,
    Peer,
    Policy,
    Port,
    Rule,
    Workload,
)
from editor.netpol.model import LabelSelector as Sel


def three_tier() -> Graph:
    workloads = tuple(
        Workload.of(f"shop/{name}", {"app": name, "tier": name}, [ContainerPort(pn, port)])
        for name, pn, port in (("frontend", "http", 80), ("api", "http", 8080), ("db", "postgres", 5432))
    )
    flows = (
        Flow(Endpoint.workload("shop/frontend"), Endpoint.workload("shop/api"), (Port.tcp(8080),)),
        Flow(Endpoint.workload("shop/api"), Endpoint.workload("shop/db"), (Port.tcp(5432),)),
    )
    return Graph(namespaces=(Namespace("shop", (("team", "shop"),)),), workloads=workloads, flows=flows)


def findings(text: str) -> list[lint.Finding]:
    graph = import_manifests(textwrap.dedent(text)).graph
    return lint.lint(graph, compile_design(graph))


def codes(text: str) -> set[str]:
    return {f.code for f in findings(text)}


PODS = """\
apiVersion: v1
kind: Pod
metadata: {name: api, namespace: prod, labels: {app: api}}
spec: {containers: [{name: c, ports: [{name: http, containerPort: 8080}]}]}
status: {podIP: 10.9.0.5}
---
apiVersion: v1
kind: Pod
metadata: {name: db, namespace: prod, labels: {app: db}}
spec: {containers: [{name: c, ports: [{name: pg, containerPort: 5432}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: front, labels: {app: web}}
---
"""


def policy(name: str, spec: str, namespace: str = "prod") -> str:
    return (
        f"apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: {name}, namespace: {namespace}}}\n"
        f"spec:\n{textwrap.indent(textwrap.dedent(spec), '  ')}---\n"
    )


def test_the_least_privilege_three_tier_design_has_no_findings():
    graph = three_tier()
    assert lint.lint(graph, compile_design(graph)) == []


def test_every_code_is_kebab_case_and_unique():
    all_codes = [v for k, v in vars(lint).items() if k.isupper() and isinstance(v, str) and "-" in v]
    assert len(all_codes) == len(set(all_codes)) >= 18
    assert all(c == c.lower() and " " not in c for c in all_codes)


def test_one_dns_finding_per_workload_names_the_blocked_protocol():
    text = PODS + policy(
        "api",
        """\
        podSelector: {matchLabels: {app: api}}
        policyTypes: [Egress]
        egress:
        - to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}}]
          ports: [{protocol: UDP, port: 53}]
        """,
    )
    found = [f for f in findings(text) if "dns" in f.code]
    assert [(f.code, f.subject) for f in found] == [("missing-dns", "prod/api")]  # the UI's fix keys off this code
    assert "egress to TCP 53 in namespace kube-system is not allowed" in found[0].message
    assert "large answers" in found[0].message
    # an imported policy isolates it: the design's DNS setting would not help, the message says what would
    assert "add an egress rule to namespace kube-system on TCP 53 to prod/api" in found[0].message
    assert "settings" not in found[0].message


def test_retired_dns_codes_are_reported_by_no_check():
    reported = {code for check in lint.CHECKS for code in check.codes}
    assert not reported & set(lint.RETIRED_CODES)
    assert lint.MISSING_DNS in reported


def test_one_sided_flow_when_egress_allows_but_ingress_does_not():
    text = (
        PODS
        + policy(
            "api",
            """\
        podSelector: {matchLabels: {app: api}}
        policyTypes: [Egress]
        egress: [{to: [{podSelector: {matchLabels: {app: db}}}], ports: [{port: 5432}]}]
        """,
        )
        + policy("db", "podSelector: {matchLabels: {app: db}}\npolicyTypes: [Ingress]\n")
    )
    found = [f for f in findings(text) if f.code == "one-sided-flow"]
    assert [f.subject for f in found] == ["prod/api -> prod/db"]
    assert "prod/db is isolated for ingress by prod/db" in found[0].message


def test_one_sided_flow_quiet_when_both_sides_allow():
    text = (
        PODS
        + policy(
            "api",
            """\
        podSelector: {matchLabels: {app: api}}
        policyTypes: [Egress]
        egress: [{to: [{podSelector: {matchLabels: {app: db}}}], ports: [{port: 5432}]}]
        """,
        )
        + policy(
            "db",
            """\
        podSelector: {matchLabels: {app: db}}
        ingress: [{from: [{podSelector: {matchLabels: {app: api}}}], ports: [{port: pg}]}]
        """,
        )
    )
    assert "one-sided-flow" not in codes(text)


def test_selector_matches_nothing():
    text = PODS + policy("typo", "podSelector: {matchLabels: {app: dbb}}\n")
    found = [f for f in findings(text) if f.code == "selector-matches-nothing"]
    assert [f.subject for f in found] == ["prod/typo"]


def test_selector_in_unknown_namespace_is_not_flagged():
    text = PODS + policy("dns", "podSelector: {}\npolicyTypes: [Ingress]\n", namespace="kube-system")
    assert "selector-matches-nothing" not in codes(text)


def test_not_isolated_names_every_workload_no_policy_selects():
    text = PODS + policy("db", "podSelector: {matchLabels: {app: db}}\n")
    found = {f.subject for f in findings(text) if f.code == "not-isolated"}
    assert found == {"prod/api", "front/web"}


def test_allows_all():
    text = PODS + policy("open", "podSelector: {}\ningress: [{}]\n")
    assert "allows-all" in codes(text)
    narrow = PODS + policy("narrow", "podSelector: {}\ningress: [{ports: [{port: 443}]}]\n")
    assert "allows-all" not in codes(narrow)


def test_an_empty_namespace_selector_is_every_pod_of_the_cluster_not_everything():
    text = PODS + policy("cluster", "podSelector: {}\ningress: [{from: [{namespaceSelector: {}}]}]\n")
    found = [f for f in findings(text) if f.code.startswith("allows-all")]
    assert [(f.code, f.severity, f.subject) for f in found] == [("allows-all-pods", "info", "prod/cluster")]
    assert "every pod of every namespace" in found[0].message and "not addresses outside it" in found[0].message
    with_ports = PODS + policy(
        "cluster", "podSelector: {}\ningress: [{from: [{namespaceSelector: {}}], ports: [{port: 443}]}]\n"
    )
    assert not {c for c in codes(with_ports) if c.startswith("allows-all")}


def test_a_rule_split_by_a_stray_dash_before_ports_is_flagged():
    split = PODS + policy(
        "db",
        """\
        podSelector: {matchLabels: {app: db}}
        ingress:
        - from: [{podSelector: {matchLabels: {app: api}}}]
        - ports: [{port: 5432}]
        """,
    )
    (found,) = [f for f in findings(split) if f.code == "split-rule"]
    assert found.severity == "warning" and found.subject == "prod/db"
    assert "prod/db ingress rule 1 and rule 2" in found.message
    assert "TCP 5432" in found.message and "delete the '-' before 'ports'" in found.message
    whole = PODS + policy(
        "db",
        """\
        podSelector: {matchLabels: {app: db}}
        ingress:
        - from: [{podSelector: {matchLabels: {app: api}}}]
          ports: [{port: 5432}]
        """,
    )
    assert "split-rule" not in codes(whole)


def test_ports_first_then_peers_is_a_deliberate_pair_not_a_split_rule():
    # recipe 14's shape: DNS to anywhere, then anything to the cluster's pods
    text = PODS + policy(
        "egress",
        """\
        podSelector: {}
        policyTypes: [Egress]
        egress:
        - ports: [{port: 53, protocol: UDP}, {port: 53, protocol: TCP}]
        - to: [{namespaceSelector: {}}]
        """,
    )
    assert "split-rule" not in codes(text)


def test_rules_in_different_directions_are_not_a_split_rule():
    text = PODS + policy(
        "db",
        """\
        podSelector: {matchLabels: {app: db}}
        policyTypes: [Ingress, Egress]
        ingress: [{from: [{podSelector: {matchLabels: {app: api}}}]}]
        egress: [{ports: [{port: 53, protocol: UDP}]}]
        """,
    )
    assert "split-rule" not in codes(text)


def test_cross_namespace_podselector():
    text = PODS + policy(
        "db", "podSelector: {matchLabels: {app: db}}\ningress: [{from: [{podSelector: {matchLabels: {app: web}}}]}]\n"
    )
    found = [f for f in findings(text) if f.code == "cross-namespace-podselector"]
    assert len(found) == 1 and "front/web" in found[0].message


def test_or_instead_of_and():
    text = PODS + policy(
        "db",
        """\
        podSelector: {matchLabels: {app: db}}
        ingress:
        - from:
          - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: front}}
          - podSelector: {matchLabels: {app: web}}
        """,
    )
    assert "or-instead-of-and" in codes(text)
    anded = PODS + policy(
        "db",
        """\
        podSelector: {matchLabels: {app: db}}
        ingress:
        - from:
          - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: front}}
            podSelector: {matchLabels: {app: web}}
        """,
    )
    assert "or-instead-of-and" not in codes(anded)


def test_except_outside_cidr_is_an_error():
    graph = Graph(externals=(External("corp", "10.0.0.0/8", ("11.0.0.0/16",)),))
    (finding,) = lint.except_outside_cidr(graph, [])
    assert finding.severity == "error" and finding.code == "except-outside-cidr"
    assert lint.except_outside_cidr(Graph(externals=(External("corp", "10.0.0.0/8", ("10.1.0.0/16",)),)), []) == []


def test_ipblock_targets_pod():
    text = PODS + policy(
        "db", "podSelector: {matchLabels: {app: db}}\ningress: [{from: [{ipBlock: {cidr: 10.9.0.0/16}}]}]\n"
    )
    found = [f for f in findings(text) if f.code == "ipblock-targets-pod"]
    assert len(found) == 1 and "prod/api" in found[0].message


def test_duplicate_policy_name():
    p = Policy("a", "prod", Sel(), True, False)
    assert [f.code for f in lint.duplicate_policy_name(Graph(), [p, p])] == ["duplicate-policy-name"]
    assert lint.duplicate_policy_name(Graph(), [p]) == []


def test_redundant_rule():
    db = Peer.pods({"app": "db"})
    wide = Rule((db, Peer.pods({"app": "x"})), (Port.tcp(5432), Port.tcp(5433)))
    narrow = Rule((db,), (Port.tcp(5432),))
    p = Policy("a", "prod", Sel(), False, True, egress=(narrow, wide))
    found = lint.redundant_rule(Graph(), [p])
    assert len(found) == 1 and "egress rule 1 " in found[0].message
    assert lint.redundant_rule(Graph(), [Policy("a", "prod", Sel(), False, True, egress=(wide,))]) == []


def test_ip_block_value_object_is_what_lint_reads():
    assert lint.ip_blocks(
        Graph(), [Policy("a", "p", Sel(), True, False, ingress=(Rule((Peer(ip_block=IPBlock("10.0.0.0/8")),)),))]
    )


def test_one_sided_flow_probes_named_pods_not_groups():
    from editor.netpol.lint.one_sided import NAMED_PODS

    def design(senders: int) -> Graph:
        workloads = tuple(Workload("prod", f"c{i:03d}", (("role", "client"), ("id", str(i)))) for i in range(senders))
        # db accepts every client, but no client's policy lets it send: one-sided for every pair
        db = Policy("db", "prod", Sel.of({"app": "db"}), True, False, ingress=(Rule((Peer.pods({"role": "client"}),)),))
        clients = Policy("clients", "prod", Sel.of({"role": "client"}), False, True)
        return Graph(
            namespaces=(Namespace("prod"),),
            workloads=(*workloads, Workload("prod", "db", (("app", "db"),), (ContainerPort("pg", 5432),))),
            policies=(db, clients),
        )

    def one_sided(graph: Graph) -> list[str]:
        return [f.subject for f in lint.lint(graph, list(graph.policies)) if f.code == "one-sided-flow"]

    assert len(one_sided(design(3))) == 3  # three named clients: each pair probed
    assert one_sided(design(NAMED_PODS + 1)) == []  # a group of clients: not every pair
