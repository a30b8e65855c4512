"""The canvas's geometry: where each node, namespace box and arrow of a design is drawn.

Pure functions over the loaded design (``selectors.DesignData``): no request, no session, no database
writes.  The editor views hand the result to the page template, which draws the SVG.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

from editor import forms, models, selectors
from editor.selectors import flow_endpoint

NODE_W = 152
COL_GAP = 250
ROW_GAP = 130
BAND_GAP = 70
MARGIN_X = 140
MARGIN_Y = 110


@dataclass
class Node:
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

    @property
    def key(self) -> str:
        return node_key(self.kind, self.ref)

    @property
    def left(self) -> float:
        return self.x - self.w / 2

    @property
    def top(self) -> float:
        return self.y - self.h / 2

    @property
    def vals(self) -> str:
        return json.dumps({"sel": self.key})

    @property
    def text_lines(self) -> list[tuple[int, str]]:
        """(baseline y, text) of each line under the title, in node coordinates."""
        return [(40 + 15 * i, line) for i, line in enumerate(self.lines)]

    @property
    def shape(self) -> str:
        """An external is a hexagon-ended box; a workload a rounded rectangle drawn by the template."""
        w, h, c = self.w, self.h, 14
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

    @property
    def key(self) -> str:
        return node_key("namespace", self.name)

    @property
    def vals(self) -> str:
        return json.dumps({"sel": self.key})

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

    @property
    def imported(self) -> bool:
        return bool(self.policies)

    @property
    def key(self) -> str:
        return f"flow:{self.ref}"

    @property
    def label_x(self) -> float:
        return -self.lw / 2

    @property
    def vals(self) -> str:
        return json.dumps({"sel": self.key})


@dataclass
class Canvas:
    nodes: list[Node] = field(default_factory=list)
    regions: list[Region] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    view: str = "0 0 900 560"

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
    return [clip_text(line, 26) for line in lines]


def clip_text(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def auto_layout(data: selectors.DesignData) -> dict[str, tuple[float, float]]:
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
        bands.setdefault(data.refs[("namespace", w.namespace_id)], []).append(
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


def free_spot(data: selectors.DesignData, namespace: str | None) -> tuple[float | None, float | None]:
    """Where a new node goes: right of its namespace's row, or on a new row below everything."""
    placed = [(w.x, w.y, w.namespace_id) for w in data.workloads if w.x is not None and w.y is not None]
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


def draw(data: selectors.DesignData, sel: str, source: str, warned: set[str]) -> Canvas:
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
        lines = node_lines(w.labels, w.ports)
        node = Node("workload", ref, clip_text(w.name, 18), lines, x, y, h=max(44, 38 + 15 * len(lines)))
        by_key[key] = node
    for e in data.externals:
        key = node_key("external", e.name)
        x, y = position(e, key)
        lines = [e.cidr] + ([clip_text("except " + ", ".join(e.except_cidrs), 26)] if e.except_cidrs else [])
        by_key[key] = Node(
            "external", e.name, clip_text(e.name, 16), lines, x, y, w=NODE_W + 16, h=max(44, 38 + 15 * len(lines))
        )
    for node in by_key.values():
        node.selected = node.key == sel
        node.source = node.key == source
        node.warned = node.ref in warned
    canvas.nodes = list(by_key.values())

    pad, head = 22, 30
    boxes: dict[str, Region] = {}
    bottom = max((n.top + n.h for n in canvas.nodes), default=MARGIN_Y)
    empty_x = MARGIN_X - NODE_W / 2
    for ns in data.namespaces:
        members = [
            by_key[node_key("workload", f"{ns.name}/{w.name}")] for w in data.workloads if w.namespace_id == ns.pk
        ]
        labels = clip_text(forms.format_labels(ns.labels), 40)
        if members:
            x0 = min(n.left for n in members) - pad
            y0 = min(n.top for n in members) - pad - head
            x1 = max(n.left + n.w for n in members) + pad
            y1 = max(n.top + n.h for n in members) + pad
            region = Region(ns.name, labels, x0, y0, x1 - x0, y1 - y0)
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

    pairs = set()
    for f in data.flows:
        pairs.add((flow_endpoint(f, "source", data.refs), flow_endpoint(f, "destination", data.refs)))
    # Kept (imported) policies allow connections that no drawn flow stands for: draw those too, with the
    # policies that allow each, so an imported design shows what it allows.
    allowed = []
    if data.graph.policies:
        for c in selectors.design_connections(data):
            ends = (("workload", c.source), ("workload", c.destination))
            if ends not in pairs and c.source != c.destination:
                allowed.append((ends, c))
    shown = pairs | {ends for ends, _ in allowed}

    def edge(src, dst, label: str, **extra) -> Edge:
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
            **extra,
        )

    for f in data.flows:
        src, dst = flow_endpoint(f, "source", data.refs), flow_endpoint(f, "destination", data.refs)
        ref = f"{src[1]} -> {dst[1]}"
        label = clip_text(forms.format_flow_ports(f.ports) or "all ports", 30)
        canvas.edges.append(edge(src, dst, label, selected=f"flow:{ref}" == sel, warned=ref in warned))
    for (src, dst), c in allowed:
        canvas.edges.append(edge(src, dst, clip_text(", ".join(c.ports), 30), policies=c.policies))

    xs = [n.left for n in canvas.nodes] + [r.x for r in canvas.regions]
    ys = [n.top for n in canvas.nodes] + [r.y for r in canvas.regions]
    xe = [n.left + n.w for n in canvas.nodes] + [r.x + r.w for r in canvas.regions]
    ye = [n.top + n.h for n in canvas.nodes] + [r.y + r.h for r in canvas.regions]
    if xs:
        x0, y0, x1, y1 = min(xs) - 40, min(ys) - 40, max(xe) + 40, max(ye) + 40
        w, h = max(x1 - x0, 760), max(y1 - y0, 520)
        x0 -= (w - (x1 - x0)) / 2
        y0 -= (h - (y1 - y0)) / 2
        canvas.view = f"{x0:.0f} {y0:.0f} {w:.0f} {h:.0f}"
    return canvas


def clip(cx: float, cy: float, w: float, h: float, tx: float, ty: float) -> tuple[float, float]:
    """Where the segment from a box's centre towards (tx, ty) leaves the box (plus a little gap)."""
    dx, dy = tx - cx, ty - cy
    if dx == 0 and dy == 0:
        return cx, cy
    scale = min((w / 2 + 4) / abs(dx) if dx else math.inf, (h / 2 + 4) / abs(dy) if dy else math.inf)
    return cx + dx * scale, cy + dy * scale


def node_key(kind: str, ref: str) -> str:
    return f"{kind}:{ref}"


def flow_ref(flow: models.Flow, refs: dict) -> str:
    return f"{flow_endpoint(flow, 'source', refs)[1]} -> {flow_endpoint(flow, 'destination', refs)[1]}"
