"""Rebuild every class-wide view of OUT from the typed adjusted.json files in it
(grader/classwork/classfolder.py), under OUT's lock:
gradebook.csv, class.html, class.md, class.json, and the JUnit and Canvas files asked for.

Called after every `grade` and `regrade` (also an interrupted one), so grading one learner
again, or two sections into one folder, keeps every row.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from grader.classwork.canvas import CanvasAssignment, write_canvas
from grader.classwork.class_html import render_class_html
from grader.classwork.class_json import render_class_json
from grader.classwork.class_markdown import render_class_markdown
from grader.classwork.class_summary import MIN_FOR_FLAGS, ClassSummary, summarize_class
from grader.classwork.classfolder import class_lock, read_class
from grader.classwork.gradebook import GradebookRow, write_gradebook
from grader.classwork.junit import write_junit
from grader.classwork.manual_html import render_manual_html
from grader.classwork.similarity import find_similar
from grader.classwork.stored import CODE
from grader.files import atomic_write_text
from grader.instructor.roster import Student
from grader.paths import EXERCISE_FILES

GRADEBOOK = "gradebook.csv"
CLASS_HTML, CLASS_MD, CLASS_JSON = "class.html", "class.md", "class.json"
MANUAL_HTML = "manual.html"
ATTENTION_NAMED = 5  # the terminal names this many learners needing attention, then counts


@dataclass(frozen=True)
class ViewRequest:
    """Which views besides gradebook.csv and class.* to write, and how."""

    late_policy: bool = False  # the rubric has one: the late columns are always there
    junit: Path | None = None
    canvas: Path | None = None
    roster: dict[str, Student] | None = None
    similarity: bool = True
    # the Canvas export's column ("HW3 (12345)"); None: the chapter's title
    canvas_assignment: CanvasAssignment | None = None
    stub_folder: Path | None = None  # the kit's exercises/: lines every submission shares
    solutions_folder: Path | None = None  # the kit's solutions/: the quiz's key (ANSWERS)
    low_score_fraction: float = 0.5  # the rubric's attention.low_score_fraction


@dataclass(frozen=True)
class Views:
    summary: ClassSummary
    written: tuple[Path, ...]
    problems: tuple[str, ...] = ()  # error lines for the terminal (an export's empty cells)


def _has_exercise_file(folder: Path) -> bool:
    return folder.is_dir() and any(
        entry.name in EXERCISE_FILES or entry.suffix == ".ipynb" for entry in folder.iterdir()
    )


def rebuild_views(out: Path, request: ViewRequest) -> Views:
    """Read every OUT/*/adjusted.json and write every view; returns the paths written.
    Raises ClassFolderError (one line) for a folder graded by an older grader."""
    with class_lock(out):
        results = read_class(out)
        rows = [GradebookRow.from_stored(result) for result in results]
        written = [out / GRADEBOOK]
        write_gradebook(rows, out / GRADEBOOK, late_policy=request.late_policy)
        code = {r.name: r.folder / CODE for r in results if (r.folder / CODE).is_dir()}
        similar = None
        if request.similarity:
            try:
                similar = find_similar(code, request.stub_folder)
            except ImportError:  # copydetect missing (a learner's install): not searched
                similar = None
        has_code = {name: _has_exercise_file(folder) for name, folder in code.items()}
        summary = summarize_class(
            results,
            similar,
            has_code,
            low_score_fraction=request.low_score_fraction,
            answer_key=quiz_key(request.solutions_folder),
        )
        generated = (
            f"Built {datetime.now(timezone.utc).isoformat(timespec='seconds')} from the "
            f"{len(results)} graded submission(s) in this folder."
        )
        for name, text in (
            (CLASS_HTML, render_class_html(summary, generated)),
            (CLASS_MD, render_class_markdown(summary, generated)),
            (CLASS_JSON, render_class_json(summary)),
        ):
            atomic_write_text(out / name, text)
            written.append(out / name)
        if any(item.max_points > 0 for item in summary.manual):
            atomic_write_text(out / MANUAL_HTML, render_manual_html(summary, generated))
            written.append(out / MANUAL_HTML)
        else:  # no item to grade (any more): no page that says there is
            (out / MANUAL_HTML).unlink(missing_ok=True)
        if request.junit:
            write_junit(results, request.junit)
            written.append(request.junit)
        problems: list[str] = []
        if request.canvas:
            identities = {r.name: r.who for r in results}
            problems += write_canvas(
                rows, request.canvas, request.roster, identities, request.canvas_assignment
            )
            written.append(request.canvas)
    return Views(summary, tuple(written), tuple(problems))


def quiz_key(solutions: Path | None) -> dict[str, str]:
    """The quiz's key, {"Q1": "B", ...}: the reference's ANSWERS in solutions/ex7_diagnosis.py,
    read as a literal (never run); {} when the file or the literal is not there."""
    if solutions is None:
        return {}
    try:
        tree = ast.parse((solutions / "ex7_diagnosis.py").read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError):
        return {}
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else []
        if any(isinstance(t, ast.Name) and t.id == "ANSWERS" for t in targets):
            try:
                value = ast.literal_eval(node.value)
            except ValueError:
                return {}
            if isinstance(value, dict):
                return {str(k): str(v) for k, v in value.items()}
    return {}


def summary_lines(summary: ClassSummary) -> list[str]:
    """The terminal's summary of a class (the learners needing attention named)."""
    hardest = sorted(
        (c for c in summary.checks if not c.manual), key=lambda c: (c.difficulty, c.check_id)
    )[:3]
    flagged = sum(1 for c in summary.checks if c.flags)
    top = summary.misconceptions[:3]
    # the ones needing a look first: a pending manual item, lateness or an override alone
    # is bookkeeping (class.html and manual.html list those)
    named = sorted(
        summary.attention,
        key=lambda item: all(kind.bookkeeping for kind in item.kinds),
    )
    return [
        f"class: {summary.submissions} submission(s), mean {summary.mean:.1f}, median "
        f"{summary.median:.1f} of {summary.max_score:g}",
        "hardest checks: "
        + (", ".join(f"{c.check_id} (p={c.difficulty:.2f})" for c in hardest) or "none"),
        "misconceptions: "
        + (", ".join(f"{m.misconception_id} x{m.count}" for m in top) or "none recognized")
        + (", ... (class.md lists all)" if len(summary.misconceptions) > len(top) else ""),
        f"needs attention: {len(summary.attention)} submission(s)"
        + (": " if summary.attention else "")
        + ", ".join(f"{item.name} ({item.kinds[0].value})" for item in named[:ATTENTION_NAMED])
        + (
            f" and {len(summary.attention) - ATTENTION_NAMED} more in class.html"
            if len(summary.attention) > ATTENTION_NAMED
            else ""
        ),
        (
            f"item analysis: {flagged} check(s) flagged"
            if summary.submissions >= MIN_FOR_FLAGS
            else f"item analysis needs at least {MIN_FOR_FLAGS} submissions"
        ),
        "similar pairs: "
        + (str(len(summary.similar)) if summary.similarity_checked else "not searched"),
    ]


__all__ = [
    "GRADEBOOK",
    "MANUAL_HTML",
    "ViewRequest",
    "Views",
    "quiz_key",
    "rebuild_views",
    "summary_lines",
]
