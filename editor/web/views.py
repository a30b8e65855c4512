"""Pages.  Views parse a form, call one service or selector, and render.

The editor is one page template (``editor/editor.html``) with named regions
(``{% partialdef %}``) whose names equal their DOM ids.  A mutation recomputes
everything from the database and answers an htmx request with the canvas plus
every other region out of band; a plain form post is redirected back to the
page.  Refused input answers with just the region holding the form, its errors
beside the fields, so nothing else on the page changes.

Conflict safety: every editing form on the page (and the canvas's clicks, through
``hx-vals`` on ``#canvas``) carries the ``revision`` the page was rendered from.
A change (``@_change``) checks it under the design's row lock in the same
transaction as the service call; when the design moved on elsewhere nothing is
changed and the answer is the current state of every region with a notice
saying who changed it.  A post without ``revision`` (old pages, scripts) is
applied as before.  A viewer's change is refused the same way: the page, read
only, with the reason.

UI state that is not part of the design (the selection, connect mode) lives in
the session, keyed by design, so it survives a reload and ``canvas.js`` holds none.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import nullcontext
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import reswap, retarget
from django_htmx.middleware import HtmxDetails
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import YamlLexer

from editor import exports, models, selectors, services, starter
from editor.import_findings import with_import_findings
from editor.netpol.lint import MISSING_DNS, SEVERITIES
from editor.state import DesignState
from editor.state.records import FlowRec, Record
from editor.web import canvas, find, forms
from editor.web import layout as web_layout


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


PAGE = "editor/editor.html"
PREVIEW_DOCUMENTS = 100  # at most this many policies in the YAML preview (docs/benchmarks.md)
PREVIEW_OVERVIEW = 25  # at most this many when nothing is selected (selecting a part previews its policies)
FINDINGS_SHOWN = 50  # the warnings tab lists this many, the most severe first, and says how many more
PARTS_SHOWN = 400  # options of a grouped design's part selector (what the canvas shows; any part can be typed)
# Regions of the editor page; each is a partial whose name equals its DOM id.
REGIONS = ("canvas", "toolbar", "inspector", "yaml-preview", "warnings", "warnings-count", "notice")

NOTICE_CONNECT_FROM = "Connecting from {ref}: click the destination (Escape cancels)."
NOTICE_CONNECT_START = "Connect: click the source, then the destination (Escape cancels)."
ERR_UNKNOWN_FIX = "There is no one-click fix for '{code}'."
ERR_NO_SELECTION = "Nothing is selected: click a node or an arrow first."
ERR_NOT_SAVED = "Your change was not saved: {reason}"
OWNER_DELETES = "delete the design"
ERR_NO_NAMESPACE = "There is no namespace '{name}' in this design (renamed or deleted?): reload."
NOTICE_ALL_PORTS = "Added flow {ref}: it allows every port. Type the ports it needs (e.g. TCP 443) and save."
NOTICE_LAID_OUT = "The design is already laid out: nothing moved."
NOTICE_EXPANDED_ALL = "Every namespace is expanded: on a design this large the canvas is slow; collapse them again."


# ---------------------------------------------------------------- designs list


@require_GET
@login_required
def design_list(request: HtmxHttpRequest) -> HttpResponse:
    return _design_list_page(request, forms.DesignForm())


def _design_list_page(
    request, form, status: int = 200, rename_errors: dict | None = None, error: str = ""
) -> HttpResponse:
    context = {
        "designs": selectors.designs_for(request.user).filter(owner=request.user).order_by("-updated", "name"),
        "shared": selectors.designs_shared_with(request.user).order_by("-updated", "name"),
        "error": error,
        "form": form,
        "rename_errors": rename_errors or {},
        "templates": starter.TEMPLATES,
    }
    return render(request, "editor/design_list.html", context, status=status)


@require_POST
@login_required
def design_create_from_template(request: HtmxHttpRequest) -> HttpResponse:
    """A new design built from one of ``starter.TEMPLATES``, opened in the editor."""
    try:
        design = starter.template_design_create(
            owner=request.user, key=request.POST.get("template", ""), actor=request.user
        )
    except ValidationError as error:
        return _design_list_page(request, forms.DesignForm(), status=400, error=_error_text(error))
    return redirect("design-detail", design.pk)


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
    try:
        design = selectors.design_get_for(request.user, pk, write=True)
    except PermissionDenied as refusal:
        design = selectors.design_get_for(request.user, pk)
        return _design_list_page(request, forms.DesignForm(), status=403, rename_errors={design.pk: [str(refusal)]})
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
    services.design_duplicate(actor=request.user, design=design, owner=request.user)
    return redirect("design-list")


@require_http_methods(["GET", "POST"])
@login_required
def design_delete(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    try:
        design = selectors.design_get_for(request.user, pk, owner_only=OWNER_DELETES)
    except PermissionDenied as refusal:
        selectors.design_get_for(request.user, pk)  # a stranger still gets 404
        return _design_list_page(request, forms.DesignForm(), status=403, error=str(refusal))
    if request.method == "POST":
        services.design_delete(actor=request.user, design=design)
        return redirect("design-list")
    return render(request, "editor/design_confirm_delete.html", {"design": design})


# ---------------------------------------------------------------- the editor page


@require_GET
@login_required
def design_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    design = selectors.design_get_for(request.user, pk)
    web_layout.ensure_positions(design=design)  # the first open of a design without positions lays it out
    context = _editor_context(request, design)
    if request.htmx and request.GET.get("region") in REGIONS:
        return HttpResponse(render_to_string(f"{PAGE}#{request.GET['region']}", context, request))
    return render(request, PAGE, context)


@require_GET
@login_required
def design_download(request: HtmxHttpRequest, pk: int, target: str = exports.DEFAULT_TARGET) -> HttpResponse:
    design = selectors.design_get_for(request.user, pk)
    if target not in exports.TARGETS:
        raise Http404(exports.ERR_UNKNOWN_TARGET.format(target=target, known=", ".join(exports.TARGETS)))
    export = exports.design_export(selectors.design_state(design), target)
    response = HttpResponse(export.yaml, content_type="application/yaml")
    response["Content-Disposition"] = f'attachment; filename="{export.filename(design.name)}"'
    return response


@require_POST
@login_required
def design_target(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Switch the preview, the warnings and the download to an export target (NetworkPolicy, Cilium, netassert)."""
    design = selectors.design_get_for(request.user, pk)
    target = request.POST.get("target", "")
    if target in exports.TARGETS:
        _ui_set(request, design, target=None if target == exports.DEFAULT_TARGET else target)
    return _done(request, design)


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


