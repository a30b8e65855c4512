"""Kubernetes' validation rules, one implementation for the API, the forms and import.

Each ``check_*`` function raises :class:`Invalid` with a message that says what
is wrong and how to fix it, or returns the value in canonical form.
"""

from __future__ import annotations

import ipaddress
import re

from .model import PROTOCOLS


class Invalid(ValueError):
    """A value Kubernetes would refuse; the message says why and how to fix it."""


DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
QUALIFIED_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
PORT_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")


def _suggest_name(value: str) -> str:
    s = re.sub(r"[^a-z0-9-]+", "-", value.lower()).strip("-")
    return s[:63].strip("-") or "name"


def check_dns_label(value: object, what: str = "name") -> str:
    """A DNS-1123 label: namespaces, workloads, externals."""
    if not isinstance(value, str) or not value:
        raise Invalid(f"The {what} is required: use lower-case letters, digits and '-', e.g. 'api'.")
    if len(value) > 63:
        raise Invalid(f"The {what} '{value}' is {len(value)} characters long: shorten it to at most 63.")
    if not DNS1123_LABEL.match(value):
        raise Invalid(
            f"The {what} '{value}' is not a valid DNS-1123 label: use only lower-case letters, digits "
            f"and '-', starting and ending with a letter or digit (did you mean '{_suggest_name(value)}'?)."
        )
    return value


def check_label_key(key: object) -> str:
    if not isinstance(key, str) or not key:
        raise Invalid("A label key is empty: give every label a key such as 'app'.")
    prefix, _, name = key.rpartition("/")
    if "/" in key and (not prefix or len(prefix) > 253 or not DNS1123_SUBDOMAIN.match(prefix)):
        raise Invalid(
            f"The label key '{key}' has an invalid prefix '{prefix}': the prefix must be a DNS subdomain "
            f"such as 'example.com' (lower case, at most 253 characters)."
        )
    if not name or len(name) > 63 or not QUALIFIED_NAME.match(name):
        raise Invalid(
            f"The label key '{key}' is invalid: the name part must be 1-63 characters of letters, digits, "
            f"'-', '_' or '.', starting and ending with a letter or digit (e.g. 'app' or 'example.com/tier')."
        )
    return key


def check_label_value(key: str, value: object) -> str:
    if not isinstance(value, str):
        raise Invalid(f"The value of label '{key}' must be a string: quote it, e.g. \"{value}\".")
    if len(value) > 63:
        raise Invalid(f"The value of label '{key}' is {len(value)} characters long: shorten it to at most 63.")
    if not LABEL_VALUE.match(value):
        raise Invalid(
            f"The value '{value}' of label '{key}' is invalid: use letters, digits, '-', '_' or '.', "
            f"starting and ending with a letter or digit (or leave it empty)."
        )
    return value


def check_labels(labels: object) -> dict[str, str]:
    if labels is None:
        return {}
    if not isinstance(labels, dict):
        raise Invalid('Labels must be an object of key/value strings, e.g. {"app": "api"}.')
    return {check_label_key(k): check_label_value(k, v) for k, v in labels.items()}


def check_protocol(value: object) -> str:
    if value is None:
        return "TCP"
    if value not in PROTOCOLS:
        hint = f" (did you mean '{value.upper()}'?)" if isinstance(value, str) and value.upper() in PROTOCOLS else ""
        raise Invalid(f"The protocol '{value}' is not supported: use TCP, UDP or SCTP, in upper case{hint}.")
    return str(value)


def check_port_number(value: object, what: str = "port") -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid(f"The {what} '{value}' is not a number: give a whole number from 1 to 65535.")
    if not 1 <= value <= 65535:
        raise Invalid(f"The {what} {value} is out of range: a port is a number from 1 to 65535.")
    return value


def check_port_name(value: str) -> str:
    if len(value) > 15 or not PORT_NAME.match(value) or "--" in value or not re.search("[a-z]", value):
        raise Invalid(
            f"The port name '{value}' is invalid: a named port is 1-15 lower-case letters, digits and "
            f"single '-', with at least one letter and no '-' at either end (e.g. 'http' or 'grpc-web')."
        )
    return value


