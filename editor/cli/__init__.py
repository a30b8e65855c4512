"""The ``policyeditor`` command: the editor's lint, reachability checks and semantic diff for CI, on files.

``lint``, ``check`` and ``diff`` work offline with the pure core (``editor.netpol``): nothing here imports
Django (tests/cli/test_architecture.py).  ``export`` fetches a design's manifests from a server's REST API.
Every problem names its file, document (from 1) and field path, with the line; none ends in a traceback.
"""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from editor.netpol.gcpause import paused_gc

from . import check_command, diff_command, export_command, inputs, lint_command

EXIT_TROUBLE = 2  # bad input, a server that refuses: as diff(1) and argparse's usage errors


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="policyeditor",
        description="Kubernetes NetworkPolicies in CI: lint them, check reachability expectations, diff their "
        "connectivity (offline, on files), or export a design from a policyeditor server.",
    )
    subparsers = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in (lint_command, check_command, diff_command, export_command):
        command.add_parser(subparsers)
    return top


def main(argv: list[str] | None = None, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    args = parser().parse_args(argv)
    try:
        with paused_gc():  # one short run builds millions of cycle-free objects: see editor/netpol/gcpause.py
            return args.run(args, out, err)
    except inputs.InputError as exc:
        for line in inputs.problem_lines(exc):
            err.write(line + "\n")
        return EXIT_TROUBLE
    except export_command.ExportFailed as exc:
        err.write(f"policyeditor export: error: {exc}\n")
        return EXIT_TROUBLE
    except BrokenPipeError:  # `policyeditor lint ... | head`
        return 0
    except OSError as exc:  # a report or export file that cannot be written
        err.write(f"policyeditor {args.command}: error: {exc.strerror or exc}: {exc.filename or ''}\n")
        return EXIT_TROUBLE
    except KeyboardInterrupt:
        return 130
