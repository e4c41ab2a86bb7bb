"""Which of the learner's own functions a function uses: the one answer, read from the
syntax trees made at load (grader/source_text.py; parsed once, never run).

The later exercises build on the learner's own logistic_scratch.py, and its functions on
one another, so a failure or a hang there explains failures elsewhere. Every consumer asks
`learner_functions_used`: the hang policy (a function that uses one that never returned is
not called, grader/checks/framework.py), the probes that blame a wrong function it uses
(grader/checks/probes.py), the upstream notes (grader/pipeline/upstream.py). One function,
so `fit = fit_logistic` counts the same for all of them.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field

from grader.paths import EXERCISE_ORDER
from grader.source_text import LearnerSources

CORE_MODULE = "logistic_scratch"

#: The exercise modules: an import of one is the learner's own code even when its file
#: is missing or does not parse (`from logistic_scratch import gradient` names
#: logistic_scratch.gradient whatever logistic_scratch.py holds).
EXERCISE_MODULES = frozenset(name.removesuffix(".py") for name in EXERCISE_ORDER)


def learner_functions_used(
    sources: LearnerSources, module: str, function: str | None = None
) -> tuple[str, ...] | None:
    """The learner's functions that `function` of `module` uses, as "module.name", nearest
    first (ties by name), transitively: through the file's other top-level functions,
    classes and variables (`fit = fit_logistic`, a lambda), through names imported from
    the learner's own modules (`from logistic_scratch import fit_logistic as fit`), through
    attributes of such a module (`ls.sigmoid` after `import logistic_scratch as ls`, or a
    star import), and on into those modules' own functions. The function itself is not
    listed. With `function` None: what the module's code as a whole uses or imports.

    None when the text cannot tell: the module is missing, was not parsed (a syntax error,
    a file over the size cap), or defines no top-level `function`. A caller must then
    assume nothing. A name is listed only for a def, a class or an import of another
    module's name; variables are followed but not listed."""
    index = _Indexes(sources)
    start = index.of(module)
    if start is None:
        return None
    if function is None:
        roots: list[ast.AST] = list(start.tree.body)
    elif function in start.defined:
        roots = list(start.defined[function])
    else:
        return None
    me = f"{module}.{function}" if function else ""
    order: list[str] = []
    seen: set[str] = {me}
    frontier: list[tuple[str, list[ast.AST]]] = [(module, roots)]
    while frontier:
        following: list[tuple[str, list[ast.AST]]] = []
        for where, nodes in frontier:
            for qualified in sorted(set(_mentions(index, where, nodes))):
                if qualified in seen:
                    continue
                seen.add(qualified)
                owner, _, name = qualified.partition(".")
                found = index.of(owner)
                definitions = found.defined.get(name, []) if found is not None else []
                if found is None or owner != where or _is_function(definitions):
                    order.append(qualified)
                if definitions:
                    following.append((owner, definitions))
        frontier = following
    return tuple(name for name in order if name != me)


def learner_functions_reached(
    sources: LearnerSources, module: str, function: str | None = None
) -> frozenset[str]:
    """learner_functions_used as a set, empty where the text cannot tell."""
    return frozenset(learner_functions_used(sources, module, function) or ())


def in_module(used: tuple[str, ...] | frozenset[str] | None, module: str) -> list[str]:
    """The plain names of `used` that belong to `module`, in order: ("logistic_scratch.
    gradient",) -> ["gradient"]."""
    prefix = f"{module}."
    return [name[len(prefix) :] for name in used or () if name.startswith(prefix)]


# --- the index of one module ---------------------------------------------------------------


@dataclass
class _Module:
    tree: ast.Module
    defined: dict[str, list[ast.AST]] = field(default_factory=dict)  # top-level name -> defs
    imported: dict[str, str] = field(default_factory=dict)  # local name -> "module.name"
    aliases: dict[str, str] = field(default_factory=dict)  # local name -> learner module
    star: list[str] = field(default_factory=list)  # learner modules imported with *


class _Indexes:
    """Each learner module's top-level names and imports, built on first use per question."""

    def __init__(self, sources: LearnerSources) -> None:
        self.sources = sources
        self.learner = EXERCISE_MODULES | sources.modules()
        self.built: dict[str, _Module | None] = {}

    def of(self, module: str) -> _Module | None:
        if module not in self.built:
            tree = self.sources.tree(module)
            self.built[module] = None if tree is None else self._index(tree)
        return self.built[module]

    def _index(self, tree: ast.Module) -> _Module:
        found = _Module(tree)
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                found.defined.setdefault(node.name, []).append(node)
            elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    for name in ast.walk(target):
                        if isinstance(name, ast.Name):
                            found.defined.setdefault(name.id, []).append(node)
        # Imports at any depth: an import inside a function still binds the learner's module.
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and not node.level and node.module in self.learner:
                for alias in node.names:
                    if alias.name == "*":
                        found.star.append(node.module)
                    else:
                        found.imported[alias.asname or alias.name] = f"{node.module}.{alias.name}"
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name in self.learner:
                        found.aliases[alias.asname or alias.name] = alias.name
        return found


def _mentions(index: _Indexes, module: str, nodes: list[ast.AST]) -> Iterator[str]:
    """Every learner name ("module.name") the nodes mention, read in `module`."""
    here = index.of(module)
    if here is None:
        return
    for node in nodes:
        for inner in ast.walk(node):
            if isinstance(inner, ast.Name):
                if inner.id in here.imported:
                    yield here.imported[inner.id]
                elif inner.id in here.defined:
                    yield f"{module}.{inner.id}"
                else:
                    for other in here.star:
                        found = index.of(other)
                        if found is None or inner.id in found.defined:
                            yield f"{other}.{inner.id}"
            elif isinstance(inner, ast.ImportFrom) and not inner.level:
                # Importing a learner function is using it (the file's code as a whole,
                # or a function that imports it in its body).
                if inner.module in index.learner:
                    yield from (
                        f"{inner.module}.{alias.name}" for alias in inner.names if alias.name != "*"
                    )
            elif (
                isinstance(inner, ast.Attribute)
                and isinstance(inner.value, ast.Name)
                and inner.value.id in here.aliases
                and inner.value.id not in here.defined
            ):
                yield f"{here.aliases[inner.value.id]}.{inner.attr}"


def _is_function(definitions: list[ast.AST]) -> bool:
    """A def or class, or a variable bound to a lambda: something a learner calls."""
    return any(
        isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        or (isinstance(node, (ast.Assign, ast.AnnAssign)) and isinstance(node.value, ast.Lambda))
        for node in definitions
    )
