"""Prove that the nca oracle harness (tests/oracle.py) is right, on hand-written policies with exact answers.

These tests must fail, not skip, when nca is unavailable: the oracle is only useful if it really runs.
"""

from itertools import permutations

import pytest

from tests.oracle import NcaError, Pod, connection_allows, nca_allowed_connections

PROBES = [("TCP", 5432), ("TCP", 80), ("UDP", 53), ("SCTP", 9000)]


def full_mesh(pods, probes=PROBES):
    """Every probe between every ordered pair of distinct pods (nca never reports a pod to itself)."""
    return {(src.key, dst.key, proto, port) for src, dst in permutations(pods, 2) for proto, port in probes}


def involving(conns, dst):
    return {conn for conn in conns if conn[1] == dst}


def not_to(conns, *dsts):
    return {conn for conn in conns if conn[1] not in dsts}


def not_from(conns, *srcs):
    return {conn for conn in conns if conn[0] not in srcs}


API = Pod("shop", "api", {"app": "api"})
DB = Pod("shop", "db", {"app": "db"}, [("pg", 5432, "TCP")])
WEB = Pod("shop", "web", {"app": "web"})
FOREIGN_API = Pod("other", "api", {"app": "api"})  # same labels as API, different namespace
SHOP_PODS = [API, DB, WEB, FOREIGN_API]
NAMESPACES = {"shop": {"env": "prod"}, "other": {"env": "dev"}}

DENY_INGRESS_TO_DB = """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db-default-deny, namespace: shop}
spec:
  podSelector: {matchLabels: {app: db}}
  policyTypes: [Ingress]
"""

ALLOW_API_TO_DB = """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db-from-api, namespace: shop}
spec:
  podSelector: {matchLabels: {app: db}}
  policyTypes: [Ingress]
  ingress:
  - from:
    - podSelector: {matchLabels: {app: api}}
    ports:
    - {protocol: TCP, port: 5432}
"""


@pytest.mark.nca
def test_no_policies_allows_everything_between_distinct_pods():
    result = nca_allowed_connections("", NAMESPACES, SHOP_PODS, PROBES)
    assert result == full_mesh(SHOP_PODS)
    assert len(result) == 4 * 3 * len(PROBES)
    # Self-connections are never reported by nca (and never blockable in Kubernetes).
    assert all(src != dst for src, dst, _, _ in result)


@pytest.mark.nca
def test_default_deny_plus_allow_rule_only_lets_api_reach_db_on_5432():
    policies = DENY_INGRESS_TO_DB + "---" + ALLOW_API_TO_DB
    result = nca_allowed_connections(policies, NAMESPACES, SHOP_PODS, PROBES)
    # A bare podSelector in `from` only selects pods in the policy's own namespace: other/api is not allowed.
    assert involving(result, "shop/db") == {("shop/api", "shop/db", "TCP", 5432)}
    assert result == not_to(full_mesh(SHOP_PODS), "shop/db") | {("shop/api", "shop/db", "TCP", 5432)}


@pytest.mark.nca
def test_default_deny_alone_isolates_db_ingress():
    result = nca_allowed_connections(DENY_INGRESS_TO_DB, NAMESPACES, SHOP_PODS, PROBES)
    assert result == not_to(full_mesh(SHOP_PODS), "shop/db")


@pytest.mark.nca
def test_egress_only_policy_blocks_even_if_destination_ingress_allows():
    egress_deny_api = """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: api-no-egress, namespace: shop}
spec:
  podSelector: {matchLabels: {app: api}}
  policyTypes: [Egress]
"""
    allowed_by_db = not_to(full_mesh(SHOP_PODS), "shop/db") | {("shop/api", "shop/db", "TCP", 5432)}
    # Control: db's ingress alone lets api in on TCP 5432 ...
    assert nca_allowed_connections(ALLOW_API_TO_DB, NAMESPACES, SHOP_PODS, PROBES) == allowed_by_db
    # ... but with api's egress denied, nothing leaves shop/api at all (both sides must permit).
    result = nca_allowed_connections(ALLOW_API_TO_DB + "---" + egress_deny_api, NAMESPACES, SHOP_PODS, PROBES)
    assert result == not_from(allowed_by_db, "shop/api")
    assert not any(src == "shop/api" for src, _, _, _ in result)
    # Egress policies do not restrict ingress: every other pod still reaches api.
    assert {src for src, dst, _, _ in result if dst == "shop/api"} == {"shop/db", "shop/web", "other/api"}


