"""JSON request bodies read with limits: no input may turn into a 500 (issue 11).

Python's ``json`` reads 5,000 levels of nesting into a ``RecursionError``, ``1e999`` into infinity, ``NaN``
into a float no field wants, and a 4,300-digit number into a ``ValueError`` deep inside the parser.  This
parser refuses each of them first with a 400 that says what to change.
"""

from __future__ import annotations

import json
import math
import re

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_DEPTH = 32  # the deepest body the API takes (a flow's ports) is 4 levels
MAX_INT_DIGITS = 18  # |n| < 10**18: fits every database's 64-bit integer
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")

_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
ERR_SURROGATE = "The JSON body holds a lone surrogate escape (such as \\ud800), which is not a character: remove it."
ERR_DEPTH = f"The JSON body is nested more than {MAX_DEPTH} levels deep: no request of this API needs that."
ERR_NUMBER = "The number {value} cannot be used: give a finite number of at most {digits} digits."


def _depth(text: str) -> int:
    depth = deepest = 0
    for bracket in _NOT_BRACKET.sub("", _STRING.sub("", text)):
        depth += 1 if bracket in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def _int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise ParseError(ERR_NUMBER.format(value=text[:24] + ("…" if len(text) > 24 else ""), digits=MAX_INT_DIGITS))
    return int(text)


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ParseError(ERR_NUMBER.format(value=text[:24], digits=MAX_INT_DIGITS))
    return value


def _constant(text: str) -> float:
    raise ParseError(ERR_NUMBER.format(value=text, digits=MAX_INT_DIGITS))


class SafeJSONParser(JSONParser):
    """DRF's JSON parser with a nesting limit and finite, database-sized numbers only."""

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = stream.read().decode(encoding)
        except UnicodeDecodeError as exc:
            raise ParseError(f"The JSON body is not {encoding} text: {exc}") from None
        if _depth(text) > MAX_DEPTH:
            raise ParseError(ERR_DEPTH)
        try:
            data = json.loads(text, parse_int=_int, parse_float=_float, parse_constant=_constant)
        except (ValueError, RecursionError) as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
        if _SURROGATE_ESCAPE.search(text):
            try:
                json.dumps(data, ensure_ascii=False).encode("utf-8")
            except UnicodeEncodeError:
                raise ParseError(ERR_SURROGATE) from None
        return data
