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