# ---------------------------------------------------------------- access and conflicts


def _writer(view):
    """A view that needs write access: a viewer gets the page (read only) with the reason, not a bare 403."""

    @wraps(view)
    def wrapper(request, pk: int, *args, **kwargs):
        try:
            design = selectors.design_get_for(request.user, pk, write=True)
        except PermissionDenied as refusal:
            design = selectors.design_get_for(request.user, pk)  # a stranger still gets 404
            return _current(request, design, notice=ERR_NOT_SAVED.format(reason=refusal), status=403)
        return view(request, design, *args, **kwargs)

    return wrapper


def _change(view):
    """A view that changes the design: write access (``_writer``), and, when the post says which ``revision``
    the page showed, that revision must still be current.  The check locks the design's row and the change
    runs in the same transaction, so two tabs cannot both change the same revision: the later one is told
    who changed what, sees the current state, and nothing of either change is lost."""

    @_writer
    @wraps(view)
    def wrapper(request, design: models.Design, *args, **kwargs):
        seen = _seen_revision(request)
        try:
            with transaction.atomic() if seen is not None else nullcontext():
                if seen is not None:
                    services.check_revision(design, seen)
                return view(request, design, *args, **kwargs)
        except services.StaleRevision as stale:
            return _current(request, design, notice=str(stale), status=409)

    return wrapper


def _seen_revision(request) -> int | None:
    """The revision the posting page was rendered from; None when the post does not say (old pages, scripts)."""
    try:
        return int(request.POST.get("revision", ""))
    except ValueError:
        return None


def _current(request, design, *, notice: str, status: int) -> HttpResponse:
    """A refused change (read only, or made on an old revision): the current state of everything and why.

    htmx gets every region (so the page shows the current revision and its forms carry it) with a 200, since
    htmx swaps nothing from an error status; a plain form post gets the whole page with ``status``."""
    context = _editor_context(request, design, notice=notice, notice_error=True)
    if not request.htmx:
        return render(request, PAGE, context, status=status)
    response = HttpResponse(_regions(request, context))
    return reswap(retarget(response, "#canvas"), "outerHTML")


