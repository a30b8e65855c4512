"""Writes.  Every change to a design goes through a function here.

A service is ``<entity>_<verb>`` with keyword-only arguments, runs in one
transaction, validates with Kubernetes' rules (``editor.netpol.validate``),
bumps the design's revision and returns the model.  Invalid input raises
Django's ``ValidationError`` keyed by field, with a message that says how to fix it.
"""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import BooleanField, ExpressionWrapper, F, Model, Q
from django.utils import timezone

from editor import models, selectors
from editor.netpol import analyze, importer, layout, render, validate
from editor.netpol import model as nm
from editor.netpol.compile import compile_design
from editor.netpol.gcpause import paused_gc, without_gc
from editor.state import (
    Parts,
    advance,
    changes,
    external_record,
    flow_record,
    load_parts,
    namespace_record,
    parts_of,
    parts_of_snapshot,
    policy_record,
    settings_record,
    snapshot_of,
    workload_record,
)
from editor.state.changes import Drop, Put, Settings
from editor.state.records import ExternalRec, WorkloadRec, ordered

UNSET: Any = object()

ERR_NAMESPACE_EXISTS = "A namespace named '{name}' already exists in this design: pick another name."
ERR_WORKLOAD_EXISTS = "A workload named '{ref}' already exists in this design: pick another name or namespace."
ERR_EXTERNAL_EXISTS = "An external named '{name}' already exists in this design: pick another name."
ERR_EXTERNAL_KIND_NONE = (
    'An external is an IP range or a DNS name: give "cidr" (e.g. "10.0.0.0/8") or "fqdn" (e.g. "api.stripe.com").'
)
ERR_EXTERNAL_KIND_BOTH = (
    'An external is an IP range or a DNS name, not both: give "cidr" or "fqdn", and leave the other out.'
)
ERR_EXTERNAL_FQDN_EXCEPT = (
    '"except" carves addresses out of a cidr: a DNS-name external has none. Leave "except" out, or give a cidr.'
)
ERR_FLOW_FROM_FQDN = (
    "External '{ref}' is a DNS name, which can only be a destination: no policy can select traffic by the name it "
    "comes from. Make the flow's source a workload or namespace, or give '{ref}' a cidr instead."
)
ERR_FQDN_IS_SOURCE = (
    "External '{name}' is the source of {count} flow(s), and a DNS name can only be a destination: delete or "
    "turn those flows around first, or keep the cidr."
)
ERR_ENDPOINT_SHAPE = (
    'An endpoint is exactly one of {{"workload": "<namespace>/<name>"}}, {{"namespace": "<name>"}} '
    'or {{"external": "<name>"}}; got {got}.'
)
ERR_UNKNOWN_WORKLOAD = "There is no workload '{ref}' in this design: add it first, or use one of: {known}."
ERR_UNKNOWN_NAMESPACE = "There is no namespace '{ref}' in this design: add it first, or use one of: {known}."
ERR_UNKNOWN_EXTERNAL = "There is no external '{ref}' in this design: add it first, or use one of: {known}."
ERR_WORKLOAD_REF = "'{ref}' is not a workload reference: write it as <namespace>/<name>, e.g. 'prod/api'."
ERR_WORKLOAD_NO_LABELS = (
    "A workload needs at least one label: its policy selects pods by label, and an empty selector would select "
    'every pod of the namespace. Give it a label such as {"app": "<name>"}.'
)
ERR_FLOW_TO_ITSELF = "A flow from {ref} to itself is not allowed: pick a different destination."
ERR_FLOW_EXTERNALS = (
    "A flow between two externals ({source} -> {destination}) has no pod to apply a policy to: "
    "one end must be a workload or a namespace."
)
ERR_FLOW_DUPLICATE = "A flow from {source} to {destination} already exists: edit its ports instead of drawing it again."
ERR_NAMED_PORT_EXTERNAL = (
    "The named port '{port}' cannot be used towards external '{ref}': port names resolve on the destination "
    "pod, and an external has none. Use the port number instead."
)
ERR_PORT_SHAPE = 'Each port is an object like {{"protocol": "TCP", "port": 5432}}; got {got}.'
ERR_PORTS_LIST = 'ports must be a list, e.g. [{"protocol": "TCP", "port": 5432}]; leave it empty for all ports.'
ERR_CONTAINER_PORT_SHAPE = (
    'Each workload port is an object like {{"name": "http", "port": 8080, "protocol": "TCP"}}; got {got}.'
)
ERR_CONTAINER_PORT_DUPLICATE = (
    "The port name '{name}' is declared twice: each named port of a workload needs its own name."
)


def _invalid(field: str, message: str) -> ValidationError:
    return ValidationError({field: [message]})


_Checked = TypeVar("_Checked")


def _check(field: str, check: Callable[..., _Checked], *args: Any) -> _Checked:
    try:
        return check(*args)
    except validate.Invalid as exc:
        raise _invalid(field, str(exc)) from None


def _touch(design: models.Design, summary: str, actor, change: changes.Change) -> models.Revision:
    """Every change bumps the design's revision (states and ETags key off it), hands the typed ``change`` to the
    design's state (``editor.state.advance``) and records the revision with the change as its delta."""
    before = models.Design.objects.filter(pk=design.pk).values_list("revision", "updated").first()
    models.Design.objects.filter(pk=design.pk).update(revision=F("revision") + 1, updated=timezone.now())
    design.refresh_from_db(fields=["revision", "updated"])
    state = None
    if before is not None and design.revision == before[0] + 1:
        state = advance(design, before, change)
    return _record(design, summary, actor, change, state)


def _author(actor):
    """The user to credit with a change: ``actor`` when it is a signed-in user, else nobody."""
    return actor if getattr(actor, "is_authenticated", False) else None


FULL_SNAPSHOT_EVERY = 100  # a delta chain is at most this long, so reading an old revision stays cheap


