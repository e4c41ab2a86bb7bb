"""Imports follow the folder tree: grader's packages import one way, in the README's order.

Every import counts, lazy ones inside functions and `if TYPE_CHECKING:` ones too: a lazy
import is still a dependency, it only hides a cycle until the day it runs first.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Lowest first; a piece imports only pieces before it. Kept equal to the README's line.
ORDER = [
    "base",  # grader/*.py that are not entry points: results, chapter, paths, files, ...
    "sandbox",
    "checks",
    "instructor",
    "pipeline",
    "render",
    "classwork",
    "authoring",
    "commands",
    "entry",  # cli.py, __main__.py, notebook.py: what users start
]
ENTRY_MODULES = {"grader.cli", "grader.__main__", "grader.notebook"}

# (importing module, imported module) edges that go against ORDER, each with its reason.
ALLOWED_AGAINST_ORDER = {
    # results.py's records name the sandbox's failure kinds and limits; the sandbox reads
    # Isolation from results.py as it loads, so results imports these last (see its comment)
    ("grader.results", "grader.sandbox.errors"): "FailureKind in the typed records",
    ("grader.results", "grader.sandbox.limits"): "Limits in the typed records",
    # an annotation only (under TYPE_CHECKING): the notebook's check hands itself to its
    # renderer; nothing in render imports grader.notebook when it runs
    ("grader.render.notebook_html", "grader.notebook"): "NotebookCheck as a type hint",
}


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def piece(module: str, root: Path) -> str:
    """The piece of the tree a grader module belongs to: its package, base or entry."""
    parts = module.split(".")
    if module in ENTRY_MODULES:
        return "entry"
    if len(parts) >= 2 and (root / "grader" / parts[1]).is_dir():
        return parts[1]
    return "base"  # grader itself (its __init__) and its top-level modules


def imported_modules(tree: ast.AST, module: str, is_package: bool) -> set[str]:
    """Every grader module `tree` imports, at any depth (functions, TYPE_CHECKING)."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolved against this module's package
                package = module.split(".") if is_package else module.split(".")[:-1]
                base = package[: len(package) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.add(target)
            # `from grader.pkg import module` imports that module
            found |= {f"{target}.{alias.name}" for alias in node.names}
    return {name for name in found if name == "grader" or name.startswith("grader.")}


def import_edges(root: Path) -> dict[tuple[str, str], str]:
    """(importing piece, imported piece) -> one example "module -> module", across pieces."""
    modules = {module_name(p, root) for p in (root / "grader").rglob("*.py")}
    edges: dict[tuple[str, str], str] = {}
    for path in sorted((root / "grader").rglob("*.py")):
        source = module_name(path, root)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        found = imported_modules(tree, source, path.name == "__init__.py")
        for target in sorted(found, key=lambda name: (-name.count("."), name)):  # deepest first
            # `from grader.pkg import name`: name is no module, the package is the edge
            while target not in modules and "." in target:
                target = target.rsplit(".", 1)[0]
            if (source, target) in ALLOWED_AGAINST_ORDER:
                continue
            ends = (piece(source, root), piece(target, root))
            if ends[0] != ends[1]:
                edges.setdefault(ends, f"{source} -> {target}")
    return edges


def against_order(edges: dict[tuple[str, str], str]) -> list[str]:
    rank = {name: i for i, name in enumerate(ORDER)}
    return [
        f"{src} imports {dst} ({example})"
        for (src, dst), example in sorted(edges.items())
        if rank[dst] >= rank[src]
    ]


def find_cycle(edges: dict[tuple[str, str], str]) -> list[str]:
    """One cycle of pieces (as a path that returns to its start), or [] if none."""
    graph: dict[str, list[str]] = {}
    for src, dst in edges:
        graph.setdefault(src, []).append(dst)
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    path: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, [])):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        state[node] = 2
        path.pop()
        return []

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)):
            return cycle
    return []


def test_the_readme_states_the_order_the_test_checks() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    lines = [line.split() for line in readme.splitlines() if " <- " in line]
    stated = [[word for word in line if word != "<-"] for line in lines if line[0] == "base"]
    assert stated == [ORDER], "README's import order line differs from ORDER in this test"


def test_every_grader_package_has_a_place_in_the_order() -> None:
    packages = {p.name for p in (ROOT / "grader").iterdir() if p.is_dir() and any(p.glob("*.py"))}
    assert packages - set(ORDER) == set(), "a new package: place it in the README's order"


def test_no_cycle_between_grader_packages() -> None:
    edges = import_edges(ROOT)
    assert find_cycle(edges) == []


def test_every_import_goes_down_the_tree() -> None:
    assert against_order(import_edges(ROOT)) == []


def test_allowed_exceptions_are_still_needed() -> None:
    """An exception whose import is gone is dropped here too, so none outlives its reason."""
    for source, target in ALLOWED_AGAINST_ORDER:
        path = ROOT / Path(*source.split(".")).with_suffix(".py")
        tree = ast.parse(path.read_text(encoding="utf-8"))
        assert target in imported_modules(tree, source, False), (source, target)


def _write(root: Path, relative: str, text: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.mark.parametrize(
    "statement",
    [
        "from grader.classwork.views import rebuild",  # plain
        "from grader.classwork import views",  # a module from its package
        "import grader.classwork.views",
        "from ..classwork.views import rebuild",  # relative
    ],
)
def test_an_upward_import_is_found_even_inside_a_function(tmp_path: Path, statement: str) -> None:
    _write(tmp_path, "grader/__init__.py", "")
    _write(tmp_path, "grader/results.py", "")
    _write(tmp_path, "grader/classwork/__init__.py", "")
    _write(tmp_path, "grader/classwork/views.py", "from grader.render.html import page\n")
    _write(tmp_path, "grader/render/__init__.py", "")
    _write(tmp_path, "grader/render/html.py", f"def page():\n    {statement}\n")

    edges = import_edges(tmp_path)

    assert against_order(edges) == [
        "render imports classwork (grader.render.html -> grader.classwork.views)"
    ]
    assert find_cycle(edges) == ["classwork", "render", "classwork"]


def test_base_modules_and_entry_points_are_placed_by_name(tmp_path: Path) -> None:
    _write(tmp_path, "grader/__init__.py", "")
    _write(tmp_path, "grader/files.py", "from grader.render import view_model\n")
    _write(tmp_path, "grader/notebook.py", "from grader.render import view_model\n")
    _write(tmp_path, "grader/render/__init__.py", "")
    _write(tmp_path, "grader/render/view_model.py", "from grader import files\n")

    edges = import_edges(tmp_path)

    assert against_order(edges) == [
        "base imports render (grader.files -> grader.render.view_model)"
    ]
    assert piece("grader.notebook", tmp_path) == "entry"
    assert edges[("entry", "render")] == "grader.notebook -> grader.render.view_model"
