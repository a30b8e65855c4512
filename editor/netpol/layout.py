"""Where each node of a design goes: a layered layout by Graphviz ``dot``, in two levels.

Pure Python (no Django): boxes and edges in, centres out.  Graphviz lays out a whole large design badly
(with 3,000+ edges ``dot`` fails or runs for minutes, and a cycle of N workloads becomes N columns), so:

1. **Each namespace's inside.**  ``dot`` (``rankdir=LR``) gives every workload a rank (a column: flows run
   left to right, cycles broken by ``dot``) and an order within its rank (crossings minimised).  All
   namespaces go to ``dot`` in one input (two processes side by side for a large design).  Only the
   ranks and orders are kept; the columns are then *folded* into bands, a long chain of ranks into
   several rows of columns, so the namespace's block gets an aspect near ``aspect`` whatever its flows.
   Every cell of the grid is a node's size plus a gap wide enough for a flow's port label, so nodes never
   overlap and a label between two columns sits in the gap.
2. **Namespaces as blocks.**  Each block (its box: the grid plus padding and a title) is packed on
   shelves, in an order where namespaces with flows between them sit side by side, to a total aspect near
   ``aspect``.  Externals come last, as a block of their own.

Without Graphviz (``dot`` not on ``PATH``, or it fails) the ranks come from a plain breadth-first pass,
so a layout is always made; ``last_engine`` says which one ran.  Deterministic: the same input gives the
same positions.
"""

from __future__ import annotations

import math
import shutil
import subprocess
import threading
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from . import model as nm

NODE_W = 152  # a workload's width as the canvas draws it
ASPECT = 1.3  # width / height wanted: the editor's canvas at 1280-1440 px wide
SLACK = 2.5  # a namespace's block may be this many times wider or narrower than ``aspect`` without folding
SMALL = (1600, 1000)  # a namespace's block this small is never folded (its aspect does not matter yet)
GAP_X = 150  # between the columns of a namespace: room for a flow's port label
GAP_Y = 36  # between the rows
PAD = 22  # a namespace box's padding (as the canvas draws it)
HEAD = 30  # a namespace box's title
BLOCK_GAP = 56  # between namespace boxes
ORIGIN = (40.0, 40.0)  # the first namespace box's top left corner
DOT_TIMEOUT = 30  # seconds
PARALLEL_ABOVE = 400  # nodes: lay out in two dot processes side by side above this
EXTERNALS = " externals"  # the block of externals (a name no namespace can have)

last_engine = "none"  # "dot" or "fallback": what the last layout used (for tests and the benchmark's note)


@dataclass(frozen=True)
class Box:
    """A node to place: ``key`` names it, ``block`` is its namespace (``EXTERNALS`` for an external)."""

    key: str
    block: str
    w: float
    h: float


def node_height(label_count: int, has_ports: bool) -> float:
    """A workload's height as the canvas draws it: a title, up to three label lines and a ports line."""
    lines = min(label_count, 3) + (1 if has_ports else 0)
    return max(44.0, 38.0 + 15.0 * lines)


def lay_out_graph(
    graph: nm.Graph, *, connections: Iterable[tuple[str, str]] = (), aspect: float = ASPECT
) -> dict[str, tuple[int, int]]:
    """Centres of a design's workloads (``workload:ns/name``) and externals (``external:name``): its flows, and
    ``connections`` (workload refs, e.g. what kept policies allow), are the edges.  A flow to a whole namespace
    only brings the two namespaces' blocks together."""
    boxes = [
        Box(f"workload:{w.ref}", w.namespace, NODE_W, node_height(len(w.labels), bool(w.ports)))
        for w in graph.workloads
    ]
    boxes += [
        Box(f"external:{e.name}", EXTERNALS, NODE_W + 16, node_height(1 + bool(e.except_), False))
        for e in graph.externals
    ]
    first: dict[str, str] = {}
    for w in graph.workloads:
        first.setdefault(w.namespace, f"workload:{w.ref}")
    edges, links = [], []
    for f in graph.flows:
        a, b = f"{f.source.kind}:{f.source.ref}", f"{f.destination.kind}:{f.destination.ref}"
        if f.source.kind == "namespace" or f.destination.kind == "namespace":
            if a.startswith("namespace:") and a[10:] in first:
                a = first[a[10:]]
            if b.startswith("namespace:") and b[10:] in first:
                b = first[b[10:]]
            links.append((a, b))
        else:
            edges.append((a, b))
    edges += [(f"workload:{a}", f"workload:{b}") for a, b in connections]
    return layout(boxes, edges, links=links, aspect=aspect)


