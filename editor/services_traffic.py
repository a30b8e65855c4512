"""Writes and reads for observed traffic: a new design from a capture, and a capture checked against a design.

The capture is read as a stream, one line at a time (``editor.netpol.traffic``); nothing is saved unless
at least one line was used, and then the design is made in one transaction through the existing services
(``design_create``, then ``design_restore`` with the planned parts), so its history starts with the change.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from editor import models, selectors, services
from editor.netpol import traffic, traffic_check, traffic_design
from editor.netpol.gcpause import without_gc

DEFAULT_NAME = "Observed traffic"


class NoUsableFlow(ValueError):
    """The capture had no used line: nothing is saved."""


@dataclass(frozen=True)
class FromTraffic:
    design: models.Design
    plan: traffic_design.Plan

    def answer(self) -> dict:
        return {"id": self.design.pk, **self.plan.answer()}


@without_gc  # hundreds of thousands of small parsed objects, no cycles: see editor/netpol/gcpause.py
def traffic_plan(*, stream, format: str = "hubble", group: str = "dns") -> tuple[traffic.Traffic, traffic_design.Plan]:
    """Read a capture and plan its design (nothing is saved).  Raises ``traffic.TooLarge``, ``ValueError``
    for an unknown format or grouping, and :class:`NoUsableFlow` when no line was used."""
    if group not in traffic_design.GROUPS:
        raise ValueError(traffic_design.ERR_GROUP.format(group=group, known=", ".join(traffic_design.GROUPS)))
    observed = traffic.read(stream, format)
    plan = traffic_design.plan(observed, group)
    if not plan.used:
        why = observed.why_nothing()
        if observed.used:  # starts were there, but none a design can draw
            first = next((s["reason"] for s in plan.skipped if "→" in s["reason"]), "")
            why = f"{observed.used:,} connection start(s), none a design can draw ({first})"
        raise NoUsableFlow(traffic.ERR_NO_FLOW.format(why=why))
    return observed, plan


def _description(plan: traffic_design.Plan, format: str) -> str:
    return (
        f"From observed traffic ({format}): {plan.flows_seen:,} lines, {plan.used:,} used, "
        f"{plan.dropped:,} dropped, {plan.connections:,} connections."
    )


@transaction.atomic
def design_from_traffic(
    *, owner, name: str, stream, format: str = "hubble", group: str = "dns", actor=None
) -> FromTraffic:
    """A new least-privilege design (DNS rule on) drawing the connections a capture used."""
    _, plan = traffic_plan(stream=stream, format=format, group=group)
    return design_from_plan(owner=owner, name=name, plan=plan, format=format, actor=actor)


@transaction.atomic
def design_from_plan(*, owner, name: str, plan: traffic_design.Plan, format: str = "hubble", actor=None) -> FromTraffic:
    description = _description(plan, format)
    design = services.design_create(owner=owner, name=name, description=description, actor=actor or owner)
    services.design_restore(
        design=design,
        snapshot=plan.snapshot(design.name, description),
        summary=f"Drew {plan.connections:,} connections observed in {plan.used:,} flows",
        actor=actor or owner,
    )
    return FromTraffic(design, plan)


@without_gc
def design_traffic_check(*, design: models.Design, stream, format: str = "hubble") -> traffic_check.Check:
    """Judge a capture's used connections by the design's NetworkPolicy export (nothing changes)."""
    observed = traffic.read(stream, format)
    data = selectors.design_state(design)
    result = traffic_check.check(observed, data.graph, data.policies)
    if not result.checked:
        raise NoUsableFlow(traffic.ERR_NO_FLOW.format(why=observed.why_nothing()))
    return result
