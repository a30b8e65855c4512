"""Browser forms: text fields as people type them, parsed into what the services take.

Forms only parse the notation ("app=api, tier=backend", "TCP 8080, UDP 53");
the services validate meaning and raise ``ValidationError`` keyed by field,
which ``apply_service_errors`` puts next to the matching form field.
"""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError

from editor.netpol import port_text, validate
from editor.netpol.model import Port

ERR_LABEL_SYNTAX = "'{item}' is not a label: write key=value pairs separated by commas, e.g. app=api, tier=backend."
ERR_CONTAINER_PORT_SYNTAX = (
    "'{item}' is not a named port: write name:number or name:number/protocol, separated by commas, "
    "e.g. http:8080, dns:53/UDP."
)
ERR_FLOW_PORT_SYNTAX = (
    "'{item}' is not a port: write a protocol and a port, number range or port name, separated by commas, "
    "e.g. TCP 8080, UDP 53, TCP 8000-8100, TCP http. Leave it empty for all ports."
)
ERR_NODE_SYNTAX = (
    "'{item}' is not a part of the design: expected workload:<namespace>/<name>, namespace:<name> or external:<name>."
)

NODE_KINDS = ("workload", "namespace", "external")


def _items(text: str) -> list[str]:
    return [item.strip() for item in re.split(r"[,\n]", text or "") if item.strip()]


def parse_labels(text: str) -> dict[str, str]:
    labels: dict[str, str] = {}
    for item in _items(text):
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ValidationError(ERR_LABEL_SYNTAX.format(item=item))
        labels[key.strip()] = value.strip()
    return labels


def format_labels(labels: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(labels.items()))


def _number(text: str) -> int | str:
    """A port number written in ASCII digits ("٨٠" stays text, and is refused as a port name)."""
    return int(text) if validate.is_ascii_digits(text) and len(text) <= 18 else text


def parse_container_ports(text: str) -> list[dict]:
    ports = []
    for item in _items(text):
        match = re.fullmatch(r"([^:\s]+)\s*:\s*(\S+?)(?:\s*/\s*([A-Za-z]+))?", item)
        if not match:
            raise ValidationError(ERR_CONTAINER_PORT_SYNTAX.format(item=item))
        name, number, protocol = match.groups()
        ports.append({"name": name, "port": _number(number), "protocol": (protocol or "TCP").upper()})
    return ports


def format_container_ports(ports: list[dict]) -> str:
    return ", ".join(
        f"{p['name']}:{p['port']}" + ("" if p.get("protocol", "TCP") == "TCP" else f"/{p['protocol']}") for p in ports
    )


def parse_flow_ports(text: str) -> list[dict]:
    """'TCP 8080, UDP 53, TCP 8000-8100, http, 5432/TCP' → [{protocol, port, end_port?}] (port_text.py's notation;
    a flow names its ports: a protocol alone is refused here, an empty field means all ports)."""
    ports = []
    for item in _items(text):
        try:
            port = port_text.parse_port(item)
        except port_text.NotationError:
            raise ValidationError(ERR_FLOW_PORT_SYNTAX.format(item=item)) from None
        if port.port is None:
            raise ValidationError(ERR_FLOW_PORT_SYNTAX.format(item=item))
        entry: dict = {"protocol": port.protocol, "port": port.port}
        if port.end_port is not None:
            entry["end_port"] = port.end_port
        ports.append(entry)
    return ports


def format_flow_ports(ports: list[dict]) -> str:
    return port_text.format_ports([Port(p.get("protocol", "TCP"), p["port"], p.get("end_port")) for p in ports])


def parse_node(text: str) -> tuple[str, str]:
    """'workload:shop/api' → ('workload', 'shop/api')."""
    kind, sep, ref = (text or "").partition(":")
    if not sep or kind not in NODE_KINDS or not ref:
        raise ValidationError(ERR_NODE_SYNTAX.format(item=text))
    return kind, ref


