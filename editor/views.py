"""Pages.  Views parse a form, call one service or selector, and render.

The editor is one page template (``editor/editor.html``) with named regions
(``{% partialdef %}``) whose names equal their DOM ids.  A mutation recomputes
everything from the database and answers an htmx request with the canvas plus
every other region out of band; a plain form post is redirected back to the
page.  Refused input answers with just the region holding the form, its errors
beside the fields, so nothing else on the page changes.

UI state that is not part of the design (the selection, connect mode) lives in
the session, keyed by design, so it survives a reload and ``canvas.js`` holds none.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import reswap, retarget
from django_htmx.middleware import HtmxDetails
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import YamlLexer

from editor import forms, models, selectors, services
from editor.api.views import yaml_filename
from editor.netpol.lint import MISSING_DNS
from editor.netpol.render import to_yaml


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


PAGE = "editor/editor.html"
PREVIEW_DOCUMENTS = 100  # at most this many policies in the YAML preview (docs/benchmarks.md)
# Regions of the editor page; each is a partial whose name equals its DOM id.
REGIONS = ("canvas", "toolbar", "inspector", "yaml-preview", "warnings", "warnings-count", "notice")

NOTICE_CONNECT_FROM = "Connecting from {ref}: click the destination (Escape cancels)."
NOTICE_CONNECT_START = "Connect: click the source, then the destination (Escape cancels)."
ERR_UNKNOWN_FIX = "There is no one-click fix for '{code}'."
ERR_NO_SELECTION = "Nothing is selected: click a node or an arrow first."


# ---------------------------------------------------------------- designs list


@require_GET
@login_required
def design_list(request: HtmxHttpRequest) -> HttpResponse:
    return _design_list_page(request, forms.DesignForm())


def _design_list_page(request, form, status: int = 200, rename_errors: dict | None = None) -> HttpResponse:
    context = {
        "designs": selectors.designs_for(request.user).order_by("-updated", "name"),
        "form": form,
        "rename_errors": rename_errors or {},
    }
    return render(request, "editor/design_list.html", context, status=status)


@require_POST
@login_required
def design_create(request: HtmxHttpRequest) -> HttpResponse:
    form = forms.DesignForm(request.POST)
    if form.is_valid():
        try:
            design = services.design_create(actor=request.user, owner=request.user, name=form.cleaned_data["name"])
        except ValidationError as error:
            forms.apply_service_errors(form, error)
        else:
            return redirect("design-detail", design.pk)
    return _design_list_page(request, form, status=400)


@require_POST
@login_required
def design_rename(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    design = selectors.design_get_for(request.user, pk, write=True)
    form = forms.DesignForm(request.POST)
    if form.is_valid():
        try:
            services.design_update(actor=request.user, design=design, name=form.cleaned_data["name"])
        except ValidationError as error:
            forms.apply_service_errors(form, error)
        else:
            return redirect("design-list")
    errors = [e for errs in form.errors.values() for e in errs]
    return _design_list_page(request, forms.DesignForm(), status=400, rename_errors={design.pk: errors})


@require_POST
@login_required
def design_duplicate(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    design = selectors.design_get_for(request.user, pk)
    snapshot = selectors.design_snapshot(selectors.design_load(design))
    copy = services.design_create(actor=request.user, owner=request.user, name=f"{design.name} (copy)"[:200])
    snapshot["settings"]["name"] = copy.name
    services.design_restore(actor=request.user, design=copy, snapshot=snapshot, summary=f"Copied from {design.name}")
    return redirect("design-list")


@require_http_methods(["GET", "POST"])
@login_required
def design_delete(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    design = selectors.design_get_for(request.user, pk, write=True)
    if request.method == "POST":
        services.design_delete(actor=request.user, design=design)
        return redirect("design-list")
    return render(request, "editor/design_confirm_delete.html", {"design": design})


# ---------------------------------------------------------------- the editor page


@require_GET
@login_required
def design_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    design = selectors.design_get_for(request.user, pk)
    context = _editor_context(request, design)
    if request.htmx and request.GET.get("region") in REGIONS:
        return HttpResponse(render_to_string(f"{PAGE}#{request.GET['region']}", context, request))
    return render(request, PAGE, context)


@require_GET
@login_required
def design_download(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    design = selectors.design_get_for(request.user, pk)
    compiled = selectors.design_compile(selectors.design_load(design))
    response = HttpResponse(compiled.yaml, content_type="application/yaml")
    response["Content-Disposition"] = f'attachment; filename="{yaml_filename(design)}"'
    return response


# ---------------------------------------------------------------- UI state (session)


def _ui(request, design) -> dict:
    return dict(request.session.get("editor", {}).get(str(design.pk), {}))


def _ui_set(request, design, **changes) -> None:
    state = request.session.get("editor", {})
    mine = dict(state.get(str(design.pk), {}))
    for key, value in changes.items():
        if value is None:
            mine.pop(key, None)
        else:
            mine[key] = value
    if mine != state.get(str(design.pk), {}):  # write the session only when something changed
        state[str(design.pk)] = mine
        request.session["editor"] = state


def _node_key(kind: str, ref: str) -> str:
    return f"{kind}:{ref}"


# ---------------------------------------------------------------- responses


def _done(request, design, *, notice: str = "", select: str | None = "") -> HttpResponse:
    """After a change: htmx gets every region (canvas first, the others out of band); a form post a redirect."""
    if select != "":
        _ui_set(request, design, sel=select)
    if not request.htmx:
        return redirect("design-detail", design.pk)
    context = _editor_context(request, design, notice=notice)
    parts = [render_to_string(f"{PAGE}#canvas", context, request)]
    context["oob"] = True
    parts += [render_to_string(f"{PAGE}#{region}", context, request) for region in REGIONS[1:]]
    return HttpResponse("".join(parts))


def _refused(request, design, region: str = "inspector", *, select: str | None = None, **extra) -> HttpResponse:
    """Refused input: htmx gets only the region with the errors; a form post the whole page (400)."""
    if select:  # the part whose form was refused stays in the inspector
        _ui_set(request, design, sel=select)
    context = _editor_context(request, design, **extra)
    if not request.htmx:
        return render(request, PAGE, context, status=400)
    response = HttpResponse(render_to_string(f"{PAGE}#{region}", context, request))
    return reswap(retarget(response, f"#{region}"), "outerHTML")


def _error_text(error: ValidationError) -> str:
    return (
        " ".join(m for ms in error.message_dict.values() for m in ms)
        if hasattr(error, "error_dict")
        else " ".join(error.messages)
    )


# ---------------------------------------------------------------- settings, fixes, undo


@require_POST
@login_required
def design_settings(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    design = selectors.design_get_for(request.user, pk, write=True)
    form = forms.SettingsForm(request.POST)
    form.is_valid()  # booleans: absent means off
    services.design_update(actor=request.user, design=design, **form.cleaned_data)
    return _done(request, design)


@require_POST
@login_required
def design_fix(request: HtmxHttpRequest, pk: int, code: str) -> HttpResponse:
    design = selectors.design_get_for(request.user, pk, write=True)
    if code != MISSING_DNS:
        return _refused(request, design, "notice", notice=ERR_UNKNOWN_FIX.format(code=code), notice_error=True)
    services.design_update(actor=request.user, design=design, dns=True)
    return _done(request, design, notice="DNS rule turned on: every egress-isolated workload may resolve names.")


@require_POST
@login_required
def design_undo(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    design = selectors.design_get_for(request.user, pk, write=True)
    cursor = selectors.design_cursor(design)
    try:
        services.design_undo(actor=request.user, design=design)
    except ValidationError as error:
        return _refused(request, design, "notice", notice=_error_text(error), notice_error=True)
    return _done(request, design, notice=f"Undid: {cursor.current.summary}.")


@require_POST
@login_required
def design_redo(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    design = selectors.design_get_for(request.user, pk, write=True)
    cursor = selectors.design_cursor(design)
    try:
        services.design_redo(actor=request.user, design=design)
    except ValidationError as error:
        return _refused(request, design, "notice", notice=_error_text(error), notice_error=True)
    return _done(request, design, notice=f"Redid: {cursor.redo.summary}.")


# ---------------------------------------------------------------- selection, connect, cancel, delete


@require_POST
@login_required
def design_select(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Click on a part: select it, or in connect mode pick the flow's source, then its destination."""
    design = selectors.design_get_for(request.user, pk)
    key = request.POST.get("sel", "")
    ui = _ui(request, design)
    kind = key.partition(":")[0]
    if ui.get("connect") and kind in forms.NODE_KINDS:
        if not ui.get("from"):
            _ui_set(request, design, **{"from": key})
            return _done(request, design, notice=NOTICE_CONNECT_FROM.format(ref=key.partition(":")[2]), select=key)
        selectors.design_get_for(request.user, pk, write=True)
        _ui_set(request, design, connect=None, **{"from": None})
        return _flow_create(request, design, forms.FlowForm({"source": ui["from"], "destination": key}))
    return _done(request, design, select=key or None)


