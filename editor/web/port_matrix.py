"""The truth table page's default view: workloads × workloads on the design's own ports
(``netpol.table.port_table``), each cell summing up its destination's ports ("TCP 5432 ✓, UDP 53 ✗").

The table's HTML is written here, escaped, rather than by a template loop: 100 × 100 cells through the
template engine cost more than the analysis (as the editor's warnings list, see ``views._findings_html``).
Every cell links to the check page for the pair on its most telling port (the first denied one), so a click
explains both sides; with htmx (``hx-get``, target and swap inherited from the table's box) the answer shows
beside the table.
"""

from __future__ import annotations

from urllib.parse import quote

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
        return "allowed"
    if v.egress:
        return "denied by the destination's ingress"
    if v.ingress:
        return "denied by the source's egress"
    return "denied by both sides"


def _check_port(verdicts: tuple[PortVerdict, ...], any_port: int) -> str:
    """The query's port and protocol: the first denied port, else the first (``&amp;``-escaped)."""
    v = next((v for v in verdicts if not v.allowed), verdicts[0])
    port = any_port if v.port == ANY_PORT else v.port
    return f"&amp;port={port}&amp;protocol={v.protocol}"


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
    quoted = [escape(quote(ref, safe="")) for ref in table.workloads]
    named = [escape(ref) for ref in table.workloads]
    # a cell's class, text, port words and check query depend on its verdicts only: work each out once
    by_verdicts: dict[tuple[PortVerdict, ...], tuple[str, str, str, str]] = {}
    for i, source in enumerate(named):
        out.append(f'<tr><th scope="row" title="{source}">{source}</th>')
        for j, verdicts in enumerate(table.cells[i]):
            known = by_verdicts.get(verdicts)
            if known is None:
                words = escape("; ".join(f"{v.label} {_side_words(v)}" for v in verdicts))
                known = by_verdicts[verdicts] = (
                    PortTable.state(verdicts),
                    _cell_text(verdicts),
                    words,
                    _check_port(verdicts, any_port),
                )
            state, text, words, query = known
            href = f"{check}?source={quoted[i]}&amp;destination={quoted[j]}{query}"
            out.append(
                f'<td><a class="cell ports {state}{" self" if i == j else ""}" href="{href}" hx-get="{href}" '
                f'title="{source} → {named[j]}: {words}">{text}</a></td>'
            )
        out.append("</tr>")
    out.append("</tbody></table>")
    if table.left_out:
        names = ", ".join(f"{protocol} {port}" for protocol, port in table.left_out)
        out.append(f'<p class="muted small">Ports left out (the design names too many): {escape(names)}.</p>')
    return mark_safe("".join(out))  # noqa: S308 (every value escaped)
