"""``policyeditor check FILE... --expect EXPECTATIONS``: reachability assertions against manifest files.

EXPECTATIONS is a YAML or JSON list; each item ``{from, to, port, protocol, allowed}`` (``protocol``
defaults to TCP; ``from``/``to`` are workloads ``ns/name`` of the files or IP addresses; ``port`` a number
or a named port of the destination).  Each one is judged as the API's reachability endpoint judges it; a
failure is explained per side (egress of the source, ingress of the destination, and which policies).
Exit status: 0 when every expectation holds, 1 when one does not, 2 when the input is bad.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from typing import Any, TextIO

from editor.netpol import analyze, importer, validate
from editor.netpol.importer import DocumentError

from . import inputs
from .lines import Locator

FIELDS = ("from", "to", "port", "protocol", "allowed", "name")


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "check",
        help="check reachability expectations against manifest files",
        description="Check that connections are allowed or denied as expected by the NetworkPolicies of the "
        "files. EXPECTATIONS: a YAML/JSON list of {from, to, port, protocol, allowed}.",
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help="manifest files or directories")
    parser.add_argument("--expect", required=True, metavar="EXPECTATIONS", help="the expectations file")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format")
    parser.set_defaults(run=run)


@dataclass(frozen=True)
class Expectation:
    number: int  # from 1, in the file's order
    document: int
    path: str  # "[2]": where it is in its document
    source: str
    destination: str
    port: int | str
    protocol: str
    allowed: bool
    name: str = ""

    @property
    def label(self) -> str:
        return self.name or f"{self.source} -> {self.destination} {self.protocol} {self.port}"


def _item(document: int, index: int, data: Any, errors: list[DocumentError], file: str) -> Expectation | None:
    path = f"[{index}]"

    def error(field: str, message: str) -> None:
        errors.append(DocumentError(document, f"{path}.{field}" if field else path, message, file))

    if not isinstance(data, dict):
        error("", "An expectation must be a mapping: {from: ns/a, to: ns/b, port: 80, allowed: true}.")
        return None
    before = len(errors)
    for key in data:
        if key not in FIELDS:
            error(str(key), f"Unknown field '{key}': an expectation has {', '.join(FIELDS)}.")
    for key in ("from", "to"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            error(key, f"'{key}' is missing: give a workload as <namespace>/<name> or an IP address.")
    if not isinstance(data.get("allowed"), bool):
        error("allowed", "'allowed' must be true or false: is the connection expected to be allowed?")
    protocol = port = None
    try:
        protocol = validate.check_protocol(data.get("protocol"))
    except validate.Invalid as exc:
        error("protocol", str(exc))
    if data.get("port") is None:
        error("port", "'port' is missing: give a port number (5432) or a named port of the destination (http).")
    else:
        try:
            port = validate.check_int_or_port_name(data["port"])
        except validate.Invalid as exc:
            error("port", str(exc))
    name = data.get("name")
    name = name if isinstance(name, str) else ""
    if len(errors) > before or protocol is None or port is None:
        return None
    return Expectation(index + 1, document, path, data["from"], data["to"], port, protocol, data["allowed"], name)


def expectations(file: str) -> tuple[list[Expectation], Locator]:
    """The expectations of ``file``; raises :class:`inputs.InputError` naming document and path."""
    texts = inputs.read([file])
    locator = Locator(texts)
    errors: list[DocumentError] = []
    out: list[Expectation] = []
    for name, text in texts.items():
        try:
            documents = importer.load_documents(text)
        except importer.ImportFailed as exc:
            raise inputs.InputError([DocumentError(e.document, e.path, e.message, name) for e in exc.errors]) from None
        if not documents:
            errors.append(DocumentError(1, "", "The file holds no expectations: give a list of them.", name))
        for document, data in documents:
            if not isinstance(data, list):
                errors.append(DocumentError(document, "", "The expectations must be a list ('- from: ...').", name))
                continue
            for index, item in enumerate(data):
                found = _item(document, index, item, errors, name)
                if found is not None:
                    out.append(found)
    if errors:
        raise inputs.InputError(errors, locator)
    return out, locator


def _judge(loaded: inputs.Loaded, expectation: Expectation, file: str) -> analyze.Reachability:
    graph = loaded.imported.graph
    try:
        return analyze.reachability(
            graph,
            list(loaded.imported.policies),
            expectation.source,
            expectation.destination,
            expectation.protocol,
            expectation.port,
        )
    except analyze.UnknownRef as exc:
        message = str(exc).replace("of this design", "of the files")
        field = "port" if "port named" in message else ("to" if f"'{expectation.destination}'" in message else "from")
        error = DocumentError(expectation.document, f"{expectation.path}.{field}", message, file)
        raise inputs.InputError([error]) from None


def verdict_word(allowed: bool) -> str:
    return "allowed" if allowed else "denied"


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    loaded = inputs.load(args.files)
    wanted, locator = expectations(args.expect)
    results = []
    problems: list[DocumentError] = []
    for expectation in wanted:
        try:
            results.append((expectation, _judge(loaded, expectation, args.expect)))
        except inputs.InputError as exc:
            problems.extend(exc.errors)
    if problems:
        raise inputs.InputError(problems, locator)
    failed = [(e, r) for e, r in results if r.allowed != e.allowed]
    if args.format == "json":
        body = {
            "checked": len(results),
            "failed": len(failed),
            "results": [
                {
                    "name": e.label,
                    "from": e.source,
                    "to": e.destination,
                    "port": e.port,
                    "protocol": e.protocol,
                    "expected": e.allowed,
                    "ok": r.allowed == e.allowed,
                    "line": locator.line(args.expect, e.document, e.path),
                    **r.as_dict(explain=True),
                }
                for e, r in results
            ],
        }
        out.write(json.dumps(body, indent=2, ensure_ascii=False) + "\n")
    else:
        for e, r in results:
            if r.allowed == e.allowed:
                out.write(f"ok    {e.label}: {verdict_word(r.allowed)}\n")
                continue
            line = locator.line(args.expect, e.document, e.path)
            where = f"{args.expect}:{line}" if line is not None else f"{args.expect}, document {e.document} {e.path}"
            out.write(
                f"FAIL  {e.label}: expected {verdict_word(e.allowed)}, is {verdict_word(r.allowed)} ({where})\n"
                f"      egress  ({verdict_word(r.verdict.egress.allowed)}): {r.egress_text}\n"
                f"      ingress ({verdict_word(r.verdict.ingress.allowed)}): {r.ingress_text}\n"
            )
        out.write(f"{len(results) - len(failed)} of {len(results)} expectations hold\n")
    return 1 if failed else 0
