"""From (file, document, field path) to a line: what the importer tells, as an editor and SARIF show it.

The importer names each problem and object by its document (counted from 1) and the field's path inside it
(``spec.ingress[0].from[1]``).  A line is found only when asked (a finding or an error to print): the
document's text is cut out of its file and composed alone by PyYAML (``start_mark.line``), then the path is
walked from node to node; the line is the deepest part of the path that exists.

Documents are found by their ``---``/``...`` marker lines, as libyaml reads them (a marker at column 0 ends
any scalar).  Where that quick cut disagrees with what the object should be (its ``kind``), the exact
document starts are taken from libyaml's event stream instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import yaml

from editor.netpol.gcpause import paused_gc

_INDEX = re.compile(r"\[(\d+)\]\.?")
_BLANK_OR_COMMENT = re.compile(r"\s*(#.*)?")


def _loader() -> type:
    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _NodesOnly(_loader()):  # type: ignore[misc]
    """Composes nodes without resolving each scalar's type (a third of the time): only keys and lines count."""

    def resolve(self, kind: type, value: object, implicit: object) -> str:
        return "tag:yaml.org,2002:str"


def _marker(line: str) -> str | None:
    if line[:3] in ("---", "...") and (len(line) == 3 or line[3] in " \t\r"):
        return line[:3]
    return None


def quick_document_starts(text: str) -> list[int]:
    """The line (from 0) where each document starts, from the marker lines alone."""
    starts: list[int] = []
    open_implicit = True  # content before any '---' (or after '...') starts a document of its own
    directive: int | None = None  # a '%YAML' or '%TAG' line opens the document its '---' starts
    for number, line in enumerate(text.split("\n")):
        marker = _marker(line) if line[:1] in ("-", ".") else None
        if marker == "---":
            starts.append(number if directive is None else directive)
            open_implicit, directive = False, None
        elif marker == "...":
            open_implicit = True
        elif open_implicit and line.startswith("%"):
            directive = number if directive is None else directive
        elif open_implicit and not _BLANK_OR_COMMENT.fullmatch(line):
            starts.append(number)
            open_implicit = False
    return starts


def exact_document_starts(text: str) -> list[int]:
    """The line (from 0) where each document starts, as libyaml's events say (up to a syntax error)."""
    starts: list[int] = []
    try:
        with paused_gc():
            for event in yaml.parse(text, Loader=_loader()):
                if isinstance(event, yaml.DocumentStartEvent) and event.start_mark is not None:
                    starts.append(event.start_mark.line)
    except yaml.YAMLError:
        pass
    return starts


def walk(node: yaml.Node, path: str) -> tuple[yaml.Node, int, bool]:
    """``(node, line, complete)``: the deepest node of ``path`` found, its line (from 0), and whether all
    of the path was found.  Keys may hold dots (label keys): the longest key that fits is taken."""
    line = node.start_mark.line
    rest = path
    while rest:
        index = _INDEX.match(rest)
        if index is not None:
            if not isinstance(node, yaml.SequenceNode) or int(index.group(1)) >= len(node.value):
                return node, line, False
            node = node.value[int(index.group(1))]
            line, rest = node.start_mark.line, rest[index.end() :]
            continue
        if not isinstance(node, yaml.MappingNode):
            return node, line, False
        best: tuple[yaml.Node, yaml.Node] | None = None
        for key, value in node.value:
            name = key.value if isinstance(key, yaml.ScalarNode) else None
            if not isinstance(name, str) or not rest.startswith(name):
                continue
            if rest[len(name) : len(name) + 1] not in ("", ".", "["):
                continue
            if best is None or len(name) >= len(best[0].value):
                best = (key, value)  # the last of equal keys: YAML readers keep the last value
        if best is None:
            return node, line, False
        key, node = best
        line = key.start_mark.line
        rest = rest[len(key.value) :]
        rest = rest[1:] if rest.startswith(".") else rest
    return node, line, True


@dataclass
class _File:
    text: str
    lines: list[str] = field(default_factory=list)
    starts: list[int] | None = None
    exact: bool = False
    documents: dict[int, yaml.Node | None] = field(default_factory=dict)


class Locator:
    """Lines of (file, document, path) in the files read; every answer is from 1, or None when unknown."""

    def __init__(self, texts: dict[str, str]):
        self._files = {name: _File(text) for name, text in texts.items()}

    def line(self, source: str, document: int, path: str = "", kind: str | frozenset[str] | None = None) -> int | None:
        """The line of ``path`` in document ``document`` of ``source``.  With ``kind``, the object at the
        start of the path (the document, or ``items[i]`` of a List) must be of that kind (the check that
        the quick cut into documents was right)."""
        file = self._files.get(source)
        if file is None or document < 1:
            return None
        found = self._find(file, document, path, kind)
        if found is None and not file.exact:
            file.starts, file.exact, file.documents = exact_document_starts(file.text), True, {}
            found = self._find(file, document, path, kind)
        return None if found is None else found + 1

    def document_line(self, source: str, document: int) -> int | None:
        file = self._files.get(source)
        if file is None:
            return None
        starts = self._starts(file)
        return starts[document - 1] + 1 if 0 < document <= len(starts) else None

    def _starts(self, file: _File) -> list[int]:
        if file.starts is None:
            file.starts = quick_document_starts(file.text)
        return file.starts

    def _find(self, file: _File, document: int, path: str, kind: str | frozenset[str] | None) -> int | None:
        starts = self._starts(file)
        if document > len(starts):
            return None
        start = starts[document - 1]
        node = self._document(file, document)
        if node is None:
            return start if kind is None else None
        if kind is not None and not _is_kind(node, path, kind):
            return None
        _, line, _ = walk(node, path)
        return start + line

    def _document(self, file: _File, document: int) -> yaml.Node | None:
        if document not in file.documents:
            if not file.lines:
                file.lines = file.text.split("\n")
            starts = self._starts(file)
            end = starts[document] if document < len(starts) else len(file.lines)
            chunk = "\n".join(file.lines[starts[document - 1] : end])
            try:
                with paused_gc():
                    nodes = list(yaml.compose_all(chunk, Loader=_NodesOnly))
            except (yaml.YAMLError, RecursionError):  # the importer has said what is wrong with it
                nodes = []
            # the chunk begins at the document's start line, so node lines are relative to it
            file.documents[document] = nodes[0] if len(nodes) == 1 else None
        return file.documents[document]


def _is_kind(node: yaml.Node, path: str, kind: str | frozenset[str]) -> bool:
    head = re.match(r"items\[\d+\]", path)
    if head is not None:
        node, _, complete = walk(node, head.group(0))
        if not complete:
            return False
    if not isinstance(node, yaml.MappingNode):
        return False
    kinds = {kind} if isinstance(kind, str) else kind
    for key, value in node.value:
        if isinstance(key, yaml.ScalarNode) and key.value == "kind" and isinstance(value, yaml.ScalarNode):
            return value.value in kinds
    return head is not None  # a typed List's items may leave their kind out
