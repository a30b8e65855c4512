"""DNS-name externals in the domain: validation, the NetworkPolicy compile leaves their flows out, lint says so."""

import dataclasses

import pytest

from editor.netpol import lint, validate
from editor.netpol.compile import Compilation, compile_design
from editor.netpol.model import Endpoint, External, Flow, Port

from .designs import three_tier

W, EXT = Endpoint.workload, Endpoint.external


def with_stripe(graph=None, *, pattern=False):
    graph = graph or three_tier()
    stripe = External.dns_name("stripe", "*.stripe.com" if pattern else "api.stripe.com")
    flow = Flow(W("shop/api"), EXT("stripe"), (Port.tcp(443),))
    return dataclasses.replace(graph, externals=(*graph.externals, stripe), flows=(*graph.flows, flow))


@pytest.mark.parametrize(
    ("value", "canonical"),
    [
        ("api.stripe.com", "api.stripe.com"),
        ("API.Stripe.com.", "api.stripe.com"),
        ("*.s3.amazonaws.com", "*.s3.amazonaws.com"),
    ],
)
def test_fqdn_is_accepted_in_canonical_form(value, canonical):
    assert validate.check_fqdn(value) == canonical


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("", "required"),
        ("*.*.example.com", "leading '*.'"),
        ("api.*.com", "leading '*.'"),
        ("*api.example.com", "leading '*.'"),
        ("stripe", "single label"),
        ("-bad.example.com", "invalid part '-bad'"),
        ("a..example.com", "invalid part ''"),
    ],
)
def test_bad_fqdn_is_refused_with_the_fix(value, says):
    with pytest.raises(validate.Invalid, match=says.replace("*", r"\*").replace(".", r"\.")):
        validate.check_fqdn(value)


def test_networkpolicy_compile_opens_nothing_for_a_dns_name_flow():
    assert compile_design(with_stripe()) == compile_design(three_tier())


def test_incremental_compile_skips_dns_name_flows_as_the_full_compile_does():
    before = three_tier()
    after = with_stripe()
    base = Compilation.of(dataclasses.replace(after, flows=before.flows))
    assert base.update(after, added=(after.flows[-1],)).policies == Compilation.of(after).policies
    assert Compilation.of(after).update(base.graph, removed=(after.flows[-1],)).policies == base.policies


def test_each_dns_name_flow_is_flagged_as_not_expressible():
    graph = with_stripe()
    found = [f for f in lint.lint(graph, compile_design(graph)) if f.code == lint.FQDN_NOT_EXPRESSIBLE]
    assert [(f.subject, f.severity) for f in found] == [("shop/api -> stripe", "warning")]
    assert "api.stripe.com" in found[0].message and "cilium" in found[0].message.lower()


def test_incremental_lint_agrees_on_dns_name_flows():
    before, after = three_tier(), with_stripe(pattern=True)
    before = dataclasses.replace(before, externals=after.externals)
    state = lint.LintState.full(before, compile_design(before))
    assert state.update(after, compile_design(after)).findings == lint.lint(after, compile_design(after))


def test_dns_name_externals_get_no_ipblock_findings():
    graph = with_stripe()
    codes = {f.code for f in lint.lint(graph, compile_design(graph))}
    assert not codes & {lint.EXCEPT_OUTSIDE_CIDR, lint.IPBLOCK_TARGETS_POD, lint.EGRESS_TO_INTERNET}
