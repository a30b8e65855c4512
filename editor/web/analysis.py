"""Pages for existing manifests and "can A reach B?": import, check a connection, truth table, semantic diff,
and the kept (imported) NetworkPolicies edited as YAML.

Views parse, call one service or selector, and render.  Every page also works without JavaScript; with htmx
the check form and the truth table's cells swap only the answer (``#check-result``).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from editor import models, selectors, services
from editor.netpol import analyze, importer, truthtable, validate
from editor.netpol.model import PROTOCOLS
from editor.netpol.notation import NotationError
from editor.netpol.policy_form import NEW_POLICY_TEMPLATE, policy_form_initial, policy_manifest_from_form
from editor.netpol.render import to_yaml
from editor.web import port_matrix

MATRIX_SHOWN = 150  # workloads shown in the page's table; the API answers for any number
PORTS_SHOWN = 100  # … in its default view, where each cell sums up several ports
ERR_NOTHING_TO_IMPORT = "Paste YAML or choose at least one file to import."


# ---------------------------------------------------------------- import


def _import_sources(request) -> list[tuple[str, bytes]]:
    """The pasted text and every uploaded file, each counted on its own."""
    sources: list[tuple[str, bytes]] = []
    text = request.POST.get("text", "")
    if text.strip():
        sources.append(("pasted text", text.encode("utf-8")))
    for upload in request.FILES.getlist("files"):
        sources.append((upload.name, upload.read(importer.MAX_BYTES + 1)))
    return sources


@require_http_methods(["GET", "POST"])
@login_required
def design_import(request: HttpRequest) -> HttpResponse:
    context: dict = {"name": request.POST.get("name", ""), "text": request.POST.get("text", "")}
    if request.method == "GET":
        return render(request, "editor/analysis/import.html", context)
    sources = _import_sources(request)
    if not sources:
        context["errors"] = [{"document": 0, "path": "", "message": ERR_NOTHING_TO_IMPORT}]
        return render(request, "editor/analysis/import.html", context, status=400)
    try:
        result = services.design_import(
            owner=request.user, name=context["name"] or "Imported design", sources=sources, actor=request.user
        )
    except importer.ImportFailed as exc:
        context["errors"] = [e.as_dict() for e in exc.errors]
        return render(request, "editor/analysis/import.html", context, status=400)
    except ValidationError as exc:
        context["errors"] = [{"document": 0, "path": "name", "message": m} for m in exc.messages]
        return render(request, "editor/analysis/import.html", context, status=400)
    return redirect("design-analysis", pk=result.design.pk)


# ---------------------------------------------------------------- overview: connections and diff


def _check_query(connection: analyze.Connection) -> str:
    """Query string of the check page for a connection's first numbered port ("" when it has none)."""
    for label in connection.ports:
        protocol, _, port = label.partition(" ")
        if port.isdigit():
            return urlencode(
                {"source": connection.source, "destination": connection.destination, "port": port, "protocol": protocol}
            )
    return ""


@require_GET
@login_required
def design_analysis(request, pk: int):
    """What the design allows between its workloads, what changed since import, its kept policies."""
    design = selectors.design_get_for(request.user, pk)
    data = selectors.design_state(design)
    return render(
        request,
        "editor/analysis/overview.html",
        {
            "design": design,
            "connections": [(c, _check_query(c)) for c in selectors.design_connections(data)],
            "diff": selectors.design_import_diff(design, data),
            "policies": [
                (row, analyze.describe_policy(policy))
                for row, policy in zip(data.imported_policies, data.graph.policies, strict=True)
            ],
            "can_edit": design.access in (selectors.OWNER, selectors.EDITOR),
        },
    )


# ---------------------------------------------------------------- check a connection


