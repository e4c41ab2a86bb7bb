"""Which logistic_scratch functions a learner's exercise file uses: read from its text
(parsed, never run). The later exercises build on the learner's own core functions, so a
failure there explains failures here (see grader/pipeline/upstream.py and Learner)."""

from __future__ import annotations

import ast

CORE_MODULE = "logistic_scratch"


def core_names_used(source: str | None) -> set[str]:
    """The logistic_scratch functions a learner file imports or reaches as attributes."""
    if not source:
        return set()
    try:
        tree = ast.parse(source.removeprefix("\ufeff"))  # a BOM left in by a UTF-8 read
    except (SyntaxError, ValueError):
        return set()
    used: set[str] = set()
    aliases: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == CORE_MODULE:
            used.update(f"{CORE_MODULE}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == CORE_MODULE:
                    aliases.add(alias.asname or alias.name)
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in aliases
        ):
            used.add(f"{CORE_MODULE}.{node.attr}")
    return used


def core_names_reached(source: str | None, function: str) -> set[str] | None:
    """The logistic_scratch functions that `function` of a learner file may call: those
    its body names, directly or through the file's other top-level functions, classes
    and variables it names. None when the text cannot tell (no such top-level name, or a
    file that does not parse): the caller must then assume nothing."""
    if not source:
        return None
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return None
    core: dict[str, str] = {}  # local name -> "logistic_scratch.name"
    aliases: set[str] = set()  # local names of the module itself
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == CORE_MODULE:
            for alias in node.names:
                core[alias.asname or alias.name] = f"{CORE_MODULE}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == CORE_MODULE:
                    aliases.add(alias.asname or alias.name)
    defined: dict[str, ast.AST] = {}  # top-level name -> what defines it
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            defined[node.name] = node
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):  # `fit = fit_logistic`, lambdas
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for name in ast.walk(target):
                    if isinstance(name, ast.Name):
                        defined[name.id] = node
    if function not in defined:
        return None
    reached: set[str] = set()
    seen: set[str] = set()
    pending = [function]
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        for node in ast.walk(defined[name]):
            if isinstance(node, ast.Name):
                if node.id in core:
                    reached.add(core[node.id])
                elif node.id in defined:
                    pending.append(node.id)
            elif (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in aliases
            ):
                reached.add(f"{CORE_MODULE}.{node.attr}")
    return reached