def _chains(design: models.Design, latest: models.Revision | None) -> int | None:
    """The base a new delta revision can chain onto, or None: a whole snapshot is due (no revision before,
    a chain long enough, or one that began before revisions kept part ids)."""
    if latest is None or latest.number != design.revision - 1:
        return None
    base = latest.base if latest.base is not None else latest.number
    if design.revision - base >= FULL_SNAPSHOT_EVERY:
        return None
    if latest.number == base:  # a whole snapshot: one written since revisions keep part ids names them
        return base if latest.keeps_ids else None
    return base if changes.is_change_json(latest.delta) else None


def _record(
    design: models.Design, summary: str, actor=None, change: changes.Change | None = None, state=None
) -> models.Revision:
    latest = (
        design.revisions.exclude(number=design.revision)
        .order_by("-number")
        .only("design", "number", "state", "base", "delta")
        .annotate(keeps_ids=ExpressionWrapper(Q(snapshot__has_key="policy_ids"), output_field=BooleanField()))
        .first()
    )
    base = _chains(design, latest) if change is not None else None
    snapshot, delta = None, None
    if base is None:  # the whole design
        with paused_gc():  # thousands of records become plain JSON: see editor/netpol/gcpause.py
            snapshot = state.snapshot() if state is not None else snapshot_of(load_parts(design))
        base = design.revision
    else:
        delta = changes.to_json(change)  # type: ignore[arg-type]
    return models.Revision.objects.create(
        design=design,
        number=design.revision,
        summary=summary[:300],
        author=_author(actor),
        snapshot=snapshot,
        delta=delta,
        base=base,
        stamp=design.updated,
        findings=[f.as_dict() for f in state.findings] if state is not None else None,
        state=design.revision,
        undo_to=(latest.state or latest.number) if latest is not None else None,
    )


# ---------------------------------------------------------------- designs

DESIGN_SETTINGS = ["name", "description", "isolate_ingress", "isolate_egress", "dns"]


@transaction.atomic
def design_create(
    *,
    owner,
    name: str,
    description: str = "",
    isolate_ingress: bool = True,
    isolate_egress: bool = True,
    dns: bool = True,
    actor=None,
) -> models.Design:
    design = models.Design(
        owner=owner,
        name=_design_name(name),
        description=description or "",
        isolate_ingress=isolate_ingress,
        isolate_egress=isolate_egress,
        dns=dns,
    )
    design.full_clean()
    design.save()
    _record(design, f"Created design {design.name}", actor)
    return design


def _design_name(name: object) -> str:
    if not isinstance(name, str) or not name.strip():
        raise _invalid("name", "A design needs a name, e.g. 'shop'.")
    if len(name) > 200:
        raise _invalid("name", f"The design name is {len(name)} characters long: shorten it to at most 200.")
    return _check("name", validate.check_text, name.strip(), "design name", validate.DESIGN_NAME_MAX)


@transaction.atomic
def design_update(
    *,
    design: models.Design,
    name: str = UNSET,
    description: str = UNSET,
    isolate_ingress: bool = UNSET,
    isolate_egress: bool = UNSET,
    dns: bool = UNSET,
    actor=None,
) -> models.Design:
    before = settings_record(design)
    if name is not UNSET:
        design.name = _design_name(name)
    for field, value in (
        ("description", description),
        ("isolate_ingress", isolate_ingress),
        ("isolate_egress", isolate_egress),
        ("dns", dns),
    ):
        if value is not UNSET:
            setattr(design, field, value)
    design.full_clean()
    after = settings_record(design)
    if after == before:  # nothing changed: no revision
        return design
    design.save(update_fields=DESIGN_SETTINGS)  # never write back a stale revision: _touch bumps it
    _touch(design, _settings_summary(before, after), actor, (Settings(after),))
    return design


def _settings_summary(before, after) -> str:
    """"Changed the design's settings: DNS on → off", naming each setting that changed."""
    names = {"name": "name", "description": "description", "isolate_ingress": "ingress isolation",
             "isolate_egress": "egress isolation", "dns": "DNS"}
    parts = []
    for field, label in names.items():
        old, new = getattr(before, field), getattr(after, field)
        if old != new:
            show = (lambda v: "on" if v else "off") if isinstance(new, bool) else (lambda v: repr(v[:40]))
            parts.append(f"{label} {show(old)} → {show(new)}")
    return "Changed the design's settings: " + ", ".join(parts)


@transaction.atomic
def design_delete(*, design: models.Design, actor=None) -> None:
    """Delete the design and its history.  Only its owner may: an ``actor`` who is someone else is refused."""
    if actor is not None and getattr(actor, "pk", None) != design.owner_id:
        raise PermissionDenied(selectors.ERR_OWNER_ONLY.format(owner=design.owner.get_username(), what="delete it"))
    design.delete()


@transaction.atomic
def design_duplicate(*, design: models.Design, owner, actor=None) -> models.Design:
    """A copy of ``design`` (its current state) owned by ``owner``, made in one transaction."""
    snapshot = snapshot_of(load_parts(design))
    copy = design_create(owner=owner, name=f"{design.name} (copy)"[:200], actor=actor)
    snapshot["settings"] = {**snapshot["settings"], "name": copy.name}
    return design_restore(
        design=copy, snapshot=snapshot, summary=f"Copied from {design.name}", actor=actor, keep_ids=False
    )


# ---------------------------------------------------------------- namespaces


def _namespace_fields(design: models.Design, name: object, labels: object, instance=None) -> tuple[str, dict]:
    checked_name = _check("name", validate.check_dns_label, name, "namespace name")
    checked_labels = _check("labels", validate.check_labels, labels)
    clash = design.namespaces.filter(name=checked_name)
    if instance is not None:
        clash = clash.exclude(pk=instance.pk)
    if clash.exists():
        raise _invalid("name", ERR_NAMESPACE_EXISTS.format(name=checked_name))
    return checked_name, checked_labels


@transaction.atomic
def namespace_create(*, design: models.Design, name: str, labels: dict | None = None, actor=None) -> models.Namespace:
    name, labels = _namespace_fields(design, name, labels)
    namespace = models.Namespace(design=design, name=name, labels=labels)
    namespace.full_clean()
    namespace.save()
    _touch(design, f"Added namespace {namespace.name}", actor, (Put("namespaces", namespace_record(namespace)),))
    return namespace


