"""Pages for existing manifests and "can A reach B?": import, check a connection, truth table, semantic diff,
and the kept (imported) NetworkPolicies edited as YAML.

Views parse, call one service or selector, and render.  Every page also works without JavaScript; with htmx
the check form and the truth table's cells swap only the answer (``#check-result``).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from editor import models, selectors, services
from editor.netpol import analyze, importer
from editor.netpol.model import PROTOCOLS
from editor.netpol.render import to_yaml

MATRIX_SHOWN = 150  # workloads shown in the page's table; the API answers for any number
ERR_NOTHING_TO_IMPORT = "Paste YAML or choose at least one file to import."

NEW_POLICY_TEMPLATE = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: allow-something
  namespace: default
spec:
  podSelector: {}
  policyTypes:
  - Ingress
  ingress: []
"""


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
def design_import(request):
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
    design = selectors.design_get_for(request.user, pk)
    data = selectors.design_state(design)
    policies = data.policies
    port_text = request.GET.get("port", "").strip()
    protocol = request.GET.get("protocol", "TCP").strip().upper()
    error, table = "", None
    if port_text:
        if not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
            error = f"'{port_text}' is not a port number: give a number from 1 to 65535."
        elif protocol not in PROTOCOLS:
            error = f"'{protocol}' is not a protocol: use TCP, UDP or SCTP."
        else:
            table = analyze.matrix(data.graph, policies, protocol, int(port_text))
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
            "truncated": table is not None and len(table.workloads) > MATRIX_SHOWN,
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
# One field per part of the policy, in the syntax kubectl uses for selectors (``app=api, tier in (a, b),
# !legacy``; ``*`` for every pod).  The form is turned into a manifest and saved through the same service
# (and validation) as the YAML editor, so errors come back with the manifest path they concern.

ERR_PEER_SYNTAX = (
    "'{line}' is not a peer: write 'pods SELECTOR', 'namespaces SELECTOR', 'namespaces SELECTOR pods SELECTOR' "
    "or 'ip CIDR [except CIDR, CIDR]' (SELECTOR like app=api, tier in (a, b); * for all)."
)
ERR_PORT_SYNTAX = "'{item}' is not a port: write 'TCP 5432', 'TCP http', 'UDP 8000-8100' or just 'UDP' (every port)."
ERR_SELECTOR_SYNTAX = (
    "'{term}' is not a selector term: write key=value, key!=value, key in (a, b), key notin (a), key or !key."
)


class FormSyntaxError(ValueError):
    pass


def _split_terms(text: str) -> list[str]:
    terms, depth, current = [], 0, ""
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            terms.append(current.strip())
            current = ""
        else:
            current += char
    if current.strip():
        terms.append(current.strip())
    return terms


def selector_from_text(text: str) -> dict:
    """kubectl's selector syntax → a manifest selector (``*`` or nothing: every pod)."""
    text = text.strip()
    if text in ("", "*"):
        return {}
    labels: dict[str, str] = {}
    expressions: list[dict] = []
    for term in _split_terms(text):
        lowered = term.lower()
        if " notin " in lowered or " in " in lowered:
            operator = "NotIn" if " notin " in lowered else "In"
            key, _, values = term.partition(" notin " if operator == "NotIn" else " in ")
            values = values.strip()
            if not (values.startswith("(") and values.endswith(")")):
                raise FormSyntaxError(ERR_SELECTOR_SYNTAX.format(term=term))
            items = [v.strip() for v in values[1:-1].split(",") if v.strip()]
            expressions.append({"key": key.strip(), "operator": operator, "values": items})
        elif "!=" in term:
            key, _, value = term.partition("!=")
            expressions.append({"key": key.strip(), "operator": "NotIn", "values": [value.strip()]})
        elif "=" in term:
            key, _, value = term.replace("==", "=").partition("=")
            labels[key.strip()] = value.strip()
        elif term.startswith("!"):
            expressions.append({"key": term[1:].strip(), "operator": "DoesNotExist"})
        elif term and " " not in term:
            expressions.append({"key": term, "operator": "Exists"})
        else:
            raise FormSyntaxError(ERR_SELECTOR_SYNTAX.format(term=term))
    out: dict = {}
    if labels:
        out["matchLabels"] = labels
    if expressions:
        out["matchExpressions"] = expressions
    return out


