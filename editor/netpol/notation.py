"""The short text notations people type in the pages (ports, selectors, peers): what they share."""

from __future__ import annotations

import re


class NotationError(ValueError):
    """Text that is not in the notation; ``item`` is the piece that is not, for the caller's message."""

    def __init__(self, message: str, item: str):
        super().__init__(message)
        self.item = item


def split_items(text: str) -> list[str]:
    """Comma- or line-separated items, stripped, empty ones left out."""
    return [item.strip() for item in re.split(r"[,\n]", text or "") if item.strip()]


def split_terms(text: str) -> list[str]:
    """Comma-separated terms, except commas inside parentheses (``tier in (a, b), app=api``)."""
    terms, depth, current = [], 0, ""
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            terms.append(current.strip())
            current = ""
        else:
            current += char
    if current.strip():
        terms.append(current.strip())
    return terms
