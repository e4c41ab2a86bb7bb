"""A Canvas gradebook import: the columns Canvas's "Import" expects, one assignment column.

    Student,ID,SIS User ID,SIS Login ID,Section,Logistic Regression and Metrics (ID)
    Points Possible,,,,,100

Submissions are matched to students by the instructor's roster (grader/instructor/roster.py);
without one, the submission's name is taken as the SIS Login ID and Canvas matches on that.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from pathlib import Path

from grader.instructor.roster import Student
from grader.render._shared import atomic_write_text
from grader.render.gradebook import BOM, GradebookRow, number_cell, safe_cell

ASSIGNMENT = "Logistic Regression and Metrics"


def canvas_text(
    rows: Iterable[GradebookRow], roster: dict[str, Student] | None = None, assignment_id: str = ""
) -> str:
    rows = list(rows)
    column = f"{ASSIGNMENT} ({assignment_id})" if assignment_id else ASSIGNMENT
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", column])
    maximum = max((row.max_score for row in rows), default=0.0)
    writer.writerow(["Points Possible", "", "", "", "", number_cell(maximum)])
    for row in rows:
        student = (roster or {}).get(row.name) or Student(sis_login_id=row.name)
        writer.writerow(
            [
                safe_cell(student.student),
                student.canvas_id,
                student.sis_user_id,
                safe_cell(student.sis_login_id),
                student.section,
                number_cell(row.score),
            ]
        )
    return buffer.getvalue()


def write_canvas(
    rows: Iterable[GradebookRow], path: Path, roster: dict[str, Student] | None = None
) -> None:
    atomic_write_text(Path(path), BOM + canvas_text(rows, roster))


__all__ = ["ASSIGNMENT", "canvas_text", "write_canvas"]