def check_port(protocol: object, port: object, end_port: object = None) -> tuple[str, int | str, int | None]:
    """A rule's port: a number, a named port, or a range; returns (protocol, port, end_port)."""
    protocol = check_protocol(protocol)
    if port is None:
        raise Invalid("A port needs a 'port': a number from 1 to 65535 or a port name such as 'http'.")
    if isinstance(port, str) and port.isdigit():
        port = int(port)
    if isinstance(port, str):
        check_port_name(port)
        if end_port is not None:
            raise Invalid(f"end_port goes only with a numeric port, not with the named port '{port}'.")
        return protocol, port, None
    number = check_port_number(port)
    if end_port is None:
        return protocol, number, None
    end = check_port_number(end_port, "end_port")
    if end < number:
        raise Invalid(f"end_port {end} is below port {number}: end_port must be at least port.")
    return protocol, number, end


def check_cidr(value: object, what: str = "CIDR") -> str:
    """A CIDR as Kubernetes accepts it (host bits may be set); IPv4 or IPv6."""
    if not isinstance(value, str) or not value:
        raise Invalid(f"The {what} is required, e.g. '10.0.0.0/8' or '2001:db8::/32'.")
    if "/" not in value:
        try:
            address = ipaddress.ip_address(value)
        except ValueError:
            raise Invalid(f"'{value}' is not a CIDR: write an address and a mask, e.g. '10.0.0.0/8'.") from None
        raise Invalid(f"The {what} {value} has no mask: did you mean {value}/{address.max_prefixlen}?")
    try:
        ipaddress.ip_network(value, strict=False)
    except ValueError:
        raise Invalid(f"'{value}' is not a valid {what}: write an address and a mask, e.g. '10.0.0.0/8'.") from None
    if value.split("/", 1)[1] != str(int(value.split("/", 1)[1])):
        raise Invalid(f"The mask of {value} is not a plain number: write it like '10.0.0.0/8'.")
    return value


def check_except(cidr: str, excepts: object) -> tuple[str, ...]:
    """Every ``except`` must be a CIDR strictly inside ``cidr``, of the same IP family."""
    if excepts is None:
        return ()
    if not isinstance(excepts, list | tuple):
        raise Invalid("'except' must be a list of CIDRs, e.g. [\"10.0.0.5/32\"].")
    network = ipaddress.ip_network(cidr, strict=False)
    out = []
    for item in excepts:
        check_cidr(item, "except CIDR")
        inner = ipaddress.ip_network(item, strict=False)
        if inner.version != network.version:
            raise Invalid(
                f"except {item} is IPv{inner.version} but cidr {cidr} is IPv{network.version}: use one family."
            )
        if not (inner.subnet_of(network) and inner.prefixlen > network.prefixlen):  # type: ignore[arg-type]
            raise Invalid(
                f"except {item} is not strictly inside cidr {cidr}: an except must carve a smaller range "
                f"out of the cidr."
            )
        out.append(item)
    return tuple(out)


FQDN_LABEL = re.compile(r"^[a-z0-9_]([-a-z0-9_]*[a-z0-9_])?$")


def check_fqdn(value: object) -> str:
    """A DNS name (``api.stripe.com``) or a pattern with one leading ``*.`` label (``*.s3.amazonaws.com``),
    in canonical form: lower case, without a trailing dot."""
    if not isinstance(value, str) or not value.strip():
        raise Invalid("The DNS name is required, e.g. 'api.stripe.com' or '*.s3.amazonaws.com'.")
    name = value.strip().lower().removesuffix(".")
    pattern = name.startswith("*.")
    base = name[2:] if pattern else name
    if len(name) > 253:
        raise Invalid(f"The DNS name '{name[:40]}…' is {len(name)} characters long: shorten it to at most 253.")
    if "*" in base:
        raise Invalid(
            f"The DNS name '{value}' has a '*' that is not the whole first label: only a leading '*.' is "
            f"allowed, e.g. '*.s3.amazonaws.com' (every name one label below s3.amazonaws.com)."
        )
    labels = base.split(".")
    bad = next((label for label in labels if len(label) > 63 or not FQDN_LABEL.match(label)), None)
    if bad is not None:
        raise Invalid(
            f"The DNS name '{value}' has an invalid part '{bad}': each dot-separated part is 1-63 letters, digits, "
            f"'-' or '_', not starting or ending with '-', e.g. 'api.stripe.com'."
        )
    if not pattern and len(labels) < 2:
        raise Invalid(
            f"'{value}' is a single label, not a full DNS name: write the whole name, e.g. '{base}.example.com'."
        )
    return name


