"""Laying out a design on the page: auto-layout, and the first open of a design without positions.

The layout itself is ``editor.netpol.layout`` (Graphviz ``dot``, in levels); its result is stored on the rows
through ``services.design_positions_set`` (one change, one undo; nothing moved, no revision), so drawing a
page never lays anything out.
"""

from __future__ import annotations

from editor import models, selectors, services
from editor.netpol import layout

SUMMARY = "Auto-layout"
SUMMARY_FIRST = "Laid out on first open"
LOOSE_GAP_X = 250  # nodes without a position, added after the layout: a row under the design
LOOSE_GAP_Y = 130
LOOSE_PER_ROW = 6


def design_lay_out(*, design: models.Design, actor=None, summary: str = SUMMARY) -> int:
    """Lay out every node of ``design`` along its flows (and what its kept policies allow); how many moved."""
    data = selectors.design_load(design)
    pairs: list[tuple[str, str]] = []
    if data.graph.policies:
        pairs = [(c.source, c.destination) for c in selectors.design_connections(data)]
    positions = layout.lay_out_graph(data.graph, connections=pairs)
    return services.design_positions_set(design=design, positions=positions, summary=summary, actor=actor)


def ensure_positions(*, design: models.Design, actor=None) -> int:
    """Give every node a stored position: a design none of whose nodes has one is laid out whole (its first
    open: made through the API, or before layouts were stored); nodes added later without one (the API) go
    in rows under the others.  Nothing is written when every node has its position."""
    data = selectors.design_load(design)
    rows = [*data.workloads, *data.externals]
    loose = [row for row in rows if row.x is None or row.y is None]
    if not loose:
        return 0
    if len(loose) == len(rows):
        return design_lay_out(design=design, actor=actor, summary=SUMMARY_FIRST)
    placed = [row for row in rows if row.x is not None and row.y is not None]
    left = min(row.x for row in placed)
    top = max(row.y for row in placed) + LOOSE_GAP_Y + 40
    names = {("workload", w.pk): f"workload:{ref}" for w, ref in zip(data.workloads, _refs(data), strict=True)}
    positions = {}
    for i, row in enumerate(loose):
        key = names.get(("workload", row.pk)) if isinstance(row, models.Workload) else f"external:{row.name}"
        if key:
            positions[key] = (left + (i % LOOSE_PER_ROW) * LOOSE_GAP_X, top + (i // LOOSE_PER_ROW) * LOOSE_GAP_Y)
    return services.design_positions_set(design=design, positions=positions, summary=SUMMARY_FIRST, actor=actor)


def _refs(data: selectors.DesignData) -> list[str]:
    return [w.ref for w in data.graph.workloads]