# ---------------------------------------------------------------- responses


def _regions(request, context) -> str:
    """Every region: the canvas (the target of every editor request), then the others out of band."""
    parts = [render_to_string(f"{PAGE}#canvas", context, request)]
    context["oob"] = True
    parts += [render_to_string(f"{PAGE}#{region}", context, request) for region in REGIONS[1:]]
    return "".join(parts)


def _done(request, design, *, notice: str = "", select: str | None = "") -> HttpResponse:
    """After a change: htmx gets every region (canvas first, the others out of band); a form post a redirect."""
    if select != "":
        _ui_set(request, design, sel=select)
    if not request.htmx:
        return redirect("design-detail", design.pk)
    design.refresh_from_db(fields=["revision", "updated"])  # a service may have bumped another copy of it
    context = _editor_context(request, design, notice=notice)
    return HttpResponse(_regions(request, context))


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
@_change
def design_settings(request: HtmxHttpRequest, design: models.Design) -> HttpResponse:
    form = forms.SettingsForm(request.POST)
    form.is_valid()  # booleans: absent means off
    services.design_update(actor=request.user, design=design, **form.cleaned_data)
    return _done(request, design)


@require_POST
@login_required
@_change
def design_fix(request: HtmxHttpRequest, design: models.Design, code: str) -> HttpResponse:
    if code != MISSING_DNS:
        return _refused(request, design, "notice", notice=ERR_UNKNOWN_FIX.format(code=code), notice_error=True)
    services.design_update(actor=request.user, design=design, dns=True)
    return _done(request, design, notice="DNS rule turned on: every egress-isolated workload may resolve names.")


@require_POST
@login_required
@_change
def design_undo(request: HtmxHttpRequest, design: models.Design) -> HttpResponse:
    cursor = selectors.design_cursor(design)
    try:
        services.design_undo(actor=request.user, design=design)
    except ValidationError as error:
        return _refused(request, design, "notice", notice=_error_text(error), notice_error=True)
    return _done(request, design, notice=f"Undid: {cursor.current.summary}.")


@require_POST
@login_required
@_change
def design_redo(request: HtmxHttpRequest, design: models.Design) -> HttpResponse:
    cursor = selectors.design_cursor(design)
    try:
        services.design_redo(actor=request.user, design=design)
    except ValidationError as error:
        return _refused(request, design, "notice", notice=_error_text(error), notice_error=True)
    # (read before the service locked the design: another request may have changed what redo meant)
    return _done(request, design, notice=f"Redid: {cursor.redo.summary}." if cursor.redo is not None else "Redid.")


# ---------------------------------------------------------------- selection, connect, cancel, delete