def _check_answer(graph, policies, params) -> tuple[analyze.Reachability | None, str]:
    source, destination = params.get("source", "").strip(), params.get("destination", "").strip()
    port, protocol = params.get("port", "").strip(), params.get("protocol", "TCP").strip().upper()
    if not (source and destination and port):
        return None, ""
    if protocol not in PROTOCOLS:
        return None, f"'{protocol}' is not a protocol: use TCP, UDP or SCTP."
    try:
        answer = analyze.reachability(graph, policies, source, destination, protocol, port)
    except analyze.UnknownRef as exc:
        return None, str(exc)
    if not 1 <= answer.port <= 65535:
        return None, f"{answer.port} is not a port: give a number from 1 to 65535."
    return answer, ""


@require_GET
@login_required
def design_check(request, pk: int):
    design = selectors.design_get_for(request.user, pk)
    data = selectors.design_state(design)
    policies = data.policies
    answer, error = _check_answer(data.graph, policies, request.GET)
    context = {
        "design": design,
        "workloads": [w.ref for w in data.graph.workloads],
        "protocols": PROTOCOLS,
        "form": {
            "source": request.GET.get("source", ""),
            "destination": request.GET.get("destination", ""),
            "port": request.GET.get("port", ""),
            "protocol": request.GET.get("protocol", "TCP"),
        },
        "answer": answer,
        "error": error,
    }
    template = "editor/analysis/check.html"
    if request.headers.get("HX-Request"):
        template += "#check-result"
    return render(request, template, context, status=400 if error else 200)


# ---------------------------------------------------------------- the truth table


@require_GET
@login_required
def design_matrix(request, pk: int):
    """The truth table: on the design's own ports (each cell sums up its destination's ports) until a port is
    given, then for that one port, each side apart."""
    design = selectors.design_get_for(request.user, pk)
    data = selectors.design_state(design)
    policies = data.policies
    port_text = request.GET.get("port", "").strip()
    protocol = request.GET.get("protocol", "TCP").strip().upper()
    error, table = "", None
    if port_text:
        if not validate.is_ascii_digits(port_text) or len(port_text) > 5 or not 1 <= int(port_text) <= 65535:
            error = f"'{port_text}' is not a port number: give a number from 1 to 65535."
        elif protocol not in PROTOCOLS:
            error = f"'{protocol}' is not a protocol: use TCP, UDP or SCTP."
        else:
            table = analyze.matrix(data.graph, policies, protocol, int(port_text))
    if table is not None and request.GET.get("format") == "text":  # the upstream e2e truth table, every workload
        response = HttpResponse(truthtable.pretty_print(table) + "\n", content_type="text/plain; charset=utf-8")
        name = f"{slugify(design.name) or 'design'}-truthtable-{protocol.lower()}-{table.port}.txt"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    rows = []
    if table is not None:
        shown = table.workloads[:MATRIX_SHOWN]
        for i, source in enumerate(shown):
            cells = []
            for j, destination in enumerate(shown):
                egress, ingress = table.egress_allows(i, j), table.ingress_allows(i, j)
                cells.append(
                    {
                        "destination": destination,
                        "egress": egress,
                        "ingress": ingress,
                        "allowed": egress and ingress,
                        "self": i == j,
                    }
                )
            rows.append({"source": source, "cells": cells})
    ports_table = None
    if not port_text and data.graph.workloads:
        ports_table = port_matrix.table_html(design, data.graph, policies, limit=PORTS_SHOWN)
    return render(
        request,
        "editor/analysis/matrix.html",
        {
            "design": design,
            "protocols": PROTOCOLS,
            "port": port_text,
            "protocol": protocol,
            "table": table,
            "rows": rows,
            "columns": table.workloads[:MATRIX_SHOWN] if table else (),
            "truncated": len(data.graph.workloads) > (MATRIX_SHOWN if port_text else PORTS_SHOWN),
            "ports_table": ports_table,
            "shown": MATRIX_SHOWN if port_text else PORTS_SHOWN,
            "error": error,
        },
        status=400 if error else 200,
    )


# ---------------------------------------------------------------- kept policies: YAML edit, add, delete


