"""The canvas's geometry: where each node, namespace box and arrow of a design is drawn.

Pure functions over the loaded design (``DesignState``): no request, no session, no database
writes.  The editor views hand the result to the page template, which draws the SVG frame; the many
elements inside it (namespace boxes, arrows, nodes) are written here as one string (``markup``), since
Django's template engine took over a second for a 1,000-workload design's 16,000 elements.

A design of more than ``GROUP_ABOVE`` workloads is drawn *grouped* (zoomed out): every namespace the
user has not expanded is one node with its workload count, and the flows between what is shown are
added up into one arrow per (source, destination) with their count.  Expanded namespaces show their
workloads at their saved positions, shifted into the namespace's slot of a grid (``Node.ox``/``oy``:
the shift, which ``canvas.js`` takes off again when it saves a drag).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from html import escape
from json.encoder import encode_basestring_ascii as _json_str

from editor import selectors
from editor.netpol import layout as netpol_layout
from editor.selectors import flow_endpoint
from editor.state import DesignState
from editor.state.records import FlowRec
from editor.web import forms

NODE_W = 152
COL_GAP = 250
ROW_GAP = 130
BAND_GAP = 70
MARGIN_X = 140
MARGIN_Y = 110

LINE_CHARS = 20  # a node's label and ports lines (11 px monospace) fit its box at this many characters
GROUP_ABOVE = 150  # a design with more workloads than this is drawn grouped: one node per collapsed namespace
GROUP_W = 190
GROUP_H = 62
SLOT_GAP_X = 44  # between the slots of the grouped overview (its arrows pass under the groups)
SLOT_GAP_Y = 44
EXPANDED_MIN_W = 300  # an expanded namespace's box on a grouped canvas, at least


class _Centred:
    """A box drawn around its centre (``x``, ``y``), ``w`` wide and ``h`` high."""

    x: float
    y: float
    w: float
    h: float

    @property
    def left(self) -> float:
        return self.x - self.w / 2

    @property
    def top(self) -> float:
        return self.y - self.h / 2


@dataclass
class Node(_Centred):
    kind: str
    ref: str
    title: str
    lines: list[str]
    x: float
    y: float
    w: float = NODE_W
    h: float = 48
    selected: bool = False
    source: bool = False
    warned: bool = False
    ox: float = 0  # drawn minus saved position (grouped designs shift each namespace into its slot)
    oy: float = 0
    dns_name: bool = False  # an external by DNS name: a rounded (stadium) box, not a hexagon

    @property
    def key(self) -> str:
        return node_key(self.kind, self.ref)

    @property
    def vals(self) -> str:
        return sel_vals(self.key)

    @property
    def text_lines(self) -> list[tuple[int, str]]:
        """(baseline y, text) of each line under the title, in node coordinates."""
        return [(40 + 15 * i, line) for i, line in enumerate(self.lines)]

    @property
    def shape(self) -> str:
        """An external is a hexagon-ended box (a DNS name: round-ended); a workload a rounded rectangle drawn by the
        template."""
        w, h, c = self.w, self.h, 14
        if self.dns_name:
            r = h / 2
            return f"M{r} 0 H{w - r} A{r} {r} 0 0 1 {w - r} {h} H{r} A{r} {r} 0 0 1 {r} 0 Z"
        return f"M{c} 0 H{w - c} L{w} {h / 2} L{w - c} {h} H{c} L0 {h / 2} Z"

    @property
    def text_x(self) -> int:
        return 22 if self.kind == "external" else 14

    @property
    def stripe_h(self) -> float:
        return self.h - 20

    @property
    def hh(self) -> float:
        return self.h / 2

    @property
    def warn_x(self) -> float:
        return self.w - (24 if self.kind == "external" else 14)


@dataclass
class Region:
    name: str
    labels: str
    x: float
    y: float
    w: float
    h: float
    selected: bool = False
    empty: bool = False
    collapsible: bool = False  # a grouped design's expanded namespace: its title has a collapse control

    @property
    def key(self) -> str:
        return node_key("namespace", self.name)

    @property
    def vals(self) -> str:
        return sel_vals(self.key)

    @property
    def title_x(self) -> float:
        return self.x + 14

    @property
    def title_y(self) -> float:
        return self.y + 21

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2


@dataclass
class Edge:
    ref: str
    src: str
    dst: str
    path: str
    label: str
    lx: float
    ly: float
    lw: float
    selected: bool = False
    warned: bool = False
    policies: tuple[str, ...] = ()  # set on arrows drawn from kept (imported) policies, not from a flow
    count: int = 0  # set on a grouped design's arrow that stands for this many flows (or allowed connections)
    ends: tuple[float, float, float, float] = (0, 0, 0, 0)  # where the line starts and ends (x1, y1, x2, y2)
    tucked: bool = False  # its label had no free spot: shown on hover and selection only

    @property
    def weight(self) -> int:
        """An aggregate arrow's thickness class, 1 to 5, growing with the number of flows it stands for."""
        return min(5, 1 + int(math.log2(max(self.count, 1))) // 2)

    @property
    def imported(self) -> bool:
        return bool(self.policies)

    @property
    def aggregate(self) -> bool:
        return self.count > 0

    @property
    def key(self) -> str:
        return f"flow:{self.ref}"

    @property
    def label_x(self) -> float:
        return -self.lw / 2

    @property
    def vals(self) -> str:
        return sel_vals(self.key)


@dataclass
class Group(_Centred):
    """A collapsed namespace of a grouped design, drawn as one node."""

    name: str
    labels: str
    workloads: int
    inside: int  # flows between its own workloads (not drawn while it is collapsed)
    x: float
    y: float
    w: float = GROUP_W
    h: float = GROUP_H
    selected: bool = False
    source: bool = False
    warned: bool = False

    @property
    def key(self) -> str:
        return node_key("namespace", self.name)


@dataclass
class Canvas:
    nodes: list[Node] = field(default_factory=list)
    regions: list[Region] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)
    view: str = "0 0 900 560"
    grouped: bool = False  # drawn zoomed out: see the module's docstring
    expanded: tuple[str, ...] = ()  # a grouped design's namespaces shown with their workloads

    @property
    def empty_x(self) -> float:
        return 450

    @property
    def empty_y(self) -> float:
        return 280


