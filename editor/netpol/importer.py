"""Existing manifests → a design that keeps their meaning exactly.

NetworkPolicies are parsed into domain :class:`~editor.netpol.model.Policy`
objects as they are (matchExpressions, empty selectors, namespaceSelector-only
peers, ipBlocks, named ports, endPort, explicit policyTypes): they cannot in
general be expressed as drawn flows, so the design keeps them next to its
flows and exports them unchanged in meaning.  Workloads come from Pods and pod
templates, namespaces from Namespace documents and from the namespaces used.

Input is validated as a Kubernetes API server (default feature gates) and
``kubectl``'s strict field validation would: every error names its document
(counted from 1 in the order of the body) and the field's path inside it.
Hostile input is refused early: too many bytes or documents, YAML anchors and
aliases ("billion laughs"), and absurd nesting.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
import threading
import weakref
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from itertools import accumulate
from typing import Any

import yaml

from . import fields, render, validate
from .gcpause import without_gc
from .lint import Finding
from .model import (
    NAMESPACE_NAME_LABEL,
    ContainerPort,
    Graph,
    IPBlock,
    LabelSelector,
    Namespace,
    Peer,
    Policy,
    Port,
    Requirement,
    Rule,
    Settings,
    Workload,
)

# A cluster of 5,000 workloads (Namespaces, a Deployment each, ~5,000 NetworkPolicies) is ~9 MB of compact
# JSON, more as YAML.  Anchors and aliases are refused, so the work is linear in the bytes.
MAX_BYTES = 16 * 1024 * 1024
MAX_DOCUMENTS = 20_000  # the same cluster as one document per object is ~10,000 documents
MAX_DEPTH = 64
DEFAULT_NAMESPACE = "default"
NETWORK_POLICY_API_VERSION = "networking.k8s.io/v1"

# kind → (apiVersion, how to reach the pod template from the object)
WORKLOAD_KINDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "Pod": ("v1", ()),
    "Deployment": ("apps/v1", ("spec", "template")),
    "StatefulSet": ("apps/v1", ("spec", "template")),
    "DaemonSet": ("apps/v1", ("spec", "template")),
    "ReplicaSet": ("apps/v1", ("spec", "template")),
    "Job": ("batch/v1", ("spec", "template")),
    "CronJob": ("batch/v1", ("spec", "jobTemplate", "spec", "template")),
}

ERR_TOO_LARGE = (
    f"The body is {{size}} bytes: at most {{limit}} bytes ({MAX_BYTES >> 20} MiB) can be imported at once; "
    "split the file."
)
ERR_TOO_MANY = "The body has more than {limit} documents: split it into several imports."
ERR_ALIAS = (
    "YAML anchors and aliases (&name, *name) are not accepted (they can expand a small file into a huge "
    "one): write the values out in full."
)
ERR_DEPTH = "The document is nested more than {limit} levels deep: no Kubernetes manifest needs that."
ERR_NOT_OBJECT = "Document {n} is not a Kubernetes object: each document must be a mapping with apiVersion and kind."
ERR_EMPTY = "The body holds no documents: paste or upload Kubernetes manifests (YAML, '---' between documents)."
ERR_DUPLICATE_KEY = (
    "line {line}: the key '{key}' appears twice in this mapping: the API server refuses duplicate keys "
    "(kubectl's strict field validation); keep one of them."
)
ERR_UNKNOWN_FIELD = (
    "Unknown field '{key}'{hint}: the API server refuses fields it does not define (kubectl's strict field "
    "validation). Allowed here: {allowed}. Check the spelling and indentation."
)
STATUS_DROPPED = "status-dropped"
MSG_STATUS_DROPPED = (
    "NetworkPolicy {ref} had a 'status' (document {document}{source}): current Kubernetes versions have no "
    "NetworkPolicy status, so it was dropped; the policy's spec is kept as it was."
)


@dataclass(frozen=True)
class DocumentError:
    """One problem: ``document`` counts from 1, ``path`` is the field inside it (``spec.ingress[0]``)."""

    document: int
    path: str
    message: str
    source: str = ""  # the file it came from, when several are imported at once

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"document": self.document, "path": self.path, "message": self.message}
        if self.source:
            out["source"] = self.source
        return out


@dataclass(frozen=True)
class Note:
    """Something import changed without refusing the input (a dropped ``status``): a finding for the design."""

    document: int
    path: str
    code: str
    message: str
    subject: str
    source: str = ""

    def as_finding(self) -> Finding:
        return Finding(self.code, "info", self.message, self.subject)


class ImportFailed(ValueError):
    """The input cannot be imported; ``errors`` lists every problem found."""

    def __init__(self, errors: list[DocumentError]):
        self.errors = errors
        super().__init__("; ".join(f"document {e.document} {e.path}: {e.message}" for e in errors[:5]))


@dataclass(frozen=True)
class Skipped:
    """A document of a kind import does not use (a Service, a ConfigMap …)."""

    document: int
    path: str
    kind: str
    name: str
    source: str = ""

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"document": self.document, "path": self.path, "kind": self.kind, "name": self.name}
        if self.source:
            out["source"] = self.source
        return out


@dataclass(frozen=True)
class Origin:
    """Where an imported object was written: its file, its document (from 1) and its path in that document."""

    source: str
    document: int
    path: str  # "" for a document that is the object, "items[3]" for an item of a List


@dataclass(frozen=True)
class Imported:
    namespaces: tuple[Namespace, ...] = ()
    workloads: tuple[Workload, ...] = ()
    policies: tuple[Policy, ...] = ()
    skipped: tuple[Skipped, ...] = ()
    notes: tuple[Note, ...] = ()
    # ("NetworkPolicy" | "Namespace" | "Workload", ref) → where it was written (the command line's lines)
    origins: Mapping[tuple[str, str], Origin] = field(default_factory=dict, compare=False, repr=False)

    @property
    def graph(self) -> Graph:
        """The design: not isolated beyond what the imported policies say."""
        return Graph(
            namespaces=self.namespaces,
            workloads=self.workloads,
            policies=self.policies,
            settings=IMPORTED_SETTINGS,
        )


IMPORTED_SETTINGS = Settings(isolate_ingress=False, isolate_egress=False, dns=False)


# ---------------------------------------------------------------- reading YAML safely


def _mark(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    if mark is None:
        return str(problem)
    return f"line {mark.line + 1}, column {mark.column + 1}: {problem}"


def _loader() -> Any:
    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _too_many(document: int) -> ImportFailed:
    return ImportFailed([DocumentError(document, "", ERR_TOO_MANY.format(limit=MAX_DOCUMENTS))])


def _alias(document: int, event: Any) -> ImportFailed:
    line = event.start_mark.line + 1 if event.start_mark else 0
    return ImportFailed([DocumentError(document, "", f"line {line}: {ERR_ALIAS}")])


def _too_deep(document: int) -> ImportFailed:
    return ImportFailed([DocumentError(document, "", ERR_DEPTH.format(limit=MAX_DEPTH))])


def _not_yaml(document: int, exc: yaml.YAMLError) -> ImportFailed:
    return ImportFailed(
        [DocumentError(max(document, 1), "", f"This is not valid YAML ({_mark(exc)}): fix the syntax.")]
    )


def _duplicate(document: int, steps: list[str], key: Any, event: Any) -> ImportFailed:
    """A key given twice in one mapping; ``steps`` lead to the mapping (``"spec"``, ``"[0]"``)."""
    path = ""
    for step in [*steps, str(key)]:
        path = f"{path}{step}" if step.startswith("[") else _join(path, step)
    line = event.start_mark.line + 1 if event.start_mark else 0
    return ImportFailed([DocumentError(document, path, ERR_DUPLICATE_KEY.format(line=line, key=key))])


_COMPLEX = object()  # a mapping or list used as a key: never compared


def _key_of(event: Any) -> Any:
    """A scalar event's value as a mapping key, compared as the one-pass reader compares them."""
    if event.tag is not None and event.tag != "!":
        return (event.tag, event.value)
    if not event.implicit[0]:
        return event.value  # quoted: a string
    try:
        return _plain_scalar(event.value)
    except _GiveUp:
        return ("?", event.value)


