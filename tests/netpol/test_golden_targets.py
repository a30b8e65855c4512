"""Golden YAML for the Cilium and netassert targets: the exact output for the reference designs.

Regenerate after an intended change with ``UPDATE_GOLDEN=1 pytest tests/netpol/test_golden_targets.py``
and review the diff.
"""

import dataclasses
import os
from pathlib import Path

import pytest

from editor.netpol import targets
from editor.netpol.compile import compile_design
from editor.netpol.model import Endpoint, External, Flow, Port

from .designs import GOLDEN, three_tier

GOLDEN_DIR = Path(__file__).parent / "golden"


def dns_names():
    graph = three_tier()
    return dataclasses.replace(
        graph,
        externals=(External.dns_name("stripe", "api.stripe.com"), External.dns_name("s3", "*.s3.amazonaws.com")),
        flows=(
            *graph.flows,
            Flow(Endpoint.workload("shop/api"), Endpoint.external("stripe"), (Port.tcp(443),)),
            Flow(Endpoint.workload("shop/api"), Endpoint.external("s3"), (Port.tcp(443),)),
            Flow(Endpoint.namespace("shop"), Endpoint.external("s3"), ()),
        ),
    )


DESIGNS = {**GOLDEN, "dns-names": dns_names}


def render(target, name):
    graph = DESIGNS[name]()
    return targets.to_yaml(target, targets.manifests(target, graph, compile_design(graph)))


@pytest.mark.parametrize("target", ["cilium", "netassert"])
@pytest.mark.parametrize("name", sorted(DESIGNS))
def test_target_yaml_matches_golden_file(target, name):
    text = render(target, name)
    path = GOLDEN_DIR / target / f"{name}.yaml"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.parent.mkdir(exist_ok=True)
        path.write_text(text)
    assert text == path.read_text()


@pytest.mark.parametrize("target", ["cilium", "netassert"])
def test_target_yaml_has_no_anchors_or_aliases(target):
    for name in DESIGNS:
        text = render(target, name)
        assert "&id" not in text and "*id" not in text, name
