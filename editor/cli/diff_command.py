"""``policyeditor diff OLD NEW``: the connections the NEW policies allow that the OLD did not, and back.

Connections are between the workloads the files hold (Pods, Deployments, ...): those of OLD, NEW and any
``--with`` files (workloads and Namespaces both sides share); where OLD and NEW define the same workload or
namespace, NEW's definition counts.  A port is a number the policies or workloads name, or "other" for
every port none of them names.  Exit status: 0 (1 with ``--exit-code`` when something changed), 2 when
the input is bad.
"""

from __future__ import annotations

import argparse
import json
from typing import TextIO

from editor.netpol import analyze
from editor.netpol.gcpause import paused_gc
from editor.netpol.model import Graph

from . import inputs


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "diff",
        help="the connectivity difference between two sets of manifests",
        description="Which connections between workloads NEW allows that OLD did not (+), and back (-).",
    )
    parser.add_argument("old", metavar="OLD", help="the manifests before: a file or a directory")
    parser.add_argument("new", metavar="NEW", help="the manifests after: a file or a directory")
    parser.add_argument(
        "--with",
        dest="shared",
        action="append",
        default=[],
        metavar="FILE",
        help="Namespaces and workloads both sides share (repeat for more files)",
    )
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format")
    parser.add_argument("--exit-code", action="store_true", help="exit 1 when the connectivity changed")
    parser.set_defaults(run=run)


def _merged(*graphs: Graph) -> Graph:
    """The namespaces and workloads of all graphs, a later graph's definition winning."""
    namespaces = {n.name: n for g in graphs for n in g.namespaces}
    workloads = {w.ref: w for g in graphs for w in g.workloads}
    return Graph(
        namespaces=tuple(namespaces[n] for n in sorted(namespaces)),
        workloads=tuple(workloads[r] for r in sorted(workloads)),
        settings=graphs[-1].settings,
    )


def change_dict(change: analyze.Change) -> dict:
    return {"from": change.source, "to": change.destination, "protocol": change.protocol, "port": change.port}


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    old = inputs.load([args.old])
    new = inputs.load([args.new])
    shared = [inputs.load(args.shared).imported.graph] if args.shared else []
    graph = _merged(*shared, old.imported.graph, new.imported.graph)
    if not graph.workloads:
        err.write(
            "policyeditor diff: note: the files hold no workloads (Pods, Deployments, ...), so no connection can "
            "change: give the workloads with --with FILE.\n"
        )
    with paused_gc():
        diff = analyze.semantic_diff(graph, list(old.imported.policies), list(new.imported.policies))
    if args.format == "json":
        body = {
            "unchanged": diff.unchanged,
            "added": [change_dict(c) for c in diff.added],
            "removed": [change_dict(c) for c in diff.removed],
            "workloads": len(graph.workloads),
        }
        out.write(json.dumps(body, indent=2, ensure_ascii=False) + "\n")
    else:
        for change in diff.added:
            out.write(f"+ {change.label()}\n")
        for change in diff.removed:
            out.write(f"- {change.label()}\n")
        if diff.unchanged:
            out.write(f"no change in connectivity between the {len(graph.workloads)} workloads\n")
        else:
            out.write(f"{len(diff.added)} connections added, {len(diff.removed)} removed\n")
    return 1 if args.exit_code and not diff.unchanged else 0