def _scan(text: str) -> None:
    """Refuse aliases/anchors, deep nesting, too many documents and duplicate keys from the event stream, before
    building."""
    depth = 0
    document = 0
    # each open collection: [seen keys, pending key or _NO_KEY] for a mapping, [None, items so far] for a list
    opened: list[list[Any]] = []
    try:
        for event in yaml.parse(text, Loader=_loader()):
            done: Any = _NO_KEY  # the node this event completes, as a key
            if isinstance(event, yaml.DocumentStartEvent):
                document += 1
                if document > MAX_DOCUMENTS:
                    raise _too_many(document)
            elif isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                raise _alias(document, event)
            elif isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    raise _too_deep(document)
                opened.append([set(), _NO_KEY] if isinstance(event, yaml.MappingStartEvent) else [None, 0])
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
                opened.pop()
                done = _COMPLEX
            elif isinstance(event, yaml.ScalarEvent):
                done = _key_of(event)
            if done is _NO_KEY or not opened:
                continue
            top = opened[-1]
            if top[0] is None:
                top[1] += 1
            elif top[1] is _NO_KEY:
                if done is not _COMPLEX:
                    if done in top[0]:
                        steps = [f"[{o[1]}]" if o[0] is None else str(o[1]) for o in opened[:-1]]
                        raise _duplicate(document, steps, done, event)
                    top[0].add(done)
                top[1] = done
            else:
                top[1] = _NO_KEY
    except yaml.YAMLError as exc:
        raise _not_yaml(document, exc) from None


# ---------------------------------------------------------------- JSON bodies, read as YAML would read them
#
# ``kubectl get -o json`` output (and JSON documents between '---' lines) is YAML too, and libyaml needs ~40×
# longer than ``json.loads`` to read it.  JSON is read with ``json`` only where that gives exactly what the YAML
# reader gives; any body with something where the two could differ goes the YAML way, which then accepts or
# refuses it as before: the fast path never decides an error.  Differences, and how they are kept out:
# - numbers with a fraction or exponent and NaN/Infinity: resolved by PyYAML's own resolver and constructor
#   (``1e3`` and ``NaN`` are strings to YAML 1.1, ``1.5e+3`` a float);
# - characters YAML does not accept in a stream, or reads as line breaks inside quotes (tab, CR, C0/C1 controls,
#   NEL, LINE/PARAGRAPH SEPARATOR, BOM, lone surrogates), and surrogate escapes (``\ud83d``: YAML refuses them);
# - a key whose ':' is not right after it on the same line, or 1,000+ characters after its start (libyaml's
#   simple-key limit): YAML refuses both;
# - document markers other than a bare '---' line, comments, directives: not JSON, so ``json`` refuses them.
# Duplicate keys: refused (the API server refuses them); a JSON body with one goes the YAML way, which names its path.
# The limits (documents, depth) are checked the same way; a body over a limit goes the YAML way for its error.

_JSON_UNSAFE_CHARACTER = re.compile(
    "[^\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]"
)
_JSON_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_JSON_KEY_APART = re.compile(r'"\s+:')  # whitespace (a line break) between a key and its ':'
# keys of 990+ characters (495+ characters or escapes): the sieve is fast, the test exact (and ~10× slower)
_JSON_MAYBE_LONG = re.compile(r'"(?=[^"]{900})|\\"')
_JSON_LONG_KEY = re.compile(r'"(?>[^"\\\n]|\\.){495,}":')
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_JSON_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_JSON_BRACKET_STEP = {"{": 1, "[": 1, "}": -1, "]": -1}
_DOCUMENT_START = re.compile(r"^---$", re.MULTILINE)
_YAML_RESOLVER = yaml.resolver.Resolver()
_YAML_CONSTRUCTOR = yaml.constructor.SafeConstructor()


def _implicit_tag(token: str) -> str:
    """The tag YAML gives ``token`` as a plain scalar (``tag:yaml.org,2002:int`` …)."""
    tag: str = _YAML_RESOLVER.resolve(yaml.ScalarNode, token, (True, False))  # type: ignore[no-untyped-call]
    return tag  # (types-PyYAML leaves Resolver.resolve untyped)


