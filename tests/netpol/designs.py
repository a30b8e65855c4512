"""Example designs (domain graphs) shared by the compiler's tests."""

from editor.netpol.model import ContainerPort, Endpoint, External, Flow, Graph, Namespace, Port, Workload

W, NS, EXT = Endpoint.workload, Endpoint.namespace, Endpoint.external


def three_tier() -> Graph:
    return Graph(
        namespaces=(Namespace("shop"),),
        workloads=(
            Workload.of("shop/frontend", ports=[ContainerPort("http", 80)]),
            Workload.of("shop/api", ports=[ContainerPort("http", 8080)]),
            Workload.of("shop/db", ports=[ContainerPort("postgres", 5432)]),
        ),
        flows=(
            Flow(W("shop/frontend"), W("shop/api"), (Port.tcp(8080),)),
            Flow(W("shop/api"), W("shop/db"), (Port.tcp(5432),)),
        ),
    )


def cross_namespace() -> Graph:
    return Graph(
        namespaces=(Namespace("frontend", (("team", "web"),)), Namespace("backend")),
        workloads=(Workload.of("frontend/web"), Workload.of("backend/api", {"app": "api", "tier": "backend"})),
        flows=(Flow(W("frontend/web"), W("backend/api"), (Port.tcp(8080),)),),
    )


def namespace_endpoint() -> Graph:
    return Graph(
        namespaces=(Namespace("prod"), Namespace("monitoring"), Namespace("logging")),
        workloads=(Workload.of("prod/api"),),
        flows=(
            Flow(NS("monitoring"), W("prod/api"), (Port.tcp(9090),)),
            Flow(W("prod/api"), NS("logging"), (Port.udp(514), Port.tcp(514))),
        ),
    )


def ip_block_with_except() -> Graph:
    return Graph(
        namespaces=(Namespace("prod"),),
        workloads=(Workload.of("prod/api"), Workload.of("prod/frontend")),
        externals=(
            External("corp", "10.0.0.0/8", ("10.0.0.5/32", "10.1.0.0/16")),
            External("internet", "0.0.0.0/0"),
            External("partners-v6", "2001:db8::/32", ("2001:db8:1::/48",)),
        ),
        flows=(
            Flow(W("prod/api"), EXT("corp"), (Port.tcp(443),)),
            Flow(W("prod/api"), EXT("partners-v6"), (Port.tcp(443),)),
            Flow(EXT("internet"), W("prod/frontend"), (Port.tcp(443),)),
        ),
    )


def named_port() -> Graph:
    return Graph(
        namespaces=(Namespace("shop"),),
        workloads=(
            Workload.of("shop/frontend"),
            Workload.of("shop/api", ports=[ContainerPort("http", 8080), ContainerPort("metrics", 9100)]),
        ),
        flows=(Flow(W("shop/frontend"), W("shop/api"), (Port.tcp("http"),)),),
    )


def port_range() -> Graph:
    return Graph(
        namespaces=(Namespace("shop"),),
        workloads=(Workload.of("shop/api"), Workload.of("shop/worker")),
        flows=(
            Flow(W("shop/api"), W("shop/worker"), (Port.tcp(8000, 8100), Port.udp(7000))),
            Flow(W("shop/worker"), W("shop/api")),
        ),
    )


GOLDEN = {
    "three-tier": three_tier,
    "cross-namespace": cross_namespace,
    "namespace-endpoint": namespace_endpoint,
    "ipblock-except": ip_block_with_except,
    "named-port": named_port,
    "port-range": port_range,
}
