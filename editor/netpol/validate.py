"""Kubernetes' validation rules, one implementation for the API, the forms and import.

Each ``check_*`` function raises :class:`Invalid` with a message that says what
is wrong and how to fix it, or returns the value in canonical form.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable

from .model import PROTOCOLS


class Invalid(ValueError):
    """A value Kubernetes would refuse; the message says why and how to fix it."""


# Every pattern is used with ``fullmatch``: ``$`` would let a trailing line break through ("app\n").
DNS1123_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
DNS1123_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
QUALIFIED_NAME = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]")
LABEL_VALUE = re.compile(r"(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?")
PORT_NAME = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?")
# C0 and C1 control characters (NUL, line breaks, tab, DEL …): refused in every name and in free text
# except the line breaks and tabs a description may hold
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
TEXT_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
DESIGN_NAME_MAX = 200
DESCRIPTION_MAX = 10_000


def is_ascii_digits(value: str) -> bool:
    """``"80"`` yes; ``"٨٠"`` (Arabic-Indic digits), ``"²"``, ``""`` no: ``str.isdigit`` alone says yes to those."""
    return value.isascii() and value.isdigit()


def _q(value: object) -> str:
    return _shown(str(value))


def _shown(value: str) -> str:
    """A value quoted in a message with its control characters visible (``'app\\n'``)."""
    return repr(value)[1:-1] if CONTROL.search(value) else value


def _suggest_name(value: str) -> str:
    s = re.sub(r"[^a-z0-9-]+", "-", value.lower()).strip("-")
    return s[:63].strip("-") or "name"


def check_dns_label(value: object, what: str = "name") -> str:
    """A DNS-1123 label: namespaces, workloads, externals."""
    if not isinstance(value, str) or not value:
        raise Invalid(f"The {what} is required: use lower-case letters, digits and '-', e.g. 'api'.")
    if len(value) > 63:
        raise Invalid(f"The {what} '{_q(value)}' is {len(value)} characters long: shorten it to at most 63.")
    if not DNS1123_LABEL.fullmatch(value):
        raise Invalid(
            f"The {what} '{_q(value)}' is not a valid DNS-1123 label: use only lower-case letters, digits "
            f"and '-', starting and ending with a letter or digit (did you mean '{_suggest_name(value)}'?)."
        )
    return value


def check_label_key(key: object) -> str:
    if not isinstance(key, str) or not key:
        raise Invalid("A label key is empty: give every label a key such as 'app'.")
    prefix, _, name = key.rpartition("/")
    if "/" in key and (not prefix or len(prefix) > 253 or not DNS1123_SUBDOMAIN.fullmatch(prefix)):
        raise Invalid(
            f"The label key '{_shown(key)}' has an invalid prefix '{prefix}': the prefix must be a DNS subdomain "
            f"such as 'example.com' (lower case, at most 253 characters)."
        )
    if not name or len(name) > 63 or not QUALIFIED_NAME.fullmatch(name):
        raise Invalid(
            f"The label key '{_shown(key)}' is invalid: the name part must be 1-63 characters of letters, digits, "
            f"'-', '_' or '.', starting and ending with a letter or digit (e.g. 'app' or 'example.com/tier')."
        )
    return key


def check_label_value(key: str, value: object) -> str:
    if not isinstance(value, str):
        raise Invalid(f"The value of label '{_shown(key)}' must be a string: quote it, e.g. \"{value}\".")
    if len(value) > 63:
        raise Invalid(f"The value of label '{_shown(key)}' is {len(value)} characters long: shorten it to at most 63.")
    if not LABEL_VALUE.fullmatch(value):
        raise Invalid(
            f"The value '{_q(value)}' of label '{_shown(key)}' is invalid: use letters, digits, '-', '_' or '.', "
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
        raise Invalid(f"The protocol '{_q(value)}' is not supported: use TCP, UDP or SCTP, in upper case{hint}.")
    return str(value)


def check_port_number(value: object, what: str = "port") -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid(f"The {what} '{_q(value)}' is not a number: give a whole number from 1 to 65535.")
    if not 1 <= value <= 65535:
        raise Invalid(f"The {what} {value} is out of range: a port is a number from 1 to 65535.")
    return value


def check_port_name(value: str) -> str:
    if len(value) > 15 or not PORT_NAME.fullmatch(value) or "--" in value or not re.search("[a-z]", value):
        raise Invalid(
            f"The port name '{_q(value)}' is invalid: a named port is 1-15 lower-case letters, digits and "
            f"single '-', with at least one letter and no '-' at either end (e.g. 'http' or 'grpc-web')."
        )
    return value


def check_port(protocol: object, port: object, end_port: object = None) -> tuple[str, int | str, int | None]:
    """A rule's port: a number, a named port, or a range; returns (protocol, port, end_port)."""
    protocol = check_protocol(protocol)
    if port is None:
        raise Invalid("A port needs a 'port': a number from 1 to 65535 or a port name such as 'http'.")
    if isinstance(port, str) and is_ascii_digits(port):
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


