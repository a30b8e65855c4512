"""The installed ``policyeditor`` console script (pyproject's ``[project.scripts]``), run as a CI job runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent.parent


def _script() -> Path:
    script = Path(sys.executable).parent / "policyeditor"
    if not script.exists():
        if os.environ.get("CI"):
            pytest.fail("the console script is not installed: scripts/setup installs the project (pip -e .)")
        pytest.skip("the console script is not installed in this environment: run scripts/setup")
    return script


def test_console_script_lints_to_sarif_and_exits_by_severity(repo):
    done = subprocess.run(
        [str(_script()), "lint", "--format", "sarif", "k8s"], cwd=repo, capture_output=True, text=True
    )
    assert done.returncode == 1, done.stderr
    results = json.loads(done.stdout)["runs"][0]["results"]
    assert {r["ruleId"] for r in results} == {"allows-all", "redundant-rule"}


def test_python_dash_m_runs_the_same_command(repo):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "editor.cli", "lint", "k8s/missing.yaml"],
        cwd=repo,
        capture_output=True,
        text=True,
        env=env,
    )
    assert done.returncode == 2
    assert done.stdout.startswith("k8s/missing.yaml: error: No such file or directory")
    assert "Traceback" not in done.stderr


def test_help_lists_the_four_commands():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "editor.cli", "--help"], capture_output=True, text=True, env=env, check=True
    )
    for command in ("lint", "check", "diff", "export"):
        assert f"    {command} " in done.stdout
