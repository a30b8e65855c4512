"""Example designs (domain graphs) shared by the compiler's tests."""

from hypothesis import strategies as st

from editor.netpol.model import ContainerPort, Endpoint, External, Flow, Graph, Namespace, Port, Settings, Workload

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


PORT_CHOICES = [
    Port.tcp(80),
    Port.tcp(5432),
    Port.tcp(8080),
    Port.tcp(8080, 8090),
    Port.udp(8080),
    Port.tcp("http"),
    Port.tcp("web"),
]


@st.composite
def designs(draw) -> Graph:
    namespaces = draw(st.lists(st.sampled_from(["alpha", "beta", "gamma"]), min_size=1, max_size=3, unique=True))
    refs = draw(
        st.lists(
            st.tuples(st.sampled_from(namespaces), st.sampled_from(["api", "db", "web", "cache", "worker"])),
            min_size=2,
            max_size=5,
            unique=True,
        )
    )
    workloads = []
    for ns, name in refs:
        extra = draw(st.dictionaries(st.sampled_from(["tier", "team"]), st.sampled_from(["a", "b"]), max_size=1))
        ports = []
        if draw(st.booleans()):
            ports.append(ContainerPort("http", draw(st.sampled_from([80, 8080]))))
        if draw(st.booleans()):
            ports.append(ContainerPort("web", 8085))
        workloads.append(Workload(ns, name, tuple(sorted({"app": name, **extra}.items())), tuple(ports)))
    externals = (External("corp", "10.0.0.0/8", ("10.0.0.5/32",)),)
    endpoints = (
        [Endpoint.workload(w.ref) for w in workloads]
        + [Endpoint.namespace(ns) for ns in namespaces]
        + [Endpoint.external("corp")]
    )
    pairs = draw(st.lists(st.tuples(st.sampled_from(endpoints), st.sampled_from(endpoints)), max_size=6, unique=True))
    flows = []
    for src, dst in pairs:
        if src == dst or (src.kind == dst.kind == "external"):
            continue
        choices = [p for p in PORT_CHOICES if not (dst.kind == "external" and p.is_named)]
        ports = draw(st.lists(st.sampled_from(choices), max_size=2, unique=True))
        flows.append(Flow(src, dst, tuple(ports)))
    setting = draw(
        st.sampled_from(
            [
                Settings(),
                Settings(),
                Settings(dns=False),
                Settings(False, True, True),
                Settings(True, False, True),
                Settings(False, False, False),
            ]
        )
    )
    return Graph(
        namespaces=tuple(Namespace(ns) for ns in namespaces),
        workloads=tuple(workloads),
        externals=externals,
        flows=tuple(flows),
        settings=setting,
    )