def _policy_row(design: models.Design, policy_pk: int) -> models.ImportedPolicy:
    row = design.imported_policies.filter(pk=policy_pk).first()
    if row is None:
        raise Http404(f"Design {design.pk} has no kept NetworkPolicy {policy_pk}.")
    return row


def _policy_form(request, design, row, text: str, errors=(), status: int = 200):
    words = analyze.describe_policy(importer.policy_from_manifest(row.manifest)) if row is not None else []
    return render(
        request,
        "editor/analysis/policy.html",
        {"design": design, "policy": row, "words": words, "text": text, "errors": list(errors)},
        status=status,
    )


@require_http_methods(["GET", "POST"])
@login_required
def policy_add(request, pk: int):
    design = selectors.design_get_for(request.user, pk, write=request.method == "POST")
    if request.method == "GET":
        return _policy_form(request, design, None, NEW_POLICY_TEMPLATE)
    text = request.POST.get("text", "")
    try:
        services.imported_policy_create(design=design, text=text, actor=request.user)
    except ValidationError as exc:
        return _policy_form(request, design, None, text, exc.messages, status=400)
    return redirect("design-analysis", pk=design.pk)


@require_http_methods(["GET", "POST"])
@login_required
def policy_edit(request, pk: int, policy_pk: int):
    design = selectors.design_get_for(request.user, pk, write=request.method == "POST")
    row = _policy_row(design, policy_pk)
    if request.method == "GET":
        return _policy_form(request, design, row, to_yaml([row.manifest]))
    text = request.POST.get("text", "")
    try:
        services.imported_policy_update(policy=row, text=text, actor=request.user)
    except ValidationError as exc:
        return _policy_form(request, design, row, text, exc.messages, status=400)
    return redirect("design-analysis", pk=design.pk)


@require_POST
@login_required
def policy_delete(request, pk: int, policy_pk: int):
    design = selectors.design_get_for(request.user, pk, write=True)
    services.imported_policy_delete(policy=_policy_row(design, policy_pk), actor=request.user)
    return redirect("design-analysis", pk=design.pk)


__all__ = [
    "design_analysis",
    "design_check",
    "design_import",
    "design_matrix",
    "policy_add",
    "policy_delete",
    "policy_edit",
]


# ---------------------------------------------------------------- kept policies: the structured form
#
# The form's notations and the manifest it builds are editor/netpol/policy_form.py's; saved through the same
# service (and validation) as the YAML editor, so errors come back with the manifest path they concern.


@require_http_methods(["GET", "POST"])
@login_required
def policy_form(request, pk: int, policy_pk: int):
    """Edit a kept policy field by field; saved through the same validation as the YAML editor."""
    design = selectors.design_get_for(request.user, pk, write=request.method == "POST")
    row = _policy_row(design, policy_pk)
    context: dict = {"design": design, "policy": row, "errors": []}
    if request.method == "GET":
        context["form"] = policy_form_initial(row.manifest)
        return render(request, "editor/analysis/policy_form.html", context)
    try:
        manifest = policy_manifest_from_form(request.POST)
        services.imported_policy_update(policy=row, text=to_yaml([manifest]), actor=request.user)
    except (NotationError, ValidationError) as exc:
        context["errors"] = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
        context["form"] = _form_echo(request.POST)
        return render(request, "editor/analysis/policy_form.html", context, status=400)
    return redirect("design-analysis", pk=design.pk)


def _form_echo(post) -> dict:
    """What the user sent, to show it again next to the errors."""
    removed = set(post.getlist("rule-remove"))
    rows = zip(post.getlist("rule-direction"), post.getlist("rule-peers"), post.getlist("rule-ports"), strict=False)
    rules = [
        {"direction": d, "peers": p, "ports": o}
        for i, (d, p, o) in enumerate(rows)
        if str(i) not in removed and d in ("ingress", "egress")
    ]
    return {
        "name": post.get("name", ""),
        "namespace": post.get("namespace", ""),
        "selector": post.get("selector", ""),
        "ingress": bool(post.get("ingress")),
        "egress": bool(post.get("egress")),
        "rules": rules,
    }
