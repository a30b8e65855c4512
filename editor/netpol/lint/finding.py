"""What a check reports: a finding, with a stable code.

A finding's ``code`` is kebab-case and never renamed: the UI keys its icons and
one-click fixes off it.  Retired codes are listed so that nothing reuses them.
"""

from __future__ import annotations

from dataclasses import dataclass

SEVERITIES = ("error", "warning", "info")

MISSING_DNS = "missing-dns"
SELECTOR_OVERLAP = "selector-overlap"
UNKNOWN_NAMED_PORT = "unknown-named-port"
EGRESS_TO_INTERNET = "egress-to-internet"
FLOW_ALL_PORTS = "flow-all-ports"
ONE_SIDED_FLOW = "one-sided-flow"
SELECTOR_MATCHES_NOTHING = "selector-matches-nothing"
NOT_ISOLATED = "not-isolated"
ALLOWS_ALL = "allows-all"
ALLOWS_ALL_PODS = "allows-all-pods"
CROSS_NAMESPACE_PODSELECTOR = "cross-namespace-podselector"
OR_INSTEAD_OF_AND = "or-instead-of-and"
SPLIT_RULE = "split-rule"
EXCEPT_OUTSIDE_CIDR = "except-outside-cidr"
IPBLOCK_TARGETS_POD = "ipblock-targets-pod"
DUPLICATE_POLICY_NAME = "duplicate-policy-name"
REDUNDANT_RULE = "redundant-rule"
ISOLATES_KUBE_SYSTEM = "isolates-kube-system"
FQDN_NOT_EXPRESSIBLE = "fqdn-not-expressible"

# Codes no check reports any more (one DNS finding per workload, ``missing-dns``, replaced them): never reuse.
RETIRED_CODES = ("dns-blocked-udp", "dns-blocked-tcp")


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str
    message: str
    subject: str

    def sort_key(self) -> tuple[int, str, str, str]:
        return (SEVERITIES.index(self.severity), self.code, self.subject, self.message)

    def as_dict(self) -> dict[str, str]:
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "subject": self.subject,
        }
