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

from grader.classwork.classfolder import StoredResult
from grader.files import atomic_write_text
from grader.numbers import two_decimals
from grader.results import AdjustmentKind, GradedSubmission

# A cell starting with one of these is a formula to Excel or LibreOffice; names come from
# learners' file names, so such a name is written with a leading apostrophe (OWASP advice).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class GradebookRow:
    name: str
    score: float
    max_score: float
    criteria: dict[str, float] = field(default_factory=dict)  # criterion id -> points
    late_days: int | None = None  # set where the rubric has a late policy
    penalty: float | None = None  # points the late policy took
    submitted_at: str = ""  # ISO 8601 hand-in time, late or not
    overrides: str = ""  # "target=points; ..." of the instructor's overrides
    waived: bool = False  # a late penalty the instructor waived

    @classmethod
    def from_result(cls, result: GradedSubmission) -> GradebookRow:
        return cls._of(result)

    @classmethod
    def from_stored(cls, stored: StoredResult) -> GradebookRow:
        """The row of a stored result read back from the class's folder."""
        return cls._of(stored)

    @classmethod
    def _of(cls, record: GradedSubmission | StoredResult) -> GradebookRow:
        # Both records name these fields alike; an AdjustmentKind equals its value.
        late = [item for item in record.adjustments if item.kind == AdjustmentKind.LATE]
        return cls(
            name=record.name,
            score=record.score,
            max_score=record.max_score,
            criteria={c.criterion_id: c.points for c in record.criteria},
            late_days=record.days_late if record.submitted_at else None,
            penalty=sum(item.points_before - item.points_after for item in late)
            if record.submitted_at
            else None,
            submitted_at=record.submitted_at,
            overrides=_overrides_cell(
                (item.target, item.points_after)
                for item in record.adjustments
                if item.kind == AdjustmentKind.OVERRIDE
            ),
            waived=any(item.kind == AdjustmentKind.WAIVED for item in record.adjustments),
        )

    @classmethod
    def empty(cls, name: str, max_score: float = 0.0) -> GradebookRow:
        """The row of a submission that could not be graded: 0 points, criteria left blank."""
        return cls(name=name, score=0.0, max_score=max_score)


def _overrides_cell(pairs: Iterable[tuple[str, float]]) -> str:
    return "; ".join(f"{target}={number_cell(points)}" for target, points in pairs)


def number_cell(value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return ""  # a blank cell, never "nan"
    return two_decimals(value)


def safe_cell(name: str) -> str:
    return f"'{name}" if name.startswith(_FORMULA_START) else name


def gradebook_text(
    rows: Iterable[GradebookRow],
    criteria: Sequence[str] | None = None,
    late_policy: bool = False,
) -> str:
    """The CSV text; columns follow `criteria`, else the rows' criteria in first-seen order.

    Rows built from results list their criteria in rubric order, so the first-seen order
    is the rubric's; rows of failed submissions (no criteria) get blank cells. The columns:
    name, score, max_score, a column per criterion, submitted_at, late_days and penalty
    (whenever there is a late policy or a row was judged by one), overrides, late_waived.
    """
    rows = list(rows)
    if criteria is None:
        criteria = list(dict.fromkeys(cid for row in rows for cid in row.criteria))
    buffer = io.StringIO()
    writer = csv.writer(buffer)  # quoting of commas, quotes and newlines is the module's job
    late = late_policy or any(row.late_days is not None and row.late_days for row in rows)
    writer.writerow(
        [
            "name",
            "score",
            "max_score",
            *criteria,
            "submitted_at",
            *(["late_days", "penalty"] * late),
            "overrides",
            "late_waived",
        ]
    )
    for row in rows:
        cells = [
            safe_cell(row.name),
            number_cell(row.score),
            number_cell(row.max_score),
            *(number_cell(row.criteria.get(cid)) for cid in criteria),
            row.submitted_at,
        ]
        if late:
            cells += [
                "" if row.late_days is None else str(row.late_days),
                number_cell(row.penalty if row.penalty is not None else None),
            ]
        cells += [safe_cell(row.overrides), "yes" if row.waived else ""]
        writer.writerow(cells)
    return buffer.getvalue()


#: Spreadsheets (Excel above all) read a CSV as UTF-8 only when it starts with a BOM; our
#: own readers open CSVs as utf-8-sig, which drops it.
BOM = "\ufeff"


def write_gradebook(
    rows: Iterable[GradebookRow | GradedSubmission],
    path: Path,
    criteria: Sequence[str] | None = None,
    late_policy: bool = False,
) -> None:
    """Write gradebook.csv (UTF-8 with a BOM) atomically; results become rows first."""
    small = [
        row if isinstance(row, GradebookRow) else GradebookRow.from_result(row) for row in rows
    ]
    atomic_write_text(Path(path), BOM + gradebook_text(small, criteria, late_policy))


__all__ = ["BOM", "GradebookRow", "gradebook_text", "write_gradebook"]
