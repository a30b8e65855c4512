"""The stored design.  Rows only: meaning lives in ``editor.netpol``."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from rest_framework.authtoken.models import TokenProxy

from editor.netpol import validate


def _run(check, *args) -> None:
    try:
        check(*args)
    except validate.Invalid as exc:
        raise ValidationError(str(exc)) from None


def validate_namespace_name(value):
    _run(validate.check_dns_label, value, "namespace name")


def validate_workload_name(value):
    _run(validate.check_dns_label, value, "workload name")


def validate_external_name(value):
    _run(validate.check_dns_label, value, "external name")


def validate_labels(value):
    _run(validate.check_labels, value)


def validate_cidr(value):
    _run(validate.check_cidr, value)


def validate_design_name(value):
    _run(validate.check_text, value, "design name", validate.DESIGN_NAME_MAX)


def validate_description(value):
    _run(validate.check_description, value)


def validate_fqdn(value):
    _run(validate.check_fqdn, value)


class Design(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="designs")
    name = models.CharField(max_length=200, validators=[validate_design_name])
    description = models.TextField(
        blank=True, default="", validators=[validate_description], help_text="At most 10,000 characters."
    )
    isolate_ingress = models.BooleanField(
        default=True, help_text="Isolate every workload for ingress (least privilege)."
    )
    isolate_egress = models.BooleanField(default=True, help_text="Isolate every workload for egress (least privilege).")
    dns = models.BooleanField(
        default=True,
        help_text="Give every egress-isolated workload egress to UDP and TCP 53 in kube-system, as its first rule.",
    )
    revision = models.PositiveIntegerField(default=1, help_text="Grows by one with every change to the design.")
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class Namespace(models.Model):
    design = models.ForeignKey(Design, on_delete=models.CASCADE, related_name="namespaces")
    name = models.CharField(max_length=63, validators=[validate_namespace_name])
    labels = models.JSONField(default=dict, blank=True, validators=[validate_labels])

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["design", "name"], name="unique_namespace_per_design")]

    def __str__(self) -> str:
        return self.name


class Workload(models.Model):
    design = models.ForeignKey(Design, on_delete=models.CASCADE, related_name="workloads")
    namespace = models.ForeignKey(Namespace, on_delete=models.CASCADE, related_name="workloads")
    name = models.CharField(max_length=63, validators=[validate_workload_name])
    labels = models.JSONField(default=dict, blank=True, validators=[validate_labels])
    ports = models.JSONField(default=list, blank=True, help_text="Named container ports: [{name, port, protocol}].")
    ip = models.GenericIPAddressField(null=True, blank=True, help_text="The pod's IP, when imported from status.podIP.")
    kind = models.CharField(
        max_length=32,
        blank=True,
        default="",
        help_text="The kind it was imported from (Deployment, Pod …); empty when drawn.",
    )
    x = models.FloatField(null=True, blank=True)
    y = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["namespace__name", "name"]
        constraints = [models.UniqueConstraint(fields=["namespace", "name"], name="unique_workload_per_namespace")]

    def __str__(self) -> str:
        return self.ref

    @property
    def ref(self) -> str:
        return f"{self.namespace.name}/{self.name}"


class External(models.Model):
    design = models.ForeignKey(Design, on_delete=models.CASCADE, related_name="externals")
    name = models.CharField(max_length=63, validators=[validate_external_name])
    cidr = models.CharField(max_length=64, blank=True, default="", validators=[validate_cidr])
    except_cidrs = models.JSONField(default=list, blank=True)
    fqdn = models.CharField(
        max_length=253,
        blank=True,
        default="",
        validators=[validate_fqdn],
        help_text="A DNS name (or a pattern with one leading '*.' label) instead of cidr.",
    )
    x = models.FloatField(null=True, blank=True)
    y = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["design", "name"], name="unique_external_per_design")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if bool(self.cidr) == bool(self.fqdn):
            raise ValidationError({"cidr": "An external has exactly one of cidr and fqdn."})
        if self.fqdn:
            if self.except_cidrs:
                raise ValidationError({"except_cidrs": "A DNS-name external has no except list."})
            return
        try:
            validate.check_except(validate.check_cidr(self.cidr), self.except_cidrs)
        except validate.Invalid as exc:
            raise ValidationError({"except_cidrs": str(exc)}) from None


class Flow(models.Model):
    """A drawn connection.  Each end is exactly one of a workload, a namespace or an external."""

    design = models.ForeignKey(Design, on_delete=models.CASCADE, related_name="flows")
    source_workload = models.ForeignKey(Workload, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    source_namespace = models.ForeignKey(Namespace, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    source_external = models.ForeignKey(External, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    destination_workload = models.ForeignKey(
        Workload, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    destination_namespace = models.ForeignKey(
        Namespace, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    destination_external = models.ForeignKey(
        External, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    ports = models.JSONField(default=list, blank=True, help_text="[{protocol, port, end_port}]; empty: all ports.")

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.endpoint_ref('source')} -> {self.endpoint_ref('destination')}"

    def endpoint(self, side: str) -> tuple[str, models.Model]:
        """(kind, row) of one end: kind is workload, namespace or external."""
        for kind in ("workload", "namespace", "external"):
            row = getattr(self, f"{side}_{kind}")
            if row is not None:
                return kind, row
        raise ValueError(f"Flow {self.pk} has no {side}.")

    def endpoint_ref(self, side: str) -> str:
        kind, row = self.endpoint(side)
        return row.ref if kind == "workload" else row.name


class Revision(models.Model):
    """The whole design as it was right after one change: history, undo and restore read these.

    A revision holds either the whole ``snapshot`` or, for a change services could describe, the ``delta``
    from the revision before it; ``base`` is the newest revision at or before it with a whole snapshot (its
    own number when it has one).  ``selectors.revision_snapshot`` gives the whole design either way.
    """

    design = models.ForeignKey(Design, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    summary = models.CharField(max_length=300, blank=True, default="")
    snapshot = models.JSONField(null=True, blank=True)
    delta = models.JSONField(null=True, blank=True, help_text="Splices [section, index, count, items] of the last.")
    base = models.PositiveIntegerField(null=True, blank=True, help_text="The revision with the whole snapshot.")
    stamp = models.DateTimeField(null=True, blank=True, help_text="The design's `updated` at this revision.")
    findings = models.JSONField(
        null=True, blank=True, help_text="The design's findings at this revision, as worked out (editor.state)."
    )
    created = models.DateTimeField(auto_now_add=True)
    # The undo/redo cursor.  ``state`` is the number of the change revision whose content this revision has:
    # its own number for a change, the revision it went back (or forward) to for an undo or redo.  The design's
    # current state is the newest revision's ``state``.  ``undo_to`` is the state a change was made from, so undo
    # goes back to it; redo goes to the newest change made from the current state, which a new change after an
    # undo replaces (the old redo branch is dropped).
    state = models.PositiveIntegerField(null=True, blank=True, help_text="The change revision this one equals.")
    undo_to = models.PositiveIntegerField(null=True, blank=True, help_text="The state this change was made from.")

    class Meta:
        ordering = ["design", "-number"]
        constraints = [models.UniqueConstraint(fields=["design", "number"], name="unique_revision_number")]

    def __str__(self) -> str:
        return f"{self.design_id}@{self.number}"


# ---------------------------------------------------------------- sharing


class DesignShare(models.Model):
    """The owner shared a design with another user: a viewer reads it, an editor also changes it."""

    VIEWER = "viewer"
    EDITOR = "editor"
    ROLES = [(VIEWER, "Viewer (read only)"), (EDITOR, "Editor (read and change)")]

    design = models.ForeignKey(Design, on_delete=models.CASCADE, related_name="shares")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="design_shares")
    role = models.CharField(max_length=10, choices=ROLES, default=VIEWER)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["design", "user__username"]
        constraints = [models.UniqueConstraint(fields=["design", "user"], name="unique_share_per_user")]

    def __str__(self) -> str:
        return f"{self.design_id}:{self.user_id}:{self.role}"


class ShareLink(models.Model):
    """A secret, read-only URL for a design; deleting the row revokes it."""

    design = models.ForeignKey(Design, on_delete=models.CASCADE, related_name="links")
    token = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["design", "-created", "-id"]

    def __str__(self) -> str:
        return f"{self.design_id}:link{self.pk}"


# ---------------------------------------------------------------- imported policies (issue 4)


class ImportedPolicy(models.Model):
    """A NetworkPolicy kept as it is (imported, or edited as YAML): exported next to the compiled ones.

    ``manifest`` is the policy as ``editor.netpol.render.policy_manifest`` spells it, already validated.
    """

    design = models.ForeignKey(Design, on_delete=models.CASCADE, related_name="imported_policies")
    namespace = models.CharField(max_length=63)
    name = models.CharField(max_length=253)
    manifest = models.JSONField()

    class Meta:
        ordering = ["namespace", "name"]
        constraints = [
            models.UniqueConstraint(fields=["design", "namespace", "name"], name="unique_imported_policy_per_design")
        ]

    def __str__(self) -> str:
        return self.ref

    @property
    def ref(self) -> str:
        return f"{self.namespace}/{self.name}"


class ImportBaseline(models.Model):
    """What a design allowed when it was imported: the semantic diff compares against it."""

    design = models.OneToOneField(Design, on_delete=models.CASCADE, related_name="import_baseline")
    manifests = models.JSONField(help_text="The imported NetworkPolicies as rendered at import time.")
    findings = models.JSONField(
        default=list, blank=True, help_text="What import changed without refusing (a dropped status), as findings."
    )
    created = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"baseline of {self.design_id}"


class ApiToken(TokenProxy):
    """DRF's token as the admin lists it: keyed by user (as DRF's own proxy) and never printed in clear."""

    class Meta:
        proxy = True
        verbose_name = "API token"

    def __str__(self) -> str:
        from editor.accounts import mask

        return f"API token {mask(self.key)} of {self.user}"
