"""Reads for the export targets: a design's manifests and findings per target (NetworkPolicy, Cilium, netassert).

Thin: the conversions are pure (``editor.netpol.cilium``, ``editor.netpol.netassert``); the NetworkPolicy
target is the compiled design itself (``selectors.design_compile``).  Each target's result is kept with the
design's compiled state, so it is worked out once per revision and process.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass

from editor import selectors
from editor.netpol import targets
from editor.netpol.lint import Finding

TARGETS = targets.TARGETS
DEFAULT_TARGET = targets.NETWORKPOLICY
ERR_UNKNOWN_TARGET = "Unknown export target '{target}': use one of {known} (default networkpolicy)."


class UnknownTarget(ValueError):
    pass


def check_target(value: str | None) -> str:
    """The target named by a request (default ``networkpolicy``); :class:`UnknownTarget` names the choices."""
    if value in (None, ""):
        return DEFAULT_TARGET
    if value not in TARGETS:
        raise UnknownTarget(ERR_UNKNOWN_TARGET.format(target=value, known=", ".join(TARGETS)))
    return value


@dataclass(frozen=True)
class Export:
    target: str
    manifests: list[dict]
    yaml: str
    filename_suffix: str  # "networkpolicies", "ciliumnetworkpolicies", "netassert"


def design_findings(data: selectors.DesignData, target: str = DEFAULT_TARGET) -> list[Finding]:
    """The design's findings as seen by ``target``: the NetworkPolicy lint, adjusted for what the target can say."""
    compiled = selectors.design_compile(data)
    if target == DEFAULT_TARGET:
        return compiled.findings
    return _kept(compiled, ("findings", target), lambda: targets.findings(target, data.graph, compiled))


# What each target worked out, kept as long as the compiled state it came from (one per revision and process).
_KEPT: weakref.WeakKeyDictionary[selectors.Compiled, dict] = weakref.WeakKeyDictionary()
_KEPT_LOCK = threading.Lock()


def _kept(compiled: selectors.Compiled, key: tuple, work):
    with _KEPT_LOCK:
        found = _KEPT.setdefault(compiled, {}).get(key)
    if found is None:
        found = work()
        with _KEPT_LOCK:
            _KEPT.setdefault(compiled, {})[key] = found
    return found