def _yaml_plain_scalar(token: str) -> Any:
    """A JSON number with a fraction or an exponent, or NaN/Infinity, as YAML reads the same plain scalar."""
    node = yaml.ScalarNode(_implicit_tag(token), token)
    return _YAML_CONSTRUCTOR.yaml_constructors[node.tag](_YAML_CONSTRUCTOR, node)


def _json_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object; a key given twice sends the body the YAML way, which names the key's path."""
    out = dict(pairs)
    if len(out) != len(pairs):
        raise ValueError("duplicate key")
    return out


def _json_depth(text: str) -> int:
    """The deepest nesting of mappings and lists in valid JSON text (0 for a scalar)."""
    brackets = _JSON_NOT_BRACKET.sub("", _JSON_STRING.sub("", text))
    return max(accumulate(map(_JSON_BRACKET_STEP.__getitem__, brackets)), default=0)


def _load_json(text: str) -> list[tuple[int, Any]] | None:
    """What :func:`load_documents` answers, when every document is JSON that YAML reads the same; else None."""
    stripped = text.lstrip(" \n-")
    if stripped[:1] not in ("{", "[", ""):  # not worth a look: YAML
        return None
    if _JSON_UNSAFE_CHARACTER.search(text) or _JSON_SURROGATE_ESCAPE.search(text) or _JSON_KEY_APART.search(text):
        return None
    if _JSON_MAYBE_LONG.search(text) and _JSON_LONG_KEY.search(text):
        return None
    chunks = _DOCUMENT_START.split(text)
    if not chunks[0].strip(" \n"):  # nothing before the first '---' (or no '---' and nothing at all)
        chunks = chunks[1:]
    if len(chunks) > MAX_DOCUMENTS:
        return None
    out: list[tuple[int, Any]] = []
    for number, chunk in enumerate(chunks, start=1):
        if not chunk.strip(" \n"):
            continue  # an empty document, as YAML's None
        try:
            data = json.loads(
                chunk,
                parse_float=_yaml_plain_scalar,
                parse_constant=_yaml_plain_scalar,
                object_pairs_hook=_json_object,
            )
        except (ValueError, RecursionError):  # JSONDecodeError is a ValueError; so is an int of 4,300+ digits
            return None
        if data is not None:
            out.append((number, data))
    if _json_depth(text) > MAX_DEPTH:
        return None
    return out


def load_documents(text: str | bytes) -> list[tuple[int, Any]]:
    """``(document number, data)`` for every non-empty document; raises :class:`ImportFailed`."""
    if isinstance(text, bytes):
        if len(text) > MAX_BYTES:
            raise ImportFailed([DocumentError(1, "", ERR_TOO_LARGE.format(size=len(text), limit=MAX_BYTES))])
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise ImportFailed([DocumentError(1, "", "The body is not UTF-8 text: save the file as UTF-8.")]) from None
    if len(text.encode("utf-8")) > MAX_BYTES:
        raise ImportFailed([DocumentError(1, "", ERR_TOO_LARGE.format(size=len(text.encode()), limit=MAX_BYTES))])
    documents = _load_json(text)
    if documents is not None:
        return documents
    return _load_yaml(text)


def _load_yaml(text: str) -> list[tuple[int, Any]]:
    documents = _load_yaml_once(text)
    return documents if documents is not None else _load_yaml_twice(text)


def _load_yaml_twice(text: str) -> list[tuple[int, Any]]:
    """The reference reader: :func:`_scan` the events for the limits, then libyaml and PyYAML build the data."""
    _scan(text)
    out: list[tuple[int, Any]] = []
    number = 0
    try:
        for number, data in enumerate(yaml.load_all(text, Loader=_loader()), start=1):  # noqa: B007
            if data is not None:
                out.append((number, data))
    except yaml.YAMLError as exc:
        raise ImportFailed(
            [DocumentError(number + 1, "", f"This document cannot be read ({_mark(exc)}): fix the YAML.")]
        ) from None
    except ValueError as exc:  # a scalar YAML matches but Python cannot build: a 4,300+ digit int, a 13th month
        raise ImportFailed(
            [DocumentError(number + 1, "", f"A value in this document cannot be read ({exc}): fix or quote it.")]
        ) from None
    return out


# ---------------------------------------------------------------- YAML in one pass
#
# :func:`_load_yaml_twice` reads the text twice (events for the limits, then nodes and data): ~6 s for 9 MB.
# :func:`_load_yaml_once` builds the data from the same events while it checks the limits, for the YAML
# manifests are written in: untagged mappings, sequences and scalars of type null, bool, int, float or str.
# Scalars are resolved and built by PyYAML's own resolver and constructors, so the data is the same.  On
# anything else (a tag, a timestamp, a merge key '<<', a mapping or list as a key, a value Python cannot
# build) it gives up and the reference reader reads the body: it decides every such case as before.  Errors
# it raises itself (syntax, documents, anchors, depth) are the first problem in the event stream, the one
# :func:`_scan` raises.

_PLAIN_TAGS = frozenset(f"tag:yaml.org,2002:{t}" for t in ("null", "bool", "int", "float", "str"))
_NO_KEY = object()  # an open mapping waiting for its next key
_IN_SEQUENCE = object()  # an open sequence


class _GiveUp(Exception):
    """Something the one-pass reader leaves to the reference reader."""


def _plain_scalar(value: str) -> Any:
    tag = _implicit_tag(value)
    if tag not in _PLAIN_TAGS:
        raise _GiveUp
    try:
        return _YAML_CONSTRUCTOR.yaml_constructors[tag](_YAML_CONSTRUCTOR, yaml.ScalarNode(tag, value))
    except ValueError:
        raise _GiveUp from None


