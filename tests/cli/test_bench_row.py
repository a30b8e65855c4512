"""The benchmark's command-line row runs end to end (no test asserts a time)."""

from __future__ import annotations

from benchmark import harness as bench


def test_cli_lint_row_lints_the_synthetic_repository_without_errors():
    report = bench.Report()
    bench.cli_lint_figures(report, (40, 4), repeat=1, log=lambda line: None)
    (row,) = report.rows
    assert row.figure.startswith("`policyeditor lint --format sarif`")
    assert row.size.endswith("NetworkPolicies + 40 Deployments / 4 ns")
    assert "MB of YAML in 2 files, 0 findings" in row.note
    assert row.verdict in ("met", "**missed**")