FE_WEB = Pod("frontend", "web", {"app": "web"})
FE_ADMIN = Pod("frontend", "admin", {"app": "admin"})
BE_WEB = Pod("backend", "web", {"app": "web"})
BE_CACHE = Pod("backend", "cache", {"app": "cache"})
BE_DB = Pod("backend", "db", {"app": "db"})
OPS_WEB = Pod("ops", "web", {"app": "web"})
TIER_PODS = [FE_WEB, FE_ADMIN, BE_WEB, BE_CACHE, BE_DB, OPS_WEB]
TIER_NAMESPACES = {"frontend": {"tier": "fe"}, "backend": {"tier": "be"}, "ops": {"tier": "ops"}}

PEER_POLICY = """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: db-peers, namespace: backend}}
spec:
  podSelector: {{matchLabels: {{app: db}}}}
  policyTypes: [Ingress]
  ingress:
  - from:
{peers}
"""


@pytest.mark.nca
def test_namespace_and_pod_selector_in_one_peer_is_and():
    peers = """\
    - namespaceSelector: {matchLabels: {tier: fe}}
      podSelector: {matchLabels: {app: web}}
"""
    result = nca_allowed_connections(PEER_POLICY.format(peers=peers), TIER_NAMESPACES, TIER_PODS, PROBES)
    expected_into_db = {("frontend/web", "backend/db", proto, port) for proto, port in PROBES}
    assert involving(result, "backend/db") == expected_into_db
    assert result == not_to(full_mesh(TIER_PODS), "backend/db") | expected_into_db


@pytest.mark.nca
def test_namespace_and_pod_selector_in_two_peers_is_or():
    peers = """\
    - namespaceSelector: {matchLabels: {tier: fe}}
    - podSelector: {matchLabels: {app: web}}
"""
    result = nca_allowed_connections(PEER_POLICY.format(peers=peers), TIER_NAMESPACES, TIER_PODS, PROBES)
    # Any pod in a tier=fe namespace, OR an app=web pod in the policy's own namespace (backend).
    # ops/web has app=web but lives in another namespace, backend/cache is in neither set.
    sources = ["frontend/web", "frontend/admin", "backend/web"]
    expected_into_db = {(src, "backend/db", proto, port) for src in sources for proto, port in PROBES}
    assert involving(result, "backend/db") == expected_into_db
    assert result == not_to(full_mesh(TIER_PODS), "backend/db") | expected_into_db


@pytest.mark.nca
def test_named_port_resolves_on_each_destination_pods_container_port():
    client = Pod("web", "client", {"role": "client"})
    server_a = Pod("web", "server-a", {"app": "server"}, [("http", 8080, "TCP"), ("metrics", 9090, "TCP")])
    server_b = Pod("web", "server-b", {"app": "server"}, [("http", 9090, "TCP")])
    server_c = Pod("web", "server-c", {"app": "server"})  # no port named http: nothing can reach it
    pods = [client, server_a, server_b, server_c]
    policy = """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: server-http, namespace: web}
spec:
  podSelector: {matchLabels: {app: server}}
  policyTypes: [Ingress]
  ingress:
  - ports:
    - {protocol: TCP, port: http}
"""
    probes = [("TCP", 80), ("TCP", 8080), ("TCP", 9090), ("UDP", 8080)]
    result = nca_allowed_connections(policy, {}, pods, probes)
    to_servers = {conn for conn in result if conn[1] != "web/client"}
    assert to_servers == (
        {(src, "web/server-a", "TCP", 8080) for src in ("web/client", "web/server-b", "web/server-c")}
        | {(src, "web/server-b", "TCP", 9090) for src in ("web/client", "web/server-a", "web/server-c")}
    )
    assert result == to_servers | involving(full_mesh(pods, probes), "web/client")


@pytest.mark.nca
def test_named_port_in_egress_rule_resolves_on_destination_pod():
    client = Pod("app", "client", {"app": "client"})
    dns = Pod("kube-dns", "coredns", {"k8s-app": "dns"}, [("dns", 53, "UDP"), ("dns-tcp", 53, "TCP")])
    policy = """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: client-dns-only, namespace: app}
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
  - to:
    - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-dns}}
    ports:
    - {protocol: UDP, port: dns}
    - {protocol: TCP, port: dns}   # TCP "dns" does not exist (that port is UDP): matches nothing
"""
    probes = [("UDP", 53), ("TCP", 53), ("TCP", 80)]
    result = nca_allowed_connections(policy, {}, [client, dns], probes)
    assert result == {("app/client", "kube-dns/coredns", "UDP", 53)} | {
        ("kube-dns/coredns", "app/client", proto, port) for proto, port in probes
    }


