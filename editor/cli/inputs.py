"""Reading the files a command is given: paths → texts → the importer's graph, or problems with lines.

A directory stands for the ``*.yaml``, ``*.yml`` and ``*.json`` files under it (sorted, recursively).
Every problem is a :class:`~editor.netpol.importer.DocumentError` with its file; :func:`problem_lines`
prints them as ``FILE:LINE: document N, PATH: message``.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from editor.netpol import importer
from editor.netpol.gcpause import paused_gc
from editor.netpol.importer import DocumentError, Imported

from .lines import Locator

SUFFIXES = (".yaml", ".yml", ".json")


class InputError(Exception):
    """The input cannot be used; ``errors`` name file, document and path; ``locator`` finds their lines."""

    def __init__(self, errors: list[DocumentError], locator: Locator | None = None):
        super().__init__("; ".join(e.message for e in errors[:3]))
        self.errors = errors
        self.locator = locator or Locator({})


@dataclass
class Loaded:
    imported: Imported
    texts: dict[str, str]
    locator: Locator


def expand(paths: list[str]) -> tuple[list[str], list[DocumentError]]:
    """The files named, directories expanded; a path that does not exist is an error."""
    files: list[str] = []
    errors: list[DocumentError] = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            found = sorted(str(p) for p in path.rglob("*") if p.is_file() and p.suffix in SUFFIXES)
            if not found:
                errors.append(DocumentError(1, "", f"The directory holds no {', '.join(SUFFIXES)} files.", name))
            files.extend(found)
        elif path.is_file() or name == "-":
            files.append(name)
        else:
            errors.append(DocumentError(1, "", "No such file or directory: check the path.", name))
    return files, errors


def read(paths: list[str], stdin: TextIO | None = None) -> dict[str, str]:
    """``{file: text}`` for every file (``-`` is standard input); raises :class:`InputError`."""
    files, errors = expand(paths)
    texts: dict[str, str] = {}
    for name in files:
        if name in texts:
            continue
        try:
            if name == "-":
                texts[name] = (stdin or sys.stdin).read()
            else:
                texts[name] = Path(name).read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            errors.append(DocumentError(1, "", "The file is not UTF-8 text: save it as UTF-8.", name))
        except OSError as exc:
            errors.append(DocumentError(1, "", f"The file cannot be read: {exc.strerror or exc}.", name))
    if errors:
        raise InputError(errors)
    return texts


def load(paths: list[str], stdin: TextIO | None = None) -> Loaded:
    """The files read and imported as one body of manifests; raises :class:`InputError`."""
    texts = read(paths, stdin)
    locator = Locator(texts)
    try:
        with paused_gc():  # see gcpause.py: parsing builds millions of cycle-free objects
            imported = importer.import_sources(list(texts.items()))
    except importer.ImportFailed as exc:
        errors = [e if e.source else DocumentError(e.document, e.path, e.message, _first(texts)) for e in exc.errors]
        raise InputError(errors, locator) from None
    return Loaded(imported, texts, locator)


def _first(texts: dict[str, str]) -> str:
    return next(iter(texts), "")


def where(error: DocumentError, locator: Locator) -> str:
    """``FILE:LINE: document N, PATH`` (the line when it can be found)."""
    line = locator.line(error.source, error.document, error.path) if error.source else None
    head = f"{error.source}:{line}" if line is not None else error.source or "<input>"
    return f"{head}: document {error.document}" + (f", {error.path}" if error.path else "")


def problem_lines(exc: InputError) -> list[str]:
    return [f"{where(e, exc.locator)}: error: {e.message}" for e in exc.errors]


def print_problems(exc: InputError, stream: TextIO) -> None:
    for line in problem_lines(exc):
        print(line, file=stream)