def _load_yaml_once(text: str) -> list[tuple[int, Any]] | None:
    """What :func:`_load_yaml_twice` answers, read in one pass; None when it must be read that way."""
    scalar, alias, document_start, document_end = (
        yaml.ScalarEvent,
        yaml.AliasEvent,
        yaml.DocumentStartEvent,
        yaml.DocumentEndEvent,
    )
    mapping_start, sequence_start = yaml.MappingStartEvent, yaml.SequenceStartEvent
    collection_end = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
    out: list[tuple[int, Any]] = []
    plain: dict[str, Any] = {}  # plain scalar → value: "TCP", "80", "true" come back again and again
    opened: list[Any] = []  # the open collections, innermost last
    keys: list[Any] = []  # for each: its pending key, _NO_KEY, or _IN_SEQUENCE
    number = depth = 0
    root: Any = None
    event: Any  # told apart by type(event) identity below (faster than isinstance), which mypy does not narrow
    try:
        for event in yaml.parse(text, Loader=_loader()):
            kind = type(event)
            if kind is scalar:
                if event.anchor is not None:
                    raise _alias(number, event)
                if event.tag is not None:
                    return None
                value = event.value
                if event.implicit[0]:  # plain: resolved (null, bool, int, float, str); quoted: a string
                    raw = value
                    value = plain.get(raw, _NO_KEY)
                    if value is _NO_KEY:
                        value = plain[raw] = _plain_scalar(raw)
            elif kind is mapping_start or kind is sequence_start:
                if event.anchor is not None:
                    raise _alias(number, event)
                depth += 1
                if depth > MAX_DEPTH:
                    raise _too_deep(number)
                if event.tag is not None or (keys and keys[-1] is _NO_KEY):  # tagged, or a key
                    return None
                if kind is mapping_start:
                    opened.append({})
                    keys.append(_NO_KEY)
                else:
                    opened.append([])
                    keys.append(_IN_SEQUENCE)
                continue
            elif kind in collection_end:
                depth -= 1
                keys.pop()
                value = opened.pop()
            elif kind is document_start:
                number += 1
                if number > MAX_DOCUMENTS:
                    raise _too_many(number)
                root = None
                continue
            elif kind is document_end:
                if root is not None:
                    out.append((number, root))
                continue
            elif kind is alias:
                raise _alias(number, event)
            else:  # stream start and end
                continue
            if not opened:
                root = value
            elif (key := keys[-1]) is _IN_SEQUENCE:
                opened[-1].append(value)
            elif key is _NO_KEY:
                if value in opened[-1]:
                    steps = [f"[{len(o)}]" if k is _IN_SEQUENCE else str(k) for o, k in zip(opened, keys, strict=True)]
                    raise _duplicate(number, steps[:-1], value, event)
                keys[-1] = value
            else:
                opened[-1][key] = value
                keys[-1] = _NO_KEY
    except yaml.YAMLError as exc:
        raise _not_yaml(number, exc) from None
    except _GiveUp:
        return None
    return out


# ---------------------------------------------------------------- collecting errors with paths


class _Doc:
    """Error collection for one document."""

    def __init__(
        self,
        number: int,
        errors: list[DocumentError],
        source: str = "",
        known: dict[tuple[str, str], Any] | None = None,
        notes: list[Note] | None = None,
    ):
        self.number = number
        self.errors = errors
        self.source = source
        self.notes = notes if notes is not None else []
        # peers and ports found valid in this import, by kind and repr: the same ones come back in policy after
        # policy, and a check's result depends on the value alone (repr tells JSON-like values and their
        # types apart).  Only values without an error are remembered, so errors and paths are as before.
        self.known = known if known is not None else {}

    def remembered(self, kind: str, value: Any, read: Callable[..., Any], path: str, *args: Any) -> Any:
        key = (kind, repr(value))
        found = self.known.get(key)
        if found is not None:
            return found
        errors_before = len(self.errors)
        found = read(self, path, value, *args)
        if found is not None and len(self.errors) == errors_before and len(key[1]) <= 2000:
            self.known[key] = found
        return found

    def error(self, path: str, message: str) -> None:
        self.errors.append(DocumentError(self.number, path, message, self.source))

    def check(self, path: str, check: Callable[..., Any], *args: Any) -> Any:
        try:
            return check(*args)
        except validate.Invalid as exc:
            self.error(path, str(exc))
            return None

    def mapping(self, path: str, value: Any, allowed: tuple[str, ...] | None = None) -> dict[str, Any] | None:
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.error(path, f"{path or 'The document'} must be a mapping (key: value), not {_kind(value)}.")
            return None
        if allowed is not None:
            for key in value:
                if key not in allowed:
                    self.unknown(path, key, allowed)
        return value

    def unknown(self, path: str, key: Any, allowed: tuple[str, ...]) -> None:
        close = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        self.error(_join(path, str(key)), ERR_UNKNOWN_FIELD.format(key=key, hint=hint, allowed=", ".join(allowed)))

    def sequence(self, path: str, value: Any) -> list[Any]:
        if value is None:
            return []
        if not isinstance(value, list):
            self.error(path, f"{path} must be a list (items starting with '-'), not {_kind(value)}.")
            return []
        return value


def _kind(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean", int: "a number"}.get(
        type(value), type(value).__name__
    )


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


# ---------------------------------------------------------------- NetworkPolicy


def _selector(doc: _Doc, path: str, value: Any) -> LabelSelector | None:
    data = doc.mapping(path, value, ("matchLabels", "matchExpressions"))
    if data is None:
        return None
    labels: dict[str, str] = {}
    match_labels = doc.mapping(_join(path, "matchLabels"), data.get("matchLabels"))
    for key, label_value in (match_labels or {}).items():
        p = f"{path}.matchLabels.{key}"
        if doc.check(p, validate.check_label_key, key) is not None:
            label_value = "" if label_value is None else label_value  # the API server reads null as ""
            checked = doc.check(p, validate.check_label_value, key, label_value)
            if checked is not None:
                labels[key] = checked
    requirements = []
    for index, item in enumerate(doc.sequence(_join(path, "matchExpressions"), data.get("matchExpressions"))):
        p = f"{path}.matchExpressions[{index}]"
        entry = doc.mapping(p, item, ("key", "operator", "values"))
        if entry is None:
            continue
        key = doc.check(f"{p}.key", validate.check_label_key, entry.get("key"))
        operator = doc.check(f"{p}.operator", validate.check_selector_operator, entry.get("operator"))
        if key is None or operator is None:
            continue
        values = doc.check(f"{p}.values", validate.check_requirement_values, key, operator, entry.get("values"))
        if values is not None:
            requirements.append(Requirement(key, operator, tuple(values)))
    return LabelSelector.of(labels, requirements)


