"""The domain core stays pure: nothing under editor/netpol imports Django."""

import ast
from pathlib import Path

NETPOL = Path(__file__).parent.parent / "editor" / "netpol"


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_domain_core_imports_nothing_from_django():
    files = sorted(NETPOL.glob("*.py"))
    assert files
    offenders = {
        str(f.name): sorted(n for n in _imports(f) if n.split(".")[0] in {"django", "rest_framework", "editor"})
        for f in files
    }
    assert {k: v for k, v in offenders.items() if v} == {}
