"""kubectl's selector syntax, read and written by one module: what people type, and parse(format(x)) == x."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from editor.netpol.model import LabelSelector, Requirement
from editor.netpol.notation import NotationError
from editor.netpol.selector_text import format_selector, parse_selector

from .notation_strategies import key, name, selector


def test_every_kind_of_term_people_type():
    selector = parse_selector("app=api, tier in (a, b), env notin (dev), track!=canary, !legacy, team, version==2")
    assert selector == LabelSelector.of(
        {"app": "api", "version": "2"},
        [
            Requirement("tier", "In", ("a", "b")),
            Requirement("env", "NotIn", ("dev",)),
            Requirement("track", "NotIn", ("canary",)),
            Requirement("legacy", "DoesNotExist"),
            Requirement("team", "Exists"),
        ],
    )


@pytest.mark.parametrize("text", ["", "  ", "*", " * "])
def test_a_star_or_nothing_is_the_empty_selector(text):
    assert parse_selector(text) == LabelSelector()
    assert format_selector(LabelSelector()) == "*"
    assert format_selector(LabelSelector(), "every pod") == "every pod"


@pytest.mark.parametrize("term", ["tier in a, b", "app api", "! legacy x", "tier in (a"])
def test_a_term_outside_the_syntax_is_refused_naming_the_term(term):
    with pytest.raises(NotationError) as info:
        parse_selector(term)
    assert "is not a selector term" in str(info.value)
    assert info.value.item in term


@given(selector)
def test_what_is_written_reads_back_the_same(selector):
    assert parse_selector(format_selector(selector)) == selector


@given(selector, st.dictionaries(key, name, max_size=4))
def test_the_written_text_selects_what_the_selector_selects(selector, labels):
    assert parse_selector(format_selector(selector)).matches(labels) == selector.matches(labels)