@transaction.atomic
def namespace_update(
    *, namespace: models.Namespace, name: str = UNSET, labels: dict | None = UNSET, actor=None
) -> models.Namespace:
    before = namespace_record(namespace)
    name, labels = _namespace_fields(
        namespace.design,
        namespace.name if name is UNSET else name,
        namespace.labels if labels is UNSET else labels,
        instance=namespace,
    )
    namespace.name, namespace.labels = name, labels
    after = namespace_record(namespace)
    if after == before:
        return namespace
    namespace.full_clean()
    namespace.save()
    change: list[changes.Op] = [Put("namespaces", after)]
    if after.name != before.name:  # its workloads are named by it
        change += [Put("workloads", workload_record(w, after.name)) for w in namespace.workloads.all()]
    _touch(namespace.design, f"Changed namespace {_changed(before.name, after.name)}", actor, tuple(change))
    return namespace


def _changed(old: str, new: str) -> str:
    return old if old == new else f"{old} (now {new})"


def _drops(flows, *parts: tuple[str, int]) -> tuple[changes.Op, ...]:
    """The drops of deleting ``parts``: the flows that the database deletes with them first."""
    return (*(Drop("flows", pk) for pk in flows.values_list("pk", flat=True)), *(Drop(s, pk) for s, pk in parts))


@transaction.atomic
def namespace_delete(*, namespace: models.Namespace, actor=None) -> None:
    design, name = namespace.design, namespace.name
    workloads = list(namespace.workloads.values_list("pk", flat=True))
    flows = design.flows.filter(
        Q(source_namespace=namespace)
        | Q(destination_namespace=namespace)
        | Q(source_workload__in=workloads)
        | Q(destination_workload__in=workloads)
    )
    change = _drops(flows, *(("workloads", pk) for pk in workloads), ("namespaces", namespace.pk))
    namespace.delete()
    _touch(design, f"Deleted namespace {name}", actor, change)


def _namespace_get_or_create(design: models.Design, name: object) -> tuple[models.Namespace, tuple[changes.Op, ...]]:
    """The design's namespace ``name``, made when missing; with the change that made it (if it did)."""
    name = _check("namespace", validate.check_dns_label, name, "namespace name")
    namespace, created = models.Namespace.objects.get_or_create(design=design, name=name)
    return namespace, ((Put("namespaces", namespace_record(namespace)),) if created else ())


# ---------------------------------------------------------------- workloads


def _workload_labels(labels: object) -> dict[str, str]:
    checked = _check("labels", validate.check_labels, labels)
    if not checked:
        raise _invalid("labels", ERR_WORKLOAD_NO_LABELS)
    return checked


def _container_ports(ports: object) -> list[dict]:
    if ports is None:
        return []
    if not isinstance(ports, list):
        raise _invalid("ports", 'ports must be a list, e.g. [{"name": "http", "port": 8080, "protocol": "TCP"}].')
    out, seen = [], set()
    for item in ports:
        if not isinstance(item, dict) or "name" not in item or "port" not in item:
            raise _invalid("ports", ERR_CONTAINER_PORT_SHAPE.format(got=item))
        name = _check("ports", validate.check_port_name, item["name"]) if isinstance(item["name"], str) else None
        if name is None:
            raise _invalid("ports", ERR_CONTAINER_PORT_SHAPE.format(got=item))
        if name in seen:
            raise _invalid("ports", ERR_CONTAINER_PORT_DUPLICATE.format(name=name))
        seen.add(name)
        number = _check("ports", validate.check_port_number, item["port"])
        protocol = _check("ports", validate.check_protocol, item.get("protocol"))
        out.append({"name": name, "port": number, "protocol": protocol})
    return sorted(out, key=lambda p: p["name"])


@transaction.atomic
def workload_create(
    *,
    design: models.Design,
    namespace: str,
    name: str,
    labels: dict | None = None,
    ports: list | None = None,
    x: float | None = None,
    y: float | None = None,
    actor=None,
) -> models.Workload:
    name = _check("name", validate.check_dns_label, name, "workload name")
    labels = _workload_labels(labels) if labels is not None else {"app": name}
    ports = _container_ports(ports)
    ns, made = _namespace_get_or_create(design, namespace)
    if ns.workloads.filter(name=name).exists():
        raise _invalid("name", ERR_WORKLOAD_EXISTS.format(ref=f"{ns.name}/{name}"))
    workload = models.Workload(design=design, namespace=ns, name=name, labels=labels, ports=ports, x=x, y=y)
    workload.full_clean()
    workload.save()
    _touch(design, f"Added workload {workload.ref}", actor, (*made, Put("workloads", workload_record(workload))))
    return workload


@transaction.atomic
def workload_update(
    *,
    workload: models.Workload,
    namespace: str = UNSET,
    name: str = UNSET,
    labels: dict = UNSET,
    ports: list = UNSET,
    x: float | None = UNSET,
    y: float | None = UNSET,
    actor=None,
) -> models.Workload:
    design = workload.design
    before = workload_record(workload)
    made: tuple[changes.Op, ...] = ()
    if name is not UNSET:
        workload.name = _check("name", validate.check_dns_label, name, "workload name")
    if labels is not UNSET:
        workload.labels = _workload_labels(labels)
    if ports is not UNSET:
        workload.ports = _container_ports(ports)
    if namespace is not UNSET:
        workload.namespace, made = _namespace_get_or_create(design, namespace)
    if x is not UNSET:
        workload.x = x
    if y is not UNSET:
        workload.y = y
    if (
        models.Workload.objects.filter(namespace=workload.namespace, name=workload.name)
        .exclude(pk=workload.pk)
        .exists()
    ):
        raise _invalid("name", ERR_WORKLOAD_EXISTS.format(ref=f"{workload.namespace.name}/{workload.name}"))
    after = workload_record(workload)
    if after == before:  # nothing changed (a move to where it is): no revision
        return workload
    workload.full_clean()
    workload.save()
    what = "Moved" if before.same_meaning(after) else "Changed"
    _touch(design, f"{what} workload {_changed(before.ref, after.ref)}", actor, (*made, Put("workloads", after)))
    return workload


