"""Pages for observed traffic: a new design from a capture (preview first), and a design checked against one.

Both read the capture as a stream: an uploaded file (Django spools a large one to disk) or pasted text.
The preview saves nothing; "Create the design" posts the same form again (the browser still holds the
file), so no capture is ever kept on the server.  ``static/traffic/traffic.js`` only draws the upload's
progress bar (htmx's ``htmx:xhr:progress``).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from html import escape

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from editor import selectors, services_traffic
from editor.netpol import traffic, traffic_design
from editor.web import canvas

PAGE = "editor/traffic/from_traffic.html"
CHECK_PAGE = "editor/traffic/check.html"
ERR_NO_CAPTURE = "Choose a capture file or paste its lines: nothing was sent."
PICTURE_NODES = 60  # the preview draws at most this many nodes
DENIED_SHOWN = 200


def _capture(request):
    """The uploaded file (read in chunks) or the pasted text, as a stream; None when neither was sent."""
    upload = request.FILES.get("capture")
    if upload is not None:
        return upload
    text = request.POST.get("text", "")
    return io.BytesIO(text.encode("utf-8")) if text.strip() else None


def _choices(request) -> dict:
    fmt = request.POST.get("format") or "hubble"
    group = request.POST.get("group") or "dns"
    return {
        "name": request.POST.get("name", ""),
        "format": fmt if fmt in traffic.FORMATS else "hubble",
        "group": group if group in traffic_design.GROUPS else "dns",
        "formats": [("hubble", "Hubble (hubble observe -o json)"), ("ig", "Inspektor Gadget (advise network-policy)")],
        "groups": list(traffic_design.GROUP_HELP.items()),
    }


def _answer(request, template: str, region: str, context: dict, status: int = 200) -> HttpResponse:
    """htmx gets the region (a 200 even for an error, so htmx swaps it); a form post the whole page."""
    if request.htmx:
        return HttpResponse(render(request, f"{template}#{region}", context).content)
    return render(request, template, context, status=status)


@require_http_methods(["GET", "POST"])
@login_required
def design_from_traffic(request):
    """GET: the form.  POST: create the design from the capture and open it."""
    context = _choices(request)
    if request.method == "GET":
        return render(request, PAGE, context)
    stream = _capture(request)
    if stream is None:
        return _answer(request, PAGE, "traffic-preview", {**context, "error": ERR_NO_CAPTURE}, 400)
    try:
        result = services_traffic.design_from_traffic(
            owner=request.user,
            name=context["name"] or services_traffic.DEFAULT_NAME,
            stream=stream,
            format=context["format"],
            group=context["group"],
            actor=request.user,
        )
    except (traffic.TooLarge, services_traffic.NoUsableFlow) as exc:
        return _answer(request, PAGE, "traffic-preview", {**context, "error": str(exc)}, 400)
    except ValidationError as exc:
        return _answer(request, PAGE, "traffic-preview", {**context, "error": " ".join(exc.messages)}, 400)
    url = reverse("design-detail", args=[result.design.pk])
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


@require_POST
@login_required
def design_from_traffic_preview(request):
    """What the capture would become, saving nothing."""
    context = _choices(request)
    stream = _capture(request)
    if stream is None:
        return _answer(request, PAGE, "traffic-preview", {**context, "error": ERR_NO_CAPTURE}, 400)
    try:
        observed, plan = services_traffic.traffic_plan(stream=stream, format=context["format"], group=context["group"])
    except (traffic.TooLarge, services_traffic.NoUsableFlow) as exc:
        return _answer(request, PAGE, "traffic-preview", {**context, "error": str(exc)}, 400)
    context.update(
        plan=plan,
        skipped_more=observed.skipped_count - len(observed.skipped),
        picture=picture(plan),
        summary=summary(plan),
    )
    return _answer(request, PAGE, "traffic-preview", context)


def summary(plan: traffic_design.Plan) -> str:
    """ "12,840 flows → 37 connections, 4 to the internet, 31 dropped"."""
    return (
        f"{plan.flows_seen:,} flows → {plan.connections:,} connection{'s' if plan.connections != 1 else ''}, "
        f"{plan.to_outside:,} to the internet, {plan.dropped:,} dropped"
    )


# ---------------------------------------------------------------- the preview's picture


@dataclass
class _Box:
    key: str
    title: str
    kind: str
    x: float
    y: float
    w: float = canvas.NODE_W
    h: float = 44


def picture(plan: traffic_design.Plan) -> str:
    """A small SVG of the planned design: workloads by namespace column, externals last, one arrow per flow
    (at most ``PICTURE_NODES`` nodes; the design itself has them all)."""
    boxes: dict[str, _Box] = {}
    for w in plan.workloads[:PICTURE_NODES]:
        boxes[f"workload:{w['namespace']}/{w['name']}"] = _Box("", w["name"], "workload", w["x"], w["y"])
    for e in plan.externals[: max(0, PICTURE_NODES - len(boxes))]:
        boxes[f"external:{e['name']}"] = _Box("", e["fqdn"] or e["cidr"], "external", e["x"], e["y"])
    for n in plan.namespaces:
        members = [b for k, b in boxes.items() if k.startswith(f"workload:{n['name']}/")]
        if not members:
            x = max((b.x for b in boxes.values()), default=canvas.MARGIN_X) + 280
            boxes[f"namespace:{n['name']}"] = _Box("", f"all of {n['name']}", "namespace", x, canvas.MARGIN_Y)
    if not boxes:
        return ""
    out = []
    for f in plan.flows:
        (sk, sr), (dk, dr) = next(iter(f["source"].items())), next(iter(f["destination"].items()))
        a, b = boxes.get(f"{sk}:{sr}"), boxes.get(f"{dk}:{dr}")
        if a is None or b is None:
            continue
        x1, y1 = canvas.clip(a.x, a.y, a.w, a.h, b.x, b.y)
        x2, y2 = canvas.clip(b.x, b.y, b.w, b.h, a.x, a.y)
        ports = ", ".join(f"{p['protocol']} {p['port']}" for p in f["ports"])
        out.append(
            f'<g class="edge"><title>{escape(sr)} → {escape(dr)}: {escape(ports)}</title>'
            f'<path class="edge-line" d="M{x1:.1f} {y1:.1f} L{x2:.1f} {y2:.1f}" marker-end="url(#traffic-arrow)"/></g>'
        )
    for key, b in boxes.items():
        ref = key.partition(":")[2]
        out.append(
            f'<g class="node {b.kind}" transform="translate({b.x - b.w / 2:.1f} {b.y - b.h / 2:.1f})">'
            f"<title>{escape(ref)}</title>"
            f'<rect class="node-box" width="{b.w}" height="{b.h}" rx="10"/>'
            f'<text class="node-title" x="12" y="20">{escape(canvas.clip_text(b.title, 18))}</text>'
            f'<text class="node-line" x="12" y="36">{escape(canvas.clip_text(ref, 22))}</text></g>'
        )
    xs = [b.x for b in boxes.values()]
    ys = [b.y for b in boxes.values()]
    x0, y0 = min(xs) - canvas.NODE_W, min(ys) - 60
    width, height = max(xs) - x0 + canvas.NODE_W, max(ys) - y0 + 60
    return mark_safe(  # noqa: S308 (every value escaped)
        f'<svg class="traffic-picture" viewBox="{x0:.0f} {y0:.0f} {width:.0f} {height:.0f}" role="img" '
        f'aria-label="The planned design">'
        '<defs><marker id="traffic-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M0 0 L10 5 L0 10 z"/></marker></defs>' + "".join(out) + "</svg>"
    )


# ---------------------------------------------------------------- check against traffic


def _denied_rows(design, data, result) -> list[dict]:
    """Each denied connection with what the page offers: select the pair, draw (or widen) the flow."""
    workloads = {data.refs[("workload", w.pk)] for w in data.workloads}
    flows = {}
    for f in data.flows:
        (sk, sr), (dk, dr) = (selectors.flow_endpoint(f, s, data.refs) for s in ("source", "destination"))
        flows[(sk, sr, dk, dr)] = f
    rows = []
    for d in result.denied[:DENIED_SHOWN]:
        both = d.source in workloads and d.destination in workloads
        flow = flows.get(("workload", d.source, "workload", d.destination))
        port = f"{d.protocol} {d.port}"
        row = {"d": d, "port": port, "sel": "", "draw": None, "widen": None}
        if flow is not None:
            row["sel"] = f"flow:{d.source} -> {d.destination}"
            kept = ", ".join(f"{p.get('protocol', 'TCP')} {p['port']}" for p in flow.ports)
            row["widen"] = {"pk": flow.pk, "ports": f"{kept}, {port}" if kept else ""}
        elif d.source in workloads:
            row["sel"] = f"workload:{d.source}"
        elif d.destination in workloads:
            row["sel"] = f"workload:{d.destination}"
        if flow is None and both:
            row["draw"] = {"source": f"workload:{d.source}", "destination": f"workload:{d.destination}", "ports": port}
        rows.append(row)
    return rows


@require_http_methods(["GET", "POST"])
@login_required
def design_traffic_check(request, pk: int):
    """GET: the form.  POST: the capture's connections the design would refuse, most frequent first."""
    design = selectors.design_get_for(request.user, pk)
    access = getattr(design, "access", selectors.VIEWER)
    context = {**_choices(request), "design": design, "can_edit": access in (selectors.OWNER, selectors.EDITOR)}
    if request.method == "GET":
        return render(request, CHECK_PAGE, context)
    stream = _capture(request)
    if stream is None:
        return _answer(request, CHECK_PAGE, "traffic-check-result", {**context, "error": ERR_NO_CAPTURE}, 400)
    try:
        result = services_traffic.design_traffic_check(design=design, stream=stream, format=context["format"])
    except (traffic.TooLarge, services_traffic.NoUsableFlow) as exc:
        return _answer(request, CHECK_PAGE, "traffic-check-result", {**context, "error": str(exc)}, 400)
    data = selectors.design_state(design)
    context.update(result=result, rows=_denied_rows(design, data, result), more=len(result.denied) - DENIED_SHOWN)
    return _answer(request, CHECK_PAGE, "traffic-check-result", context)
