"""kubectl's label selector syntax: ``app=api, tier in (a, b), env notin (dev), !legacy, track``; ``*`` or
nothing is the empty selector (everything).  ``format_selector`` writes what ``parse_selector`` reads back."""

from __future__ import annotations

from typing import Literal

from .model import LabelSelector, Requirement
from .notation import NotationError, split_terms

ERR_SELECTOR_SYNTAX = (
    "'{term}' is not a selector term: write key=value, key!=value, key in (a, b), key notin (a), key or !key."
)
EVERYTHING = "*"


def _values(term: str, values: str) -> tuple[str, ...]:
    values = values.strip()
    if not (values.startswith("(") and values.endswith(")")):
        raise NotationError(ERR_SELECTOR_SYNTAX.format(term=term), term)
    return tuple(v.strip() for v in values[1:-1].split(",") if v.strip())


def _term(term: str, labels: dict[str, str], expressions: list[Requirement]) -> None:
    lowered = term.lower()
    if " notin " in lowered or " in " in lowered:
        operator: Literal["In", "NotIn"] = "NotIn" if " notin " in lowered else "In"
        at = lowered.index(" notin " if operator == "NotIn" else " in ")
        word = len(" notin ") if operator == "NotIn" else len(" in ")
        expressions.append(Requirement(term[:at].strip(), operator, _values(term, term[at + word :])))
    elif "!=" in term:
        key, _, value = term.partition("!=")
        expressions.append(Requirement(key.strip(), "NotIn", (value.strip(),)))
    elif "=" in term:
        key, _, value = term.replace("==", "=").partition("=")
        labels[key.strip()] = value.strip()
    elif term.startswith("!") and term[1:].strip() and " " not in term[1:].strip():
        expressions.append(Requirement(term[1:].strip(), "DoesNotExist"))
    elif term and " " not in term and "(" not in term and ")" not in term:
        expressions.append(Requirement(term, "Exists"))
    else:
        raise NotationError(ERR_SELECTOR_SYNTAX.format(term=term), term)


def parse_selector(text: str) -> LabelSelector:
    """kubectl's selector syntax → a label selector (``*`` or nothing: the empty selector)."""
    text = (text or "").strip()
    if text in ("", EVERYTHING):
        return LabelSelector()
    labels: dict[str, str] = {}
    expressions: list[Requirement] = []
    for term in split_terms(text):
        _term(term, labels, expressions)
    return LabelSelector.of(labels, expressions)


def format_selector(selector: LabelSelector, everything: str = EVERYTHING) -> str:
    """A label selector in kubectl's syntax; the empty selector as ``everything``."""
    if selector.is_empty:
        return everything
    parts = [f"{k}={v}" for k, v in selector.match_labels]
    for r in selector.match_expressions:
        if r.operator == "In":
            parts.append(f"{r.key} in ({', '.join(r.values)})")
        elif r.operator == "NotIn":
            parts.append(f"{r.key} notin ({', '.join(r.values)})")
        elif r.operator == "Exists":
            parts.append(r.key)
        else:
            parts.append(f"!{r.key}")
    return ", ".join(parts)
