"""A Canvas gradebook import: the columns Canvas's "Import" expects, one assignment column.

    Student,ID,SIS User ID,SIS Login ID,Section,HW3 (12345)
    Points Possible,,,,,100

Canvas updates an existing assignment when the column's header is its name and ID as
Canvas writes them, "Name (ID)"; any other header makes a new assignment on import. The
header is `--canvas-assignment "HW3 (12345)"` (checked here, remembered in OUT by
grader/classwork/remembered.py), else the chapter's title, which makes a new one.

Submissions are matched to students by the instructor's roster (grader/instructor/roster.py);
without one, the submission's name is taken as the SIS Login ID and Canvas matches on that.
A submission graded under another name than it was handed in under (grader/identity.py),
or whose name is another's in another case, gives nobody a score: an empty cell and an
error line, for the instructor to decide.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from grader.classwork.gradebook import BOM, GradebookRow, number_cell, safe_cell
from grader.files import atomic_write_text
from grader.identity import Identity, NameMatch, match_name
from grader.instructor.files import InstructorInputError
from grader.instructor.roster import Student

ASSIGNMENT = "Logistic Regression and Metrics"

# Canvas's own header of an assignment: its name, one space, its numeric ID in parentheses.
_NAME_AND_ID = re.compile(r"(?P<name>\S(?:.*\S)?) \((?P<id>[0-9]+)\)")


class CanvasAssignmentError(InstructorInputError):
    """A --canvas-assignment that is not "Name (ID)": one line, exit status 2."""


@dataclass(frozen=True)
class CanvasAssignment:
    """The Canvas assignment the import's column updates: its name and numeric ID."""

    name: str
    assignment_id: str  # digits, as in the assignment's address .../assignments/12345

    @property
    def column(self) -> str:
        """The column's header as Canvas writes it in its own export: "HW3 (12345)"."""
        return f"{self.name} ({self.assignment_id})"


def parse_canvas_assignment(text: str, option: str = "--canvas-assignment") -> CanvasAssignment:
    """ "HW3 (12345)" as a CanvasAssignment. Raises CanvasAssignmentError (one line) for
    any other form: without the ID, Canvas would make a new assignment on import instead
    of updating this one, which is what the option is for."""
    found = _NAME_AND_ID.fullmatch(text)
    if found is None or any(ord(ch) < 32 or ord(ch) == 127 for ch in text):
        raise CanvasAssignmentError(
            f"{option} {text!r}: give the assignment as Canvas names its column, its name "
            'and its ID in parentheses, e.g. "HW3 (12345)" (the ID is the number at the end '
            "of the assignment's address in Canvas)"
        )
    return CanvasAssignment(found["name"], found["id"])


@dataclass(frozen=True)
class CanvasRow:
    """One line of the import: a student and the score, or an empty cell and why."""

    student: Student
    score: float | None  # None: left empty, `problem` says why
    problem: str = ""


def canvas_rows(
    rows: Iterable[GradebookRow],
    roster: dict[str, Student] | None = None,
    identities: Mapping[str, Identity] | None = None,
) -> list[CanvasRow]:
    """The import's rows in the gradebook's order: each submission as the roster's student
    its name matches (grader/identity.py's match_name), else as the SIS Login ID of its
    folder name. A submission that was renamed, or whose name is another's after case
    folding, gives nobody a score: its cell is empty and `problem` says why."""
    rows = list(rows)
    known = dict(identities or {})
    every = [known.get(row.name) or Identity(row.name, row.name) for row in rows]
    meant: dict[str, list[NameMatch]] = {}
    for name in roster or {}:
        match = match_name(name, every)
        if match.identity is not None:
            meant.setdefault(match.identity.folder, []).append(match)
    result = []
    for row, identity in zip(rows, every, strict=True):
        matches = meant.get(identity.folder, [])
        if matches:
            for match in matches:
                student = (roster or {})[match.name]
                if not (student.canvas_id or student.sis_user_id or student.sis_login_id):
                    # Canvas finds a student by one of these: the name, as without a roster
                    student = dataclasses.replace(student, sis_login_id=match.name)
                if match.clean and len(matches) == 1:
                    result.append(CanvasRow(student, row.score))
                else:
                    why = match.problem or f"roster rows {', '.join(m.name for m in matches)}"
                    result.append(CanvasRow(student, None, why))
            continue
        own = match_name(identity.folder, every)
        student = Student(sis_login_id=identity.folder)
        result.append(CanvasRow(student, row.score if own.clean else None, own.problem))
    return result


def canvas_text(
    rows: Iterable[GradebookRow],
    roster: dict[str, Student] | None = None,
    assignment: CanvasAssignment | None = None,
    identities: Mapping[str, Identity] | None = None,
) -> str:
    """The import as CSV text: the header row with `assignment`'s column (else the
    chapter's title: a new assignment on import), Points Possible, a row per student."""
    rows = list(rows)
    column = assignment.column if assignment is not None else ASSIGNMENT
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", column])
    maximum = max((row.max_score for row in rows), default=0.0)
    writer.writerow(["Points Possible", "", "", "", "", number_cell(maximum)])
    for line in canvas_rows(rows, roster, identities):
        student = line.student
        writer.writerow(
            [
                safe_cell(student.student),
                student.canvas_id,
                student.sis_user_id,
                safe_cell(student.sis_login_id),
                student.section,
                number_cell(line.score),
            ]
        )
    return buffer.getvalue()


def write_canvas(
    rows: Iterable[GradebookRow],
    path: Path,
    roster: dict[str, Student] | None = None,
    identities: Mapping[str, Identity] | None = None,
    assignment: CanvasAssignment | None = None,
) -> list[str]:
    """Write the import atomically, its column `assignment`'s; returns one error line per
    empty cell it had to leave."""
    rows = list(rows)
    text = canvas_text(rows, roster, assignment, identities=identities)
    atomic_write_text(Path(path), BOM + text)
    return [
        f"error: {path}: {line.student.student or line.student.sis_login_id}: score left "
        f"empty ({line.problem}); enter it by hand"
        for line in canvas_rows(rows, roster, identities)
        if line.score is None
    ]


__all__ = [
    "ASSIGNMENT",
    "CanvasAssignment",
    "CanvasAssignmentError",
    "CanvasRow",
    "canvas_rows",
    "canvas_text",
    "parse_canvas_assignment",
    "write_canvas",
]
