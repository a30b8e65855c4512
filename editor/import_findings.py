"""Findings import itself made, for a design's warnings: a NetworkPolicy's ``status`` that was dropped.

Import keeps them with the design's import baseline (``ImportBaseline.findings``); each is shown as long as
the policy it names is still kept in the design, next to the findings of lint.  A design that kept no
imported policy costs no query.
"""

from __future__ import annotations

from editor import models
from editor.netpol.lint import Finding


def design_import_findings(data) -> list[Finding]:
    """The import findings still true of ``data`` (a ``DesignState``)."""
    kept = {f"{row.namespace}/{row.name}" for row in data.imported_policies}
    if not kept:
        return []
    stored = models.ImportBaseline.objects.filter(design_id=data.design_pk).values_list("findings", flat=True).first()
    return [Finding(**f) for f in stored or () if f.get("subject") in kept]


def with_import_findings(findings: list[Finding], data) -> list[Finding]:
    """``findings`` (lint's, sorted) and the import findings, sorted together as lint sorts."""
    extra = design_import_findings(data)
    return sorted([*findings, *extra], key=Finding.sort_key) if extra else findings
