"""A Canvas gradebook import: the columns Canvas's "Import" expects, one assignment column.

    Student,ID,SIS User ID,SIS Login ID,Section,Logistic Regression and Metrics (ID)
    Points Possible,,,,,100

Submissions are matched to students by a roster CSV (columns name, student, id,
sis_user_id, sis_login_id, section; `name` is the submission's name); without one, the
submission's name is taken as the SIS Login ID and Canvas matches on that.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from grader.render._shared import atomic_write_text
from grader.render.gradebook import GradebookRow, number_cell, safe_cell

ASSIGNMENT = "Logistic Regression and Metrics"


class RosterError(ValueError):
    """A roster that cannot be read: one line."""


@dataclass(frozen=True)
class Student:
    student: str = ""
    canvas_id: str = ""
    sis_user_id: str = ""
    sis_login_id: str = ""
    section: str = ""


def load_roster(path: Path) -> dict[str, Student]:
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as error:
        raise RosterError(f"{path}: cannot be read ({error.strerror})") from None
    roster = {}
    for number, row in enumerate(rows, start=2):
        name = (row.get("name") or "").strip()
        if not name:
            raise RosterError(f"{path}: line {number}: the column 'name' is empty or missing")
        roster[name] = Student(
            *(str(row.get(key) or "").strip() for key in ("student", "id", "sis_user_id")),
            sis_login_id=(row.get("sis_login_id") or "").strip(),
            section=(row.get("section") or "").strip(),
        )
    return roster


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
    atomic_write_text(Path(path), canvas_text(rows, roster))


__all__ = ["ASSIGNMENT", "RosterError", "canvas_text", "load_roster", "write_canvas"]