@transaction.atomic
def workload_delete(*, workload: models.Workload, actor=None) -> None:
    design, ref = workload.design, workload.ref
    change = _drops(
        design.flows.filter(Q(source_workload=workload) | Q(destination_workload=workload)), ("workloads", workload.pk)
    )
    workload.delete()
    _touch(design, f"Deleted workload {ref}", actor, change)


# ---------------------------------------------------------------- externals


def _external_fields(
    design: models.Design, name: object, cidr: object, except_: object, fqdn: object = "", instance=None
):
    """Checked (name, cidr, excepts, fqdn): exactly one of cidr and fqdn; a DNS name has no excepts."""
    name = _check("name", validate.check_dns_label, name, "external name")
    if cidr in (None, "") and fqdn in (None, ""):
        raise _invalid("cidr", ERR_EXTERNAL_KIND_NONE)
    if cidr not in (None, "") and fqdn not in (None, ""):
        raise _invalid("fqdn", ERR_EXTERNAL_KIND_BOTH)
    if fqdn not in (None, ""):
        fqdn = _check("fqdn", validate.check_fqdn, fqdn)
        if except_:
            raise _invalid("except", ERR_EXTERNAL_FQDN_EXCEPT)
        cidr, excepts = "", []
    else:
        cidr = _check("cidr", validate.check_cidr, cidr)
        excepts = sorted(_check("except", validate.check_except, cidr, except_))
        fqdn = ""
    clash = design.externals.filter(name=name)
    if instance is not None:
        clash = clash.exclude(pk=instance.pk)
    if clash.exists():
        raise _invalid("name", ERR_EXTERNAL_EXISTS.format(name=name))
    return name, cidr, excepts, fqdn


@transaction.atomic
def external_create(
    *,
    design: models.Design,
    name: str,
    cidr: str = "",
    except_: list[str] | None = None,
    fqdn: str = "",
    x: float | None = None,
    y: float | None = None,
    actor=None,
) -> models.External:
    name, cidr, excepts, fqdn = _external_fields(design, name, cidr, except_, fqdn)
    external = models.External(design=design, name=name, cidr=cidr, except_cidrs=excepts, fqdn=fqdn, x=x, y=y)
    external.full_clean()
    external.save()
    _touch(design, f"Added external {external.name}", actor, (Put("externals", external_record(external)),))
    return external


@transaction.atomic
def external_update(
    *,
    external: models.External,
    name: str = UNSET,
    cidr: str = UNSET,
    except_: list[str] | None = UNSET,
    fqdn: str = UNSET,
    x: float | None = UNSET,
    y: float | None = UNSET,
    actor=None,
) -> models.External:
    """Change an external; giving only one of ``cidr`` and ``fqdn`` makes it that kind (the other is cleared)."""
    before = external_record(external)
    if fqdn is not UNSET and fqdn and cidr is UNSET:  # becomes a DNS name
        cidr, except_ = "", ([] if except_ is UNSET else except_)
    if cidr is not UNSET and cidr and fqdn is UNSET:  # becomes an IP range
        fqdn = ""
    name, cidr, excepts, fqdn = _external_fields(
        external.design,
        external.name if name is UNSET else name,
        external.cidr if cidr is UNSET else cidr,
        external.except_cidrs if except_ is UNSET else except_,
        external.fqdn if fqdn is UNSET else fqdn,
        instance=external,
    )
    if fqdn and not external.fqdn:
        sources = models.Flow.objects.filter(source_external=external).count()
        if sources:
            raise _invalid("fqdn", ERR_FQDN_IS_SOURCE.format(name=external.name, count=sources))
    external.name, external.cidr, external.except_cidrs, external.fqdn = name, cidr, excepts, fqdn
    if x is not UNSET:
        external.x = x
    if y is not UNSET:
        external.y = y
    after = external_record(external)
    if after == before:
        return external
    external.full_clean()
    external.save()
    what = "Moved" if before.same_meaning(after) else "Changed"
    _touch(external.design, f"{what} external {_changed(before.name, after.name)}", actor, (Put("externals", after),))
    return external


@transaction.atomic
def external_delete(*, external: models.External, actor=None) -> None:
    design, name = external.design, external.name
    change = _drops(
        design.flows.filter(Q(source_external=external) | Q(destination_external=external)), ("externals", external.pk)
    )
    external.delete()
    _touch(design, f"Deleted external {name}", actor, change)


# ---------------------------------------------------------------- flows


_ENDPOINT_KINDS = ("workload", "namespace", "external")


def _resolve_endpoint(design: models.Design, field: str, value: object) -> tuple[str, Model]:
    if not isinstance(value, dict) or len(value) != 1 or next(iter(value)) not in _ENDPOINT_KINDS:
        raise _invalid(field, ERR_ENDPOINT_SHAPE.format(got=value))
    kind, ref = next(iter(value.items()))
    if not isinstance(ref, str):
        raise _invalid(field, ERR_ENDPOINT_SHAPE.format(got=value))
    _check(field, validate.check_text, ref, f"{kind} reference", 300)  # no control characters (NUL) to the database
    if kind == "workload":
        if "/" not in ref:
            raise _invalid(field, ERR_WORKLOAD_REF.format(ref=ref))
        ns_name, name = ref.split("/", 1)
        row = design.workloads.select_related("namespace").filter(namespace__name=ns_name, name=name).first()
        if row is None:
            known = [w.ref for w in design.workloads.select_related("namespace")[:20]]
            raise _invalid(field, ERR_UNKNOWN_WORKLOAD.format(ref=ref, known=", ".join(known) or "(none yet)"))
        return kind, row
    manager = design.namespaces if kind == "namespace" else design.externals
    row = manager.filter(name=ref).first()
    if row is None:
        names = ", ".join(manager.values_list("name", flat=True)[:20]) or "(none yet)"
        template = ERR_UNKNOWN_NAMESPACE if kind == "namespace" else ERR_UNKNOWN_EXTERNAL
        raise _invalid(field, template.format(ref=ref, known=names))
    return kind, row