def _ipv4_sloppy(text: str) -> str | None:
    """An IPv4 address as the API server's legacy parser reads it (k8s.io/utils/net ``ParseIPSloppy``, Go 1.16's
    parser): four decimal octets, leading zeros allowed and ignored (``010`` is ten, not octal eight)."""
    parts = text.split(".")
    if len(parts) != 4 or not all(is_ascii_digits(p) and int(p) <= 255 for p in parts):
        return None
    return ".".join(str(int(p)) for p in parts)


def _ip_sloppy(text: str) -> str | None:
    """``text`` in a form Python's ``ipaddress`` reads with the meaning ``ParseIPSloppy`` gives it, or None."""
    if not text.isascii() or "%" in text or CONTROL.search(text) or text != text.strip():
        return None
    if ":" not in text:
        return _ipv4_sloppy(text)
    head, _, tail = text.rpartition(":")
    if "." in tail:  # an embedded IPv4 address ("::ffff:010.0.0.1")
        v4 = _ipv4_sloppy(tail)
        if v4 is None:
            return None
        text = f"{head}:{v4}"
    try:
        ipaddress.IPv6Address(text)
    except ValueError:
        return None
    return text


def legacy_cidr(value: str) -> str | None:
    """The CIDR in a form Python reads, as the API server reads a NetworkPolicy's ``ipBlock`` (its legacy
    ``ParseCIDRSloppy``, StrictIPCIDRValidation off by default): leading zeros in IPv4 octets and in the prefix
    length are accepted (``010.0.0.0/08`` is ``10.0.0.0/8``); None when it refuses the value."""
    address, slash, mask = value.partition("/")
    ip = _ip_sloppy(address)
    if not slash or ip is None or not is_ascii_digits(mask) or len(mask) > 5:
        return None
    if int(mask) > (128 if ":" in ip else 32):
        return None
    canonical = f"{ip}/{int(mask)}"
    return value if canonical == value else canonical


def check_cidr(value: object, what: str = "CIDR") -> str:
    """A CIDR as Kubernetes accepts it (host bits may be set; legacy leading zeros are read as the API server
    reads them and written out without them); IPv4 or IPv6."""
    if not isinstance(value, str) or not value:
        raise Invalid(f"The {what} is required, e.g. '10.0.0.0/8' or '2001:db8::/32'.")
    if "/" not in value:
        address = _ip_sloppy(value)
        if address is None:
            raise Invalid(f"'{_shown(value)}' is not a CIDR: write an address and a mask, e.g. '10.0.0.0/8'.") from None
        bits = 128 if ":" in address else 32
        raise Invalid(f"The {what} {value} has no mask: did you mean {address}/{bits}?")
    canonical = legacy_cidr(value)
    if canonical is None:
        raise Invalid(f"'{_shown(value)}' is not a valid {what}: write an address and a mask, e.g. '10.0.0.0/8'.")
    ipaddress.ip_network(canonical, strict=False)  # cannot fail: legacy_cidr checked it
    return canonical


def check_except(cidr: str, excepts: object) -> tuple[str, ...]:
    """Every ``except`` must be a CIDR strictly inside ``cidr``, of the same IP family."""
    if excepts is None:
        return ()
    if not isinstance(excepts, list | tuple):
        raise Invalid("'except' must be a list of CIDRs, e.g. [\"10.0.0.5/32\"].")
    network = ipaddress.ip_network(cidr, strict=False)
    out = []
    for item in excepts:
        item = check_cidr(item, "except CIDR")
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
    if not DNS1123_SUBDOMAIN.fullmatch(value):
        raise Invalid(
            f"The {what} '{_q(value)}' is not a valid DNS-1123 subdomain: use only lower-case letters, digits, "
            f"'-' and '.', each part starting and ending with a letter or digit "
            f"(did you mean '{_suggest_name(value)}'?)."
        )
    return value


def check_selector_operator(value: object) -> str:
    if value not in SELECTOR_OPERATORS:
        raise Invalid(
            f"The operator '{_q(value)}' is not a valid selector operator: use In, NotIn, Exists or DoesNotExist "
            f"(spelled exactly so)."
        )
    return str(value)


