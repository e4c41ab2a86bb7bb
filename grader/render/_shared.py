"""What the Markdown and HTML reports share: a format-free view of a result, and file writing.

The view does the decisions once (which mark a check gets, how points read, which
misconceptions are explained) so that the two templates only lay it out.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from grader.checks.misconceptions import CATALOG
from grader.results import Adjustment, AdjustmentKind, GradedSubmission, ScoredCheck, Status

TEMPLATES = Path(__file__).parent / "templates"

# Said wherever the grader itself failed: learners must never read a grader bug as theirs.
GRADER_ERROR_TEXT = (
    "The grader itself failed on this check. This is not your fault: your instructor has "
    "been told, and the check will be regraded."
)


def points_text(value: float) -> str:
    """Points as people read them: at most 2 decimals, no trailing zeros, never 'nan'."""
    if not math.isfinite(value):
        return "n/a"
    text = f"{round(value, 2):.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


# Characters that Markdown could read as syntax (or GitHub as HTML); CommonMark lets any
# ASCII punctuation be backslash-escaped, so learner text always renders literally.
_MARKDOWN_SPECIAL = frozenset("\\`*_[]|~#<>&!")


def markdown_escape(text: str) -> str:
    return "".join(f"\\{char}" if char in _MARKDOWN_SPECIAL else char for char in text)


def duration_text(seconds: float) -> str:
    return f"{seconds:.1f} s" if math.isfinite(seconds) else "n/a"


@dataclass(frozen=True)
class MisconceptionView:
    misconception_id: str
    title: str  # "" when the id is not in the catalog
    symptom: str
    cause: str
    fix: str


def misconception_view(misconception_id: str) -> MisconceptionView:
    entry = CATALOG.get(misconception_id)
    if entry is None:  # a check named an id the catalog lacks: still say it, explain nothing
        return MisconceptionView(misconception_id, "", "", "", "")
    return MisconceptionView(misconception_id, entry.title, entry.symptom, entry.cause, entry.fix)


def explain_misconception(misconception_id: str) -> str:
    """One paragraph, symptom -> cause -> fix, as plain text."""
    view = misconception_view(misconception_id)
    if not view.title:
        return f"Recognized mistake {misconception_id}."
    return (
        f"Recognized mistake {view.misconception_id}: {view.title}. Symptom: {view.symptom}. "
        f"Cause: {view.cause}. Fix: {view.fix}."
    )


def count_grader_errors(result: GradedSubmission) -> int:
    return sum(1 for item in result.checks if item.outcome.status is Status.ERROR)


def grader_error_notice(result: GradedSubmission) -> str:
    """The learner-facing sentence about grader failures, or "" when there were none."""
    errors = count_grader_errors(result)
    if errors:
        checks, them = ("check", "it") if errors == 1 else ("checks", "them")
        return (
            f"The grader itself failed on {errors} {checks}. This is not your fault: your "
            f"instructor has been told and will regrade {them}."
        )
    if result.grader_errors:
        return (
            "The grader reported a problem of its own while grading this submission. This is "
            "not your fault: your instructor has been told."
        )
    return ""


@dataclass(frozen=True)
class CheckView:
    check_id: str
    kind: str  # passed | failed | error | review: the CSS class and the test hook
    mark: str  # an emoji, always next to `label`: status is never told by colour alone
    label: str
    points: str  # "1.2 / 1.2 points", or "instructor-graded"
    hidden: bool
    manual: bool
    message: str
    misconceptions: tuple[MisconceptionView, ...]


@dataclass(frozen=True)
class ExerciseView:
    exercise: str
    checks: tuple[CheckView, ...]


@dataclass(frozen=True)
class CriterionView:
    criterion_id: str
    title: str
    description: str
    points: str
    max_points: str
    passed: int
    total: int


@dataclass(frozen=True)
class ReportView:
    name: str
    score: str
    max_score: str
    notices: tuple[str, ...]
    error_notice: str
    criteria: tuple[CriterionView, ...]
    exercises: tuple[ExerciseView, ...]
    isolation_level: str
    in_force: tuple[str, ...]
    missing: tuple[str, ...]
    grader_version: str
    seed: str
    graded_at: str
    duration: str
    adjustments: tuple[str, ...] = ()  # overrides and late penalties, as sentences


def _check_view(item: ScoredCheck) -> CheckView:
    outcome = item.outcome
    if outcome.status is Status.ERROR:
        kind, mark, label = "error", "⚠️", "grader error"
        # The pipeline's own error messages already say it is not the learner's fault;
        # where one does not, say it here.
        message = outcome.message
        if "not your fault" not in message.lower():
            message = f"{GRADER_ERROR_TEXT}\n{message}".strip()
    elif outcome.manual and outcome.status is Status.PASSED:
        kind, mark, label = "review", "⏳", "awaiting instructor review"
        message = (
            ""
            if outcome.message.strip().lower() == "awaiting instructor review."
            else (outcome.message)
        )
    elif outcome.status is Status.PASSED:
        kind, mark, label, message = "passed", "✅", "passed", outcome.message
    else:
        kind, mark, label, message = "failed", "❌", "failed", outcome.message
    points = (
        "instructor-graded"
        if outcome.manual
        else f"{points_text(item.points)} / {points_text(item.max_points)} points"
    )
    return CheckView(
        check_id=outcome.check_id,
        kind=kind,
        mark=mark,
        label=label,
        points=points,
        hidden=outcome.hidden,
        manual=outcome.manual,
        message=message,
        misconceptions=tuple(misconception_view(m) for m in outcome.misconceptions),
    )


def build_view(result: GradedSubmission) -> ReportView:
    """The whole report, format-free, in the order of the result's checks."""
    by_exercise: dict[str, list[CheckView]] = {}
    for item in result.checks:
        by_exercise.setdefault(item.outcome.exercise, []).append(_check_view(item))
    criteria = []
    for criterion in result.criteria:
        mine = [
            item
            for item in result.checks
            if item.criterion_id == criterion.criterion_id and not item.outcome.manual
        ]
        criteria.append(
            CriterionView(
                criterion_id=criterion.criterion_id,
                title=criterion.title,
                description=criterion.description,
                points=points_text(criterion.points),
                max_points=points_text(criterion.max_points),
                passed=sum(1 for item in mine if item.outcome.status is Status.PASSED),
                total=len(mine),
            )
        )
    return ReportView(
        name=result.name,
        score=points_text(result.score),
        max_score=points_text(result.max_score),
        notices=result.notices,
        error_notice=grader_error_notice(result),
        criteria=tuple(criteria),
        exercises=tuple(
            ExerciseView(exercise, tuple(checks)) for exercise, checks in by_exercise.items()
        ),
        isolation_level=result.isolation.level,
        in_force=result.isolation.in_force,
        missing=result.isolation.missing,
        grader_version=result.grader_version,
        seed=str(result.seed),
        graded_at=result.graded_at,
        duration=duration_text(result.duration_s),
        adjustments=tuple(adjustment_text(item) for item in result.adjustments),
    )


