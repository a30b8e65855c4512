"""From (file, document, path) to a line: the quick cut into documents, its check, and the path walk."""

from __future__ import annotations

import pytest
import yaml

from editor.cli import lines
from editor.cli.lines import Locator, exact_document_starts, quick_document_starts, walk

STREAMS = [
    "a: 1\n",
    "---\na: 1\n---\nb: 2\n",
    "# comment\n\na: 1\n---\nb: 2\n",
    "a: 1\n...\n---\nb: 2\n",
    "%YAML 1.1\n---\na: 1\n",
    "--- {a: 1}\n--- {b: 2}\n",
    "---\n---\na: 1\n",
    'a: "---"\nb: |\n  ---x\n---\nc: 3\n',
]


@pytest.mark.parametrize("text", STREAMS)
def test_quick_document_starts_agree_with_libyaml(text):
    assert quick_document_starts(text) == exact_document_starts(text)


def test_walk_takes_the_longest_key_so_label_keys_with_dots_are_found():
    node = yaml.compose("metadata:\n  labels:\n    app: x\n    app.kubernetes.io/name: y\n")
    assert walk(node, "metadata.labels.app.kubernetes.io/name")[1:] == (3, True)
    assert walk(node, "metadata.labels.app")[1:] == (2, True)


def test_walk_stops_at_the_deepest_part_that_exists():
    node = yaml.compose("spec:\n  ingress:\n    - from: []\n")
    assert walk(node, "spec.ingress[0].ports[1]")[1:] == (2, False)
    assert walk(node, "spec.ingress[3]")[1:] == (1, False)


def test_locator_counts_lines_from_one_within_the_document():
    text = "---\nkind: A\n---\nkind: B\nspec:\n  x: 1\n"
    locator = Locator({"f.yaml": text})
    assert locator.line("f.yaml", 2, "spec.x") == 6
    assert locator.line("f.yaml", 2, "", "B") == 4
    assert locator.line("f.yaml", 3, "") is None
    assert locator.line("other.yaml", 1, "") is None


def test_locator_falls_back_to_libyaml_when_the_quick_cut_finds_the_wrong_object(monkeypatch):
    text = "---\nkind: A\n---\nkind: B\nspec:\n  x: 1\n"
    monkeypatch.setattr(lines, "quick_document_starts", lambda text: [0, 1])  # a wrong cut
    locator = Locator({"f.yaml": text})
    assert locator.line("f.yaml", 2, "spec.x", "B") == 6