def _ip_block(doc: _Doc, path: str, value: Any) -> IPBlock | None:
    data = doc.mapping(path, value, ("cidr", "except"))
    if data is None:
        return None
    cidr = doc.check(f"{path}.cidr", validate.check_cidr, data.get("cidr"))
    excepts = []
    for index, item in enumerate(doc.sequence(f"{path}.except", data.get("except"))):
        p = f"{path}.except[{index}]"
        item = doc.check(p, validate.check_cidr, item, "except CIDR")
        if item is None or cidr is None:
            continue
        if doc.check(p, validate.check_except, cidr, [item]) is not None:
            excepts.append(item)
    if cidr is None:
        return None
    return IPBlock(cidr, tuple(excepts))


def _peer(doc: _Doc, path: str, value: Any) -> Peer | None:
    data = doc.mapping(path, value, ("podSelector", "namespaceSelector", "ipBlock"))
    if data is None:
        return None
    present = [k for k in ("podSelector", "namespaceSelector", "ipBlock") if data.get(k) is not None]
    if not present:
        doc.error(path, "A peer must specify podSelector, namespaceSelector or ipBlock: this one is empty.")
        return None
    if "ipBlock" in present and len(present) > 1:
        doc.error(
            path,
            "A peer may not combine ipBlock with podSelector or namespaceSelector: put the ipBlock in its own "
            "list item ('- ipBlock: ...').",
        )
        return None
    if "ipBlock" in present:
        block = _ip_block(doc, f"{path}.ipBlock", data["ipBlock"])
        return None if block is None else Peer(ip_block=block)
    pods = _selector(doc, f"{path}.podSelector", data["podSelector"]) if "podSelector" in present else None
    namespaces = (
        _selector(doc, f"{path}.namespaceSelector", data["namespaceSelector"])
        if "namespaceSelector" in present
        else None
    )
    return Peer(pod_selector=pods, namespace_selector=namespaces)


def _port(doc: _Doc, path: str, value: Any) -> Port | None:
    data = doc.mapping(path, value, ("protocol", "port", "endPort"))
    if data is None:
        return None
    protocol = doc.check(f"{path}.protocol", validate.check_protocol, data.get("protocol"))
    port = data.get("port")
    if port is not None:
        port = doc.check(f"{path}.port", validate.check_int_or_port_name, port)
        if port is None:
            return None
    end_port = doc.check(f"{path}.endPort", validate.check_end_port, port, data.get("endPort"))
    if protocol is None or (data.get("endPort") is not None and end_port is None):
        return None
    return Port(protocol, port, end_port)


def _rule(doc: _Doc, path: str, value: Any, peers_key: str) -> Rule | None:
    data = doc.mapping(path, value, (peers_key, "ports"))
    if data is None:
        return None
    errors_before = len(doc.errors)
    peers = [
        doc.remembered("peer", item, _peer, f"{path}.{peers_key}[{i}]")
        for i, item in enumerate(doc.sequence(f"{path}.{peers_key}", data.get(peers_key)))
    ]
    ports = [
        doc.remembered("port", item, _port, f"{path}.ports[{i}]")
        for i, item in enumerate(doc.sequence(f"{path}.ports", data.get("ports")))
    ]
    if len(doc.errors) > errors_before:
        return None
    return Rule(tuple(p for p in peers if p is not None), tuple(p for p in ports if p is not None))


def _generated_name(prefix: str, limit: int) -> str:
    """The name a ``generateName`` prefix stands for in the design (the API server appends five random
    characters; the design needs a stable name)."""
    return prefix[: limit - len("generated")] + "generated"


def _meta_fields(doc: _Doc, path: str, value: Any) -> tuple[dict[str, Any], dict[str, str] | None]:
    """An ``ObjectMeta`` (an object's or a pod template's): known fields only, labels and annotations."""
    metadata = doc.mapping(path, value, fields.OBJECT_META) or {}
    labels = _labels(doc, f"{path}.labels", metadata.get("labels"))
    doc.check(f"{path}.annotations", validate.check_annotations, metadata.get("annotations"))
    return metadata, labels


def _metadata(
    doc: _Doc, path: str, data: dict[str, Any], name_check: Callable[..., str], what: str, namespaced: bool = True
) -> tuple[str, str, dict[str, str] | None]:
    """Validate ``metadata`` as the API server's ``ValidateObjectMeta``: known fields only, the name (or a
    ``generateName`` prefix, blamed on its own field), the namespace, labels and annotations; returns the
    name, the namespace and the labels (None when they are invalid)."""
    metadata, labels = _meta_fields(doc, path, data.get("metadata"))
    name, generate = metadata.get("name"), metadata.get("generateName")
    if generate not in (None, ""):
        generate = doc.check(f"{path}.generateName", validate.check_generate_name, generate, name_check, what)
    if name in (None, "") and metadata.get("generateName") not in (None, ""):
        # named after the prefix; an invalid prefix is blamed alone, on generateName
        name = _generated_name(generate, 63 if name_check is validate.check_dns_label else 253) if generate else ""
    else:
        name = doc.check(f"{path}.name", name_check, name, f"{what} name") or ""
    if not namespaced:  # the API server clears metadata.namespace of cluster-scoped objects
        return name, "", labels
    namespace = metadata.get("namespace")
    namespace = DEFAULT_NAMESPACE if namespace in (None, "") else namespace
    namespace = doc.check(f"{path}.namespace", validate.check_dns_label, namespace, "namespace name") or ""
    return name, namespace, labels


def _top_level(doc: _Doc, path: str, data: dict[str, Any], allowed: tuple[str, ...]) -> None:
    for key in data:
        if key not in allowed:
            doc.unknown(path, key, allowed)


