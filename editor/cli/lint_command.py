"""``policyeditor lint FILE...``: the editor's findings for manifests in files, as text, JSON or SARIF.

Exit status: 2 when an error is found (a manifest the API server would refuse, or a file that cannot be
read, is one whatever ``--fail-on`` says), 1 when a finding at or above ``--fail-on`` (default: warning) is,
else 0.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from typing import TextIO

from editor.netpol import lint

from . import findings as placed
from . import inputs, sarif

FAIL_ON = ("error", "warning", "info", "never")


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "lint",
        help="find the classic NetworkPolicy mistakes in manifest files",
        description="Lint NetworkPolicies, with the Namespaces and workloads (Pods, Deployments, ...) of the "
        "same files, as the editor does. A directory stands for its *.yaml, *.yml and *.json files.",
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help="manifest files or directories ('-': stdin)")
    parser.add_argument("--format", choices=("text", "json", "sarif"), default="text", help="output format")
    parser.add_argument(
        "--fail-on",
        choices=FAIL_ON,
        default="warning",
        help="lowest severity that fails (exit 1; errors exit 2); 'never' always exits 0 (default: warning)",
    )
    parser.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE instead of stdout")
    parser.set_defaults(run=run)


def status(located: list[placed.Located], fail_on: str) -> int:
    if any(f.code == placed.INVALID_MANIFEST for f in located):
        return 2  # bad input fails whatever --fail-on says
    if fail_on == "never":
        return 0
    threshold = lint.SEVERITIES.index(fail_on)
    failing = [f for f in located if lint.SEVERITIES.index(f.severity) <= threshold]
    if any(f.severity == "error" for f in failing):
        return 2
    return 1 if failing else 0


def findings_of(files: list[str], stdin: TextIO | None = None) -> tuple[list[placed.Located], list[str]]:
    """Every finding of the files with its place, and the files read; bad manifests are findings too."""
    try:
        loaded = inputs.load(files, stdin)
    except inputs.InputError as exc:
        return placed.from_errors(exc.errors, exc.locator), inputs.expand(files)[0]
    # the server's way to lint a design (equal to lint.lint, tests/netpol/test_lint_incremental.py): one index
    # shared by the checks, so faster on large inputs
    found = lint.LintState.full(loaded.imported.graph, loaded.imported.policies).findings
    return placed.locate(found, loaded.imported, loaded.locator), list(loaded.texts)


def text(located: list[placed.Located], files: list[str]) -> str:
    lines = []
    for f in located:
        where = f"{f.source}:{f.line}" if f.source and f.line else f.source or f.subject
        detail = f" (document {f.document}" + (f", {f.path})" if f.path else ")") if f.document is not None else ""
        lines.append(f"{where}: {f.severity}: {f.message} [{f.code}]{detail}")
    counts = Counter(f.severity for f in located)
    summary = ", ".join(f"{counts[s]} {s}{'s' if counts[s] != 1 else ''}" for s in lint.SEVERITIES)
    lines.append(f"{summary} in {len(files)} file{'s' if len(files) != 1 else ''}")
    return "\n".join(lines) + "\n"


def render(located: list[placed.Located], files: list[str], output_format: str) -> str:
    if output_format == "sarif":
        return json.dumps(sarif.report(located, files), indent=2, ensure_ascii=False) + "\n"
    if output_format == "json":
        counts = Counter(f.severity for f in located)
        body = {
            "findings": [f.as_dict() for f in located],
            "counts": {s: counts[s] for s in lint.SEVERITIES},
            "files": files,
        }
        return json.dumps(body, indent=2, ensure_ascii=False) + "\n"
    return text(located, files)


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    located, files = findings_of(args.files)
    report = render(located, files, args.format)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as handle:
            handle.write(report)
    else:
        out.write(report)
    return status(located, args.fail_on)