def adjustment_text(item: Adjustment) -> str:
    """One change to the automatic score, as the learner and the instructor read it."""
    change = f"{points_text(item.points_before)} -> {points_text(item.points_after)} points"
    comment = f" ({item.comment})" if item.comment else ""
    if item.kind is AdjustmentKind.LATE:
        return f"Late penalty: {item.comment}; score {change}"
    if item.kind is AdjustmentKind.WAIVED:
        return f"Late penalty not applied: {item.comment}"
    return f"Set by the instructor: {item.target}, {change}{comment}"


def template_environment(**options: object) -> Environment:
    """A Jinja2 environment over the package's templates; a typo in a template fails loudly."""
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        **options,  # type: ignore[arg-type]
    )


def dumps_strict(document: dict[str, Any]) -> str:
    """JSON text that any strict parser accepts: NaN or Infinity raise instead of leaking."""
    return json.dumps(document, allow_nan=False, ensure_ascii=False, indent=2) + "\n"


def atomic_write_text(path: Path, text: str) -> None:
    """Write text as UTF-8 so that readers see the old file or the new one, never half.

    The temporary file lives in the same folder, so os.replace is a rename on one file
    system. newline="" keeps the text's own line endings (the CSV writer's CRLF).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o644)  # mkstemp makes 0600; reports are meant to be read
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
