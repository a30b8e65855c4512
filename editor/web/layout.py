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
    state = selectors.design_state(design)
    pairs: list[tuple[str, str]] = []
    if state.graph.policies:
        pairs = [(c.source, c.destination) for c in selectors.design_connections(state)]
    positions = layout.lay_out_graph(state.graph, connections=pairs)
    return services.design_positions_set(design=design, positions=positions, summary=summary, actor=actor)


def ensure_positions(*, design: models.Design, actor=None) -> int:
    """Give every node a stored position: a design none of whose nodes has one is laid out whole (its first
    open: made through the API, or before layouts were stored); nodes added later without one (the API) go
    in rows under the others.  Nothing is written when every node has its position."""
    state = selectors.design_state(design)
    keyed = [(f"workload:{w.ref}", w) for w in state.workloads] + [(f"external:{e.name}", e) for e in state.externals]
    loose = [key for key, rec in keyed if rec.x is None or rec.y is None]
    if not loose:
        return 0
    if len(loose) == len(keyed):
        return design_lay_out(design=design, actor=actor, summary=SUMMARY_FIRST)
    placed = [(rec.x, rec.y) for _, rec in keyed if rec.x is not None and rec.y is not None]
    left = min(x for x, _ in placed)
    top = max(y for _, y in placed) + LOOSE_GAP_Y + 40
    positions = {
        key: (left + (i % LOOSE_PER_ROW) * LOOSE_GAP_X, top + (i // LOOSE_PER_ROW) * LOOSE_GAP_Y)
        for i, key in enumerate(loose)
    }
    return services.design_positions_set(design=design, positions=positions, summary=SUMMARY_FIRST, actor=actor)