def check_requirement_values(key: str, operator: str, values: object) -> tuple[str, ...]:
    """``values`` are required for In/NotIn and forbidden for Exists/DoesNotExist."""
    if values is None:
        values = []
    if not isinstance(values, list):
        raise Invalid(f"The values of the requirement on '{_shown(key)}' must be a list of strings, e.g. [\"api\"].")
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
    return tuple(check_label_value(key, "" if v is None else v) for v in values)  # null reads as ""


def check_policy_type(value: object) -> str:
    if value not in POLICY_TYPES:
        raise Invalid(f"The policy type '{_q(value)}' is not supported: use Ingress or Egress (spelled exactly so).")
    return str(value)


def check_int_or_port_name(value: object, what: str = "port") -> int | str:
    """A rule's port as the API server reads it: a number 1-65535, or an IANA service name (never '80' quoted)."""
    if isinstance(value, str):
        if is_ascii_digits(value):
            raise Invalid(
                f"The {what} '{_q(value)}' is a quoted number: write it without quotes (port: {value}); a string "
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
    """An IP address as the API server's legacy parser reads it (leading zeros in IPv4 octets ignored)."""
    if not isinstance(value, str) or not value:
        raise Invalid(f"The {what} is required, e.g. '10.1.2.3'.")
    address = _ip_sloppy(value)
    if address is None:
        raise Invalid(f"'{_shown(value)}' is not a valid {what}: write it like '10.1.2.3' or '2001:db8::1'.")
    return address


# ---------------------------------------------------------------- object metadata, as ValidateObjectMeta (import)

ANNOTATIONS_MAX_BYTES = 256 * 1024  # apimachinery's TotalAnnotationSizeLimitB


def check_generate_name(value: object, name_check: Callable[[str, str], object], what: str = "name") -> str:
    """``metadata.generateName``: a prefix the API server appends five characters to; it must be a valid name
    once a trailing '-' is set aside (apimachinery's ``NameIsDNSSubdomain(prefix=true)``)."""
    if not isinstance(value, str) or not value:
        raise Invalid(f"generateName must be a non-empty string such as '{what.split()[0].lower()}-'.")
    masked = value[:-1] + "a" if len(value) > 1 and value.endswith("-") else value
    try:
        name_check(masked, f"{what} prefix (generateName)")
    except Invalid as exc:
        raise Invalid(str(exc).replace(f"'{masked}'", f"'{_shown(value)}'")) from None
    return value


def check_annotations(value: object) -> dict[str, str]:
    """Annotation keys are qualified names (case aside); values are strings (null reads as ""); keys and values
    together hold at most 256 KiB."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise Invalid('Annotations must be a mapping of key/value strings, e.g. {"team": "payments"}.')
    out: dict[str, str] = {}
    size = 0
    for key, item in value.items():
        if not isinstance(key, str):
            raise Invalid(f"The annotation key {key!r} must be a string: quote it.")
        try:
            check_label_key(key.lower())
        except Invalid:
            raise Invalid(
                f"The annotation key '{_shown(key)}' is invalid: like a label key, an optional DNS-subdomain prefix "
                f"and '/', then 1-63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit."
            ) from None
        item = "" if item is None else item
        if not isinstance(item, str):
            raise Invalid(f"The value of annotation '{_shown(key)}' must be a string: quote it.")
        size += len(key.encode()) + len(item.encode())
        out[key] = item
    if size > ANNOTATIONS_MAX_BYTES:
        raise Invalid(
            f"The annotations hold {size:,} bytes: Kubernetes allows at most {ANNOTATIONS_MAX_BYTES:,} bytes of "
            f"keys and values together; remove the large ones."
        )
    return out


# ---------------------------------------------------------------- free text (design name, description)


def check_description(value: object) -> str:
    """A design's description: free text of at most DESCRIPTION_MAX characters, line breaks and tabs allowed."""
    return check_text(value, "description", DESCRIPTION_MAX, multiline=True)


def check_text(value: object, what: str, limit: int, *, multiline: bool = False) -> str:
    """A design's name (one line) or description (line breaks and tabs allowed): no NUL or other control
    characters, at most ``limit`` characters."""
    if not isinstance(value, str):
        raise Invalid(f"The {what} must be text.")
    if len(value) > limit:
        raise Invalid(f"The {what} is {len(value):,} characters long: shorten it to at most {limit:,}.")
    bad = (TEXT_CONTROL if multiline else CONTROL).search(value)
    if bad:
        raise Invalid(
            f"The {what} contains the control character {bad.group()!r} at position {bad.start() + 1}: "
            f"remove it" + (" (line breaks and tabs are fine)." if multiline else " (write it on one line).")
        )
    return value