def _policy(doc: _Doc, path: str, data: dict[str, Any]) -> Policy | None:
    errors_before = len(doc.errors)
    _top_level(doc, path, data, (*fields.NETWORK_POLICY, "status"))
    if data.get("apiVersion") != NETWORK_POLICY_API_VERSION:
        doc.error(
            _join(path, "apiVersion"),
            f"apiVersion '{data.get('apiVersion')}' is not served for NetworkPolicy: use {NETWORK_POLICY_API_VERSION}.",
        )
    name, namespace, _ = _metadata(doc, _join(path, "metadata"), data, validate.check_dns_subdomain, "NetworkPolicy")
    spec_path = _join(path, "spec")
    spec = doc.mapping(spec_path, data.get("spec"), fields.NETWORK_POLICY_SPEC)
    if spec is None:
        return None
    selector = _selector(doc, f"{spec_path}.podSelector", spec.get("podSelector"))
    ingress = [
        _rule(doc, f"{spec_path}.ingress[{i}]", item, "from")
        for i, item in enumerate(doc.sequence(f"{spec_path}.ingress", spec.get("ingress")))
    ]
    egress = [
        _rule(doc, f"{spec_path}.egress[{i}]", item, "to")
        for i, item in enumerate(doc.sequence(f"{spec_path}.egress", spec.get("egress")))
    ]
    types = doc.sequence(f"{spec_path}.policyTypes", spec.get("policyTypes"))
    if len(types) > 2:
        doc.error(f"{spec_path}.policyTypes", "policyTypes may list at most two types: Ingress and Egress.")
    checked_types = [
        doc.check(f"{spec_path}.policyTypes[{i}]", validate.check_policy_type, t) for i, t in enumerate(types)
    ]
    if len(doc.errors) > errors_before or selector is None:
        return None
    if "status" in data:  # older clusters print it; current ones have no such field: dropped, and said so
        source = f" of {doc.source}" if doc.source else ""
        doc.notes.append(
            Note(
                doc.number,
                _join(path, "status"),
                STATUS_DROPPED,
                MSG_STATUS_DROPPED.format(ref=f"{namespace}/{name}", document=doc.number, source=source),
                f"{namespace}/{name}",
                doc.source,
            )
        )
    if types:  # explicit policyTypes; rules of a direction not listed are ignored by Kubernetes
        ingress_isolated, egress_isolated = "Ingress" in checked_types, "Egress" in checked_types
    else:  # defaulted as the API server does: Ingress always, Egress when there are egress rules
        ingress_isolated, egress_isolated = True, bool(egress)
    return Policy(
        name=name,
        namespace=namespace,
        pod_selector=selector,
        ingress_isolated=ingress_isolated,
        egress_isolated=egress_isolated,
        ingress=tuple(r for r in ingress if r is not None) if ingress_isolated else (),
        egress=tuple(r for r in egress if r is not None) if egress_isolated else (),
    )


# ---------------------------------------------------------------- namespaces and workloads


def _labels(doc: _Doc, path: str, value: Any) -> dict[str, str] | None:
    data = doc.mapping(path, value)
    if data is None:
        return None
    out: dict[str, str] = {}
    ok = True
    for key, label_value in data.items():
        p = f"{path}.{key}"
        if doc.check(p, validate.check_label_key, key) is None:
            ok = False
            continue
        label_value = "" if label_value is None else label_value  # the API server reads null as ""
        checked = doc.check(p, validate.check_label_value, key, label_value)
        if checked is None:
            ok = False
        else:
            out[key] = checked
    return out if ok else None


def _namespace(doc: _Doc, path: str, data: dict[str, Any]) -> Namespace | None:
    errors_before = len(doc.errors)
    if data.get("apiVersion") != "v1":
        doc.error(
            _join(path, "apiVersion"), f"apiVersion '{data.get('apiVersion')}' is not served for Namespace: use v1."
        )
    _top_level(doc, path, data, fields.OBJECT)
    doc.mapping(_join(path, "spec"), data.get("spec"), fields.NAMESPACE_SPEC)
    doc.mapping(_join(path, "status"), data.get("status"), fields.NAMESPACE_STATUS)
    name, _, labels = _metadata(
        doc, _join(path, "metadata"), data, validate.check_dns_label, "namespace", namespaced=False
    )
    if len(doc.errors) > errors_before or labels is None:
        return None
    labels.pop(NAMESPACE_NAME_LABEL, None)  # Kubernetes sets it to the name whatever was written
    return Namespace(name, tuple(sorted(labels.items())))


def _dig(data: Any, keys: tuple[str, ...]) -> Any:
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def _container_ports(doc: _Doc, path: str, pod_spec: dict[str, Any]) -> tuple[ContainerPort, ...] | None:
    ports: list[ContainerPort] = []
    seen: dict[str, str] = {}
    ok = True
    for key, allowed in (("initContainers", fields.CONTAINER), ("ephemeralContainers", fields.EPHEMERAL_CONTAINER)):
        for index, container in enumerate(doc.sequence(f"{path}.{key}", pod_spec.get(key))):
            doc.mapping(f"{path}.{key}[{index}]", container, allowed)
    for c_index, container in enumerate(doc.sequence(f"{path}.containers", pod_spec.get("containers"))):
        c_path = f"{path}.containers[{c_index}]"
        container = doc.mapping(c_path, container, fields.CONTAINER)
        if container is None:
            ok = False
            continue
        for p_index, item in enumerate(doc.sequence(f"{c_path}.ports", container.get("ports"))):
            p_path = f"{c_path}.ports[{p_index}]"
            item = doc.mapping(p_path, item, fields.CONTAINER_PORT)
            if item is None:
                ok = False
                continue
            number = doc.check(
                f"{p_path}.containerPort", validate.check_port_number, item.get("containerPort"), "containerPort"
            )
            protocol = doc.check(f"{p_path}.protocol", validate.check_protocol, item.get("protocol"))
            name = item.get("name")
            if name is not None:
                name = doc.check(f"{p_path}.name", validate.check_port_name, name) if isinstance(name, str) else None
                if name is None:
                    if not isinstance(item.get("name"), str):
                        doc.error(f"{p_path}.name", "A port name must be a string such as 'http'.")
                    ok = False
                    continue
                if name in seen:
                    doc.error(
                        f"{p_path}.name",
                        f"The port name '{name}' is already used by {seen[name]}: port names must be unique in a pod.",
                    )
                    ok = False
                    continue
                seen[name] = p_path
            if number is None or protocol is None:
                ok = False
                continue
            if name:  # only named ports matter to NetworkPolicies
                ports.append(ContainerPort(name, number, protocol))
    return tuple(sorted(ports, key=lambda p: p.name)) if ok else None


