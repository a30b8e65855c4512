"""Reads for the export targets: a design's manifests and findings per target (NetworkPolicy, Cilium, netassert).

Thin: the conversions are pure (``editor.netpol.cilium``, ``editor.netpol.netassert``); the NetworkPolicy
target is the design's state itself (``editor.state``), which also keeps each target's result, so it is worked
out once per revision and process.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.text import slugify

from editor.netpol import targets
from editor.netpol.lint import Finding
from editor.state import DesignState

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

    def filename(self, design_name: str) -> str:
        """``<design-slug>-<kind>.yaml``, as the contract names each target's download."""
        return f"{slugify(design_name) or 'design'}-{targets.FILE_SUFFIX[self.target]}.yaml"


def design_export(data: DesignState, target: str = DEFAULT_TARGET) -> Export:
    """The design exported for ``target``: its manifests (for netassert, the tests) and their YAML."""
    compiled = data
    if target == DEFAULT_TARGET:
        return Export(target, compiled.manifests, compiled.yaml)

    def work() -> Export:
        documents = targets.manifests(target, data.graph, compiled.policies)
        return Export(target, documents, targets.to_yaml(target, documents))

    return data.once(("export", target), work)  # kept with the state: worked out once per revision


def design_findings(data: DesignState, target: str = DEFAULT_TARGET) -> list[Finding]:
    """The design's findings as seen by ``target``: the NetworkPolicy lint, adjusted for what the target can say."""
    if target == DEFAULT_TARGET:
        return data.findings
    return data.once(("findings", target), lambda: targets.findings(target, data.graph, data))


LABELS = {
    "networkpolicy": ("NetworkPolicy", "NetworkPolicies (networking.k8s.io/v1)"),
    "cilium": ("Cilium", "CiliumNetworkPolicies (cilium.io/v2), DNS names included"),
    "netassert": ("netassert", "netassert v2 tests: what must connect and what must fail"),
}


def choices() -> list[tuple[str, str, str]]:
    """(target, short label, description) for the page's target switch and download menu."""
    return [(t, *LABELS[t]) for t in TARGETS]


def scoped(export: Export, kind: str | None, ref: str) -> list[dict]:
    """The export's documents about a selected workload (its policies, or the tests it is in); else all."""
    if kind != "workload" or export.target == DEFAULT_TARGET:
        return export.manifests
    namespace, name = ref.split("/", 1)
    if export.target == targets.CILIUM:
        return [
            m
            for m in export.manifests
            if m["metadata"]["namespace"] == namespace
            and (m["metadata"]["name"] == name or m["metadata"]["name"].startswith(f"{name}-fqdn"))
        ]
    wanted = {"namespace": namespace, "name": name}

    def about(test: dict, end: str) -> bool:
        resource = test[end].get("k8sResource") or {}
        return {k: resource.get(k) for k in wanted} == wanted

    return [t for t in export.manifests if about(t, "src") or about(t, "dst")]


def heading(target: str, count: int, scope: str) -> str:
    noun = {"cilium": "CiliumNetworkPolic", "netassert": "netassert test"}[target]
    word = (noun + ("y" if count == 1 else "ies")) if target == "cilium" else (noun + ("" if count == 1 else "s"))
    return f"{count} {word}" + (f" for {scope}" if scope else "")


def preview_yaml(target: str, documents: list[dict]) -> str:
    return targets.to_yaml(target, documents)
