"""Golden YAML: the compiler's exact output for the reference designs.

Regenerate after an intended change with ``UPDATE_GOLDEN=1 pytest tests/netpol/test_golden.py``
and review the diff.
"""

import os
from pathlib import Path

import pytest

from editor.netpol.compile import compile_design
from editor.netpol.render import manifests, to_yaml

from .designs import GOLDEN

GOLDEN_DIR = Path(__file__).parent / "golden"


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_compiled_yaml_matches_golden_file(name):
    text = to_yaml(manifests(compile_design(GOLDEN[name]())))
    path = GOLDEN_DIR / f"{name}.yaml"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_text(text)
    assert text == path.read_text()


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_same_design_gives_byte_identical_yaml(name):
    first = to_yaml(manifests(compile_design(GOLDEN[name]())))
    graph = GOLDEN[name]()
    shuffled = type(graph)(
        namespaces=tuple(reversed(graph.namespaces)),
        workloads=tuple(reversed(graph.workloads)),
        externals=tuple(reversed(graph.externals)),
        flows=tuple(reversed(graph.flows)),
        settings=graph.settings,
    )
    assert to_yaml(manifests(compile_design(shuffled))) == first