def apply_service_errors(form: forms.Form, error: ValidationError, fields: dict[str, str] | None = None) -> None:
    """Put a service's ``ValidationError`` (keyed by service argument) next to the form's fields."""
    fields = fields or {}
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for key, messages in error.message_dict.items():
        field = fields.get(key, key)
        form.add_error(field if field in form.fields else None, messages)


class EditorForm(forms.Form):
    """A form of the editor; templates render each field with its error (the reason and the fix) beside it."""


class DesignForm(forms.Form):
    name = forms.CharField(max_length=200, error_messages={"required": "A design needs a name, e.g. 'shop'."})


class WorkloadForm(EditorForm):
    name = forms.CharField(max_length=63, error_messages={"required": "A workload needs a name, e.g. 'api'."})
    namespace = forms.CharField(
        max_length=63,
        initial="default",
        error_messages={"required": "Every workload lives in a namespace, e.g. 'default' or 'shop'."},
    )
    labels = forms.CharField(required=False, help_text="key=value, comma-separated. Empty: app=<name>.")
    ports = forms.CharField(required=False, help_text="Named container ports, e.g. http:8080, dns:53/UDP.")

    def clean_labels(self):
        text = self.cleaned_data["labels"]
        return parse_labels(text) if text.strip() else None

    def clean_ports(self):
        return parse_container_ports(self.cleaned_data["ports"])


class WorkloadEditForm(WorkloadForm):
    labels = forms.CharField(required=False, help_text="key=value, comma-separated; the pod selector.")

    def clean_labels(self):
        return parse_labels(self.cleaned_data["labels"])


class ExternalForm(EditorForm):
    name = forms.CharField(max_length=63, error_messages={"required": "An external needs a name, e.g. 'internet'."})
    cidr = forms.CharField(label="CIDR", max_length=64, required=False, help_text="An IP range, e.g. 10.0.0.0/8.")
    except_ = forms.CharField(
        label="Except", required=False, help_text="CIDRs inside it to leave out, comma-separated."
    )
    fqdn = forms.CharField(
        label="DNS name",
        max_length=253,
        required=False,
        help_text="Or a DNS name instead of the CIDR: api.stripe.com, *.s3.amazonaws.com (Cilium export only).",
    )

    def clean_except_(self):
        return _items(self.cleaned_data["except_"])


class NamespaceForm(EditorForm):
    name = forms.CharField(max_length=63, error_messages={"required": "A namespace needs a name, e.g. 'shop'."})
    labels = forms.CharField(required=False, help_text="key=value, comma-separated.")

    def clean_labels(self):
        return parse_labels(self.cleaned_data["labels"])


class FlowPortsForm(EditorForm):
    ports = forms.CharField(required=False, help_text="e.g. TCP 8080, UDP 53, TCP 8000-8100. Empty: all ports.")

    def clean_ports(self):
        return parse_flow_ports(self.cleaned_data["ports"])


class FlowForm(EditorForm):
    """A drawn flow: both ends as ``kind:ref``; ports default to the destination's declared ports."""

    source = forms.CharField()
    destination = forms.CharField()
    ports = forms.CharField(required=False)

    def clean_source(self):
        return parse_node(self.cleaned_data["source"])

    def clean_destination(self):
        return parse_node(self.cleaned_data["destination"])

    def clean_ports(self):
        text = self.cleaned_data["ports"]
        return parse_flow_ports(text) if text.strip() else None


class NodeForm(forms.Form):
    node = forms.CharField()

    def clean_node(self):
        return parse_node(self.cleaned_data["node"])


class MoveForm(NodeForm):
    x = forms.FloatField(min_value=-100000, max_value=100000)
    y = forms.FloatField(min_value=-100000, max_value=100000)


class SettingsForm(forms.Form):
    isolate_ingress = forms.BooleanField(required=False)
    isolate_egress = forms.BooleanField(required=False)
    dns = forms.BooleanField(required=False)
