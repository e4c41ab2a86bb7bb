"""gradebook.csv: a row per submission (name, score, max_score, then a column per criterion).

A batch's parent process keeps only GradebookRow objects, small and picklable, rather
than whole results.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from grader.render._shared import atomic_write_text
from grader.results import GradedSubmission

# A cell starting with one of these is a formula to Excel or LibreOffice; names come from
# learners' file names, so such a name is written with a leading apostrophe (OWASP advice).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class GradebookRow:
    name: str
    score: float
    max_score: float
    criteria: dict[str, float] = field(default_factory=dict)  # criterion id -> points

    @classmethod
    def from_result(cls, result: GradedSubmission) -> GradebookRow:
        return cls(
            name=result.name,
            score=result.score,
            max_score=result.max_score,
            criteria={c.criterion_id: c.points for c in result.criteria},
        )

    @classmethod
    def empty(cls, name: str, max_score: float = 0.0) -> GradebookRow:
        """The row of a submission that could not be graded: 0 points, criteria left blank."""
        return cls(name=name, score=0.0, max_score=max_score)


def _number(value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return ""  # a blank cell, never "nan"
    return f"{round(value, 2):.2f}"


def _safe_name(name: str) -> str:
    return f"'{name}" if name.startswith(_FORMULA_START) else name


def gradebook_text(rows: Iterable[GradebookRow], criteria: Sequence[str] | None = None) -> str:
    """The CSV text; columns follow `criteria`, else the rows' criteria in first-seen order.

    Rows built from results list their criteria in rubric order, so the first-seen order
    is the rubric's; rows of failed submissions (no criteria) get blank cells.
    """
    rows = list(rows)
    if criteria is None:
        criteria = list(dict.fromkeys(cid for row in rows for cid in row.criteria))
    buffer = io.StringIO()
    writer = csv.writer(buffer)  # quoting of commas, quotes and newlines is the module's job
    writer.writerow(["name", "score", "max_score", *criteria])
    for row in rows:
        writer.writerow(
            [
                _safe_name(row.name),
                _number(row.score),
                _number(row.max_score),
                *(_number(row.criteria.get(cid)) for cid in criteria),
            ]
        )
    return buffer.getvalue()


def write_gradebook(
    rows: Iterable[GradebookRow | GradedSubmission],
    path: Path,
    criteria: Sequence[str] | None = None,
) -> None:
    """Write gradebook.csv (UTF-8) atomically; results are turned into rows first."""
    small = [
        row if isinstance(row, GradebookRow) else GradebookRow.from_result(row) for row in rows
    ]
    atomic_write_text(Path(path), gradebook_text(small, criteria))


__all__ = ["GradebookRow", "gradebook_text", "write_gradebook"]