def _peer_from_line(line: str) -> dict:
    words = line.strip()
    lowered = words.lower()
    if lowered.startswith("ip "):
        cidr, _, excepts = words[3:].partition(" except ")
        block: dict = {"cidr": cidr.strip()}
        if excepts.strip():
            block["except"] = [e.strip() for e in excepts.split(",") if e.strip()]
        return {"ipBlock": block}
    if lowered.startswith("namespaces "):
        rest = words[len("namespaces ") :]
        namespaces, _, pods = rest.partition(" pods ")
        peer = {"namespaceSelector": selector_from_text(namespaces)}
        if pods.strip() or rest.rstrip().endswith(" pods"):
            peer["podSelector"] = selector_from_text(pods)
        return peer
    if lowered.startswith("pods ") or lowered == "pods":
        return {"podSelector": selector_from_text(words[4:])}
    raise FormSyntaxError(ERR_PEER_SYNTAX.format(line=line.strip()))


def _ports_from_text(text: str) -> list[dict]:
    ports = []
    for item in (i.strip() for i in text.split(",")):
        if not item:
            continue
        protocol, _, value = item.partition(" ")
        if protocol.upper() not in PROTOCOLS:
            raise FormSyntaxError(ERR_PORT_SYNTAX.format(item=item))
        port: dict = {"protocol": protocol.upper()}
        value = value.strip()
        if value:
            first, _, last = value.partition("-")
            port["port"] = int(first) if first.isdigit() else first
            if last:
                if not last.isdigit():
                    raise FormSyntaxError(ERR_PORT_SYNTAX.format(item=item))
                port["endPort"] = int(last)
        ports.append(port)
    return ports


def _selector_text(selector: dict) -> str:
    return analyze.describe_selector(importer.policy_from_manifest(
        {"apiVersion": importer.NETWORK_POLICY_API_VERSION, "kind": "NetworkPolicy",
         "metadata": {"name": "x"}, "spec": {"podSelector": selector}}
    ).pod_selector, "*")  # fmt: skip


def _peer_line(peer: dict) -> str:
    if "ipBlock" in peer:
        block = peer["ipBlock"]
        return f"ip {block['cidr']}" + (f" except {', '.join(block['except'])}" if block.get("except") else "")
    parts = []
    if "namespaceSelector" in peer:
        parts.append(f"namespaces {_selector_text(peer['namespaceSelector'])}")
    if "podSelector" in peer:
        parts.append(f"pods {_selector_text(peer['podSelector'])}")
    return " ".join(parts)


def _ports_text(ports: list[dict]) -> str:
    out = []
    for p in ports:
        text = p["protocol"]
        if "port" in p:
            text += f" {p['port']}" + (f"-{p['endPort']}" if "endPort" in p else "")
        out.append(text)
    return ", ".join(out)


def policy_form_initial(manifest: dict) -> dict:
    """A stored manifest as the structured form's fields."""
    spec = manifest["spec"]
    rules = []
    for direction, key in (("ingress", "from"), ("egress", "to")):
        for rule in spec.get(direction, []):
            rules.append(
                {
                    "direction": direction,
                    "peers": "\n".join(_peer_line(p) for p in rule.get(key, [])),
                    "ports": _ports_text(rule.get("ports", [])),
                }
            )
    return {
        "name": manifest["metadata"]["name"],
        "namespace": manifest["metadata"]["namespace"],
        "selector": _selector_text(spec.get("podSelector", {})),
        "ingress": "Ingress" in spec.get("policyTypes", []),
        "egress": "Egress" in spec.get("policyTypes", []),
        "rules": rules,
    }


def policy_manifest_from_form(post) -> dict:
    """The structured form's fields → a manifest (validated later, like any YAML)."""
    types = [t for t in ("Ingress", "Egress") if post.get(t.lower())]
    spec: dict = {"podSelector": selector_from_text(post.get("selector", "")), "policyTypes": types}
    directions = post.getlist("rule-direction")
    peers = post.getlist("rule-peers")
    ports = post.getlist("rule-ports")
    removed = set(post.getlist("rule-remove"))
    for index, (direction, peer_text, port_text) in enumerate(zip(directions, peers, ports, strict=False)):
        if str(index) in removed or direction not in ("ingress", "egress"):
            continue
        if direction == "ingress" and "Ingress" not in types or direction == "egress" and "Egress" not in types:
            continue
        rule: dict = {}
        peer_list = [_peer_from_line(line) for line in peer_text.splitlines() if line.strip()]
        if peer_list:
            rule["from" if direction == "ingress" else "to"] = peer_list
        port_list = _ports_from_text(port_text)
        if port_list:
            rule["ports"] = port_list
        spec.setdefault(direction, []).append(rule)
    return {
        "apiVersion": importer.NETWORK_POLICY_API_VERSION,
        "kind": "NetworkPolicy",
        "metadata": {"name": post.get("name", "").strip(), "namespace": post.get("namespace", "").strip()},
        "spec": spec,
    }


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
    except (FormSyntaxError, ValidationError) as exc:
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
