"""Start from a template: small, real designs for the patterns people reach for first.

Each template is data (namespaces, workloads, externals, flows, settings) and :func:`template_design_create`
builds it through the ordinary services, so a template design is a design like any other: its history
says how it was built, undo works, the API sees it.  The design list offers them (``editor/web/views.py``'s
``design_create_from_template``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction

from editor import models, services

ERR_UNKNOWN_TEMPLATE = "There is no template '{key}': pick one of {known}."

PRIVATE_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]


@dataclass(frozen=True)
class Template:
    key: str
    title: str
    summary: str  # one line on the design list
    description: str  # the design's description: what it shows and what to do next
    namespaces: list[dict] = field(default_factory=list)  # {"name", "labels"}
    workloads: list[dict] = field(default_factory=list)  # workload_create's arguments
    externals: list[dict] = field(default_factory=list)  # external_create's arguments
    flows: list[dict] = field(default_factory=list)  # flow_create's arguments
    settings: dict = field(default_factory=dict)  # design_create's isolate_ingress, isolate_egress, dns


def _w(namespace: str, name: str, x: float, y: float, ports=(), **labels: str) -> dict:
    return {
        "namespace": namespace,
        "name": name,
        "labels": labels or {"app": name},
        "ports": [{"name": n, "port": p, "protocol": proto} for n, p, proto in ports],
        "x": x,
        "y": y,
    }


def _flow(source: tuple[str, str], destination: tuple[str, str], *ports: tuple[str, int | str]) -> dict:
    return {
        "source": {source[0]: source[1]},
        "destination": {destination[0]: destination[1]},
        "ports": [{"protocol": protocol, "port": port} for protocol, port in ports],
    }


TEMPLATES: tuple[Template, ...] = (
    Template(
        key="three-tier",
        title="Three-tier app",
        summary="Clients → frontend → api → db, each tier open only to the one before it.",
        description=(
            "Clients on the internet reach frontend on TCP 8080; frontend calls api on TCP 8080; api calls db "
            "on TCP 5432. Every workload is isolated both ways, and each flow adds an egress rule on its source "
            "and an ingress rule on its destination: both sides must permit a connection."
        ),
        namespaces=[{"name": "shop", "labels": {"team": "shop"}}],
        workloads=[
            _w("shop", "frontend", 380, 200, [("http", 8080, "TCP")], app="frontend", tier="web"),
            _w("shop", "api", 660, 200, [("http", 8080, "TCP")], app="api", tier="backend"),
            _w("shop", "db", 940, 200, [("postgres", 5432, "TCP")], app="db", tier="data"),
        ],
        externals=[{"name": "clients", "cidr": "0.0.0.0/0", "x": 110, "y": 200}],
        flows=[
            _flow(("external", "clients"), ("workload", "shop/frontend"), ("TCP", 8080)),
            _flow(("workload", "shop/frontend"), ("workload", "shop/api"), ("TCP", 8080)),
            _flow(("workload", "shop/api"), ("workload", "shop/db"), ("TCP", 5432)),
        ],
    ),
    Template(
        key="default-deny",
        title="Default-deny a namespace",
        summary="Every pod in prod isolated both ways, nothing allowed, not even DNS.",
        description=(
            "Every workload in namespace prod is isolated for ingress and egress and no flow is drawn, so "
            "nothing is allowed: not even name lookups (the warnings say so). Draw the flows that must work, "
            "or turn the DNS setting on to let pods resolve names."
        ),
        namespaces=[{"name": "prod", "labels": {"env": "prod"}}],
        workloads=[
            _w("prod", "web", 160, 200, [("http", 8080, "TCP")]),
            _w("prod", "worker", 440, 200),
        ],
        settings={"dns": False},
    ),
    Template(
        key="dns",
        title="DNS for a namespace",
        summary="Pods in apps may resolve names (UDP and TCP 53 to kube-system), nothing else.",
        description=(
            "Every workload in namespace apps is isolated both ways; the DNS setting gives each the egress "
            "rule every pod needs first: UDP and TCP port 53 to namespace kube-system. DNS needs both "
            "protocols: UDP for ordinary lookups, TCP for answers too large for UDP."
        ),
        namespaces=[{"name": "apps", "labels": {}}],
        workloads=[
            _w("apps", "web", 160, 200, [("http", 8080, "TCP")]),
            _w("apps", "worker", 440, 200),
        ],
        settings={"dns": True},
    ),
    Template(
        key="internet-egress",
        title="Egress to the internet, except private ranges",
        summary="app may open HTTPS to any public address, not to 10/8, 172.16/12 or 192.168/16.",
        description=(
            "app may open TCP 443 to the external internet: 0.0.0.0/0 except the private ranges 10.0.0.0/8, "
            "172.16.0.0/12 and 192.168.0.0/16, so it cannot reach other clusters or the office network "
            "through this rule. The egress-to-internet warning stays on purpose: narrow the external to the "
            "addresses app really talks to when you know them."
        ),
        namespaces=[{"name": "web", "labels": {}}],
        workloads=[_w("web", "app", 160, 200, [("http", 8080, "TCP")])],
        externals=[{"name": "internet", "cidr": "0.0.0.0/0", "except_": PRIVATE_RANGES, "x": 480, "y": 200}],
        flows=[_flow(("workload", "web/app"), ("external", "internet"), ("TCP", 443))],
    ),
    Template(
        key="metrics",
        title="Metrics scraping from a monitoring namespace",
        summary="prometheus in monitoring scrapes the metrics port of the workloads in apps.",
        description=(
            "prometheus in namespace monitoring scrapes api and worker in namespace apps on their named port "
            "metrics (9090). The ingress rule on each target names prometheus by namespace and labels in one "
            "peer: pods app=prometheus AND in namespace monitoring."
        ),
        namespaces=[
            {"name": "monitoring", "labels": {"purpose": "monitoring"}},
            {"name": "apps", "labels": {}},
        ],
        workloads=[
            _w("monitoring", "prometheus", 160, 160, [("web", 9090, "TCP")]),
            _w("apps", "api", 480, 380, [("http", 8080, "TCP"), ("metrics", 9090, "TCP")]),
            _w("apps", "worker", 760, 380, [("metrics", 9090, "TCP")]),
        ],
        flows=[
            _flow(("workload", "monitoring/prometheus"), ("workload", "apps/api"), ("TCP", "metrics")),
            _flow(("workload", "monitoring/prometheus"), ("workload", "apps/worker"), ("TCP", "metrics")),
        ],
    ),
    Template(
        key="cross-namespace",
        title="A cross-namespace API",
        summary="web in namespace frontend calls api in namespace backend on TCP 8080.",
        description=(
            "web in namespace frontend calls api in namespace backend on TCP 8080. api's ingress rule allows "
            "pods app=web AND in namespace frontend (one peer with both selectors); two separate peers would "
            "mean OR: any pod app=web in backend, or every pod in frontend."
        ),
        namespaces=[
            {"name": "frontend", "labels": {"team": "web"}},
            {"name": "backend", "labels": {"team": "api"}},
        ],
        workloads=[
            _w("frontend", "web", 160, 160, [("http", 8080, "TCP")]),
            _w("backend", "api", 480, 380, [("http", 8080, "TCP")]),
        ],
        flows=[_flow(("workload", "frontend/web"), ("workload", "backend/api"), ("TCP", 8080))],
    ),
)

BY_KEY = {t.key: t for t in TEMPLATES}


def template_get(key: str) -> Template:
    try:
        return BY_KEY[key]
    except KeyError:
        known = ", ".join(BY_KEY)
        raise ValidationError({"template": [ERR_UNKNOWN_TEMPLATE.format(key=key, known=known)]}) from None


@transaction.atomic
def template_design_create(*, owner, key: str, name: str = "", actor=None) -> models.Design:
    """A new design of ``owner`` built from template ``key`` (named after it unless ``name`` is given)."""
    template = template_get(key)
    design = services.design_create(
        owner=owner, name=name or template.title, description=template.description, actor=actor, **template.settings
    )
    for ns in template.namespaces:
        services.namespace_create(design=design, name=ns["name"], labels=ns["labels"], actor=actor)
    for w in template.workloads:
        services.workload_create(design=design, actor=actor, **w)
    for e in template.externals:
        services.external_create(design=design, actor=actor, **e)
    for f in template.flows:
        services.flow_create(design=design, actor=actor, **f)
    design.refresh_from_db()
    return design
