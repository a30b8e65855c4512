"""A truth table as the upstream Kubernetes network policy e2e tests print it (``TruthTable.PrettyPrint`` in
kubernetes/test/e2e/network/netpol/truthtable.go): a header ``-`` then the destinations, one row per source,
tab-separated, ``.`` connected and ``X`` blocked.  Workloads are named ``<namespace>/<name>`` (the e2e
tests name pods ``x/a``)."""

from __future__ import annotations

from .analyze import Matrix


def pretty_print(matrix: Matrix, indent: str = "") -> str:
    names = list(matrix.workloads)
    lines = [indent + "\t".join(["-", *names])]
    for i, source in enumerate(names):
        marks = ["." if matrix.allowed(i, j) else "X" for j in range(len(names))]
        lines.append(indent + "\t".join([source, *marks]))
    return "\n".join(lines)
