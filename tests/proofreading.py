"""A proofreader for the feedback learners read: what a person would circle in red.

Used by the golden-scenario tests on every message they render; its own tests are in
tests/test_proofreading.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

# Two stops in a row (an ellipsis of three is fine), or punctuation doubled up: "4620..",
# "shape (3,)., ", ":.", "?."
_DOUBLED = re.compile(r"(?<!\.)\.\.(?!\.)|[,;:!?]\s*[.,;:](?!\.)|\.\s+\.(?!\.)")
# "expected X, got Y" up to the end of the clause
_EXPECTED_GOT = re.compile(r"expected (?P<expected>.+?), got (?P<got>.+?)(?=[.;]\s|[.;]?$)")
# Quoted text (a file name, a path, code) is the learner's or Python's, not prose.
_QUOTED = re.compile(r"'[^']*'|`[^`]*`|\"[^\"]*\"")
_REPLACED = re.compile(r"Your (?P<file>.+?) was replaced by the kit's copy")


def proofread(texts: Iterable[str]) -> list[str]:
    """Every problem found, one line each, quoting the text."""
    problems = []
    for text in texts:
        for line in text.splitlines():
            for found in _DOUBLED.finditer(_QUOTED.sub("''", line)):
                problems.append(f"doubled punctuation {found.group(0)!r} in: {line.strip()}")
            for found in _EXPECTED_GOT.finditer(line):
                if found.group("expected").strip() == found.group("got").strip():
                    problems.append(f"'expected X, got X' with equal texts in: {line.strip()}")
    return problems


def unchanged_file_notes(
    notices: Iterable[str], submission: Path, kit_exercises: Path
) -> list[str]:
    """Notes that a file was replaced, where the learner's copy is the kit's own."""
    problems = []
    for notice in notices:
        found = _REPLACED.search(notice)
        if not found or not submission.is_dir():
            continue
        mine, kits = submission / found.group("file"), kit_exercises / found.group("file")
        if mine.is_file() and kits.is_file() and mine.read_bytes() == kits.read_bytes():
            problems.append(f"a note about a file the learner did not change: {notice}")
    return problems
