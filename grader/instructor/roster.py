"""The instructor's roster CSV: which Canvas student each submission is.

Columns name (the submission's name), and optionally student, id, sis_user_id,
sis_login_id, section; read as people save it (grader/instructor/files.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from grader.instructor.files import InstructorFileError, InstructorInputError, read_csv


class RosterError(InstructorInputError):
    """A roster that cannot be read: one line."""


@dataclass(frozen=True)
class Student:
    student: str = ""
    canvas_id: str = ""
    sis_user_id: str = ""
    sis_login_id: str = ""
    section: str = ""


def load_roster(path: Path) -> dict[str, Student]:
    """roster.csv (column `name`, optional student, id, sis_user_id, sis_login_id,
    section); utf-8-sig, CRLF and Excel's separators accepted. RosterError if wrong."""
    try:
        rows = read_csv(path, ("name",))
    except InstructorFileError as error:
        raise RosterError(str(error)) from None
    roster = {}
    for row in rows:
        name = row.values["name"]
        if not name:
            raise RosterError(f"{path}: line {row.line}: the column 'name' is empty")
        if name in roster:
            raise RosterError(f"{path}: line {row.line}: '{name}' is listed twice")
        roster[name] = Student(
            *(row.values.get(key, "") for key in ("student", "id", "sis_user_id")),
            sis_login_id=row.values.get("sis_login_id", ""),
            section=row.values.get("section", ""),
        )
    return roster