def flow_ports(ports: object) -> list[dict]:
    """Validated, de-duplicated, sorted rule ports; empty means every port."""
    if ports is None:
        return []
    if not isinstance(ports, list):
        raise _invalid("ports", ERR_PORTS_LIST)
    out = []
    for item in ports:
        if not isinstance(item, dict) or "port" not in item or set(item) - {"protocol", "port", "end_port"}:
            raise _invalid("ports", ERR_PORT_SHAPE.format(got=item))
        protocol, port, end_port = _check(
            "ports", validate.check_port, item.get("protocol"), item["port"], item.get("end_port")
        )
        entry: dict = {"protocol": protocol, "port": port}
        if end_port is not None:
            entry["end_port"] = end_port
        if entry not in out:
            out.append(entry)
    return sorted(
        out,
        key=lambda p: (
            p["protocol"],
            isinstance(p["port"], str),
            str(p["port"]).zfill(5),
            p.get("end_port", 0),
        ),
    )


def _set_endpoint(flow: models.Flow, side: str, kind: str, row: Model) -> None:
    for k in ("workload", "namespace", "external"):
        setattr(flow, f"{side}_{k}", row if k == kind else None)


def _flow_check(flow: models.Flow) -> None:
    src_kind, src = flow.endpoint("source")
    dst_kind, dst = flow.endpoint("destination")
    source, destination = flow.endpoint_ref("source"), flow.endpoint_ref("destination")
    if src_kind == dst_kind and src.pk == dst.pk:
        raise _invalid("destination", ERR_FLOW_TO_ITSELF.format(ref=source))
    if src_kind == "external" and src.fqdn:
        raise _invalid("source", ERR_FLOW_FROM_FQDN.format(ref=source))
    if src_kind == dst_kind == "external":
        raise _invalid("destination", ERR_FLOW_EXTERNALS.format(source=source, destination=destination))
    if dst_kind == "external":
        for port in flow.ports:
            if isinstance(port["port"], str):
                raise _invalid("ports", ERR_NAMED_PORT_EXTERNAL.format(port=port["port"], ref=destination))
    clash = models.Flow.objects.filter(
        design=flow.design,
        **{f"source_{src_kind}": src, f"destination_{dst_kind}": dst},
    ).exclude(pk=flow.pk)
    if clash.exists():
        raise _invalid("destination", ERR_FLOW_DUPLICATE.format(source=source, destination=destination))


# a flow's foreign keys come from rows just looked up in the design (``_resolve_endpoint``): full_clean need not
# query each of them again to see that it exists
_FLOW_KEYS = ["design"] + [f"{side}_{kind}" for side in ("source", "destination") for kind in _ENDPOINT_KINDS]


@transaction.atomic
def flow_create(
    *, design: models.Design, source: dict, destination: dict, ports: list | None = None, actor=None
) -> models.Flow:
    flow = models.Flow(design=design, ports=flow_ports(ports))
    _set_endpoint(flow, "source", *_resolve_endpoint(design, "source", source))
    _set_endpoint(flow, "destination", *_resolve_endpoint(design, "destination", destination))
    _flow_check(flow)
    flow.full_clean(exclude=_FLOW_KEYS)
    flow.save()
    _touch(design, f"Added flow {flow}", actor, (Put("flows", flow_record(flow)),))
    return flow


@transaction.atomic
def flow_update(
    *, flow: models.Flow, source: dict = UNSET, destination: dict = UNSET, ports: list | None = UNSET, actor=None
) -> models.Flow:
    design = flow.design
    before = flow_record(flow)
    if source is not UNSET:
        _set_endpoint(flow, "source", *_resolve_endpoint(design, "source", source))
    if destination is not UNSET:
        _set_endpoint(flow, "destination", *_resolve_endpoint(design, "destination", destination))
    if ports is not UNSET:
        flow.ports = flow_ports(ports)
    after = flow_record(flow)
    if after == before:
        return flow
    _flow_check(flow)
    flow.full_clean(exclude=_FLOW_KEYS)
    flow.save()
    _touch(design, f"Changed flow {flow}", actor, (Put("flows", after),))
    return flow


@transaction.atomic
def flow_delete(*, flow: models.Flow, actor=None) -> None:
    design, text, pk = flow.design, str(flow), flow.pk
    flow.delete()
    _touch(design, f"Deleted flow {text}", actor, (Drop("flows", pk),))


# ---------------------------------------------------------------- restore


@transaction.atomic
def design_restore(
    *,
    design: models.Design,
    snapshot: dict | None = None,
    parts: Parts | None = None,
    summary: str,
    actor=None,
    keep_ids: bool = True,
    always: bool = False,
) -> models.Design:
    """Make the design equal a snapshot (from a revision, or ``DesignState.snapshot``), changing only the rows
    that differ: a part keeps its id (a client holding ``/workloads/6/`` still finds it), a part the design no
    longer has comes back with its old id where that id is free.  Nothing differs: no revision.
    ``keep_ids=False`` (a copy into another design) matches parts by name instead.  The design to make is a
    ``snapshot`` or, as ``selectors.revision_parts`` gives it, its ``parts``."""
    if parts is None:
        if snapshot is None:
            raise TypeError("design_restore needs a snapshot or parts")
        if not keep_ids:
            snapshot = {**snapshot, "policy_ids": None}
            snapshot = {k: [_without_id(v) for v in vs] if isinstance(vs, list) else vs for k, vs in snapshot.items()}
        parts = parts_of_snapshot(snapshot)
    current = parts_of(design)
    final = _restore_rows(design, current, parts)
    change = changes.diff(current, final)
    if not change and not always:
        return design
    for field in DESIGN_SETTINGS:
        setattr(design, field, getattr(final.settings, field))
    design.save(update_fields=DESIGN_SETTINGS)
    _touch(design, summary, actor, change)
    return design


