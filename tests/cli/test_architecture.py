"""The command line uses the pure core only: no Django on any path, so it runs without settings or a database."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent.parent
CLI = ROOT / "editor" / "cli"


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_cli_modules_import_only_the_pure_core_of_the_project():
    files = sorted(CLI.glob("*.py"))
    assert len(files) > 3
    offenders = {
        f.name: sorted(
            n
            for n in _imports(f)
            if n.split(".")[0] in {"django", "rest_framework"}
            or (n.startswith("editor") and not n.startswith(("editor.netpol", "editor.cli")))
        )
        for f in files
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_lint_check_and_diff_run_without_loading_django(repo):
    (repo / "expect.yaml").write_text("- {from: shop/web, to: shop/db, port: 5432, allowed: true}\n")
    script = (
        "import io, sys\n"
        "from editor.cli import main\n"
        "codes = [main(argv, out=io.StringIO(), err=io.StringIO()) for argv in (\n"
        "    ['lint', '--format', 'sarif', 'k8s'],\n"
        "    ['check', 'k8s', '--expect', 'expect.yaml'],\n"
        "    ['diff', 'k8s/policies.yaml', 'k8s/policies.yaml', '--with', 'k8s/app.yaml'],\n"
        ")]\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('django', 'rest_framework'))\n"
        "print(codes, loaded)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["PYTHONPATH"] = str(ROOT)
    done = subprocess.run([sys.executable, "-c", script], cwd=repo, env=env, capture_output=True, text=True, check=True)
    assert done.stdout == "[1, 0, 0] []\n"
