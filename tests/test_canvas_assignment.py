"""The Canvas export's assignment column (issue 22, item 7): `--canvas-assignment "HW3
(12345)"` on `grade` and `regrade` makes the column Canvas's own header of that
assignment, so that an import updates it instead of making a new one; OUT remembers it."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest

from grader.classwork.canvas import (
    ASSIGNMENT,
    CanvasAssignment,
    CanvasAssignmentError,
    canvas_text,
    parse_canvas_assignment,
)
from grader.classwork.gradebook import GradebookRow
from grader.cli import main


@pytest.mark.parametrize(
    ("given", "name", "assignment_id"),
    [
        ("HW3 (12345)", "HW3", "12345"),
        ("Week 3: Logistic Regression (HW) (907)", "Week 3: Logistic Regression (HW)", "907"),
        ("Devoir 3 — régression (42)", "Devoir 3 — régression", "42"),
    ],
)
def test_an_assignment_is_its_name_and_id_as_canvas_writes_them(given, name, assignment_id):
    assignment = parse_canvas_assignment(given)
    assert assignment == CanvasAssignment(name, assignment_id)
    assert assignment.column == given


@pytest.mark.parametrize(
    "given",
    ["HW3", "HW3 (abc)", "HW3(12345)", "(12345)", " HW3 (1)", "HW3 (12345) ", "HW3 ()",
     "HW3\n (12)", "12345"],
)  # fmt: skip
def test_any_other_form_is_one_line_naming_the_form(given) -> None:
    with pytest.raises(CanvasAssignmentError) as raised:
        parse_canvas_assignment(given)
    message = str(raised.value)
    assert "\n" not in message.replace(repr(given), "")
    assert message.startswith("--canvas-assignment ") and '"HW3 (12345)"' in message


def _header(text: str) -> list[str]:
    return next(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))


def test_the_csv_header_is_the_assignment_column() -> None:
    rows = [GradebookRow("alice", 91.5, 100)]
    header = _header(canvas_text(rows, assignment=parse_canvas_assignment("HW3 (12345)")))
    assert header == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "HW3 (12345)"]
    assert _header(canvas_text(rows))[5] == ASSIGNMENT  # without one: a new assignment


def _canvas_header(path: Path) -> list[str]:
    return _header(path.read_text(encoding="utf-8-sig"))


def test_grade_and_regrade_write_and_remember_the_assignment(kit, tmp_path, capsys) -> None:
    learner = tmp_path / "class" / "alice"
    learner.mkdir(parents=True)
    shutil.copyfile(kit.solutions / "ex7_diagnosis.py", learner / "ex7_diagnosis.py")
    out, canvas = tmp_path / "out", tmp_path / "canvas.csv"
    argv = ["grade", str(learner), "--out", str(out), "--seed", "4", "--canvas", str(canvas)]
    assert main([*argv, "--canvas-assignment", "HW3 (12345)"]) == 0
    assert _canvas_header(canvas)[5] == "HW3 (12345)"
    # a regrade without the option keeps it, and says so
    capsys.readouterr()
    assert main(["regrade", str(out)]) == 0
    assert _canvas_header(canvas)[5] == "HW3 (12345)"
    assert "column is the assignment last given" in capsys.readouterr().err
    # a new one replaces it, and says so
    assert main(["regrade", str(out), "--canvas-assignment", "HW3 (2 of 2) (678)"]) == 0
    assert _canvas_header(canvas)[5] == "HW3 (2 of 2) (678)"
    assert "replaces the assignment last given" in capsys.readouterr().err
    # a wrong form: one line, exit status 2, the export as it was
    before = canvas.read_bytes()
    assert main(["regrade", str(out), "--canvas-assignment", "HW3"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: --canvas-assignment 'HW3'"), err
    assert canvas.read_bytes() == before
    # an assignment with no Canvas export to name: one line, before any grading
    other = tmp_path / "other"
    argv = ["grade", str(learner), "--out", str(other), "--canvas-assignment", "HW3 (1)"]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "give --canvas FILE too" in err[0], err
    assert not other.exists()


def test_a_roster_row_without_an_id_column_keeps_the_name_as_sis_login_id() -> None:
    """Canvas finds a student by ID, SIS User ID or SIS Login ID: a roster that names only
    the student (name,student) must not give a row Canvas cannot match (newcomer pass)."""
    import csv
    import io

    from grader.classwork.canvas import canvas_text
    from grader.classwork.gradebook import GradebookRow
    from grader.instructor.roster import Student

    rows = [GradebookRow("late-person", 80.78, 100.0), GradebookRow("ada", 90.0, 100.0)]
    roster = {
        "late-person": Student(student="Late Person"),
        "ada": Student(student="Ada L", sis_user_id="S42"),
    }
    table = list(csv.reader(io.StringIO(canvas_text(rows, roster))))
    by_student = {line[0]: line for line in table[2:]}
    assert by_student["Late Person"][1:4] == ["", "", "late-person"]
    assert by_student["Ada L"][1:4] == ["", "S42", ""]  # its own ID is enough
