"""Find a part of the design by what a person types: ``svc037``, ``team03/svc037``, ``app=cart``, a namespace
or an external's name, or a selection key (``workload:team03/svc037``, ``flow:a -> b``).

``resolve`` answers the selection key of the best match (or ``None``); ``suggestions`` are the options of the
find box's list, each a part's ``namespace/name`` with its labels, so the browser's list matches all three.
"""

from __future__ import annotations

from html import escape

from editor.state import DesignState

KINDS = ("workload", "external", "namespace", "flow")
SUGGESTIONS = 2000  # at most this many options in the find box's list (any part can still be typed)
NOT_FOUND = (
    "Nothing matches '{query}': type a workload's name (svc037), namespace/name (team03/svc037), a label "
    "(app=cart), a namespace or an external."
)


def resolve(data: DesignState, query: str) -> str | None:
    """The selection key ``query`` names, or the first part it matches (workloads in the design's order)."""
    query = query.strip()
    if not query:
        return None
    workloads = list(data.graph.workloads)
    namespaces = [n.name for n in data.namespaces]
    externals = [e.name for e in data.externals]
    kind, sep, ref = query.partition(":")
    if sep and kind in KINDS:
        if kind == "workload" and any(w.ref == ref for w in workloads):
            return query
        if kind == "namespace" and ref in namespaces:
            return query
        if kind == "external" and ref in externals:
            return query
        if kind == "flow" and any(f.ref == ref for f in data.graph.flows):
            return query
        query = ref  # a key of a part that is not there: look for it by name
    if "=" in query:
        key, _, value = query.partition("=")
        key, value = key.strip(), value.strip()
        for w in workloads:
            if (key, value) in w.labels:
                return f"workload:{w.ref}"
        return None
    if "/" in query:
        for w in workloads:
            if w.ref == query:
                return f"workload:{w.ref}"
    else:
        for w in workloads:
            if w.name == query:
                return f"workload:{w.ref}"
        if query in namespaces:
            return f"namespace:{query}"
        if query in externals:
            return f"external:{query}"
    low = query.lower()
    for w in workloads:  # last: a part of a name, ignoring case
        if low in w.ref.lower():
            return f"workload:{w.ref}"
    return None


def suggestions(data: DesignState) -> str:
    """``<option>`` elements of the find box's list (escaped): workloads with their labels, namespaces, externals."""
    out = []
    for w in data.graph.workloads[:SUGGESTIONS]:
        labels = ", ".join(f"{k}={v}" for k, v in w.labels)
        out.append(f'<option value="{escape(w.ref)}">{escape(labels)}</option>')
    out += [f'<option value="{escape(n.name)}">namespace</option>' for n in data.namespaces]
    out += [f'<option value="{escape(e.name)}">external {escape(e.cidr)}</option>' for e in data.externals]
    return "".join(out)


def neighbours(canvas, sel: str) -> set[str]:
    """The keys a focus on ``sel`` keeps clear: ``sel``, the arrows touching it and their other ends (one hop,
    both directions); for a selected arrow, its two ends; for a namespace, its workloads and their neighbours."""
    if not sel:
        return set()
    near = {sel}
    kind, _, ref = sel.partition(":")
    inside = (lambda key: key == sel or key.startswith(f"workload:{ref}/")) if kind == "namespace" else sel.__eq__
    near |= {n.key for n in canvas.nodes if inside(n.key)}
    for e in canvas.edges:
        if e.key == sel or inside(e.src) or inside(e.dst):
            near |= {e.key, e.src, e.dst}
    return near