def layout(
    boxes: list[Box], edges: list[tuple[str, str]], *, links: Iterable[tuple[str, str]] = (), aspect: float = ASPECT
) -> dict[str, tuple[int, int]]:
    """Centre of every box, by key.  ``edges`` are (source key, destination key); any may cross blocks.
    ``links`` only bring the blocks of their two ends together (they do not rank nodes)."""
    blocks: dict[str, list[Box]] = {}
    for box in boxes:
        blocks.setdefault(box.block, []).append(box)
    block_of = {b.key: b.block for b in boxes}
    inner: dict[str, list[tuple[str, str]]] = defaultdict(list)
    across: Counter[tuple[str, str]] = Counter()
    seen = set()
    for a, b in edges:
        if a == b or a not in block_of or b not in block_of or (a, b) in seen:
            continue
        seen.add((a, b))
        if block_of[a] == block_of[b]:
            inner[block_of[a]].append((a, b))
        else:
            across[(block_of[a], block_of[b])] += 1
    for a, b in links:
        if a in block_of and b in block_of and block_of[a] != block_of[b]:
            across[(block_of[a], block_of[b])] += 1

    names = [n for n in blocks if n != EXTERNALS]
    ranked = _ranks({n: ([b.key for b in blocks[n]], inner[n]) for n in names if inner[n]})
    grids: dict[str, list[list[list[Box]]]] = {}
    for name, members in blocks.items():
        by_key = {b.key: b for b in members}
        if name in ranked:
            columns = [[by_key[k] for k in column] for column in ranked[name]]
        elif name == EXTERNALS:
            columns = [[b] for b in members]  # externals: a row, folded like a chain
        else:
            columns = [members]  # no flows inside: one column, folded into a grid
        grids[name] = _fold(columns, aspect)

    placed: dict[str, tuple[int, int]] = {}
    sizes = {name: _grid_size(grid) for name, grid in grids.items()}
    order = chain(names, across) + ([EXTERNALS] if EXTERNALS in blocks else [])
    outer = {name: (w + 2 * PAD, h + 2 * PAD + HEAD) for name, (w, h) in sizes.items()}
    for name, (bx, by) in _shelves(order, outer, aspect, BLOCK_GAP).items():
        x0 = ORIGIN[0] + bx + PAD
        y0 = ORIGIN[1] + by + PAD + HEAD
        placed.update(_place_grid(grids[name], x0, y0))
    return placed


# ---------------------------------------------------------------- level 1: ranks and orders


