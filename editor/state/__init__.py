"""Derived design state: the one owner of everything worked out from a design between requests.

Lifecycle
---------
1. **In.** ``state_of(design)`` is the only way to read a design's state.  It answers the state of the
   design's current (revision, updated) from the process's bounded cache (``store``, the newest state of the
   last ``KEPT_DESIGNS`` designs).  On a miss it catches the kept state up with the typed changes the
   revisions between hold (another process made them), or it loads the design's rows as plain records (five
   queries, no model instances) and derives the new state from the kept one by their difference, or, with
   nothing kept, builds it from scratch, taking the findings stored with the revision (the lint is worked out
   when the first edit needs it) or storing them there.  A state is kept only when no change landed while it
   was read.
2. **Forward.** A service writes rows, bumps the design's revision, and hands ``advance`` the typed change it
   made (``changes.Put``/``Drop``/``Settings``); ``advance`` applies it to the kept state of the revision
   before (incremental compile, lint and rendering) and keeps the result.  The same change, as JSON, is the
   revision's delta: history replays it, and other processes catch up with it.  A state whose change is
   rolled back is never served: its key holds an ``updated`` stamp no committed revision has.
3. **Out.** A ``DesignState`` is immutable and shared between threads: records (never ORM rows), the domain
   graph, the compilation, the lint, and manifests/JSON/YAML/preview worked out once on first use.

Nothing outside this package reaches into the cache; tests and the benchmark use ``forget``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from editor.state import changes, store
from editor.state.records import Parts, SettingsRec, parts_of_snapshot, snapshot_of
from editor.state.state import DesignState, port_value
from editor.state.store import (
    external_record,
    flow_record,
    load_parts,
    namespace_record,
    policy_record,
    settings_record,
    workload_record,
)

__all__ = [
    "DesignState",
    "Parts",
    "SettingsRec",
    "advance",
    "changes",
    "external_record",
    "flow_record",
    "namespace_record",
    "policy_record",
    "settings_record",
    "workload_record",
    "elsewhere",
    "forget",
    "load_parts",
    "parts_of",
    "parts_of_snapshot",
    "port_value",
    "snapshot_of",
    "state_of",
]


def state_of(design: Any) -> DesignState:
    """The state of ``design`` at its (revision, updated)."""
    key = (design.revision, design.updated)
    kept = store.kept(design.pk)
    if kept is not None and (kept.revision, kept.stamp) == key:
        return kept
    if kept is not None and kept.revision < design.revision:
        newer = store.caught_up(design, kept)
        if newer is not None:
            store.keep(newer)
            return newer
    before = store.stored_key(design.pk)
    parts = load_parts(design)
    findings = None
    if kept is not None:
        state = kept.apply(changes.diff(kept.parts, parts), revision=design.revision, stamp=design.updated)
    else:
        findings = store.stored_findings(design)
        state = DesignState.build(
            design_pk=design.pk, revision=design.revision, stamp=design.updated, parts=parts, findings=findings
        )
    if before == key and store.stored_key(design.pk) == key:  # no change landed while the rows were read
        store.keep(state)
        if kept is None and findings is None:
            store.store_findings(design, state)
    return state


def parts_of(design: Any) -> Parts:
    """The design's records now: the kept state's when it is of the current revision, else read from the rows."""
    kept = store.kept(design.pk)
    if kept is not None and (kept.revision, kept.stamp) == (design.revision, design.updated):
        return kept.parts
    return load_parts(design)


def advance(design: Any, before: tuple[int, Any], change: changes.Change) -> DesignState | None:
    """After a service moved ``design`` from ``before`` (revision, updated) to its current revision by
    ``change``: the new state, derived from the kept one (None when this process does not keep ``before``)."""
    kept = store.kept(design.pk)
    if kept is None or (kept.revision, kept.stamp) != before:
        return None
    state = kept.apply(change, revision=design.revision, stamp=design.updated)
    store.keep(state)
    return state


@contextmanager
def elsewhere(kept: dict | None = None) -> Iterator[None]:
    """Run the block as another server process would: with its own kept states (``kept``, updated with what
    the block kept; empty when not given).  Afterwards this process keeps what it kept before.  For tests and
    the benchmark, which play several processes in one."""
    mine = store.swap(dict(kept or {}))
    try:
        yield
    finally:
        theirs = store.swap(mine)
        if kept is not None:
            kept.clear()
            kept.update(theirs)


def forget() -> None:
    """Drop every kept state: a process that kept nothing (tests, the benchmark)."""
    store.forget()