@require_POST
@login_required
def design_select(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Click on a part: select it, or in connect mode pick the flow's source, then its destination."""
    design = selectors.design_get_for(request.user, pk)
    key = request.POST.get("sel", "")
    if key and _find(selectors.design_state(design), key) is None:  # typed: a name, namespace/name or label
        found = find.resolve(selectors.design_state(design), key)
        if found is None:
            return _refused(
                request, design, "notice", notice=find.NOT_FOUND.format(query=key.strip()[:80]), notice_error=True
            )
        key = found
    if request.POST.get("zoom"):
        _ui_set(request, design, zoom=key)
    ui = _ui(request, design)
    kind = key.partition(":")[0]
    if ui.get("connect") and kind in forms.NODE_KINDS:
        if not ui.get("from"):
            _ui_set(request, design, **{"from": key})
            return _done(request, design, notice=NOTICE_CONNECT_FROM.format(ref=key.partition(":")[2]), select=key)
        _ui_set(request, design, connect=None, **{"from": None})
        return _connect_end(request, pk, source=ui["from"], destination=key)
    return _done(request, design, select=key or None)


@_change
def _connect_end(request: HtmxHttpRequest, design: models.Design, *, source: str, destination: str) -> HttpResponse:
    return _flow_create(request, design, forms.FlowForm({"source": source, "destination": destination}))


@require_POST
@login_required
@_writer
def design_connect(request: HtmxHttpRequest, design: models.Design) -> HttpResponse:
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
def design_focus(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Focus mode on or off: the selection and its neighbours stay clear, the rest fades (UI state)."""
    design = selectors.design_get_for(request.user, pk)
    _ui_set(request, design, focus_mode=None if _ui(request, design).get("focus_mode") else True)
    return _done(request, design)


@require_POST
@login_required
def design_expand(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Expand (``expand=1``) or collapse (``expand=0``) a namespace of a grouped canvas, or every namespace
    (``namespace=*``).  UI state, kept in the session like the selection, so a viewer may do it too."""
    design = selectors.design_get_for(request.user, pk)
    ui = _ui(request, design)
    name, expand = request.POST.get("namespace", ""), request.POST.get("expand") == "1"
    names = list(design.namespaces.values_list("name", flat=True))
    if name != "*" and name not in names:
        return _refused(request, design, "notice", notice=ERR_NO_NAMESPACE.format(name=name), notice_error=True)
    if name == "*":
        opened: set[str] = set()
        _ui_set(request, design, open_all=True if expand else None, open=None)
    else:
        opened = set(names) if ui.get("open_all") else set(ui.get("open") or ())
        opened = opened | {name} if expand else opened - {name}
        _ui_set(request, design, open_all=None, open=sorted(opened), zoom=f"namespace:{name}" if expand else None)
    if not expand:  # a part of a collapsed namespace cannot stay selected (showing it would expand it again)
        kind, _, ref = (ui.get("sel") or "").partition(":")
        ends = ref.split(" -> ") if kind == "flow" else [ref] if kind == "workload" else []
        if any("/" in end and end.split("/", 1)[0] not in opened for end in ends):
            _ui_set(request, design, sel=None)
    notice = NOTICE_EXPANDED_ALL if name == "*" and expand else ""
    return _done(request, design, notice=notice)


@require_POST
@login_required
@_change
def design_remove(request: HtmxHttpRequest, design: models.Design) -> HttpResponse:
    """Delete a part: the one named in ``sel``, else the selection."""
    key = request.POST.get("sel") or _ui(request, design).get("sel") or ""
    data = selectors.design_state(design)
    found = _find(data, key)
    if found is None:
        return _refused(request, design, "notice", notice=ERR_NO_SELECTION, notice_error=True)
    kind, rec, ref = found
    row = _part(design, _MODELS[kind], rec.pk)
    if row is None:
        return _gone(request, design)
    {
        "workload": lambda: services.workload_delete(actor=request.user, workload=row),
        "external": lambda: services.external_delete(actor=request.user, external=row),
        "namespace": lambda: services.namespace_delete(actor=request.user, namespace=row),
        "flow": lambda: services.flow_delete(actor=request.user, flow=row),
    }[kind]()
    return _done(request, design, notice=f"Deleted {kind} {ref}.", select=None)


_MODELS = {"workload": models.Workload, "external": models.External, "namespace": models.Namespace, "flow": models.Flow}


def _find(data: DesignState, key: str):
    """(kind, record, ref) of the part a selection key names, or None."""
    kind, _, ref = (key or "").partition(":")
    rows: Iterable[tuple[Record, str]]
    # names from the graph, which lists every part in the rows' order (cheaper than naming rows one by one)
    if kind == "workload":
        rows = zip(data.workloads, (w.ref for w in data.graph.workloads), strict=True)
    elif kind == "external":
        rows = ((e, e.name) for e in data.externals)
    elif kind == "namespace":
        rows = ((n, n.name) for n in data.namespaces)
    elif kind == "flow":
        source, _, destination = ref.partition(" -> ")
        rows = (
            (row, ref)
            for row, flow in zip(data.flows, data.graph.flows, strict=True)
            if flow.source.ref == source and flow.destination.ref == destination
        )
    else:
        return None
    for row, row_ref in rows:
        if row_ref == ref:
            return kind, row, ref
    return None


# ---------------------------------------------------------------- parts


def _part(design: models.Design, model: type[Model], part_pk: int):
    return model.objects.filter(design=design, pk=part_pk).first()


@require_POST
@login_required
@_change
def workload_add(request: HtmxHttpRequest, design: models.Design) -> HttpResponse:
    form = forms.WorkloadForm(request.POST, auto_id="add-workload-%s")
    if form.is_valid():
        data = form.cleaned_data
        try:
            x, y = canvas.free_spot(selectors.design_state(design), data["namespace"])
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
@_change
def workload_edit(request: HtmxHttpRequest, design: models.Design, part_pk: int) -> HttpResponse:
    workload = _part(design, models.Workload, part_pk)
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
@_change
def external_add(request: HtmxHttpRequest, design: models.Design) -> HttpResponse:
    form = forms.ExternalForm(request.POST, auto_id="add-external-%s")
    if form.is_valid():
        data = form.cleaned_data
        try:
            x, y = canvas.free_spot(selectors.design_state(design), None)
            external = services.external_create(
                actor=request.user,
                design=design,
                name=data["name"],
                cidr=data["cidr"],
                except_=data["except_"],
                fqdn=data["fqdn"],
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
@_change
def external_edit(request: HtmxHttpRequest, design: models.Design, part_pk: int) -> HttpResponse:
    external = _part(design, models.External, part_pk)
    if external is None:
        return _gone(request, design)
    form = forms.ExternalForm(request.POST, auto_id="edit-%s")
    key = f"external:{external.name}"
    if form.is_valid():
        data = form.cleaned_data
        try:
            external = services.external_update(
                actor=request.user,
                external=external,
                name=data["name"],
                cidr=data["cidr"],
                except_=data["except_"],
                fqdn=data["fqdn"],
            )
        except ValidationError as error:
            forms.apply_service_errors(form, error, {"except": "except_"})
        else:
            return _done(request, design, notice=f"Saved external {external.name}.", select=f"external:{external.name}")
    return _refused(request, design, inspector_form=form, select=key)


@require_POST
@login_required
@_change
def namespace_edit(request: HtmxHttpRequest, design: models.Design, part_pk: int) -> HttpResponse:
    namespace = _part(design, models.Namespace, part_pk)
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
@_change
def flow_add(request: HtmxHttpRequest, design: models.Design) -> HttpResponse:
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
    if not ports:  # every port (an external, a namespace, a workload declaring none): ask for the ports
        _ui_set(request, design, focus="ports")
        return _done(request, design, notice=NOTICE_ALL_PORTS.format(ref=ref), select=f"flow:{ref}")
    _ui_set(request, design, focus="canvas")  # not a field: Del then deletes the new flow, as the help says
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
@_change
def flow_edit(request: HtmxHttpRequest, design: models.Design, part_pk: int) -> HttpResponse:
    flow = _part(design, models.Flow, part_pk)
    if flow is None:
        return _gone(request, design)
    form = forms.FlowPortsForm(request.POST, auto_id="edit-%s")
    key = f"flow:{flow}"  # "<source> -> <destination>", as the canvas names it
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
@_change
def design_move(request: HtmxHttpRequest, design: models.Design) -> HttpResponse:
    form = forms.MoveForm(request.POST)
    if not form.is_valid():
        return _refused(request, design, "notice", notice=_form_text(form), notice_error=True)
    (kind, ref), x, y = form.cleaned_data["node"], round(form.cleaned_data["x"]), round(form.cleaned_data["y"])
    found = _find(selectors.design_state(design), canvas.node_key(kind, ref))
    row = _part(design, _MODELS[kind], found[1].pk) if found is not None and kind != "namespace" else None
    if row is None:
        return _gone(request, design)
    if kind == "workload":
        services.workload_update(actor=request.user, workload=row, x=x, y=y)
    else:
        services.external_update(actor=request.user, external=row, x=x, y=y)
    return _done(request, design)


@require_POST
@login_required
@_change
def design_layout(request: HtmxHttpRequest, design: models.Design) -> HttpResponse:
    """Lay out every node (one change, so one undo; nothing moved, no change): ``editor/web/layout.py``."""
    moved = web_layout.design_lay_out(design=design, actor=request.user)
    notice = f"Laid out the design: {moved:,} node{'s' if moved != 1 else ''} moved." if moved else NOTICE_LAID_OUT
    return _done(request, design, notice=notice)


# ---------------------------------------------------------------- the page's data


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
    data = selectors.design_state(design)
    compiled = data
    ui = _ui(request, design)
    sel = ui.get("sel") or ""
    found = _find(data, sel)
    if found is None and sel:
        sel = ""
        _ui_set(request, design, sel=None)
    row: Any  # the selected part's record: its class follows ``kind``
    kind, row, ref = found if found else ("", None, "")
    access = getattr(design, "access", selectors.VIEWER)  # set by selectors.design_get_for
    can_edit = access in (selectors.OWNER, selectors.EDITOR)
    connect = can_edit and bool(ui.get("connect"))
    source = (ui.get("from") or "") if can_edit else ""

    # A large design is drawn grouped (canvas.GROUP_ABOVE): namespaces the user did not expand are one node.
    grouped = canvas.is_grouped(data)
    expanded = None if ui.get("open_all") or not grouped else set(ui.get("open") or ())
    if expanded is not None and kind in ("workload", "flow"):
        # what is selected (a warning's subject, the part selector, a new flow) is shown: expand its namespaces
        ends = (
            [ref] if kind == "workload" else [end for k, end in _flow_view(row, data.refs).values() if k == "workload"]
        )
        hidden = {end.split("/", 1)[0] for end in ends} - expanded
        if hidden:
            expanded |= hidden
            _ui_set(request, design, open=sorted(expanded))

    target = ui.get("target") or exports.DEFAULT_TARGET  # the export target the preview and warnings follow
    all_findings = with_import_findings(exports.design_findings(data, target), data)  # and import's own
    shown = sorted(all_findings, key=_severity_rank)[:FINDINGS_SHOWN]
    findings = [_finding_view(f, data) for f in shown]
    warned = {f.subject for f in all_findings}

    # The YAML preview: everything, or the selected workload's (or namespace's) policies.
    pairs = list(zip(compiled.policies, compiled.manifests, strict=True))
    yaml_scope = ""
    if kind == "workload":
        pairs = [(p, m) for p, m in pairs if p.ref == ref]
        yaml_scope = ref
    elif kind == "flow":
        ends_ = {end for _, end in _flow_view(row, data.refs).values()}
        pairs = [(p, m) for p, m in pairs if p.ref in ends_]
        yaml_scope = ref.replace(" -> ", " → ")
    elif kind == "namespace":
        pairs = [(p, m) for p, m in pairs if p.namespace == ref]
        yaml_scope = f"namespace {ref}"
    # A large design previews its first policies only, so the page stays fast (a 1,000-workload design's
    # highlighted YAML was 16 MB and took seconds); the download has them all.  Nothing selected: fewer still.
    cap = PREVIEW_DOCUMENTS if kind else min(PREVIEW_DOCUMENTS, PREVIEW_OVERVIEW)
    yaml_text, yaml_html = _preview(data, pairs[:cap])
    if len(pairs) > cap:
        more = f"# … and {len(pairs) - cap:,} more NetworkPolicies: download the YAML for all of them.\n"
        yaml_text += more
        yaml_html = mark_safe(yaml_html + _highlight(more))  # noqa: S308 (both escaped by Pygments)
    policy_count, export_heading = len(pairs), ""
    if target != exports.DEFAULT_TARGET:  # another target: its documents (about the selected workload) instead
        export = exports.design_export(data, target)
        documents = exports.scoped(export, kind, ref)
        policy_count, export_heading = len(documents), exports.heading(target, len(documents), yaml_scope)
        yaml_text = exports.preview_yaml(target, documents[:cap]) if documents else ""
        yaml_html = _highlight(yaml_text) if yaml_text else ""

    inspector_form = forms_.get("inspector_form")
    if inspector_form is None and row is not None:
        inspector_form = _inspector_form(kind, row)
    cursor = selectors.design_cursor(design)
    focus = ui.get("focus")
    if focus:
        _ui_set(request, design, focus=None)
    drawn = canvas.draw(data, sel, source, warned, expanded)
    zoom_to = ui.get("zoom") or ""
    if zoom_to:
        _ui_set(request, design, zoom=None)
    focusing = bool(ui.get("focus_mode")) and bool(sel)
    select_url = reverse("design-select", args=[design.pk])
    parts = _parts(data, drawn, large=grouped)
    targets = [(key, label) for key, label in parts if not key.startswith("flow:") and key != sel]
    context = {
        "design": design,
        "data": data,
        "compiled": compiled,
        "canvas": drawn,
        "canvas_svg": mark_safe(  # noqa: S308 (canvas.markup escapes every value)
            canvas.markup(
                drawn,
                select_url=select_url,
                expand_url=reverse("design-expand", args=[design.pk]),
                can_edit=can_edit,
                near=find.neighbours(drawn, sel) if focusing else None,
            )
        ),
        "zoom_to": zoom_to,
        "focus_mode": bool(ui.get("focus_mode")),
        "focusing": focusing,
        "find_html": mark_safe(find.suggestions(data)),  # noqa: S308 (escaped)
        "select_url": select_url,
        "grouped": drawn.grouped,
        "large": grouped,  # above canvas.GROUP_ABOVE: grouped unless every namespace is expanded
        "all_expanded": grouped and expanded is None,
        "sel": sel,
        "sel_kind": kind,
        "sel_row": row,
        "sel_ref": ref,
        "sel_flow": _flow_view(row, data.refs) if kind == "flow" else None,
        "sel_expanded": kind == "namespace" and (expanded is None or ref in expanded),
        "inspector_form": inspector_form,
        "workload_add_form": forms_.get("workload_add_form")
        or forms.WorkloadForm(auto_id="add-workload-%s", initial={"namespace": _default_namespace(data)}),
        "external_add_form": forms_.get("external_add_form") or forms.ExternalForm(auto_id="add-external-%s"),
        "external_open": "external_add_form" in forms_,
        "parts": parts,
        "parts_html": _options(parts),
        "node_targets": targets,
        "node_targets_html": _options(targets),
        "connect": connect,
        "source": source,
        "findings": findings,
        "findings_html": _findings_html(request, design, findings, can_edit=can_edit, select_url=select_url),
        "finding_count": len(all_findings),
        "findings_more": len(all_findings) - len(findings),
        "yaml_text": yaml_text,
        "yaml_html": yaml_html,
        "yaml_scope": yaml_scope,
        "policy_count": policy_count,
        "export_target": target,
        "export_targets": exports.choices(),
        "export_heading": export_heading,
        "cursor": cursor,
        "notice": notice,
        "notice_error": notice_error,
        "focus": focus,
        "download_name": exports.Export(target, [], "").filename(design.name),
        "access": access,
        "can_edit": can_edit,
        "can_share": access == selectors.OWNER,
        "owner_name": design.owner.get_username(),
        # a viewer reads the selected part's fields instead of a form
        "sel_details": []
        if can_edit or inspector_form is None
        else [
            (inspector_form[name].label, inspector_form.initial.get(name) or "none") for name in inspector_form.fields
        ],
        "oob": False,
    }
    return context


def _findings_html(request, design, findings: list[FindingView], *, can_edit: bool, select_url: str) -> str:
    """The warnings list: an article per finding (a form that selects its subject, and the one-click fix).

    Written here rather than by a template loop: the editor answers every edit with it (50 findings through
    the template engine took 3-8 ms of the 50 ms an edit may take)."""
    if not findings:
        return mark_safe('<p class="empty ok">No warnings.</p>')
    hidden = (
        f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(get_token(request))}">'
        f'<input type="hidden" name="revision" value="{design.revision}">'
    )
    out = []
    for f in findings:
        head = (
            f'<span class="finding-head"><span class="severity">{escape(f.severity)}</span><code>{escape(f.code)}'
            f'</code><span class="subject">{escape(f.subject)}</span></span><span class="finding-message">'
            f"{escape(f.message)}</span>"
        )
        out.append(f'<article class="finding {escape(f.severity)}">')
        if f.sel:
            out.append(
                f'<form method="post" action="{select_url}" hx-post="{select_url}">{hidden}'
                f'<input type="hidden" name="sel" value="{escape(f.sel)}">'
                f'<button type="submit" class="finding-body" title="Select {escape(f.subject)} on the canvas">'
                f"{head}</button></form>"
            )
        else:
            out.append(f'<div class="finding-body">{head}</div>')
        if can_edit and f.fix == MISSING_DNS:
            fix_url = reverse("design-fix", args=[design.pk, f.fix])
            out.append(
                f'<form method="post" action="{fix_url}" hx-post="{fix_url}" class="fix">{hidden}'
                f'<button type="submit" class="small primary" data-fix="{escape(f.fix)}">Fix: turn the DNS rule on'
                f"</button></form>"
            )
        out.append("</article>")
    return mark_safe("".join(out))  # noqa: S308 (every value escaped)


def _severity_rank(finding) -> int:
    return SEVERITIES.index(finding.severity) if finding.severity in SEVERITIES else len(SEVERITIES)


def _finding_view(f, data: DesignState) -> FindingView:
    if " -> " in f.subject:
        target: str | None = f"flow:{f.subject}"
    elif "/" in f.subject:
        target = f"workload:{f.subject}"
    elif any(n.name == f.subject for n in data.namespaces):
        target = f"namespace:{f.subject}"
    elif any(e.name == f.subject for e in data.externals):
        target = f"external:{f.subject}"
    else:
        target = None
    return FindingView(f.code, f.severity, f.message, f.subject, target, f.code if f.code == MISSING_DNS else None)


def _preview(state: DesignState, pairs: list) -> tuple[str, str]:
    """(YAML, highlighted HTML) of (policy, manifest) pairs: the same text as ``to_yaml`` of the manifests."""
    rendered = state.preview([policy for policy, _ in pairs])
    return "".join(text for text, _ in rendered), mark_safe("".join(html for _, html in rendered))  # noqa: S308


def _options(parts: list[tuple[str, str]]) -> str:
    """``<option>`` elements of (key, label) pairs, escaped (written once here, not by a template loop)."""
    return mark_safe(  # noqa: S308 (escaped)
        "".join(f'<option value="{escape(key)}">{escape(label)}</option>' for key, label in parts)
    )


def _default_namespace(data: DesignState) -> str:
    return data.namespaces[0].name if data.namespaces else "default"


def _inspector_form(kind: str, row) -> forms.forms.Form:
    if kind == "workload":
        return forms.WorkloadEditForm(
            auto_id="edit-%s",
            initial={
                "name": row.name,
                "namespace": row.namespace,
                "labels": forms.format_labels(row.labels),
                "ports": forms.format_container_ports(row.ports),
            },
        )
    if kind == "external":
        return forms.ExternalForm(
            auto_id="edit-%s",
            initial={"name": row.name, "cidr": row.cidr, "except_": ", ".join(row.except_cidrs), "fqdn": row.fqdn},
        )
    if kind == "namespace":
        return forms.NamespaceForm(
            auto_id="edit-%s", initial={"name": row.name, "labels": forms.format_labels(row.labels)}
        )
    return forms.FlowPortsForm(auto_id="edit-%s", initial={"ports": forms.format_flow_ports(row.ports)})


def _flow_view(flow: FlowRec, refs: dict) -> dict:
    return {
        "source": selectors.flow_endpoint(flow, "source", refs),
        "destination": selectors.flow_endpoint(flow, "destination", refs),
    }


def _parts(data: DesignState, drawn: canvas.Canvas, *, large: bool) -> list[tuple[str, str]]:
    """Selectable parts as (key, label), for the keyboard and no-JavaScript selector: every part of a small
    design; of a large one, what the canvas shows (at most ``PARTS_SHOWN``; any part can be typed)."""
    if not large:
        parts = [
            (canvas.node_key("workload", data.refs[("workload", w.pk)]), data.refs[("workload", w.pk)])
            for w in data.workloads
        ]
        parts += [(canvas.node_key("external", e.name), f"{e.name} (external)") for e in data.externals]
        parts += [(canvas.node_key("namespace", n.name), f"{n.name} (namespace)") for n in data.namespaces]
        parts += [(f"flow:{canvas.flow_ref(f, data.refs)}", canvas.flow_ref(f, data.refs)) for f in data.flows]
        return parts
    parts = [(n.key, n.ref if n.kind == "workload" else f"{n.ref} (external)") for n in drawn.nodes]
    parts += [(canvas.node_key("namespace", n.name), f"{n.name} (namespace)") for n in data.namespaces]
    parts += [(e.key, e.ref) for e in drawn.edges if not e.aggregate and not e.imported]
    return parts[:PARTS_SHOWN]