@require_POST
@login_required
def design_connect(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    design = selectors.design_get_for(request.user, pk, write=True)
    on = not _ui(request, design).get("connect")
    _ui_set(request, design, connect=True if on else None, **{"from": None})
    return _done(request, design, notice=NOTICE_CONNECT_START if on else "", select=None)


@require_POST
@login_required
def design_cancel(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    design = selectors.design_get_for(request.user, pk)
    _ui_set(request, design, connect=None, **{"from": None})
    return _done(request, design, select=None)


@require_POST
@login_required
def design_remove(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Delete a part: the one named in ``sel``, else the selection."""
    design = selectors.design_get_for(request.user, pk, write=True)
    key = request.POST.get("sel") or _ui(request, design).get("sel") or ""
    data = selectors.design_load(design)
    found = _find(data, key)
    if found is None:
        return _refused(request, design, "notice", notice=ERR_NO_SELECTION, notice_error=True)
    kind, row, ref = found
    {
        "workload": lambda: services.workload_delete(actor=request.user, workload=row),
        "external": lambda: services.external_delete(actor=request.user, external=row),
        "namespace": lambda: services.namespace_delete(actor=request.user, namespace=row),
        "flow": lambda: services.flow_delete(actor=request.user, flow=row),
    }[kind]()
    return _done(request, design, notice=f"Deleted {kind} {ref}.", select=None)


def _find(data: selectors.DesignData, key: str):
    """(kind, row, ref) of the part a selection key names, or None."""
    kind, _, ref = (key or "").partition(":")
    if kind == "workload":
        rows = [(w, data.refs[("workload", w.pk)]) for w in data.workloads]
    elif kind == "external":
        rows = [(e, e.name) for e in data.externals]
    elif kind == "namespace":
        rows = [(n, n.name) for n in data.namespaces]
    elif kind == "flow":
        rows = [(f, _flow_ref(f, data.refs)) for f in data.flows]
    else:
        return None
    for row, row_ref in rows:
        if row_ref == ref:
            return kind, row, ref
    return None


def _flow_ref(flow: models.Flow, refs: dict) -> str:
    return f"{_end(flow, 'source', refs)[1]} -> {_end(flow, 'destination', refs)[1]}"


def _end(flow: models.Flow, side: str, refs: dict) -> tuple[str, str]:
    for kind in ("workload", "namespace", "external"):
        pk = getattr(flow, f"{side}_{kind}_id")
        if pk is not None:
            return kind, refs[(kind, pk)]
    raise ValueError(f"Flow {flow.pk} has no {side}.")


# ---------------------------------------------------------------- parts


def _part(request, pk: int, model: type[models.Model], part_pk: int):
    design = selectors.design_get_for(request.user, pk, write=True)
    row = model.objects.filter(design=design, pk=part_pk).first()
    return design, row


@require_POST
@login_required
def workload_add(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    design = selectors.design_get_for(request.user, pk, write=True)
    form = forms.WorkloadForm(request.POST, auto_id="add-workload-%s")
    if form.is_valid():
        data = form.cleaned_data
        try:
            x, y = _free_spot(selectors.design_load(design), data["namespace"])
            workload = services.workload_create(
                actor=request.user,
                design=design,
                namespace=data["namespace"],
                name=data["name"],
                labels=data["labels"],
                ports=data["ports"],
                x=x,
                y=y,
            )
        except ValidationError as error:
            forms.apply_service_errors(form, error)
        else:
            return _done(request, design, notice=f"Added workload {workload.ref}.", select=None)
    return _refused(request, design, workload_add_form=form)


@require_POST
@login_required
def workload_edit(request: HtmxHttpRequest, pk: int, part_pk: int) -> HttpResponse:
    design, workload = _part(request, pk, models.Workload, part_pk)
    if workload is None:
        return _gone(request, design)
    form = forms.WorkloadEditForm(request.POST, auto_id="edit-%s")
    key = f"workload:{workload.ref}"
    if form.is_valid():
        try:
            workload = services.workload_update(actor=request.user, workload=workload, **form.cleaned_data)
        except ValidationError as error:
            forms.apply_service_errors(form, error)
        else:
            return _done(request, design, notice=f"Saved workload {workload.ref}.", select=f"workload:{workload.ref}")
    return _refused(request, design, inspector_form=form, select=key)


@require_POST
@login_required
def external_add(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    design = selectors.design_get_for(request.user, pk, write=True)
    form = forms.ExternalForm(request.POST, auto_id="add-external-%s")
    if form.is_valid():
        data = form.cleaned_data
        try:
            x, y = _free_spot(selectors.design_load(design), None)
            external = services.external_create(
                actor=request.user,
                design=design,
                name=data["name"],
                cidr=data["cidr"],
                except_=data["except_"],
                x=x,
                y=y,
            )
        except ValidationError as error:
            forms.apply_service_errors(form, error, {"except": "except_"})
        else:
            return _done(request, design, notice=f"Added external {external.name}.", select=None)
    return _refused(request, design, external_add_form=form)


@require_POST
@login_required
def external_edit(request: HtmxHttpRequest, pk: int, part_pk: int) -> HttpResponse:
    design, external = _part(request, pk, models.External, part_pk)
    if external is None:
        return _gone(request, design)
    form = forms.ExternalForm(request.POST, auto_id="edit-%s")
    key = f"external:{external.name}"
    if form.is_valid():
        data = form.cleaned_data
        try:
            external = services.external_update(
                actor=request.user, external=external, name=data["name"], cidr=data["cidr"], except_=data["except_"]
            )
        except ValidationError as error:
            forms.apply_service_errors(form, error, {"except": "except_"})
        else:
            return _done(request, design, notice=f"Saved external {external.name}.", select=f"external:{external.name}")
    return _refused(request, design, inspector_form=form, select=key)


@require_POST
@login_required
def namespace_edit(request: HtmxHttpRequest, pk: int, part_pk: int) -> HttpResponse:
    design, namespace = _part(request, pk, models.Namespace, part_pk)
    if namespace is None:
        return _gone(request, design)
    form = forms.NamespaceForm(request.POST, auto_id="edit-%s")
    key = f"namespace:{namespace.name}"
    if form.is_valid():
        try:
            namespace = services.namespace_update(actor=request.user, namespace=namespace, **form.cleaned_data)
        except ValidationError as error:
            forms.apply_service_errors(form, error)
        else:
            return _done(
                request, design, notice=f"Saved namespace {namespace.name}.", select=f"namespace:{namespace.name}"
            )
    return _refused(request, design, inspector_form=form, select=key)


@require_POST
@login_required
def flow_add(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    design = selectors.design_get_for(request.user, pk, write=True)
    return _flow_create(request, design, forms.FlowForm(request.POST))


def _flow_create(request, design, form: forms.FlowForm) -> HttpResponse:
    if not form.is_valid():
        return _refused(request, design, "notice", notice=_form_text(form), notice_error=True)
    (src_kind, src), (dst_kind, dst) = form.cleaned_data["source"], form.cleaned_data["destination"]
    ports = form.cleaned_data["ports"]
    if ports is None:
        ports = _declared_ports(design, dst_kind, dst)
    try:
        services.flow_create(
            actor=request.user, design=design, source={src_kind: src}, destination={dst_kind: dst}, ports=ports
        )
    except ValidationError as error:
        return _refused(request, design, "notice", notice=_error_text(error), notice_error=True)
    ref = f"{src} -> {dst}"
    _ui_set(request, design, focus="ports")
    return _done(request, design, notice=f"Added flow {ref}: set its ports in the inspector.", select=f"flow:{ref}")


def _declared_ports(design, kind: str, ref: str) -> list[dict]:
    """The destination's declared container ports, as rule ports (numbers, so they work everywhere)."""
    if kind != "workload" or "/" not in ref:
        return []
    namespace, name = ref.split("/", 1)
    workload = design.workloads.filter(namespace__name=namespace, name=name).first()
    if workload is None:
        return []
    return [{"protocol": p.get("protocol", "TCP"), "port": p["port"]} for p in workload.ports]


def _form_text(form) -> str:
    return " ".join(e for errors in form.errors.values() for e in errors)


@require_POST
@login_required
def flow_edit(request: HtmxHttpRequest, pk: int, part_pk: int) -> HttpResponse:
    design, flow = _part(request, pk, models.Flow, part_pk)
    if flow is None:
        return _gone(request, design)
    form = forms.FlowPortsForm(request.POST, auto_id="edit-%s")
    key = f"flow:{_flow_ref(flow, selectors.design_load(design).refs)}"
    if form.is_valid():
        try:
            services.flow_update(actor=request.user, flow=flow, ports=form.cleaned_data["ports"])
        except ValidationError as error:
            forms.apply_service_errors(form, error, {"destination": "ports"})
        else:
            return _done(request, design, notice="Saved the flow's ports.", select=key)
    return _refused(request, design, inspector_form=form, select=key)


def _gone(request, design) -> HttpResponse:
    return _refused(
        request, design, "notice", notice="That part is no longer in the design (undone?): reload.", notice_error=True
    )


# ---------------------------------------------------------------- moving and layout


@require_POST
@login_required
def design_move(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    design = selectors.design_get_for(request.user, pk, write=True)
    form = forms.MoveForm(request.POST)
    if not form.is_valid():
        return _refused(request, design, "notice", notice=_form_text(form), notice_error=True)
    (kind, ref), x, y = form.cleaned_data["node"], round(form.cleaned_data["x"]), round(form.cleaned_data["y"])
    found = _find(selectors.design_load(design), _node_key(kind, ref))
    if found is None or kind == "namespace":
        return _gone(request, design)
    if kind == "workload":
        services.workload_update(actor=request.user, workload=found[1], x=x, y=y)
    else:
        services.external_update(actor=request.user, external=found[1], x=x, y=y)
    return _done(request, design)


@require_POST
@login_required
def design_layout(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Lay out every node (one change, so one undo): columns follow the flows, rows the namespaces."""
    design = selectors.design_get_for(request.user, pk, write=True)
    data = selectors.design_load(design)
    positions = _auto_layout(data)
    snapshot = selectors.design_snapshot(data)
    for w in snapshot["workloads"]:
        w["x"], w["y"] = positions[_node_key("workload", f"{w['namespace']}/{w['name']}")]
    for e in snapshot["externals"]:
        e["x"], e["y"] = positions[_node_key("external", e["name"])]
    services.design_restore(actor=request.user, design=design, snapshot=snapshot, summary="Auto-layout")
    return _done(request, design, notice="Laid out the design.")


# ---------------------------------------------------------------- the page's data


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
        return _node_key(self.kind, self.ref)

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
        return _node_key("namespace", self.name)

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


def _node_lines(labels: dict, ports: list[dict] | None = None) -> list[str]:
    lines = [f"{k}={v}" for k, v in sorted(labels.items())]
    if len(lines) > 3:
        lines = [*lines[:2], f"+{len(lines) - 2} more labels"]
    if ports:
        lines.append("ports " + forms.format_container_ports(ports))
    return [_clip_text(line, 26) for line in lines]


def _clip_text(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _auto_layout(data: selectors.DesignData) -> dict[str, tuple[float, float]]:
    """Node key → centre: a column per step along the flows, a band of rows per namespace, externals last."""
    keys = [_node_key("workload", data.refs[("workload", w.pk)]) for w in data.workloads]
    keys += [_node_key("external", e.name) for e in data.externals]
    edges = []
    for f in data.flows:
        (sk, sr), (dk, dr) = _end(f, "source", data.refs), _end(f, "destination", data.refs)
        if "namespace" not in (sk, dk):
            edges.append((_node_key(sk, sr), _node_key(dk, dr)))
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
            _node_key("workload", data.refs[("workload", w.pk)])
        )
    if data.externals:
        bands[" externals"] = [_node_key("external", e.name) for e in data.externals]
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


def _free_spot(data: selectors.DesignData, namespace: str | None) -> tuple[float | None, float | None]:
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


def _canvas(data: selectors.DesignData, sel: str, source: str, warned: set[str]) -> Canvas:
    canvas = Canvas()
    auto = None
    by_key: dict[str, Node] = {}

    def position(row, key):
        nonlocal auto
        if row.x is not None and row.y is not None:
            return row.x, row.y
        if auto is None:
            auto = _auto_layout(data)
        return auto[key]

    for w in data.workloads:
        ref = data.refs[("workload", w.pk)]
        key = _node_key("workload", ref)
        x, y = position(w, key)
        lines = _node_lines(w.labels, w.ports)
        node = Node("workload", ref, _clip_text(w.name, 18), lines, x, y, h=max(44, 38 + 15 * len(lines)))
        by_key[key] = node
    for e in data.externals:
        key = _node_key("external", e.name)
        x, y = position(e, key)
        lines = [e.cidr] + ([_clip_text("except " + ", ".join(e.except_cidrs), 26)] if e.except_cidrs else [])
        by_key[key] = Node(
            "external", e.name, _clip_text(e.name, 16), lines, x, y, w=NODE_W + 16, h=max(44, 38 + 15 * len(lines))
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
            by_key[_node_key("workload", f"{ns.name}/{w.name}")] for w in data.workloads if w.namespace_id == ns.pk
        ]
        labels = _clip_text(forms.format_labels(ns.labels), 40)
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
        n = by_key[_node_key(kind, ref)]
        return n.x, n.y, n.w, n.h

    pairs = set()
    for f in data.flows:
        pairs.add((_end(f, "source", data.refs), _end(f, "destination", data.refs)))
    for f in data.flows:
        src, dst = _end(f, "source", data.refs), _end(f, "destination", data.refs)
        (sx, sy, sw, sh), (dx, dy, dw, dh) = box(*src), box(*dst)
        offset = 9 if (dst, src) in pairs else 0
        length = math.hypot(dx - sx, dy - sy) or 1
        ox, oy = -(dy - sy) / length * offset, (dx - sx) / length * offset
        x1, y1 = _clip(sx + ox, sy + oy, sw, sh, dx + ox, dy + oy)
        x2, y2 = _clip(dx + ox, dy + oy, dw, dh, sx + ox, sy + oy)
        label = _clip_text(forms.format_flow_ports(f.ports) or "all ports", 30)
        ref = f"{src[1]} -> {dst[1]}"
        lx, ly = (x1 + x2) / 2 + ox * 1.6, (y1 + y2) / 2 + oy * 1.6
        canvas.edges.append(
            Edge(
                ref,
                _node_key(*src),
                _node_key(*dst),
                f"M{x1:.1f} {y1:.1f} L{x2:.1f} {y2:.1f}",
                label,
                round(lx, 1),
                round(ly, 1),
                round(6.4 * len(label) + 14, 1),
                selected=f"flow:{ref}" == sel,
                warned=ref in warned,
            )
        )

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


def _clip(cx: float, cy: float, w: float, h: float, tx: float, ty: float) -> tuple[float, float]:
    """Where the segment from a box's centre towards (tx, ty) leaves the box (plus a little gap)."""
    dx, dy = tx - cx, ty - cy
    if dx == 0 and dy == 0:
        return cx, cy
    scale = min((w / 2 + 4) / abs(dx) if dx else math.inf, (h / 2 + 4) / abs(dy) if dy else math.inf)
    return cx + dx * scale, cy + dy * scale


_FORMATTER = HtmlFormatter(nowrap=True)


def _highlight(text: str) -> str:
    return mark_safe(highlight(text, YamlLexer(), _FORMATTER)) if text else ""  # noqa: S308 (Pygments escapes)


@dataclass
class FindingView:
    code: str
    severity: str
    message: str
    subject: str
    sel: str | None
    fix: str | None


def _editor_context(request, design: models.Design, *, notice: str = "", notice_error: bool = False, **forms_):
    data = selectors.design_load(design)
    compiled = selectors.design_compile(data)
    ui = _ui(request, design)
    sel = ui.get("sel") or ""
    found = _find(data, sel)
    if found is None and sel:
        sel = ""
        _ui_set(request, design, sel=None)
    kind, row, ref = found if found else (None, None, "")
    connect = bool(ui.get("connect"))
    source = ui.get("from") or ""

    findings = []
    namespaces, externals = {n.name for n in data.namespaces}, {e.name for e in data.externals}
    for f in compiled.findings:
        if " -> " in f.subject:
            target: str | None = f"flow:{f.subject}"
        elif "/" in f.subject:
            target = f"workload:{f.subject}"
        elif f.subject in namespaces:
            target = f"namespace:{f.subject}"
        elif f.subject in externals:
            target = f"external:{f.subject}"
        else:
            target = None
        findings.append(
            FindingView(f.code, f.severity, f.message, f.subject, target, f.code if f.code == MISSING_DNS else None)
        )
    warned = {f.subject for f in compiled.findings}

    # The YAML preview: everything, or the selected workload's (or namespace's) policies.
    documents = compiled.manifests
    yaml_scope = ""
    if kind == "workload":
        documents = [m for p, m in zip(compiled.policies, compiled.manifests, strict=True) if p.ref == ref]
        yaml_scope = ref
    elif kind == "flow":
        ends = {end for _, end in _flow_view(row, data.refs).values()}
        documents = [m for p, m in zip(compiled.policies, compiled.manifests, strict=True) if p.ref in ends]
        yaml_scope = ref.replace(" -> ", " → ")
    elif kind == "namespace":
        documents = [m for p, m in zip(compiled.policies, compiled.manifests, strict=True) if p.namespace == ref]
        yaml_scope = f"namespace {ref}"
    # A large design previews its first policies only, so the page stays fast (a 1,000-workload design's
    # highlighted YAML was 16 MB and took seconds); the download has them all.
    yaml_text = to_yaml(documents[:PREVIEW_DOCUMENTS])
    if len(documents) > PREVIEW_DOCUMENTS:
        more = len(documents) - PREVIEW_DOCUMENTS
        yaml_text += f"# … and {more:,} more NetworkPolicies: download the YAML for all of them.\n"

    inspector_form = forms_.get("inspector_form")
    if inspector_form is None and row is not None:
        inspector_form = _inspector_form(kind, row)
    cursor = selectors.design_cursor(design)
    focus = ui.get("focus")
    if focus:
        _ui_set(request, design, focus=None)
    context = {
        "design": design,
        "data": data,
        "compiled": compiled,
        "canvas": _canvas(data, sel, source, warned),
        "sel": sel,
        "sel_kind": kind,
        "sel_row": row,
        "sel_ref": ref,
        "sel_flow": _flow_view(row, data.refs) if kind == "flow" else None,
        "inspector_form": inspector_form,
        "workload_add_form": forms_.get("workload_add_form")
        or forms.WorkloadForm(auto_id="add-workload-%s", initial={"namespace": _default_namespace(data)}),
        "external_add_form": forms_.get("external_add_form") or forms.ExternalForm(auto_id="add-external-%s"),
        "external_open": "external_add_form" in forms_,
        "parts": _parts(data),
        "node_targets": [(key, label) for key, label in _parts(data) if not key.startswith("flow:") and key != sel],
        "connect": connect,
        "source": source,
        "findings": findings,
        "yaml_text": yaml_text,
        "yaml_html": _highlight(yaml_text),
        "yaml_scope": yaml_scope,
        "policy_count": len(documents),
        "cursor": cursor,
        "notice": notice,
        "notice_error": notice_error,
        "focus": focus,
        "download_name": yaml_filename(design),
        "oob": False,
    }
    return context


def _default_namespace(data: selectors.DesignData) -> str:
    return data.namespaces[0].name if data.namespaces else "default"


def _inspector_form(kind: str, row) -> forms.forms.Form:
    if kind == "workload":
        return forms.WorkloadEditForm(
            auto_id="edit-%s",
            initial={
                "name": row.name,
                "namespace": row.namespace.name,
                "labels": forms.format_labels(row.labels),
                "ports": forms.format_container_ports(row.ports),
            },
        )
    if kind == "external":
        return forms.ExternalForm(
            auto_id="edit-%s", initial={"name": row.name, "cidr": row.cidr, "except_": ", ".join(row.except_cidrs)}
        )
    if kind == "namespace":
        return forms.NamespaceForm(
            auto_id="edit-%s", initial={"name": row.name, "labels": forms.format_labels(row.labels)}
        )
    return forms.FlowPortsForm(auto_id="edit-%s", initial={"ports": forms.format_flow_ports(row.ports)})


def _flow_view(flow: models.Flow, refs: dict) -> dict:
    return {"source": _end(flow, "source", refs), "destination": _end(flow, "destination", refs)}


def _parts(data: selectors.DesignData) -> list[tuple[str, str]]:
    """Every selectable part as (key, label), for the keyboard and no-JavaScript selector."""
    parts = [
        (_node_key("workload", data.refs[("workload", w.pk)]), data.refs[("workload", w.pk)]) for w in data.workloads
    ]
    parts += [(_node_key("external", e.name), f"{e.name} (external)") for e in data.externals]
    parts += [(_node_key("namespace", n.name), f"{n.name} (namespace)") for n in data.namespaces]
    parts += [(f"flow:{_flow_ref(f, data.refs)}", _flow_ref(f, data.refs)) for f in data.flows]
    return parts