@dataclass
class _WorkloadDraft:
    namespace: str
    name: str
    labels: dict[str, str]
    ports: tuple[ContainerPort, ...]
    ip: str | None
    document: int
    path: str
    source: str = ""
    kind: str = ""


# the fields of each level on the way from a workload to its pod template
_TEMPLATE_LEVELS = {"template": fields.POD_TEMPLATE, "jobTemplate": fields.JOB_TEMPLATE}


def _template(
    doc: _Doc, path: str, data: dict[str, Any], kind: str, keys: tuple[str, ...]
) -> tuple[str, dict[str, Any]]:
    """The pod template of a workload, every level on the way checked for unknown fields."""
    value: Any = data
    spec_of = kind
    for key in keys:
        path = _join(path, key)
        if key == "spec":
            allowed = fields.WORKLOAD_SPEC[spec_of]
            spec_of = "Job"  # a CronJob's jobTemplate.spec is a Job's spec
        else:
            allowed = _TEMPLATE_LEVELS[key]
        value = doc.mapping(path, value.get(key), allowed) or {}
    return path, value


def _workload(doc: _Doc, path: str, data: dict[str, Any], kind: str) -> _WorkloadDraft | None:
    errors_before = len(doc.errors)
    api_version, template_keys = WORKLOAD_KINDS[kind]
    if data.get("apiVersion") != api_version:
        doc.error(
            _join(path, "apiVersion"),
            f"apiVersion '{data.get('apiVersion')}' is not served for {kind}: use {api_version}.",
        )
    _top_level(doc, path, data, fields.OBJECT)
    name, namespace, labels = _metadata(doc, _join(path, "metadata"), data, validate.check_dns_subdomain, kind)
    if template_keys:
        template_path, template = _template(doc, path, data, kind, template_keys)
        _, labels = _meta_fields(doc, f"{template_path}.metadata", template.get("metadata"))
        spec_path, pod_spec = f"{template_path}.spec", template.get("spec")
    else:
        spec_path, pod_spec = _join(path, "spec"), data.get("spec")
    pod_spec = doc.mapping(spec_path, pod_spec, fields.POD_SPEC) or {}
    ports = _container_ports(doc, spec_path, pod_spec)
    ip = None
    if kind == "Pod":
        pod_ip = _dig(data, ("status", "podIP"))
        if pod_ip not in (None, ""):
            ip = doc.check(_join(path, "status.podIP"), validate.check_ip, pod_ip, "pod IP")
    if len(doc.errors) > errors_before or labels is None or ports is None:
        return None
    return _WorkloadDraft(namespace, name, labels, ports, ip, doc.number, path, doc.source, kind)


def _workload_name(name: str, taken: set[tuple[str, str]], namespace: str) -> str:
    """Object names may be DNS subdomains (with dots); a design's workload names are DNS labels."""
    base = validate._suggest_name(name.replace(".", "-"))
    candidate, suffix = base, 2
    while (namespace, candidate) in taken:
        tail = f"-{suffix}"
        candidate = base[: 63 - len(tail)].rstrip("-") + tail
        suffix += 1
    return candidate


# ---------------------------------------------------------------- the whole body


def _objects(
    number: int,
    data: Any,
    errors: list[DocumentError],
    source: str = "",
    known: dict[tuple[str, str], Any] | None = None,
    notes: list[Note] | None = None,
) -> Iterator[tuple[_Doc, str, dict[str, Any]]]:
    """Every object of one document, ``List`` (and ``*List``) items expanded with their path."""
    doc = _Doc(number, errors, source, known, notes)
    if not isinstance(data, dict):
        doc.error("", ERR_NOT_OBJECT.format(n=number))
        return
    kind = data.get("kind")
    if isinstance(kind, str) and kind.endswith("List") and "items" in data:
        _top_level(doc, "", data, fields.LIST)
        doc.mapping("metadata", data.get("metadata"), fields.LIST_META)
        # a typed list (PodList, DeploymentList …, as the API answers a list request) gives its items' kind and
        # apiVersion, which the items themselves leave out
        item_kind = kind[: -len("List")] if kind != "List" else None
        for index, item in enumerate(doc.sequence("items", data.get("items"))):
            if not isinstance(item, dict):
                doc.error(f"items[{index}]", f"items[{index}] is not a Kubernetes object (a mapping with a kind).")
                continue
            if item_kind and "kind" not in item:
                item = {"kind": item_kind, "apiVersion": data.get("apiVersion"), **item}
            yield doc, f"items[{index}]", item
        return
    yield doc, "", data


@without_gc  # parsing builds millions of cycle-free objects: see gcpause.py
def import_manifests(text: str | bytes) -> Imported:
    """Parse and validate a multi-document body; raise :class:`ImportFailed` listing every error."""
    return import_sources([("", text)])