# ---------------------------------------------------------------- NetworkPolicy objects (import)

SELECTOR_OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")
POLICY_TYPES = ("Ingress", "Egress")


def check_dns_subdomain(value: object, what: str = "name") -> str:
    """A DNS-1123 subdomain (at most 253 characters): names of NetworkPolicies, Pods and Deployments."""
    if not isinstance(value, str) or not value:
        raise Invalid(f"The {what} is required: use lower-case letters, digits, '-' and '.', e.g. 'allow-api'.")
    if len(value) > 253:
        raise Invalid(f"The {what} '{value[:40]}…' is {len(value)} characters long: shorten it to at most 253.")
    if not DNS1123_SUBDOMAIN.match(value):
        raise Invalid(
            f"The {what} '{value}' is not a valid DNS-1123 subdomain: use only lower-case letters, digits, "
            f"'-' and '.', each part starting and ending with a letter or digit "
            f"(did you mean '{_suggest_name(value)}'?)."
        )
    return value


def check_selector_operator(value: object) -> str:
    if value not in SELECTOR_OPERATORS:
        raise Invalid(
            f"The operator '{value}' is not a valid selector operator: use In, NotIn, Exists or DoesNotExist "
            f"(spelled exactly so)."
        )
    return str(value)


def check_requirement_values(key: str, operator: str, values: object) -> tuple[str, ...]:
    """``values`` are required for In/NotIn and forbidden for Exists/DoesNotExist."""
    if values is None:
        values = []
    if not isinstance(values, list):
        raise Invalid(f"The values of the requirement on '{key}' must be a list of strings, e.g. [\"api\"].")
    if operator in ("In", "NotIn") and not values:
        raise Invalid(
            f"The requirement '{key} {operator}' has no values: values must be given when the operator is "
            f'In or NotIn, e.g. values: ["api"].'
        )
    if operator in ("Exists", "DoesNotExist") and values:
        raise Invalid(
            f"The requirement '{key} {operator}' has values: values may not be given when the operator is "
            f"Exists or DoesNotExist; remove them."
        )
    return tuple(check_label_value(key, v) for v in values)


def check_policy_type(value: object) -> str:
    if value not in POLICY_TYPES:
        raise Invalid(f"The policy type '{value}' is not supported: use Ingress or Egress (spelled exactly so).")
    return str(value)


def check_int_or_port_name(value: object, what: str = "port") -> int | str:
    """A rule's port as the API server reads it: a number 1-65535, or an IANA service name (never '80' quoted)."""
    if isinstance(value, str):
        if value.isdigit():
            raise Invalid(
                f"The {what} '{value}' is a quoted number: write it without quotes (port: {value}); a string "
                f"port must be a port name with at least one letter."
            )
        return check_port_name(value)
    return check_port_number(value, what)


def check_end_port(port: int | str | None, end_port: object) -> int | None:
    """``endPort`` goes only with a numeric ``port`` and must be at least ``port``."""
    if end_port is None:
        return None
    if port is None:
        raise Invalid("endPort may not be given without port: give the first port of the range in 'port'.")
    if isinstance(port, str):
        raise Invalid(f"endPort may not be given with the named port '{port}': use a port number to start a range.")
    end = check_port_number(end_port, "endPort")
    if end < port:
        raise Invalid(f"endPort {end} is below port {port}: endPort must be greater than or equal to port.")
    return end


def check_ip(value: object, what: str = "IP address") -> str:
    if not isinstance(value, str) or not value:
        raise Invalid(f"The {what} is required, e.g. '10.1.2.3'.")
    try:
        ipaddress.ip_address(value)
    except ValueError:
        raise Invalid(f"'{value}' is not a valid {what}: write it like '10.1.2.3' or '2001:db8::1'.") from None
    return value