def _ranks(graphs: dict[str, tuple[list[str], list[tuple[str, str]]]]) -> dict[str, list[list[str]]]:
    """Each graph's nodes as columns (ranks, left to right), each column in its order (top to bottom)."""
    global last_engine
    if not graphs:
        return {}
    if shutil.which("dot") is None:
        last_engine = "fallback"
        return {name: _bfs_ranks(*g) for name, g in graphs.items()}
    names = list(graphs)
    total = sum(len(graphs[n][0]) for n in names)
    chunks = [names[0::2], names[1::2]] if total > PARALLEL_ABOVE and len(names) > 1 else [names]
    results: list[dict[str, list[list[str]]] | None] = [None] * len(chunks)

    def run(i: int) -> None:
        try:
            results[i] = _dot({n: graphs[n] for n in chunks[i]})
        except (OSError, subprocess.SubprocessError, ValueError):
            results[i] = None

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(chunks))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out: dict[str, list[list[str]]] = {}
    engine = "dot"
    for chunk, result in zip(chunks, results, strict=True):
        if result is None:
            engine = "fallback"
            result = {n: _bfs_ranks(*graphs[n]) for n in chunk}
        out.update(result)
    last_engine = engine
    return out


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _dot(graphs: dict[str, tuple[list[str], list[tuple[str, str]]]]) -> dict[str, list[list[str]]]:
    """Ranks and orders from one ``dot -Tplain`` run over several graphs (nodes named by index)."""
    parts = []
    for gi, (keys, edges) in enumerate(graphs.values()):
        index = {k: i for i, k in enumerate(keys)}
        lines = [
            f"digraph g{gi} {{rankdir=LR; splines=false; mclimit=0.3; searchsize=10; "
            'node [shape=box fixedsize=true width=2 height=0.7 label=""];'
        ]
        lines.append(" ".join(f"n{i};" for i in range(len(keys))))
        lines.append(" ".join(f"n{index[a]}->n{index[b]};" for a, b in edges))
        lines.append("}")
        parts.append("\n".join(lines))
    done = subprocess.run(
        ["dot", "-Tplain"], input="\n".join(parts).encode(), capture_output=True, timeout=DOT_TIMEOUT, check=True
    )
    out: dict[str, list[list[str]]] = {}
    items = list(graphs.items())
    gi = -1
    nodes: list[tuple[float, float, int]] = []
    for line in done.stdout.decode().splitlines():
        if line.startswith("graph "):
            gi += 1
            nodes = []
        elif line.startswith("node "):
            _, name, x_text, y_text, *_ = line.split(" ", 5)
            nodes.append((float(x_text), -float(y_text), int(name[1:])))
        elif line == "stop":
            keys = items[gi][1][0]
            columns: dict[float, list[tuple[float, int]]] = {}
            for x, y, i in nodes:
                columns.setdefault(round(x, 1), []).append((y, i))
            out[items[gi][0]] = [[keys[i] for _, i in sorted(columns[x])] for x in sorted(columns)]
    if len(out) != len(graphs):
        raise ValueError(f"dot laid out {len(out)} of {len(graphs)} graphs")
    return out


def _bfs_ranks(keys: list[str], edges: list[tuple[str, str]]) -> list[list[str]]:
    """Ranks without Graphviz: breadth first from nodes nothing flows into (then from any left)."""
    succ: dict[str, list[str]] = defaultdict(list)
    indeg: Counter[str] = Counter()
    for a, b in edges:
        succ[a].append(b)
        indeg[b] += 1
    rank: dict[str, int] = {}
    for start in [k for k in keys if not indeg[k]] + keys:
        if start in rank:
            continue
        rank[start] = 0 if not indeg[start] else max(rank.values(), default=-1) + 1
        queue = [start]
        while queue:
            node = queue.pop(0)
            for nxt in succ[node]:
                if nxt not in rank:
                    rank[nxt] = rank[node] + 1
                    queue.append(nxt)
    columns: dict[int, list[str]] = defaultdict(list)
    for k in keys:
        columns[rank[k]].append(k)
    return [columns[r] for r in sorted(columns)]


# ---------------------------------------------------------------- level 1: folding ranks into a grid


def _fold(columns: list[list[Box]], aspect: float) -> list[list[list[Box]]]:
    """Bands of columns: each column cut into pieces of at most ``rows`` nodes, the pieces in order, then cut
    into bands of at most ``per_band`` pieces; ``rows`` and ``per_band`` chosen for an aspect near ``aspect``."""
    cw = max(b.w for col in columns for b in col) + GAP_X
    rh = max(b.h for col in columns for b in col) + GAP_Y
    tallest = max(len(c) for c in columns)
    best = None
    for rows in range(1, tallest + 1):
        pieces = sum(math.ceil(len(c) / rows) for c in columns)
        want = math.sqrt(pieces * rows * rh * aspect / cw)  # pieces per band for the aspect
        for per_band in sorted({max(1, math.floor(want)), max(1, math.ceil(want)), pieces}):
            per_band = min(per_band, pieces)
            bands = math.ceil(pieces / per_band)
            w, h = per_band * cw, bands * rows * rh
            # an aspect within SLACK of the wanted one is as good as it; then fewer bands (flows keep running
            # left to right), then less area
            off = 0.0 if w <= SMALL[0] and h <= SMALL[1] else max(0.0, abs(math.log(w / h / aspect)) - math.log(SLACK))
            score = (round(off + 0.25 * (bands - 1), 6), w * h, rows)
            if best is None or score < best[0]:
                best = (score, rows, per_band)
    assert best is not None
    _, rows, per_band = best
    pieces_ = [col[i : i + rows] for col in columns for i in range(0, len(col), rows)]
    return [pieces_[i : i + per_band] for i in range(0, len(pieces_), per_band)]