def _without_id(item):
    return {k: v for k, v in item.items() if k != "id"} if isinstance(item, dict) and "metadata" not in item else item


_ROW_FIELDS = {
    "namespaces": lambda r: {"name": r.name, "labels": r.labels},
    "workloads": lambda r: {
        "namespace_id": r.namespace_pk,
        "name": r.name,
        "labels": r.labels,
        "ports": r.ports,
        "ip": r.ip,
        "kind": r.kind,
        "x": r.x,
        "y": r.y,
    },
    "externals": lambda r: {
        "name": r.name,
        "cidr": r.cidr,
        "except_cidrs": r.except_cidrs,
        "fqdn": r.fqdn,
        "x": r.x,
        "y": r.y,
    },
    "flows": lambda r: {
        "ports": r.ports,
        **{f"{side}_{kind}_id": None for side in ("source", "destination") for kind in _ENDPOINT_KINDS},
        f"source_{r.source[0]}_id": r.source[1],
        f"destination_{r.destination[0]}_id": r.destination[1],
    },
    "policies": lambda r: {"namespace": r.namespace, "name": r.name, "manifest": r.manifest},
}
_MODELS: dict[str, type[Model]] = {
    "namespaces": models.Namespace,
    "workloads": models.Workload,
    "externals": models.External,
    "flows": models.Flow,
    "policies": models.ImportedPolicy,
}
_NAME_OF = {
    "namespaces": lambda r: r.name,
    "workloads": lambda r: r.ref,
    "externals": lambda r: r.name,
    "policies": lambda r: r.ref,
}


def _restore_rows(design: models.Design, current, target):
    """Write ``target``'s parts over ``current``'s rows; the parts as written (with their real ids).

    A target part keeps its id when the design has it, or when no row anywhere has it (it comes back); else
    it takes the id of the design's part of the same name, or a new one.  Deletions go first (flows, then
    what they name), so names are free again before they are written."""
    remap: dict[tuple[str, int], int] = {}
    plan: dict[str, list] = {}
    for section in ("namespaces", "workloads", "externals", "flows", "policies"):
        have = current.section(section)
        by_name = {_NAME_OF[section](r): pk for pk, r in have.items()} if section in _NAME_OF else {}
        wanted = list(target.section(section).values())
        ids = [r.pk for r in wanted if r.pk > 0 and r.pk not in have]
        taken = set(_MODELS[section].objects.filter(pk__in=ids).values_list("pk", flat=True)) if ids else set()
        rows, chosen = [], set()
        for rec in wanted:
            rec = _remapped(section, rec, remap)
            if rec.pk in have or (rec.pk > 0 and rec.pk not in taken):
                pk: int | None = rec.pk
            else:
                pk = by_name.get(_NAME_OF[section](rec)) if section in _NAME_OF else None
                if pk in chosen:
                    pk = None
            chosen.add(pk)
            rows.append((rec, pk))
        plan[section] = rows
        keep = {pk for _, pk in rows if pk is not None}
        plan[section + "-gone"] = [pk for pk in have if pk not in keep]
        for rec, pk in rows:  # ids decided now; new rows get theirs when written
            if pk is not None:
                remap[(section, rec.pk)] = pk
    for section in ("flows", "policies", "workloads", "externals", "namespaces"):
        _MODELS[section].objects.filter(design=design, pk__in=plan[section + "-gone"]).delete()
    written: dict[str, list] = {}
    for section in ("namespaces", "workloads", "externals", "flows", "policies"):
        have, model = current.section(section), _MODELS[section]
        kept, new = [], []
        for rec, pk in plan[section]:
            rec = _remapped(section, rec, remap)
            if pk is not None and pk in have:
                if have[pk] != replace(rec, pk=pk):
                    model.objects.filter(pk=pk).update(**_ROW_FIELDS[section](rec))
                kept.append(replace(rec, pk=pk))
            else:
                given = {"pk": pk} if pk is not None else {}
                new.append((rec, model(design=design, **given, **_ROW_FIELDS[section](rec))))
        model.objects.bulk_create([row for _, row in new], batch_size=2000)  # pks come back (RETURNING)
        for rec, row in new:
            remap[(section, rec.pk)] = row.pk
            kept.append(replace(rec, pk=row.pk))
        written[section] = kept
    return replace(
        current,
        settings=target.settings,
        **{section: ordered(written[section]) for section in written},
    )


_END_SECTION = {"workload": "workloads", "namespace": "namespaces", "external": "externals"}


def _remapped(section: str, rec, remap: dict[tuple[str, int], int]):
    """``rec`` with the ids of the parts it names as they are written."""
    if section == "workloads":
        return replace(rec, namespace_pk=remap.get(("namespaces", rec.namespace_pk), rec.namespace_pk))
    if section == "flows":
        source, destination = (
            (kind, remap.get((_END_SECTION[kind], pk), pk)) for kind, pk in (rec.source, rec.destination)
        )
        return replace(rec, source=source, destination=destination)
    return rec


# ---------------------------------------------------------------- undo and redo

ERR_NOTHING_TO_UNDO = "There is nothing to undo: this is the design as it was created."
ERR_NOTHING_TO_REDO = "There is nothing to redo: redo brings back a change you undid, and there is none."


def _move_cursor(design: models.Design, target: models.Revision, summary: str, actor=None) -> models.Design:
    design_restore(design=design, parts=selectors.revision_parts(target), summary=summary, actor=actor, always=True)
    # design_restore recorded a change; mark it as a move of the cursor to ``target``'s state instead.
    models.Revision.objects.filter(design=design, number=design.revision).update(state=target.number, undo_to=None)
    return design


@transaction.atomic
def design_undo(*, design: models.Design, actor=None) -> models.Design:
    """Go back to the state before the current one's change, as a new revision (history keeps everything)."""
    models.Design.objects.select_for_update().filter(pk=design.pk).first()
    cursor = selectors.design_cursor(design)
    if cursor.undo is None:
        raise _invalid("undo", ERR_NOTHING_TO_UNDO)
    return _move_cursor(design, cursor.undo, f"Undo: {cursor.current.summary}", actor)


