"""What the learner's source says, read as text (parsed, never run) in the grading process.

Files are decoded the way Python decodes source (`tokenize.open`: a UTF-8 BOM, a coding
cookie), so a file saved by a Windows editor reads like any other.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from grader import source_text
from grader.places import NO_NOTEBOOKS, Places
from grader.sandbox.errors import FailureKind

#: Modules a submission may import besides its own files: the kit's support module.
KIT_SUPPORT_MODULES = frozenset({"tickets"})


def read_source(path: Path) -> str | None:
    """The text of a Python file as Python would decode it (grader/source_text.py); None
    when missing or undecodable."""
    try:
        return source_text.read_source(path)
    except (OSError, source_text.SourceDecodeError):
        return None


def parse(source: str) -> ast.Module:
    """ast.parse, also for text read as plain UTF-8 with its BOM left in (a file saved by a
    Windows editor); raises SyntaxError and ValueError like ast.parse."""
    return ast.parse(source.removeprefix("\ufeff"))


def _is_main_guard(node: ast.stmt) -> bool:
    """`if __name__ == "__main__":` (either way round)."""
    if not isinstance(node, ast.If) or not isinstance(node.test, ast.Compare):
        return False
    test = node.test
    if len(test.ops) != 1 or not isinstance(test.ops[0], ast.Eq):
        return False
    sides = [test.left, *test.comparators]
    names = [s for s in sides if isinstance(s, ast.Name) and s.id == "__name__"]
    mains = [s for s in sides if isinstance(s, ast.Constant) and s.value == "__main__"]
    return bool(names and mains)


def _walk_outside_main(tree: ast.Module) -> Iterator[ast.AST]:
    """Every node of the module but those under a top-level `if __name__ == "__main__":`
    (its else branch still counts: it runs on import)."""
    for statement in tree.body:
        if _is_main_guard(statement):
            assert isinstance(statement, ast.If)
            for other in statement.orelse:
                yield from ast.walk(other)
        else:
            yield from ast.walk(statement)


def imported_modules(source: str, *, skip_main: bool = True) -> Iterator[str]:
    """Every module a source file imports, at any depth (import, from-import, __import__,
    importlib.import_module); raises SyntaxError. Imports under `if __name__ ==
    "__main__":` do not run when the file is graded and are skipped unless skip_main is
    False. A relative import (`from . import x`) yields nothing: it names the file's own
    package."""
    tree = parse(source)
    nodes = _walk_outside_main(tree) if skip_main else ast.walk(tree)
    for node in nodes:
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node.module
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, (ast.Name, ast.Attribute))
            and (getattr(node.func, "id", None) or getattr(node.func, "attr", None))
            in {"__import__", "import_module"}
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            yield node.args[0].value


@dataclass(frozen=True)
class ForbiddenImport:
    """A third-party package a from-scratch file reaches."""

    package: str
    through: tuple[str, ...]  # the submission's own files on the way, in import order

    def describe(self, module: str) -> str:
        if not self.through:
            return f"{module}.py imports {self.package}"
        chain = " -> ".join(f"{name}.py" for name in (module, *self.through))
        return f"{module}.py imports {self.package} through {chain}"


class UnreadableSource(Exception):
    """A file of the submission that cannot be read or parsed, as facts: the file
    (relative to the submission), the syntax error's line (0: not decodable) and Python's
    message. `sentence` says it as the learner has their files (a notebook's cell)."""

    def __init__(self, file: str, line: int = 0, message: str = "") -> None:
        self.file, self.line, self.message = file, line, message
        super().__init__(self.sentence())

    @property
    def failure(self) -> FailureKind:
        return FailureKind.SYNTAX_ERROR

    def sentence(self, places: Places = NO_NOTEBOOKS) -> str:
        if not self.line:
            return f"{places.file(self.file)} could not be read as Python source"
        where = places.where(self.file, self.line)
        if where.cell:
            return f"{where.file} has a syntax error in {where.spot}: {self.message}"
        return f"{places.file(self.file)} has a syntax error on line {self.line}: {self.message}"


def third_party_imports(
    folder: Path, module: str, allowed: frozenset[str] | set[str]
) -> list[ForbiddenImport]:
    """The packages outside `allowed` and the standard library that `module` imports,
    directly or through the submission's own files (held to the same rule, transitively).
    The kit's support module (`tickets`) is allowed. Raises UnreadableSource."""
    found: dict[str, ForbiddenImport] = {}
    seen: set[str] = set()

    def visit(name: str, through: tuple[str, ...]) -> None:
        if name in seen:
            return
        seen.add(name)
        path = _own_file(folder, name)
        text = read_source(path) if path is not None else None
        if text is None:
            raise UnreadableSource(f"{name}.py")
        try:
            modules = list(imported_modules(text))
        except SyntaxError as error:
            raise UnreadableSource(Path(path).name, error.lineno or 1, error.msg) from None
        for imported in modules:
            root = imported.split(".")[0]
            if root in allowed or root in sys.stdlib_module_names:
                continue
            if root in KIT_SUPPORT_MODULES and _own_file(folder, root) is None:
                continue
            if _own_file(folder, root) is not None:
                visit(root, (*through, root))
                continue
            found.setdefault(root, ForbiddenImport(root, through))

    visit(module, ())
    return sorted(found.values(), key=lambda item: item.package)


def _own_file(folder: Path, name: str) -> Path | None:
    """The submission's own module `name`: name.py or a package name/__init__.py."""
    for candidate in (folder / f"{name}.py", folder / name / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


# --- what a function of the file calls --------------------------------------------------


def _functions(tree: ast.Module) -> dict[str, ast.FunctionDef]:
    return {
        node.name: node
        for node in tree.body
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
    }


def _names_in(node: ast.AST) -> set[str]:
    found = set()
    for inner in ast.walk(node):
        if isinstance(inner, ast.Name):
            found.add(inner.id)
        elif isinstance(inner, ast.Attribute) and isinstance(inner.value, ast.Name):
            found.add(f"{inner.value.id}.{inner.attr}")
    return found


def same_file_dependencies(source: str | None, function: str) -> list[str]:
    """The other top-level functions of the file that `function` uses, directly or through
    one another, nearest first. Empty when the file does not parse or has no such
    function."""
    if not source:
        return []
    try:
        tree = parse(source)
    except (SyntaxError, ValueError):
        return []
    functions = _functions(tree)
    if function not in functions:
        return []
    order: list[str] = []
    frontier = [function]
    while frontier:
        current = frontier.pop(0)
        for name in sorted(_names_in(functions[current]) & set(functions)):
            if name != function and name not in order:
                order.append(name)
                frontier.append(name)
    return order


def core_dependencies(source: str | None, function: str, core: str) -> list[str]:
    """The functions of the learner's `core` module (logistic_scratch) that `function` of
    another file uses, directly or through that file's own functions."""
    if not source:
        return []
    try:
        tree = parse(source)
    except (SyntaxError, ValueError):
        return []
    imported: dict[str, str] = {}  # local name -> core function
    aliases: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == core:
            imported.update({alias.asname or alias.name: alias.name for alias in node.names})
        elif isinstance(node, ast.Import):
            aliases.update(alias.asname or alias.name for alias in node.names if alias.name == core)
    functions = _functions(tree)
    if function not in functions:
        return []
    reached = [function, *same_file_dependencies(source, function)]
    used: list[str] = []
    for name in reached:
        for found in sorted(_names_in(functions[name])):
            target = imported.get(found)
            if target is None and "." in found and found.split(".")[0] in aliases:
                target = found.split(".", 1)[1]
            if target is not None and target not in used:
                used.append(target)
    return used


def function_uses(source: str | None, function: str, attribute: str) -> bool:
    """Whether `function` in the file mentions `attribute` (e.g. "where" for np.where)."""
    if not source:
        return False
    try:
        tree = parse(source)
    except (SyntaxError, ValueError):
        return False
    node = _functions(tree).get(function)
    if node is None:
        return False
    return any(
        (isinstance(inner, ast.Attribute) and inner.attr == attribute)
        or (isinstance(inner, ast.Name) and inner.id == attribute)
        for inner in ast.walk(node)
    )