def _grid_size(grid: list[list[list[Box]]]) -> tuple[float, float]:
    """(width, height) of a folded grid from the first node's corner to the last node's far corner."""
    cw = max(b.w for band in grid for col in band for b in col) + GAP_X
    rh = max(b.h for band in grid for col in band for b in col) + GAP_Y
    rows = max(len(col) for band in grid for col in band)
    per_band = max(len(band) for band in grid)
    return per_band * cw - GAP_X, len(grid) * rows * rh - GAP_Y


def _place_grid(grid: list[list[list[Box]]], x0: float, y0: float) -> dict[str, tuple[int, int]]:
    """Centres of a folded grid's boxes, its top left corner at (x0, y0); each piece centred in its band."""
    cw = max(b.w for band in grid for col in band for b in col) + GAP_X
    rh = max(b.h for band in grid for col in band for b in col) + GAP_Y
    rows = max(len(col) for band in grid for col in band)
    out = {}
    for bi, band in enumerate(grid):
        for ci, col in enumerate(band):
            top = y0 + bi * rows * rh + (rows - len(col)) * rh / 2
            for ri, box in enumerate(col):
                out[box.key] = (round(x0 + ci * cw + (cw - GAP_X) / 2), round(top + ri * rh + (rh - GAP_Y) / 2))
    return out


# ---------------------------------------------------------------- level 2: namespaces as blocks


def chain(names: list[str], weights: Counter[tuple[str, str]]) -> list[str]:
    """``names`` in an order where each is followed by the one it shares the most edges with (ties: the first
    in ``names``), starting with the best connected: blocks that talk end up side by side."""
    if not names:
        return []
    links: dict[str, Counter[str]] = {n: Counter() for n in names}
    for (a, b), n in weights.items():
        if a in links and b in links:
            links[a][b] += n
            links[b][a] += n
    rank = {n: i for i, n in enumerate(names)}
    left = set(names)
    current = max(names, key=lambda n: (sum(links[n].values()), -rank[n]))
    order = []
    while True:
        order.append(current)
        left.discard(current)
        if not left:
            return order
        near = [(n, w) for n, w in links[current].items() if n in left]
        current = max(near, key=lambda nw: (nw[1], -rank[nw[0]]))[0] if near else min(left, key=rank.__getitem__)


def shelves(
    order: list[str], sizes: dict[str, tuple[float, float]], aspect: float, gap: float
) -> dict[str, tuple[float, float]]:
    """Top-left corners of blocks packed on shelves (left to right, then a new shelf), in ``order``, for a total
    aspect near ``aspect``.  Also used by the canvas for a grouped design's overview."""
    return _shelves(order, sizes, aspect, gap)


def _shelves(
    order: list[str], sizes: dict[str, tuple[float, float]], aspect: float, gap: float
) -> dict[str, tuple[float, float]]:
    if not order:
        return {}
    area = sum((sizes[n][0] + gap) * (sizes[n][1] + gap) for n in order)
    widest = max(sizes[n][0] for n in order)
    best: tuple[float, dict[str, tuple[float, float]]] | None = None
    for scale in (0.7, 0.8, 0.9, 1.0, 1.1, 1.25, 1.4, 1.6):
        limit = max(widest, math.sqrt(area * aspect) * scale)
        spots, w, h = _pack(order, sizes, limit, gap)
        score = abs(math.log(max(w, 1) / max(h, 1) / aspect)) + 0.3 * math.log(w * h / area)
        if best is None or score < best[0]:
            best = (score, spots)
    assert best is not None
    return best[1]


def _pack(
    order: list[str], sizes: dict[str, tuple[float, float]], limit: float, gap: float
) -> tuple[dict[str, tuple[float, float]], float, float]:
    spots: dict[str, tuple[float, float]] = {}
    x = y = shelf_h = width = 0.0
    for name in order:
        w, h = sizes[name]
        if x > 0 and x + w > limit:
            x, y, shelf_h = 0.0, y + shelf_h + gap, 0.0
        spots[name] = (x, y)
        x += w + gap
        shelf_h = max(shelf_h, h)
        width = max(width, x - gap)
    return spots, width, y + shelf_h