@transaction.atomic
def design_redo(*, design: models.Design, actor=None) -> models.Design:
    """Bring back the newest change made from the current state (which undo left)."""
    models.Design.objects.select_for_update().filter(pk=design.pk).first()
    cursor = selectors.design_cursor(design)
    if cursor.redo is None:
        raise _invalid("redo", ERR_NOTHING_TO_REDO)
    return _move_cursor(design, cursor.redo, f"Redo: {cursor.redo.summary}", actor)


# ---------------------------------------------------------------- conflicts: no lost edits

ERR_STALE_REVISION = (
    "This design changed since you loaded it: your change was made on revision {expected}, "
    "but the design is at revision {current} now (last change: {last}). Nothing was saved: "
    "look at the current state, then make your change again."
)


class StaleRevision(Exception):
    """A change was made on an older revision of the design than the current one."""

    def __init__(self, design: models.Design, expected: int):
        self.design, self.expected, self.current = design, expected, design.revision
        latest = design.revisions.select_related("author").order_by("-number").first()
        last = "unknown"
        if latest is not None:
            who = latest.author.get_username() if latest.author else "someone"
            last = f"{latest.summary or 'a change'}, by {who}"
        super().__init__(ERR_STALE_REVISION.format(expected=expected, current=self.current, last=last))


