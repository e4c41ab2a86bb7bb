"""What the learner's source says about imports, read from the syntax trees made once at
load (grader/source_text.py: decoded as Python decodes source, parsed, never run).

Which learner functions a function uses is grader/checks/dependencies.py's one answer.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from dataclasses import dataclass

from grader.places import NO_NOTEBOOKS, Places
from grader.sandbox.errors import FailureKind
from grader.source_text import LearnerSource, LearnerSources, SourceProblemKind

#: Modules a submission may import besides its own files: the kit's support module.
KIT_SUPPORT_MODULES = frozenset({"tickets"})


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


def imported_modules(source: str | ast.Module, *, skip_main: bool = True) -> Iterator[str]:
    """Every module a source file (its text or its syntax tree) imports, at any depth
    (import, from-import, __import__, importlib.import_module); raises SyntaxError for
    text that does not parse. Imports under `if __name__ ==
    "__main__":` do not run when the file is graded and are skipped unless skip_main is
    False. A relative import (`from . import x`) yields nothing: it names the file's own
    package."""
    tree = source if isinstance(source, ast.Module) else ast.parse(source)
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
    sources: LearnerSources, module: str, allowed: frozenset[str] | set[str]
) -> list[ForbiddenImport]:
    """The packages outside `allowed` and the standard library that `module` imports,
    directly or through the submission's own files (held to the same rule, transitively).
    The kit's support module (`tickets`) is allowed. Raises UnreadableSource naming a file
    on the way that could not be read or parsed."""
    found: dict[str, ForbiddenImport] = {}
    seen: set[str] = set()

    def visit(name: str, through: tuple[str, ...]) -> None:
        if name in seen:
            return
        seen.add(name)
        source = sources.module(name)
        if source is None or source.tree is None:
            raise _unreadable(name, source)
        for imported in imported_modules(source.tree):
            root = imported.split(".")[0]
            if root in allowed or root in sys.stdlib_module_names:
                continue
            own = sources.module(root) is not None
            if root in KIT_SUPPORT_MODULES and not own:
                continue
            if own:
                visit(root, (*through, root))
                continue
            found.setdefault(root, ForbiddenImport(root, through))

    visit(module, ())
    return sorted(found.values(), key=lambda item: item.package)


def _unreadable(name: str, source: LearnerSource | None) -> UnreadableSource:
    """The file's problem as facts: a syntax error keeps its line and Python's words."""
    if source is None or source.problem is None:
        return UnreadableSource(f"{name}.py")
    problem = source.problem
    if problem.kind is SourceProblemKind.SYNTAX and problem.line:
        _, _, words = problem.message.partition(f"on line {problem.line}: ")
        return UnreadableSource(problem.file, problem.line, words or problem.message)
    return UnreadableSource(problem.file)


def function_uses(source: LearnerSource | None, function: str, attribute: str) -> bool:
    """Whether top-level `function` of the file mentions `attribute` (e.g. "where" for
    np.where); False when the file has no syntax tree or no such function."""
    if source is None or source.tree is None:
        return False
    node = next(
        (
            node
            for node in source.tree.body
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == function
        ),
        None,
    )
    if node is None:
        return False
    return any(
        (isinstance(inner, ast.Attribute) and inner.attr == attribute)
        or (isinstance(inner, ast.Name) and inner.id == attribute)
        for inner in ast.walk(node)
    )
