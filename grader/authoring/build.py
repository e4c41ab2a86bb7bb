"""`python -m grader build`: regenerate every derived file of the kit, or check them.

Order matters: the shipped data is written under solutions/, the stubs copy it into
exercises/, and the chapter notes are computed from the solutions and the data.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from grader.authoring.notes import render_chapter_notes
from grader.authoring.stubs import stale_exercises, write_exercises
from grader.datasets import write_shipped_data
from grader.paths import KitPaths

CHAPTER_NOTES = "chapter-notes.md"


def build(kit: KitPaths) -> list[Path]:
    """Rewrite the shipped data, exercises/ and the chapter notes; return what was written."""
    kit.shipped_data.mkdir(parents=True, exist_ok=True)
    written = write_shipped_data(kit.shipped_data)
    written += write_exercises(kit.solutions, kit.exercises)
    notes = kit.docs / CHAPTER_NOTES
    notes.parent.mkdir(parents=True, exist_ok=True)
    notes.write_text(render_chapter_notes(kit), encoding="utf-8")
    return [*written, notes]


def stale_files(kit: KitPaths) -> list[str]:
    """What differs from a fresh build, one line each (empty when everything is current)."""
    problems = []
    with tempfile.TemporaryDirectory() as scratch:
        for fresh in write_shipped_data(Path(scratch)):
            shipped = kit.shipped_data / fresh.name
            if not shipped.is_file() or shipped.read_bytes() != fresh.read_bytes():
                problems.append(f"out of date: {shipped.relative_to(kit.root)}")
    problems += [f"exercises/ {line}" for line in stale_exercises(kit.solutions, kit.exercises)]
    notes = kit.docs / CHAPTER_NOTES
    if not notes.is_file() or notes.read_text(encoding="utf-8") != render_chapter_notes(kit):
        problems.append(f"out of date: {notes.relative_to(kit.root)}")
    return problems