def check_revision(design: models.Design, expected: int | None) -> models.Design:
    """Lock ``design``'s row until the surrounding transaction ends and refresh ``design`` from it; raise
    ``StaleRevision`` when ``expected`` is given and is not the design's revision any more.

    Call it inside ``transaction.atomic()`` together with the service that makes the change, so a
    concurrent change waits for this one and then sees the new revision::

        try:
            with transaction.atomic():
                services.check_revision(design, int(request.POST["revision"]))
                services.workload_update(workload=..., x=..., actor=request.user)
        except services.StaleRevision as exc:
            ...  # tell the user str(exc) and show the current state (nothing was saved)
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("check_revision locks the design until the transaction ends: use transaction.atomic().")
    design.refresh_from_db(from_queryset=models.Design.objects.select_for_update())
    if expected is not None and design.revision != expected:
        raise StaleRevision(design, expected)
    return design


# ---------------------------------------------------------------- sharing

ERR_SHARE_NO_USER = "There is no user '{username}': check the spelling of the username."
ERR_SHARE_OWNER = "{username} owns this design: share it with someone else."
ERR_SHARE_EXISTS = "This design is already shared with {username} (as {role}): change that share's role instead."
ERR_SHARE_ROLE = "'{role}' is not a role: use 'viewer' (read only) or 'editor' (read and change)."


def _share_role(role: object) -> str:
    if role not in (models.DesignShare.VIEWER, models.DesignShare.EDITOR):
        raise _invalid("role", ERR_SHARE_ROLE.format(role=role))
    return role


@transaction.atomic
def share_create(*, design: models.Design, username: str, role: str, actor=None) -> models.DesignShare:
    """Share ``design`` with the user named ``username`` as a viewer or an editor."""
    role = _share_role(role)
    _check("username", validate.check_text, username, "user name", 150)  # no NUL to the database
    user = get_user_model().objects.filter(**{get_user_model().USERNAME_FIELD: username}).first()
    if user is None:
        raise _invalid("username", ERR_SHARE_NO_USER.format(username=username))
    if user.pk == design.owner_id:
        raise _invalid("username", ERR_SHARE_OWNER.format(username=username))
    existing = design.shares.filter(user=user).first()
    if existing is not None:
        raise _invalid("username", ERR_SHARE_EXISTS.format(username=username, role=existing.role))
    share = models.DesignShare(design=design, user=user, role=role)
    share.full_clean()
    share.save()
    return share


@transaction.atomic
def share_update(*, share: models.DesignShare, role: str, actor=None) -> models.DesignShare:
    share.role = _share_role(role)
    share.save(update_fields=["role"])
    return share


@transaction.atomic
def share_delete(*, share: models.DesignShare, actor=None) -> None:
    share.delete()


@transaction.atomic
def link_create(*, design: models.Design, actor=None) -> models.ShareLink:
    """A new secret read-only link to ``design``; its token is the only key, so it is long and random."""
    return models.ShareLink.objects.create(design=design, token=secrets.token_urlsafe(32), created_by=_author(actor))


@transaction.atomic
def link_revoke(*, link: models.ShareLink, actor=None) -> None:
    """Revoke a link: anyone holding it gets 404 from now on."""
    link.delete()


# ---------------------------------------------------------------- import and kept policies (issue 4)

ERR_POLICY_EXISTS = "A NetworkPolicy named '{ref}' already exists in this design: pick another name or namespace."


@dataclass(frozen=True)
class ImportResult:
    design: models.Design
    skipped: list[dict]
    warnings: tuple[dict, ...] = ()  # findings of import itself (status-dropped)


IMPORT_LAYOUT_CONNECTIONS = 500  # up to this many workloads, import lays out along what the policies allow


def _import_layout(imported) -> dict[str, tuple[int, int]]:
    """The first layout of an imported design (``netpol.layout``): one block per namespace, along the
    connections its policies allow (a larger import leaves that to auto-layout: working them out takes
    seconds at 5,000 workloads)."""
    graph = imported.graph
    pairs: list[tuple[str, str]] = []
    if len(graph.workloads) <= IMPORT_LAYOUT_CONNECTIONS and graph.policies:
        pairs = [(c.source, c.destination) for c in analyze.connections(graph, compile_design(graph))]
    return layout.lay_out_graph(graph, connections=pairs)


@without_gc  # tens of thousands of rows and value objects, no cycles: see editor/netpol/gcpause.py
@transaction.atomic
def design_import(
    *,
    owner,
    name: str,
    text: str | bytes = "",
    sources: list[tuple[str, str | bytes]] | None = None,
    actor=None,
) -> ImportResult:
    """A new design from existing manifests, keeping their meaning exactly.

    ``text`` is one multi-document body; ``sources`` several named files (documents counted per file).
    Raises ``importer.ImportFailed`` (every error, per document with its path) before anything is saved,
    or ``ValidationError`` for a bad design name.  The design is not isolated beyond its policies
    (isolate_ingress, isolate_egress and dns off); the policies are kept as they are, and a baseline
    of them is stored for the semantic diff.
    """
    imported = importer.import_sources(sources) if sources is not None else importer.import_manifests(text)
    design = design_create(
        owner=owner,
        name=name,
        description=f"Imported: {len(imported.policies)} NetworkPolicies, {len(imported.workloads)} workloads.",
        isolate_ingress=importer.IMPORTED_SETTINGS.isolate_ingress,
        isolate_egress=importer.IMPORTED_SETTINGS.isolate_egress,
        dns=importer.IMPORTED_SETTINGS.dns,
    )
    namespaces = {
        ns.name: ns
        for ns in models.Namespace.objects.bulk_create(
            models.Namespace(design=design, name=ns.name, labels=dict(ns.labels)) for ns in imported.namespaces
        )
    }
    positions = _import_layout(imported)
    workloads = models.Workload.objects.bulk_create(
        models.Workload(
            design=design,
            namespace=namespaces[w.namespace],
            name=w.name,
            labels=dict(w.labels),
            ports=[{"name": p.name, "port": p.port, "protocol": p.protocol} for p in w.ports],
            ip=w.ip,
            kind=w.kind,
            x=positions[f"workload:{w.ref}"][0],
            y=positions[f"workload:{w.ref}"][1],
        )
        for w in imported.workloads
    )
    rendered = [importer.kept_manifest(p) for p in imported.policies]  # read back without validating again
    policies = models.ImportedPolicy.objects.bulk_create(
        models.ImportedPolicy(design=design, namespace=p.namespace, name=p.name, manifest=m)
        for p, m in zip(imported.policies, rendered, strict=True)
    )
    warnings = [note.as_finding().as_dict() for note in imported.notes]
    models.ImportBaseline.objects.create(design=design, manifests=rendered, findings=warnings)
    change = (
        *(Put("namespaces", namespace_record(ns)) for ns in namespaces.values()),
        *(Put("workloads", workload_record(w, w.namespace.name)) for w in workloads),
        *(Put("policies", policy_record(p)) for p in policies),
    )
    _touch(
        design,
        f"Imported {len(imported.policies)} NetworkPolicies and {len(imported.workloads)} workloads",
        actor or owner,
        change,
    )
    return ImportResult(design, [s.as_dict() for s in imported.skipped], tuple(warnings))


def _policy_from_text(text: str) -> nm.Policy:
    try:
        return importer.parse_policy(text)
    except importer.ImportFailed as exc:
        raise ValidationError(
            {"manifest": [f"{e.path}: {e.message}" if e.path else e.message for e in exc.errors]}
        ) from None


def _policy_clash(design: models.Design, policy: nm.Policy, instance=None) -> None:
    clash = design.imported_policies.filter(namespace=policy.namespace, name=policy.name)
    if instance is not None:
        clash = clash.exclude(pk=instance.pk)
    if clash.exists():
        raise _invalid("manifest", ERR_POLICY_EXISTS.format(ref=policy.ref))


@transaction.atomic
def imported_policy_create(*, design: models.Design, text: str, actor=None) -> models.ImportedPolicy:
    """Keep one more NetworkPolicy, written as YAML and validated like import."""
    policy = _policy_from_text(text)
    _policy_clash(design, policy)
    row = models.ImportedPolicy(
        design=design, namespace=policy.namespace, name=policy.name, manifest=render.policy_manifest(policy)
    )
    row.full_clean()
    row.save()
    _touch(design, f"Added NetworkPolicy {row.ref}", actor, (Put("policies", policy_record(row)),))
    return row


@transaction.atomic
def imported_policy_update(*, policy: models.ImportedPolicy, text: str, actor=None) -> models.ImportedPolicy:
    """Replace a kept NetworkPolicy by its edited YAML (validated like import; may rename it)."""
    value = _policy_from_text(text)
    _policy_clash(policy.design, value, instance=policy)
    policy.namespace, policy.name, policy.manifest = value.namespace, value.name, render.policy_manifest(value)
    policy.full_clean()
    policy.save()
    _touch(policy.design, f"Changed NetworkPolicy {policy.ref}", actor, (Put("policies", policy_record(policy)),))
    return policy


@transaction.atomic
def imported_policy_delete(*, policy: models.ImportedPolicy, actor=None) -> None:
    design, ref, pk = policy.design, policy.ref, policy.pk
    policy.delete()
    _touch(design, f"Deleted NetworkPolicy {ref}", actor, (Drop("policies", pk),))


# ---------------------------------------------------------------- positions (issue 12: layout)

@transaction.atomic
def design_positions_set(
    *, design: models.Design, positions: dict[str, tuple[float, float]], summary: str, actor=None
) -> int:
    """Move nodes (``workload:ns/name`` or ``external:name`` → centre) in one change, and return how many
    moved; a change that moves nothing records no revision."""
    state = selectors.design_state(design)
    made: list[Put] = []
    for section, key in (("workloads", "workload:{0.ref}"), ("externals", "external:{0.name}")):
        for rec in getattr(state, section):
            spot = positions.get(key.format(rec))
            if spot is not None and (rec.x, rec.y) != (float(spot[0]), float(spot[1])):
                made.append(Put(section, dataclasses.replace(rec, x=float(spot[0]), y=float(spot[1]))))
    if not made:
        return 0
    for section, model in (("workloads", models.Workload), ("externals", models.External)):
        moved = [op.record for op in made if op.section == section]
        rows = [model(pk=r.pk, x=r.x, y=r.y) for r in moved if isinstance(r, WorkloadRec | ExternalRec)]
        model.objects.bulk_update(rows, ["x", "y"], batch_size=1000)
    _touch(design, summary, actor, tuple(made))
    return len(made)
