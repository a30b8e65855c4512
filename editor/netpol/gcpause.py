"""Pause Python's cycle collector while the domain builds large, cycle-free results.

Compiling and rendering a design of thousands of workloads allocates millions of
tuples, dicts and frozen dataclasses, none of them in reference cycles (reference
counting frees them all).  Left on, the cycle collector runs again and again over
the growing heap: at 5,000 workloads that doubled the compile time and made it grow
faster than the design (``docs/benchmarks.md``).  ``paused_gc`` turns it off for
the duration and back on afterwards, only if it was on; nesting and threads are safe
(the first to pause is the one that resumes).
"""

from __future__ import annotations

import functools
import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


@contextmanager
def paused_gc() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def without_gc(fn: Callable[P, R]) -> Callable[P, R]:
    """Decorator: run ``fn`` with the cycle collector paused."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with paused_gc():
            return fn(*args, **kwargs)

    return wrapper
