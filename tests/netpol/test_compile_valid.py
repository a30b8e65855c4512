"""Every compiled manifest passes the API server's validation rules and reads back to the same policy."""

from hypothesis import given, settings

from editor.netpol.compile import compile_design
from editor.netpol.importer import import_manifests
from editor.netpol.render import manifests, to_yaml

from .designs import GOLDEN, designs


def _round_trip(graph):
    policies = compile_design(graph)
    if not policies:
        return [], []
    imported = import_manifests(to_yaml(manifests(policies)))  # raises ImportFailed on any invalid field
    return policies, list(imported.policies)


def test_golden_designs_are_valid_and_read_back_unchanged():
    for build in GOLDEN.values():
        policies, read_back = _round_trip(build())
        assert read_back == policies


@settings(max_examples=150, deadline=None)
@given(designs())
def test_random_designs_compile_to_valid_manifests_that_read_back_unchanged(graph):
    policies, read_back = _round_trip(graph)
    assert read_back == policies