@pytest.mark.nca
def test_end_port_ranges_are_inclusive_and_protocol_specific():
    policy = """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db-range, namespace: shop}
spec:
  podSelector: {matchLabels: {app: db}}
  policyTypes: [Ingress]
  ingress:
  - ports:
    - {protocol: TCP, port: 5000, endPort: 5010}
    - {protocol: UDP, port: 7000}
"""
    probes = [("TCP", 4999), ("TCP", 5000), ("TCP", 5005), ("TCP", 5010), ("TCP", 5011), ("UDP", 5005),
              ("UDP", 7000), ("UDP", 7001), ("TCP", 7000)]  # fmt: skip
    result = nca_allowed_connections(policy, NAMESPACES, SHOP_PODS, probes)
    # No `from`: every pod, in every namespace, may connect -- but only on the listed ports.
    into_db = {
        (src.key, "shop/db", proto, port)
        for src in SHOP_PODS
        if src != DB
        for proto, port in [("TCP", 5000), ("TCP", 5005), ("TCP", 5010), ("UDP", 7000)]
    }
    assert involving(result, "shop/db") == into_db
    assert result == not_to(full_mesh(SHOP_PODS, probes), "shop/db") | into_db


@pytest.mark.nca
def test_ip_block_does_not_match_pods_and_policy_types_order_is_normalised():
    # nca treats ipBlocks as cluster-external only: the /8 below covers every generated pod IP (172.30.x.y)
    # but admits no pod.  [Egress, Ingress] is accepted by Kubernetes; nca needs it normalised.
    policy = """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db-ipblock, namespace: shop}
spec:
  podSelector: {matchLabels: {app: db}}
  policyTypes: [Egress, Ingress]
  ingress:
  - from: [{ipBlock: {cidr: 172.0.0.0/8}}]
  egress:
  - {}
"""
    result = nca_allowed_connections(policy, NAMESPACES, SHOP_PODS, PROBES)
    assert result == not_to(full_mesh(SHOP_PODS), "shop/db")


@pytest.mark.nca
def test_more_than_two_identical_pods_are_all_kept():
    pods = [Pod("ns", f"replica-{i}", {"app": "same"}) for i in range(4)]
    assert nca_allowed_connections("", {}, pods, [("TCP", 1)]) == full_mesh(pods, [("TCP", 1)])


@pytest.mark.nca
def test_nca_rejection_raises_nca_error():
    bad_port = ALLOW_API_TO_DB.replace("port: 5432", "port: 0")
    with pytest.raises(NcaError, match="Port number must be in the range"):
        nca_allowed_connections(bad_port, NAMESPACES, SHOP_PODS, PROBES)


@pytest.mark.nca
@pytest.mark.parametrize(
    "policies",
    [
        "kind: [unclosed",  # nca itself would just print a parse error and treat the file as empty
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}",
        ALLOW_API_TO_DB + "---" + ALLOW_API_TO_DB,  # nca would silently keep only the first
    ],
)
def test_bad_input_is_rejected_before_nca(policies):
    with pytest.raises(ValueError):
        nca_allowed_connections(policies, NAMESPACES, SHOP_PODS, PROBES)


@pytest.mark.nca
@pytest.mark.parametrize(
    ("conns", "protocol", "port", "expected"),
    [
        ("All connections", "SCTP", 1, True),
        ("No connections", "TCP", 80, False),
        ("{protocols:TCP,dst_ports:5432,8080}", "TCP", 8080, True),
        ("{protocols:TCP,dst_ports:5432,8080}", "UDP", 8080, False),
        ("{protocols:TCP,dst_ports:5432,8080}", "TCP", 80, False),
        ("{protocols:TCP, UDP, SCTP}", "SCTP", 9, True),
        ("{protocols:TCP, SCTP},{protocols:UDP,dst_ports:1-52,54-65535}", "UDP", 53, False),
        ("{protocols:TCP, SCTP},{protocols:UDP,dst_ports:1-52,54-65535}", "UDP", 54, True),
        ("{dst_ports:100-200}", "UDP", 200, True),
        ("All but {protocols:UDP,dst_ports:53}", "UDP", 53, False),
        ("All but {protocols:UDP,dst_ports:53}", "TCP", 53, True),
        ("{protocols:all but TCP}", "UDP", 1, True),
        ("{protocols:all but TCP}", "TCP", 1, False),
    ],
)
def test_connection_text_parser(conns, protocol, port, expected):
    assert connection_allows(conns, protocol, port) is expected


@pytest.mark.nca
@pytest.mark.parametrize("conns", ["{src_ports:1-2}", "{protocols:TCP", "TCP 80", "{dst_ports:x}", "{}"])
def test_connection_text_parser_rejects_unknown_shapes(conns):
    with pytest.raises(NcaError):
        connection_allows(conns, "TCP", 80)
