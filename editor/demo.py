"""The three-tier example: frontend → api on TCP 8080, api → db on TCP 5432, plus DNS."""

from __future__ import annotations

from django.db import transaction

from editor import models, services

DEMO_DESIGN_NAME = "three-tier shop"


@transaction.atomic
def demo_design_create(*, owner) -> models.Design:
    design = services.design_create(
        owner=owner,
        name=DEMO_DESIGN_NAME,
        description="frontend → api on TCP 8080, api → db on TCP 5432; DNS for everyone.",
    )
    services.namespace_create(design=design, name="shop", labels={"team": "shop"})
    for name, port_name, port, x in (
        ("frontend", "http", 80, 120),
        ("api", "http", 8080, 400),
        ("db", "postgres", 5432, 680),
    ):
        services.workload_create(
            design=design,
            namespace="shop",
            name=name,
            labels={"app": name, "tier": name},
            ports=[{"name": port_name, "port": port, "protocol": "TCP"}],
            x=x,
            y=200,
        )
    services.flow_create(
        design=design,
        source={"workload": "shop/frontend"},
        destination={"workload": "shop/api"},
        ports=[{"protocol": "TCP", "port": 8080}],
    )
    services.flow_create(
        design=design,
        source={"workload": "shop/api"},
        destination={"workload": "shop/db"},
        ports=[{"protocol": "TCP", "port": 5432}],
    )
    return design