def node_lines(labels: dict, ports: list[dict] | None = None) -> list[str]:
    lines = [f"{k}={v}" for k, v in sorted(labels.items())]
    if len(lines) > 3:
        lines = [*lines[:2], f"+{len(lines) - 2} more labels"]
    if ports:
        lines.append("ports " + forms.format_container_ports(ports))
    return [clip_text(line, LINE_CHARS) for line in lines]


def clip_text(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def auto_layout(data: DesignState) -> dict[str, tuple[float, float]]:
    """Node key → centre: a column per step along the flows, a band of rows per namespace, externals last."""
    keys = [node_key("workload", data.refs[("workload", w.pk)]) for w in data.workloads]
    keys += [node_key("external", e.name) for e in data.externals]
    edges = []
    for f in data.flows:
        (sk, sr), (dk, dr) = flow_endpoint(f, "source", data.refs), flow_endpoint(f, "destination", data.refs)
        if "namespace" not in (sk, dk):
            edges.append((node_key(sk, sr), node_key(dk, dr)))
    layer = dict.fromkeys(keys, 0)
    for _ in range(len(keys)):  # longest path, bounded so cycles stop
        changed = False
        for s, d in edges:
            if layer[d] < layer[s] + 1 < len(keys):
                layer[d], changed = layer[s] + 1, True
        if not changed:
            break
    bands: dict[str, list[str]] = {}
    for w in data.workloads:
        bands.setdefault(data.refs[("namespace", w.namespace_pk)], []).append(
            node_key("workload", data.refs[("workload", w.pk)])
        )
    if data.externals:
        bands[" externals"] = [node_key("external", e.name) for e in data.externals]
    positions: dict[str, tuple[float, float]] = {}
    top = MARGIN_Y
    for band in bands.values():
        columns: dict[int, list[str]] = {}
        for key in band:
            columns.setdefault(layer[key], []).append(key)
        for column, members in columns.items():
            for row, key in enumerate(members):
                positions[key] = (MARGIN_X + column * COL_GAP, top + row * ROW_GAP)
        top += max(len(m) for m in columns.values()) * ROW_GAP + BAND_GAP
    return positions


def free_spot(data: DesignState, namespace: str | None) -> tuple[float | None, float | None]:
    """Where a new node goes: right of its namespace's row, or on a new row below everything."""
    placed: list[tuple[float, float, int | None]] = [
        (w.x, w.y, w.namespace_pk) for w in data.workloads if w.x is not None and w.y is not None
    ]
    placed += [(e.x, e.y, None) for e in data.externals if e.x is not None and e.y is not None]
    if len(placed) < len(data.workloads) + len(data.externals):
        return None, None  # the design is (partly) laid out automatically: leave the new node to it
    ns = next((n for n in data.namespaces if n.name == namespace), None)
    same = [(x, y) for x, y, ns_id in placed if ns is not None and ns_id == ns.pk]
    if same:
        row_y = min(y for _, y in same)
        row = [x for x, y in same if abs(y - row_y) < ROW_GAP / 2]
        return max(row) + COL_GAP, row_y
    if not placed:
        return MARGIN_X, MARGIN_Y
    return MARGIN_X, max(y for _, y, _ in placed) + ROW_GAP + BAND_GAP


def is_grouped(data: DesignState) -> bool:
    """Whether the design is drawn grouped (zoomed out): see the module's docstring."""
    return len(data.workloads) > GROUP_ABOVE


def draw(
    data: DesignState,
    sel: str,
    source: str,
    warned: set[str],
    expanded: set[str] | None = None,
) -> Canvas:
    """The canvas of the design.  ``expanded``: the namespaces a grouped design shows with their workloads
    (``None``: all of them, as a small design is always drawn)."""
    if is_grouped(data) and expanded is not None:
        return _draw_grouped(data, sel, source, warned, expanded)
    canvas = Canvas()
    auto = None
    by_key: dict[str, Node] = {}

    def position(row, key):
        nonlocal auto
        if row.x is not None and row.y is not None:
            return row.x, row.y
        if auto is None:
            auto = auto_layout(data)
        return auto[key]

    for w in data.workloads:
        ref = data.refs[("workload", w.pk)]
        key = node_key("workload", ref)
        x, y = position(w, key)
        by_key[key] = _workload_node(w, ref, x, y)
    for e in data.externals:
        key = node_key("external", e.name)
        x, y = position(e, key)
        by_key[key] = _external_node(e, x, y)
    _mark(by_key.values(), sel, source, warned)
    canvas.nodes = list(by_key.values())

    pad = 22
    boxes: dict[str, Region] = {}
    bottom = max((n.top + n.h for n in canvas.nodes), default=MARGIN_Y)
    empty_x = MARGIN_X - NODE_W / 2
    members_of: dict[int, list[Node]] = {}
    for w in data.workloads:
        members_of.setdefault(w.namespace_pk, []).append(by_key[node_key("workload", data.refs[("workload", w.pk)])])
    for ns in data.namespaces:
        members = members_of.get(ns.pk, [])
        labels = clip_text(forms.format_labels(ns.labels), 40)
        if members:
            region = _region_around(ns.name, labels, members)
        else:  # a namespace without workloads (e.g. a flow's kube-system): a small box under the design
            region = Region(ns.name, labels, empty_x, bottom + 70, NODE_W + 2 * pad, 64, empty=True)
            empty_x += NODE_W + 2 * pad + 30
        region.selected = region.key == sel
        boxes[ns.name] = region
    canvas.regions = list(boxes.values())

    def box(kind: str, ref: str):
        if kind == "namespace":
            r = boxes[ref]
            return r.cx, r.cy, r.w, r.h
        n = by_key[node_key(kind, ref)]
        return n.x, n.y, n.w, n.h

    ends = [(flow_endpoint(f, "source", data.refs), flow_endpoint(f, "destination", data.refs)) for f in data.flows]
    pairs = set(ends)
    # Kept (imported) policies allow connections that no drawn flow stands for: draw those too, with the
    # policies that allow each, so an imported design shows what it allows.
    allowed = _allowed(data, pairs)
    shown = pairs | {pair for pair, _ in allowed}

    for f, (src, dst) in zip(data.flows, ends, strict=True):
        ref = f"{src[1]} -> {dst[1]}"
        label = clip_text(forms.format_flow_ports(f.ports) or "all ports", 30)
        canvas.edges.append(_edge(box, shown, src, dst, label, selected=f"flow:{ref}" == sel, warned=ref in warned))
    for (src, dst), c in allowed:
        canvas.edges.append(_edge(box, shown, src, dst, clip_text(", ".join(c.ports), 30), policies=c.policies))
    _place_labels(canvas)
    canvas.view = _view(canvas)
    return canvas


def _workload_node(w, ref: str, x: float, y: float) -> Node:
    lines = node_lines(w.labels, w.ports)
    return Node("workload", ref, clip_text(w.name, 17), lines, x, y, h=max(44, 38 + 15 * len(lines)))


def _external_node(e, x: float, y: float) -> Node:
    if e.fqdn:  # a DNS name: its own shape and the name
        lines = [clip_text(e.fqdn, 26), "DNS name"]
        return Node("external", e.name, clip_text(e.name, 16), lines, x, y, w=NODE_W + 16, h=68, dns_name=True)
    lines = [e.cidr] + ([clip_text("except " + ", ".join(e.except_cidrs), LINE_CHARS)] if e.except_cidrs else [])
    return Node("external", e.name, clip_text(e.name, 16), lines, x, y, w=NODE_W + 16, h=max(44, 38 + 15 * len(lines)))


def _mark(nodes, sel: str, source: str, warned: set[str]) -> None:
    for node in nodes:
        node.selected = node.key == sel
        node.source = node.key == source
        node.warned = node.ref in warned


def _region_around(name: str, labels: str, members: list[Node]) -> Region:
    pad, head = 22, 30
    x0 = min(n.left for n in members) - pad
    y0 = min(n.top for n in members) - pad - head
    x1 = max(n.left + n.w for n in members) + pad
    y1 = max(n.top + n.h for n in members) + pad
    return Region(name, labels, x0, y0, x1 - x0, y1 - y0)


def _allowed(data: DesignState, pairs: set) -> list:
    """Connections kept (imported) policies allow that no drawn flow stands for, as ((src, dst), connection)."""
    allowed = []
    if data.graph.policies:
        for c in selectors.design_connections(data):
            ends = (("workload", c.source), ("workload", c.destination))
            if ends not in pairs and c.source != c.destination:
                allowed.append((ends, c))
    return allowed


def _edge(box, shown: set, src, dst, label: str, **extra) -> Edge:
    """The arrow from ``src`` to ``dst`` ((kind, ref) each), clipped to both boxes; a pair drawn both ways is
    drawn as two parallel arrows."""
    (sx, sy, sw, sh), (dx, dy, dw, dh) = box(*src), box(*dst)
    offset = 9 if (dst, src) in shown else 0
    length = math.hypot(dx - sx, dy - sy) or 1
    ox, oy = -(dy - sy) / length * offset, (dx - sx) / length * offset
    x1, y1 = clip(sx + ox, sy + oy, sw, sh, dx + ox, dy + oy)
    x2, y2 = clip(dx + ox, dy + oy, dw, dh, sx + ox, sy + oy)
    lx, ly = (x1 + x2) / 2 + ox * 1.6, (y1 + y2) / 2 + oy * 1.6
    return Edge(
        f"{src[1]} -> {dst[1]}",
        node_key(*src),
        node_key(*dst),
        f"M{x1:.1f} {y1:.1f} L{x2:.1f} {y2:.1f}",
        label,
        round(lx, 1),
        round(ly, 1),
        round(6.4 * len(label) + 14, 1),
        ends=(x1, y1, x2, y2),
        **extra,
    )


LABEL_SPOTS = (0.5, 0.42, 0.58, 0.34, 0.66, 0.26, 0.74, 0.18, 0.82)  # where along its arrow a port label may go
CELL = 160  # the grid that finds what a label could cover


def _place_labels(canvas: Canvas) -> None:
    """Move each arrow's port label along its arrow to the first spot where it covers no node, namespace title
    or label placed before it; a label with no such spot is shown only on hover and selection (``tucked``)."""
    cells: dict[tuple[int, int], list[tuple[float, float, float, float]]] = {}

    def add(box: tuple[float, float, float, float]) -> None:
        for cx in range(int(box[0] // CELL), int(box[2] // CELL) + 1):
            for cy in range(int(box[1] // CELL), int(box[3] // CELL) + 1):
                cells.setdefault((cx, cy), []).append(box)

    def free(box: tuple[float, float, float, float]) -> bool:
        for cx in range(int(box[0] // CELL), int(box[2] // CELL) + 1):
            for cy in range(int(box[1] // CELL), int(box[3] // CELL) + 1):
                for o in cells.get((cx, cy), ()):
                    if box[0] < o[2] and o[0] < box[2] and box[1] < o[3] and o[1] < box[3]:
                        return False
        return True

    for n in (*canvas.nodes, *canvas.groups):
        add((n.left - 3, n.top - 3, n.left + n.w + 3, n.top + n.h + 3))
    for r in canvas.regions:
        add((r.x, r.y, r.x + min(r.w, 40 + 7.5 * (len(r.name) + len(r.labels))), r.y + 30))
    for e in canvas.edges:
        if e.aggregate or not e.label:
            continue
        x1, y1, x2, y2 = e.ends
        dx, dy = e.lx - (x1 + x2) / 2, e.ly - (y1 + y2) / 2  # a parallel arrow's label sits off its line
        spot = None
        for t in LABEL_SPOTS:
            cx, cy = x1 + (x2 - x1) * t + dx, y1 + (y2 - y1) * t + dy
            box = (cx - e.lw / 2 - 2, cy - 13, cx + e.lw / 2 + 2, cy + 13)
            if free(box):
                spot = (cx, cy, box)
                break
        if spot is None:
            e.tucked = True
            continue
        e.lx, e.ly = round(spot[0], 1), round(spot[1], 1)
        add(spot[2])


def _view(canvas: Canvas) -> str:
    xs = [n.left for n in canvas.nodes] + [r.x for r in canvas.regions] + [g.left for g in canvas.groups]
    ys = [n.top for n in canvas.nodes] + [r.y for r in canvas.regions] + [g.top for g in canvas.groups]
    xe = [n.left + n.w for n in canvas.nodes] + [r.x + r.w for r in canvas.regions]
    xe += [g.left + g.w for g in canvas.groups]
    ye = [n.top + n.h for n in canvas.nodes] + [r.y + r.h for r in canvas.regions]
    ye += [g.top + g.h for g in canvas.groups]
    if not xs:
        return Canvas.view
    x0, y0, x1, y1 = min(xs) - 40, min(ys) - 40, max(xe) + 40, max(ye) + 40
    w, h = max(x1 - x0, 760), max(y1 - y0, 520)
    x0 -= (w - (x1 - x0)) / 2
    y0 -= (h - (y1 - y0)) / 2
    return f"{x0:.0f} {y0:.0f} {w:.0f} {h:.0f}"


# ---------------------------------------------------------------- grouped (zoomed out) designs


def _draw_grouped(data: DesignState, sel: str, source: str, warned: set[str], expanded: set[str]) -> Canvas:
    canvas = Canvas(grouped=True)
    ns_name = {ns.pk: ns.name for ns in data.namespaces}
    members: dict[str, list] = {ns.name: [] for ns in data.namespaces}
    for rec in data.workloads:
        members[ns_name[rec.namespace_pk]].append(rec)
    expanded = {name for name in expanded if members.get(name)}  # an empty namespace has nothing to expand
    canvas.expanded = tuple(n for n in members if n in expanded)

    # Where each flow is drawn from and to: a workload of a collapsed namespace is drawn as its namespace.
    # Looked up by the flow's columns (four thousand flows at 1,000 workloads: this loop is the hot one).
    shown_by: dict[str, dict] = {
        "workload": {
            row.pk: ("workload", w.ref) if w.namespace in expanded else ("namespace", w.namespace)
            for row, w in zip(data.workloads, data.graph.workloads, strict=True)
        },
        "namespace": {ns.pk: ("namespace", ns.name) for ns in data.namespaces},
        "external": {e.pk: ("external", e.name) for e in data.externals},
    }

    flows: dict[tuple, list] = {}
    inside: Counter[str] = Counter()
    for f in data.flows:
        source_kind, source_pk, destination_kind, destination_pk = selectors.flow_end_ids(f)
        a, b = shown_by[source_kind][source_pk], shown_by[destination_kind][destination_pk]
        if a == b:
            inside[a[1]] += 1  # inside one collapsed namespace
        else:
            pair_flows = flows.get((a, b))
            if pair_flows is None:
                flows[(a, b)] = [f]
            else:
                pair_flows.append(f)
    allowed: dict[tuple, list] = {}
    if data.graph.policies:
        drawn = {
            (flow_endpoint(f, "source", data.refs), flow_endpoint(f, "destination", data.refs)) for f in data.flows
        }
        for pair, c in _allowed(data, drawn):
            a, b = _shown(pair[0], expanded), _shown(pair[1], expanded)
            if a != b and (a, b) not in flows:
                allowed.setdefault((a, b), []).append(c)

    # Slots of a grid, in an order that keeps namespaces with flows between them next to each other.
    weights: Counter[tuple[str, str]] = Counter()
    for a, b in flows:
        na, nb = _namespace_of(a), _namespace_of(b)
        if na and nb and na != nb:
            weights[(na, nb)] += len(flows[(a, b)])
            weights[(nb, na)] += len(flows[(a, b)])
    order = netpol_layout.chain([n for n in members if members[n]], weights) + [n for n in members if not members[n]]

    auto = None
    slots: list[tuple[str, float, float, list[Node] | None]] = []  # (name, width, height, what)
    for name in order:
        if name in expanded:
            nodes = []
            for w in members[name]:
                ref = f"{name}/{w.name}"
                if w.x is None or w.y is None:
                    if auto is None:
                        auto = auto_layout(data)
                    x, y = auto[node_key("workload", ref)]
                else:
                    x, y = w.x, w.y
                nodes.append(_workload_node(w, ref, x, y))
            region = _region_around(name, "", nodes)
            slots.append((name, max(region.w, EXPANDED_MIN_W), region.h, nodes))
        else:
            slots.append((name, GROUP_W, GROUP_H, None))
    externals = _externals(data.externals)
    if externals:
        xs0 = min(n.left for n in externals) - 10
        ys0 = min(n.top for n in externals) - 10
        xs1 = max(n.left + n.w for n in externals) + 10
        ys1 = max(n.top + n.h for n in externals) + 10
        slots.append((" externals", xs1 - xs0, ys1 - ys0, externals))

    labels = {ns.name: clip_text(forms.format_labels(ns.labels), 40) for ns in data.namespaces}
    # slots packed on shelves for an aspect near the canvas's (netpol.layout, as the namespaces' blocks are)
    corners = netpol_layout.shelves(
        [name for name, _, _, _ in slots], {name: (w, h) for name, w, h, _ in slots}, netpol_layout.ASPECT, SLOT_GAP_X
    )
    warned_ns = _warned_namespaces(warned)
    for name, w, h, what in slots:
        x, y = corners[name][0] + MARGIN_X - NODE_W / 2, corners[name][1] + MARGIN_Y - 40
        if what is None:
            group = Group(name, labels[name], len(members[name]), inside[name], x + w / 2, y + h / 2)
            group.selected = group.key == sel
            group.source = group.key == source
            group.warned = name in warned_ns
            canvas.groups.append(group)
        else:
            nodes = what
            if name == " externals":
                x0, y0 = min(n.left for n in nodes) - 10, min(n.top for n in nodes) - 10
            else:
                x0, y0 = min(n.left for n in nodes) - 22, min(n.top for n in nodes) - 52
            dx, dy = x - x0, y - y0
            for n in nodes:
                n.x, n.y = n.x + dx, n.y + dy
                n.ox, n.oy = n.ox + dx, n.oy + dy
            canvas.nodes += nodes
            if name != " externals":
                region = _region_around(name, labels[name], nodes)
                region.w = max(region.w, EXPANDED_MIN_W)  # room for the title and its collapse control
                region.selected, region.collapsible = region.key == sel, True
                canvas.regions.append(region)
    _mark(canvas.nodes, sel, source, warned)

    by_key: dict[str, Node | Region | Group] = {n.key: n for n in canvas.nodes}
    by_key.update({r.key: r for r in canvas.regions})
    by_key.update({g.key: g for g in canvas.groups})

    def box(kind: str, ref: str):
        item = by_key[node_key(kind, ref)]
        if isinstance(item, Region):
            return item.cx, item.cy, item.w, item.h
        return item.x, item.y, item.w, item.h

    shown = set(flows) | set(allowed)
    # an arrow of many flows is marked when one of them has a warning
    namespaces = set(members)
    warned_pairs = set()
    for subject in warned:
        if " -> " in subject:
            a, b = (_end_of(ref, namespaces) for ref in subject.split(" -> ", 1))
            warned_pairs.add((_shown(a, expanded), _shown(b, expanded)))
    for (a, b), pair_flows in flows.items():
        real = None
        if len(pair_flows) == 1:
            real = (
                flow_endpoint(pair_flows[0], "source", data.refs),
                flow_endpoint(pair_flows[0], "destination", data.refs),
            )
        if real == (a, b):  # one flow between what is drawn: the flow itself
            ref = f"{a[1]} -> {b[1]}"
            label = clip_text(forms.format_flow_ports(pair_flows[0].ports) or "all ports", 30)
            canvas.edges.append(_edge(box, shown, a, b, label, selected=f"flow:{ref}" == sel, warned=ref in warned))
        else:
            label = f"{len(pair_flows):,} flows" if len(pair_flows) > 1 else "1 flow"
            canvas.edges.append(_edge(box, shown, a, b, label, count=len(pair_flows), warned=(a, b) in warned_pairs))
    for (a, b), conns in allowed.items():
        policies = tuple(sorted({p for c in conns for p in c.policies}))
        label = ", ".join(conns[0].ports) if len(conns) == 1 else f"{len(conns):,} allowed"
        canvas.edges.append(_edge(box, shown, a, b, clip_text(label, 30), policies=policies, count=len(conns)))
    _place_labels(canvas)
    canvas.view = _view(canvas)
    return canvas


def _shown(end: tuple[str, str], expanded: set[str]) -> tuple[str, str]:
    """Where a flow's end is drawn on a grouped canvas: a workload of a collapsed namespace as the namespace."""
    if end[0] == "workload":
        ns = end[1].split("/", 1)[0]
        if ns not in expanded:
            return ("namespace", ns)
    return end


def _end_of(ref: str, namespaces: set[str]) -> tuple[str, str]:
    """(kind, ref) of a flow's end named in a finding's subject ("ns/name", a namespace or an external)."""
    if "/" in ref:
        return ("workload", ref)
    return ("namespace", ref) if ref in namespaces else ("external", ref)


def _namespace_of(end: tuple[str, str]) -> str | None:
    kind, ref = end
    if kind == "namespace":
        return ref
    if kind == "workload":
        return ref.split("/", 1)[0]
    return None


def _warned_namespaces(warned: set[str]) -> set[str]:
    """Namespaces with a warning on themselves or on one of their workloads."""
    found = set()
    for subject in warned:
        if " -> " not in subject:
            found.add(subject.split("/", 1)[0])
    return found


def _externals(rows) -> list[Node]:
    """The externals at their saved positions; those never placed go in a row under the placed ones."""
    saved = [(e.x, e.y) for e in rows if e.x is not None and e.y is not None]
    x = min((sx for sx, _ in saved), default=MARGIN_X)
    y = max((sy for _, sy in saved), default=MARGIN_Y - ROW_GAP) + ROW_GAP
    nodes, loose = [], 0
    for e in rows:
        if e.x is not None and e.y is not None:
            nodes.append(_external_node(e, e.x, e.y))
        else:
            nodes.append(_external_node(e, x + loose * (NODE_W + 40), y))
            loose += 1
    return nodes


# ---------------------------------------------------------------- markup


def sel_vals(key: str) -> str:
    """The ``hx-vals`` JSON that selects ``key``."""
    return '{"sel": ' + _json_str(key) + "}"


def _fmt(v: float) -> str:
    return str(v)


def markup(canvas: Canvas, *, select_url: str, expand_url: str, can_edit: bool, near: set[str] | None = None) -> str:
    """The SVG elements of the canvas (namespace boxes and groups, arrows, nodes), escaped, as the page's
    ``#canvas-svg`` holds them; the template writes the frame around it.

    Painted bottom up: namespace boxes, arrows, namespace titles, collapsed namespaces, nodes, so an arrow
    never covers a title (on the overview the arrows pass under the groups).  Every part that can be selected
    is focusable (``tabindex``), named once by its ``<title>``.  ``near``: focus mode is on, and these keys
    stay clear (the others get ``faded``)."""
    out: list[str] = []
    add = out.append
    sel_post = f'hx-post="{escape(select_url)}"'

    def fade(key: str) -> str:
        return " faded" if near is not None and key not in near else ""

    for r in canvas.regions:
        name = escape(r.name)
        labels = escape(r.labels)
        cls = "region" + (" selected" if r.selected else "") + (" empty" if r.empty else "") + fade(r.key)
        add(
            f'<g class="{cls}" data-node="{escape(r.key)}" {sel_post} hx-vals="{escape(r.vals)}">\n'
            f"  <title>Namespace {name}{f' ({labels})' if r.labels else ''}</title>\n"
            f'  <rect class="region-box" x="{r.x}" y="{r.y}" width="{r.w}" height="{r.h}" rx="14"/>\n'
            "</g>\n"
        )
    for e in canvas.edges:
        ref, label = escape(e.ref), escape(e.label)
        if e.imported:
            add(
                f'<g class="edge imported{" aggregate" if e.aggregate else ""}{" tucked" if e.tucked else ""}'
                f'{fade(e.key)}" '
                f'data-src="{escape(e.src)}" data-dst="{escape(e.dst)}">\n'
                f"  <title>{ref}: {label}, allowed by {escape(', '.join(e.policies))}</title>\n"
            )
        elif e.aggregate:
            add(
                f'<g class="edge aggregate{" warned" if e.warned else ""} n{e.weight}{fade(e.key)}" '
                f'data-src="{escape(e.src)}" data-dst="{escape(e.dst)}">\n'
                f"  <title>{label} from {escape(e.src.partition(':')[2])} to {escape(e.dst.partition(':')[2])}: "
                "expand a namespace to see and select them</title>\n"
            )
        else:
            cls = (
                "edge"
                + (" selected" if e.selected else "")
                + (" warned" if e.warned else "")
                + (" tucked" if e.tucked else "")
                + fade(e.key)
            )
            add(
                f'<g class="{cls}" data-flow="{escape(e.key)}" data-src="{escape(e.src)}" data-dst="{escape(e.dst)}" '
                f'{sel_post} hx-vals="{escape(e.vals)}" tabindex="0">\n'
                f"  <title>Flow {ref}: {label}</title>\n"
            )
        marker = "arrow-selected" if e.selected else "arrow"
        add(
            f'  <path class="edge-hit" d="{e.path}"/>\n'
            f'  <path class="edge-line" d="{e.path}" marker-end="url(#{marker})"/>\n'
        )
        if not e.aggregate:  # an aggregate's count is in its title (hover) and its thickness: no text to pile up
            add(
                f'  <g class="edge-label" transform="translate({e.lx} {e.ly})"><rect x="{e.label_x}" y="-11" '
                f'width="{e.lw}" height="22" rx="11"/><text text-anchor="middle" y="4">{label}</text></g>\n'
            )
        add("</g>\n")
    for r in canvas.regions:
        name = escape(r.name)
        labels = escape(r.labels)
        cls = "region-head" + (" selected" if r.selected else "") + fade(r.key)
        add(
            f'<g class="{cls}" data-node="{escape(r.key)}" {sel_post} hx-vals="{escape(r.vals)}" tabindex="0">'
            f'<text class="region-title" x="{r.title_x}" y="{r.title_y}">namespace '
            f'<tspan class="region-name">{name}</tspan>'
            + (f'<tspan class="region-labels" dx="8">{labels}</tspan>' if r.labels else "")
            + "</text>\n"
        )
        if r.collapsible:
            add(_toggle(expand_url, r.name, False, r.x + r.w - 92, r.y + 8))
        add("</g>\n")
    for g in canvas.groups:
        name = escape(g.name)
        cls = (
            "group"
            + (" selected" if g.selected else "")
            + (" source" if g.source else "")
            + (" warned" if g.warned else "")
            + fade(g.key)
        )
        count = f"{g.workloads:,} workload{'s' if g.workloads != 1 else ''}"
        labels = f" ({escape(g.labels)})" if g.labels else ""
        add(
            f'<g class="{cls}" data-node="{escape(g.key)}" data-x="{g.x}" data-y="{g.y}" data-w="{g.w}" '
            f'data-h="{g.h}" {sel_post} hx-vals="{escape(sel_vals(g.key))}" tabindex="0">\n'
            f"  <title>Namespace {name}{labels}: {count}"
            f"{f', {g.inside:,} flows inside' if g.inside else ''}. Click or Enter to select, double-click or + to "
            f"expand and edit its workloads; drop a flow here for the whole namespace.</title>\n"
            f'  <rect class="group-box" x="{g.left}" y="{g.top}" width="{g.w}" height="{g.h}" rx="12"/>\n'
            f'  <text class="group-title" x="{g.left + 12}" y="{g.top + 25}">{escape(clip_text(g.name, 17))}</text>\n'
            f'  <text class="group-line" x="{g.left + 12}" y="{g.top + 48}">{count}</text>\n'
        )
        if g.warned:
            add(
                f'  <circle class="warn-dot" cx="{g.left + g.w - 12}" cy="{g.top + 12}" r="5">'
                f"<title>Namespace {name} has a warning: see the Warnings tab</title></circle>\n"
            )
        add(_toggle(expand_url, g.name, True, g.left + g.w - 26, g.top + g.h - 26))
        add("</g>\n")
    action = ": drag to move, drag the handle to draw a flow, Delete to delete" if can_edit else ""
    for n in canvas.nodes:
        ref = escape(n.ref)
        cls = (
            f"node {n.kind}"
            + (" dns-name" if n.dns_name else "")
            + (" selected" if n.selected else "")
            + (" source" if n.source else "")
            + (" warned" if n.warned else "")
            + fade(n.key)
        )
        offset = f' data-ox="{n.ox}" data-oy="{n.oy}"' if n.ox or n.oy else ""
        what = ("External (DNS name)" if n.dns_name else "External") if n.kind == "external" else "Workload"
        add(
            f'<g class="{cls}" data-node="{escape(n.key)}" data-x="{n.x}" data-y="{n.y}" data-w="{n.w}" '
            f'data-h="{n.h}"{offset} transform="translate({n.left} {n.top})" {sel_post} hx-vals="{escape(n.vals)}" '
            f'tabindex="0">\n'
            f"  <title>{what} {ref}{action}</title>\n"
        )
        if n.kind == "external":
            add(f'  <path class="node-box" d="{n.shape}"/>\n')
            kind = '<tspan class="node-kind">◍ </tspan>' if n.dns_name else '<tspan class="node-kind">⬡ </tspan>'
        else:
            add(
                f'  <rect class="node-box" width="{n.w}" height="{n.h}" rx="10"/><rect class="node-stripe" x="0" '
                f'y="10" width="4" height="{n.stripe_h}" rx="2"/>\n'
            )
            kind = ""
        add(f'  <text class="node-title" x="{n.text_x}" y="23">{kind}{escape(n.title)}</text>\n  ')
        for y, line in n.text_lines:
            add(f'<text class="node-line" x="{n.text_x}" y="{y}">{escape(line)}</text>')
        add("\n")
        if n.warned:
            add(
                f'  <circle class="warn-dot" cx="{n.warn_x}" cy="14" r="5">'
                f"<title>{what} {ref} has a warning: see the Warnings tab</title></circle>\n"
            )
        if can_edit:
            add(
                f'  <circle class="handle" cx="{n.w}" cy="{n.hh}" r="7" data-handle="{escape(n.key)}">'
                f"<title>Draw a flow from {ref}: drag onto another node</title></circle>\n"
            )
        add("</g>\n")
    return "".join(out)


def _toggle(expand_url: str, namespace: str, expand: bool, x: float, y: float) -> str:
    """A namespace's "+" (expand, on a collapsed one) or "− collapse" control on a grouped canvas (a plain
    hx-post)."""
    vals = '{"namespace": ' + _json_str(namespace) + ', "expand": "' + ("1" if expand else "0") + '"}'
    what = "Expand" if expand else "Collapse"
    head = (
        f'  <g class="toggle" data-toggle="{"expand" if expand else "collapse"}" hx-post="{escape(expand_url)}" '
        f'hx-vals="{escape(vals)}" hx-trigger="click consume">'
        f"<title>{what} namespace {escape(namespace)}</title>"
    )
    if expand:  # a round "+" button: no text to shrink on the overview
        return (
            head + f'<rect x="{x}" y="{y}" width="18" height="18" rx="9"/>'
            f'<path class="toggle-plus" d="M{x + 5} {y + 9} H{x + 13} M{x + 9} {y + 5} V{y + 13}"/></g>\n'
        )
    return (
        head + f'<rect x="{x}" y="{y}" width="80" height="20" rx="10"/>'
        f'<text x="{x + 40}" y="{y + 14}" text-anchor="middle">− collapse</text></g>\n'
    )


def clip(cx: float, cy: float, w: float, h: float, tx: float, ty: float) -> tuple[float, float]:
    """Where the segment from a box's centre towards (tx, ty) leaves the box (plus a little gap)."""
    dx, dy = tx - cx, ty - cy
    if dx == 0 and dy == 0:
        return cx, cy
    scale = min((w / 2 + 4) / abs(dx) if dx else math.inf, (h / 2 + 4) / abs(dy) if dy else math.inf)
    return cx + dx * scale, cy + dy * scale


def node_key(kind: str, ref: str) -> str:
    return f"{kind}:{ref}"


def flow_ref(flow: FlowRec, refs: dict) -> str:
    return f"{flow_endpoint(flow, 'source', refs)[1]} -> {flow_endpoint(flow, 'destination', refs)[1]}"
