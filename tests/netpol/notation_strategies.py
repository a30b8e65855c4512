"""Hypothesis strategies for the pages' notations: selectors, ports and policies as people can write them
(label keys and values as Kubernetes allows them, so the notation's own characters never appear in them)."""

from __future__ import annotations

from hypothesis import strategies as st

from editor.netpol.model import PROTOCOLS, IPBlock, LabelSelector, Peer, Policy, Port, Requirement, Rule

name = st.from_regex(r"[a-z0-9]([a-z0-9._-]{0,8}[a-z0-9])?", fullmatch=True)
key = st.one_of(name, st.builds(lambda p, n: f"{p}/{n}", st.from_regex(r"[a-z]{1,5}\.io", fullmatch=True), name))
values = st.lists(name, min_size=1, max_size=3, unique=True).map(tuple)
requirement = st.one_of(
    st.builds(Requirement, key, st.sampled_from(["In", "NotIn"]), values),
    st.builds(Requirement, key, st.sampled_from(["Exists", "DoesNotExist"])),
)
selector = st.builds(
    LabelSelector.of, st.dictionaries(key, name, max_size=3), st.lists(requirement, max_size=3, unique=True)
)

port_name = st.from_regex(r"[a-z]([a-z0-9-]{0,12}[a-z0-9])?", fullmatch=True)
number = st.integers(1, 65535)
port = st.one_of(
    st.builds(Port, st.sampled_from(PROTOCOLS)),
    st.builds(Port, st.sampled_from(PROTOCOLS), number),
    st.builds(Port, st.sampled_from(PROTOCOLS), port_name),
    st.builds(lambda p, a, b: Port(p, min(a, b), max(a, b)), st.sampled_from(PROTOCOLS), number, number),
)

dns_label = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?", fullmatch=True)
ip_block = st.sampled_from(
    [
        IPBlock("10.0.0.0/8"),
        IPBlock("10.0.0.0/8", ("10.1.0.0/16", "10.2.0.0/16")),
        IPBlock("0.0.0.0/0", ("192.168.0.0/16",)),
        IPBlock("2001:db8::/32"),
    ]
)
peer = st.one_of(
    st.builds(lambda s: Peer(pod_selector=s), selector),
    st.builds(lambda s: Peer(namespace_selector=s), selector),
    st.builds(lambda p, n: Peer(pod_selector=p, namespace_selector=n), selector, selector),
    st.builds(lambda b: Peer(ip_block=b), ip_block),
)
rule = st.builds(Rule, st.lists(peer, max_size=3).map(tuple), st.lists(port, max_size=3).map(tuple))


@st.composite
def policy(draw) -> Policy:
    ingress_isolated, egress_isolated = draw(st.sampled_from([(True, False), (False, True), (True, True)]))
    return Policy(
        name=draw(dns_label),
        namespace=draw(dns_label),
        pod_selector=draw(selector),
        ingress_isolated=ingress_isolated,
        egress_isolated=egress_isolated,
        ingress=tuple(draw(st.lists(rule, max_size=3))) if ingress_isolated else (),
        egress=tuple(draw(st.lists(rule, max_size=3))) if egress_isolated else (),
    )