def import_sources(sources: list[tuple[str, str | bytes]]) -> Imported:
    """Like :func:`import_manifests` for several files at once (``(name, text)``): documents are counted
    per file and every error names its file."""
    size = sum(len(t.encode("utf-8") if isinstance(t, str) else t) for _, t in sources)
    if size > MAX_BYTES:
        raise ImportFailed([DocumentError(1, "", ERR_TOO_LARGE.format(size=size, limit=MAX_BYTES))])
    errors: list[DocumentError] = []
    documents: list[tuple[str, int, Any]] = []
    for source, text in sources:
        try:
            documents.extend((source, number, data) for number, data in load_documents(text))
        except ImportFailed as exc:
            errors.extend(replace(e, source=source) for e in exc.errors)
    if errors:
        raise ImportFailed(errors)
    if not documents:
        raise ImportFailed([DocumentError(1, "", ERR_EMPTY)])
    namespaces: dict[str, Namespace] = {}
    namespace_docs: dict[str, str] = {}
    policies: dict[tuple[str, str], Policy] = {}
    policy_docs: dict[tuple[str, str], str] = {}
    drafts: list[_WorkloadDraft] = []
    skipped: list[Skipped] = []
    known: dict[tuple[str, str], Any] = {}  # shared by the documents of this import: see _Doc
    notes: list[Note] = []
    origins: dict[tuple[str, str], Origin] = {}
    for source, number, data in documents:
        for doc, path, obj in _objects(number, data, errors, source, known, notes):
            kind = obj.get("kind")
            where = (f"{source} " if source else "") + f"document {number}" + (f" {path}" if path else "")
            if not isinstance(kind, str) or not kind:
                doc.error(
                    _join(path, "kind"), "The object has no kind: every manifest needs 'kind' (e.g. NetworkPolicy)."
                )
            elif kind == "NetworkPolicy":
                policy = _policy(doc, path, obj)
                if policy is None:
                    continue
                key = (policy.namespace, policy.name)
                if key in policies:
                    doc.error(
                        _join(path, "metadata.name"),
                        f"NetworkPolicy {policy.ref} is already defined in {policy_docs[key]}: names must be "
                        f"unique in a namespace; rename or remove one.",
                    )
                    continue
                policies[key], policy_docs[key] = policy, where
                origins[("NetworkPolicy", policy.ref)] = Origin(source, number, path)
            elif kind == "Namespace":
                namespace = _namespace(doc, path, obj)
                if namespace is None:
                    continue
                if namespace.name in namespaces:
                    doc.error(
                        _join(path, "metadata.name"),
                        f"Namespace {namespace.name} is already defined in {namespace_docs[namespace.name]}: "
                        f"keep one of them.",
                    )
                    continue
                namespaces[namespace.name], namespace_docs[namespace.name] = namespace, where
                origins[("Namespace", namespace.name)] = Origin(source, number, path)
            elif kind in WORKLOAD_KINDS:
                draft = _workload(doc, path, obj, kind)
                if draft is not None:
                    drafts.append(draft)
            else:
                metadata = obj.get("metadata")
                name = metadata.get("name") if isinstance(metadata, dict) else None
                name = name if isinstance(name, str) else ""
                skipped.append(Skipped(number, path, kind, name, source))
    if errors:
        raise ImportFailed(errors)

    taken: set[tuple[str, str]] = set()
    workloads = []
    for draft in drafts:
        name = _workload_name(draft.name, taken, draft.namespace)
        taken.add((draft.namespace, name))
        origins[("Workload", f"{draft.namespace}/{name}")] = Origin(draft.source, draft.document, draft.path)
        labels = tuple(sorted(draft.labels.items()))
        workloads.append(Workload(draft.namespace, name, labels, draft.ports, ip=draft.ip, kind=draft.kind))
    used = {w.namespace for w in workloads} | {p.namespace for p in policies.values()}
    for name in used - set(namespaces):
        namespaces[name] = Namespace(name)
    return Imported(
        namespaces=tuple(namespaces[n] for n in sorted(namespaces)),
        workloads=tuple(sorted(workloads, key=lambda w: (w.namespace, w.name))),
        policies=tuple(policies[k] for k in sorted(policies)),
        skipped=tuple(skipped),
        notes=tuple(notes),
        origins=origins,
    )


def parse_policy(text: str) -> Policy:
    """Exactly one NetworkPolicy from YAML (the editor's "edit as YAML"); raises :class:`ImportFailed`."""
    errors: list[DocumentError] = []
    objects = [obj for number, data in load_documents(text) for obj in _objects(number, data, errors)]
    if errors:
        raise ImportFailed(errors)
    if len(objects) != 1 or objects[0][2].get("kind") != "NetworkPolicy":
        raise ImportFailed([DocumentError(1, "", "Give exactly one NetworkPolicy document (kind: NetworkPolicy).")])
    doc, path, obj = objects[0]
    policy = _policy(doc, path, obj)
    if doc.errors or policy is None:
        raise ImportFailed(doc.errors or [DocumentError(1, "", "The NetworkPolicy could not be read.")])
    return policy


# ---------------------------------------------------------------- stored manifests read back
#
# A design keeps imported policies as rendered manifests and reads them back, validated, on every load of
# the design: 5,025 of them took ~0.7 s CPU, on each import and each load.  A manifest read before (or just
# rendered from a valid policy by :func:`kept_manifest`) is known by a digest of its JSON text and not
# validated again: its policy is an immutable value, and the same manifest always reads as the same policy.
# Remembered only while the policy is in use (a loaded design holds it): weakly, so nothing is kept alive
# for this (a process-wide table of policies would grow every cycle collection's work).

_READ_BACK: weakref.WeakValueDictionary[bytes, Policy] = weakref.WeakValueDictionary()
_READ_BACK_LOCK = threading.Lock()


def _manifest_digest(manifest: Any) -> bytes | None:
    try:
        text = json.dumps(manifest, sort_keys=True, separators=(",", ":"))
    except (TypeError, ValueError):  # not JSON data (a datetime from YAML, a cycle): not remembered
        return None
    return hashlib.blake2b(text.encode(), digest_size=16).digest()


def _remember(digest: bytes | None, policy: Policy) -> None:
    if digest is None:
        return
    with _READ_BACK_LOCK:
        _READ_BACK[digest] = policy


def kept_manifest(policy: Policy) -> dict[str, Any]:
    """The manifest to store for an imported policy; :func:`policy_from_manifest` reads it back as ``policy``
    without validating it again (rendering and reading back are inverse: tests/netpol/test_importer.py)."""
    manifest = render.policy_manifest(policy)
    _remember(_manifest_digest(manifest), policy)
    return manifest


def policy_from_manifest(manifest: dict[str, Any]) -> Policy:
    """A stored (rendered) manifest back into the domain; raises :class:`ImportFailed` if it is invalid."""
    digest = _manifest_digest(manifest)
    known = _READ_BACK.get(digest) if digest is not None else None
    if known is not None:
        return known
    errors: list[DocumentError] = []
    doc = _Doc(1, errors)
    policy = _policy(doc, "", manifest)
    if errors or policy is None:
        raise ImportFailed(errors or [DocumentError(1, "", "The NetworkPolicy could not be read.")])
    _remember(digest, policy)
    return policy


__all__ = [
    "IMPORTED_SETTINGS",
    "DocumentError",
    "ImportFailed",
    "Imported",
    "Note",
    "Origin",
    "MAX_BYTES",
    "MAX_DOCUMENTS",
    "Skipped",
    "import_manifests",
    "import_sources",
    "kept_manifest",
    "load_documents",
    "parse_policy",
    "policy_from_manifest",
]
