"""netassert's test list is written line by line, and the text is exactly what PyYAML writes."""

from __future__ import annotations

from pathlib import Path

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from editor.netpol import targets

GOLDEN = Path(__file__).parent / "golden" / "netassert"

names = st.from_regex(r"[a-zA-Z][a-zA-Z0-9]{0,5}([-.][a-zA-Z0-9]{1,4}){0,2}", fullmatch=True)
scalars = st.one_of(
    names,
    st.integers(0, 70000),
    st.booleans(),
    st.sampled_from(
        ["yes", "No", "ON", "off", "Null", "True", "y", "N", "10.0.0.1", "1.5", "", "a b", "x:y", "Ünï", "8080"]
    ),
)
mappings = st.recursive(
    st.dictionaries(names, scalars, min_size=1, max_size=4),
    lambda inner: st.dictionaries(names, st.one_of(scalars, inner), min_size=1, max_size=4),
    max_leaves=12,
)


def test_the_golden_test_files_are_written_as_pyyaml_writes_them():
    files = sorted(GOLDEN.glob("*.yaml"))
    assert files
    for path in files:
        tests = yaml.safe_load(path.read_text())
        assert targets.tests_yaml(tests) == targets.reference_tests_yaml(tests) == path.read_text(), path.name


@settings(max_examples=300, deadline=None)
@given(st.lists(mappings, max_size=5))
def test_any_test_list_is_written_as_pyyaml_writes_it(tests):
    text = targets.tests_yaml(tests)
    assert text == targets.reference_tests_yaml(tests)
    assert yaml.safe_load(text) == tests


def test_a_value_that_needs_quoting_goes_through_pyyaml():
    tests = [{"name": "on", "targetPort": 80}]
    assert targets.tests_yaml(tests) == targets.reference_tests_yaml(tests)
    assert yaml.safe_load(targets.tests_yaml(tests)) == tests
