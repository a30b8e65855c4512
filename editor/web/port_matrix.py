"""The truth table page's default view: workloads × workloads on the design's own ports
(``netpol.table.port_table``), each cell summing up its destination's ports ("TCP 5432 ✓, UDP 53 ✗").

The table's HTML is written here, escaped, rather than by a template loop: 100 × 100 cells through the
template engine cost more than the analysis (as the editor's warnings list, see ``views._findings_html``).
Every cell links to the check page for the pair on its most telling port (the first denied one), so a click
explains both sides.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from editor import models
from editor.netpol import analyze
from editor.netpol.model import Graph, Policy
from editor.netpol.table import ANY_PORT, PortTable, PortVerdict, port_table

CELL_LINES = 3  # ports written in a cell; more are counted ("+4 more, 2 ✓")


def _cell_text(verdicts: tuple[PortVerdict, ...]) -> str:
    shown = verdicts if len(verdicts) <= CELL_LINES else verdicts[: CELL_LINES - 1]
    lines = [f'<span class="port">{escape(v.label)} {v.mark}</span>' for v in shown]
    rest = verdicts[len(shown) :]
    if rest:
        lines.append(f'<span class="port more">+{len(rest)} more, {sum(v.allowed for v in rest)} ✓</span>')
    return "".join(lines)


def _side_words(v: PortVerdict) -> str:
    if v.allowed:
        return "allowed (both sides)"
    if v.egress:
        return "denied: the destination's ingress does not allow it"
    if v.ingress:
        return "denied: the source's egress does not allow it"
    return "denied by both sides"


def _title(source: str, destination: str, verdicts: tuple[PortVerdict, ...]) -> str:
    return f"{source} → {destination}: " + "; ".join(f"{v.label} {_side_words(v)}" for v in verdicts)


def _check_query(source: str, destination: str, verdicts: tuple[PortVerdict, ...], any_port: int) -> str:
    v = next((v for v in verdicts if not v.allowed), verdicts[0])
    port = any_port if v.port == ANY_PORT else v.port
    return urlencode({"source": source, "destination": destination, "port": port, "protocol": v.protocol})


def _column_head(ref: str) -> str:
    namespace, _, name = ref.rpartition("/")
    return f'<th scope="col" title="{escape(ref)}"><span class="ns">{escape(namespace)}/</span>{escape(name)}</th>'


def table_html(design: models.Design, graph: Graph, policies: list[Policy], *, limit: int) -> SafeString:
    """The ``<table>`` of the design's first ``limit`` workloads on their own ports."""
    table: PortTable = port_table(graph, policies, limit=limit)
    check = escape(reverse("design-check", args=[design.pk]))
    any_port = analyze.free_port(policies, "TCP")
    out = [
        '<table class="matrix ports-matrix" id="matrix-table"><thead><tr><th class="corner" scope="col">'
        '<span class="muted">from ↓ to →</span></th>',
        *(_column_head(ref) for ref in table.workloads),
        "</tr></thead><tbody>",
    ]
    for i, source in enumerate(table.workloads):
        out.append(f'<tr><th scope="row" title="{escape(source)}">{escape(source)}</th>')
        for j, destination in enumerate(table.workloads):
            verdicts = table.cells[i][j]
            href = f"{check}?{escape(_check_query(source, destination, verdicts, any_port))}"
            cls = "cell ports " + PortTable.state(verdicts) + (" self" if i == j else "")
            out.append(
                f'<td><a class="{cls}" href="{href}" hx-get="{href}" hx-target="#check-result" '
                f'hx-swap="outerHTML" title="{escape(_title(source, destination, verdicts))}">'
                f"{_cell_text(verdicts)}</a></td>"
            )
        out.append("</tr>")
    out.append("</tbody></table>")
    if table.left_out:
        names = ", ".join(f"{protocol} {port}" for protocol, port in table.left_out)
        out.append(f'<p class="muted small">Ports left out (the design names too many): {escape(names)}.</p>')
    return mark_safe("".join(out))  # noqa: S308 (every value escaped)
