"""results.json in Gradescope's autograder schema (contract, section 5).

Gradescope allows keys beyond its own: "extra_data" carries what an instructor needs to
reproduce or audit a run (seed, version, isolation, criteria, grader errors).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from grader.files import atomic_write_text, dumps_strict
from grader.numbers import points_text
from grader.pipeline.upstream import upstream_sentence
from grader.render.fallback import RESULTS_JSON, write_fallback_results
from grader.render.view_model import (
    GRADER_ERROR_TEXT,
    PRINTED_HEADING,
    adjustment_text,
    blame_groups,
    blame_sentence,
    explain_misconception,
    fix_order,
    grader_error_notice,
    message_body,
    sandbox_sentence,
)
from grader.results import AdjustmentKind, CheckOutcome, GradedSubmission, ScoredCheck, Status


class _Numbers:
    """Rounds numbers for JSON and records any non-finite one instead of writing it."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def __call__(self, value: float, where: str) -> float:
        number = float(value)
        if not math.isfinite(number):
            # NaN/Infinity are not JSON; Gradescope would reject the whole file.
            self.problems.append(f"{where} was {number!r}; written as 0")
            return 0.0
        return round(number, 4)

    def raw(self, value: float, where: str) -> float:
        """A finite float, unrounded (for values rounded together later)."""
        number = float(value)
        if not math.isfinite(number):
            self.problems.append(f"{where} was {number!r}; written as 0")
            return 0.0
        return number


def _tags(item: ScoredCheck) -> list[str]:
    outcome = item.outcome
    tags = [outcome.exercise, item.criterion_id]
    if outcome.hidden:
        tags.append("hidden")
    if outcome.manual:
        tags.append("manual")
    tags += [f"misconception:{m}" for m in outcome.misconceptions]
    if outcome.status is Status.ERROR:
        tags.append("grader-error")
    if outcome.status is Status.REVIEW:
        tags.append("review")  # awaiting an instructor (Status.REVIEW): JUnit's "skipped"
    if outcome.status is Status.SKIPPED:
        tags.append("skipped")  # not judgeable (a stub, a broken file): "failed", no points
    return list(dict.fromkeys(tags))  # no duplicates, order kept


def _test_output(item: ScoredCheck, outcomes: list[CheckOutcome] | None = None) -> str:
    """The learner message, then one paragraph per recognized misconception.

    For hidden checks the message is already free of inputs and expected values, and the
    catalog's explanations are generic: nothing here reveals the held-out data.
    """
    outcome = item.outcome
    message = outcome.message.strip()
    if outcome.status is Status.ERROR:
        message = f"{GRADER_ERROR_TEXT}\n{message}".strip()
    paragraphs = [message] if message else []
    if outcome.printed and not outcome.hidden:
        paragraphs.append(f"{PRINTED_HEADING}\n{outcome.printed}")
    group = _blame_group(outcome, outcomes or [outcome])
    if group and group[0] is not outcome:
        # One cause said once: the first test it spoils carries its sentence and boxes;
        # the others say their own words and point there.
        body = message_body(outcome)
        paragraphs = [body] if body else []
        paragraphs.append(f"Same cause as {group[0].check_id}: see there.")
        return "\n\n".join(paragraphs)
    if group:
        ids = [o.check_id for o in group]
        paragraphs.append(blame_sentence(sorted(outcome.blamed), ids, outcomes or [outcome]))
    paragraphs += [explain_misconception(m) for m in outcome.misconceptions]
    # Each test is read alone here: where to start instead goes with it.
    upstream = upstream_sentence(outcome, outcomes or [outcome])
    if upstream:
        paragraphs.append(upstream)
    return "\n\n".join(paragraphs)


def _blame_group(outcome: CheckOutcome, outcomes: list[CheckOutcome]) -> list[CheckOutcome]:
    """The failed checks of its file blaming the same wrong functions, when more than one."""
    if not outcome.blamed:
        return []
    mine = [o for o in outcomes if o.exercise == outcome.exercise]
    group = blame_groups(mine).get(tuple(sorted(outcome.blamed)), [])
    return group if len(group) > 1 else []


def _summary(result: GradedSubmission) -> str:
    isolation = result.isolation
    lines = [
        f"Score: {points_text(result.score)} / {points_text(result.max_score)}",
        *_fix_first_line(result),
        # Learners read this: one plain sentence; the detail is in extra_data.isolation.
        sandbox_sentence(isolation),
        f"Seed: {result.seed}",
        f"Grader version: {result.grader_version}",
    ]
    lines += [adjustment_text(item) for item in result.adjustments]
    notice = grader_error_notice(result)
    if notice:
        lines.append(notice)
    lines += [f"Note: {notice}" for notice in result.notices]
    return "\n".join(lines)


def _fix_first_line(result: GradedSubmission) -> list[str]:
    """The self-check's "Fix first" line, where something failed (none at full marks)."""
    order = fix_order([item.outcome for item in result.checks])
    if not order:
        return []
    return [f"Fix first: {order[0][0]}", *(f"Then: {sentence}" for sentence, _ in order[1:])]


def _adjustment_tests(result: GradedSubmission, number: _Numbers) -> list[dict[str, Any]]:
    """A test per change that no check carries (a criterion override, a late penalty), so
    that the tests always add up to the score; each has max_score 0 and the tag
    "adjustment"."""
    criteria = {criterion.criterion_id for criterion in result.criteria}
    tests = []
    for item in result.adjustments:
        if item.kind is AdjustmentKind.OVERRIDE and item.target in criteria:
            name, tags = f"instructor_override_{item.target}", ["adjustment", item.target]
        elif item.kind is AdjustmentKind.LATE:
            name, tags = "late_penalty", ["adjustment", "late"]
        else:
            continue
        delta = number.raw(item.points_after - item.points_before, name)
        tests.append(
            {
                "name": name,
                "score": delta,
                "max_score": 0.0,
                "status": "passed" if delta >= 0 else "failed",
                "output": adjustment_text(item),
                "visibility": "visible",
                "tags": tags,
            }
        )
    return tests


def to_gradescope(result: GradedSubmission) -> dict[str, Any]:
    """The result as a Gradescope results.json document (plain, JSON-ready values)."""
    number = _Numbers()
    tests = []
    for item in result.checks:
        outcome = item.outcome
        check_id = outcome.check_id
        tests.append(
            {
                "name": check_id,
                "score": number.raw(item.points, f"{check_id}: score"),
                "max_score": number.raw(item.max_points, f"{check_id}: max_score"),
                # Gradescope knows only passed/failed: a grader error or a skipped check is
                # "failed" + a tag, an item awaiting review "passed" + a tag (not a failure).
                "status": "passed"
                if outcome.status in (Status.PASSED, Status.REVIEW)
                else "failed",
                "output": _test_output(item, [check.outcome for check in result.checks]),
                # Visible even for hidden checks: their messages hold no inputs and no
                # expected values, and learners should see which property failed.
                "visibility": "visible",
                "tags": _tags(item),
            }
        )
    tests += _adjustment_tests(result, number)
    score, max_score = number(result.score, "score"), number(result.max_score, "max_score")
    # Each test rounded on its own: a passed check carries exactly its max_score (rounded
    # together to add up to the 4th decimal, one showed 1.165 of 1.1651: Gradescope drew a
    # deduction that is not there); tests add up to the score within 0.01 (Gradescope
    # shows the top-level score).
    for test in tests:
        test["score"], test["max_score"] = round(test["score"], 4), round(test["max_score"], 4)
    check_errors = {
        item.outcome.check_id: item.outcome.grader_error
        for item in result.checks
        if item.outcome.status is Status.ERROR
    }
    document: dict[str, Any] = {
        "score": score,
        "max_score": max_score,
        "execution_time": number(result.duration_s, "execution_time"),
        "output": _summary(result),
        # Plain text everywhere: a learner's message must never be interpreted as HTML.
        "output_format": "text",
        "test_output_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
    }
    criteria = [
        {
            "id": criterion.criterion_id,
            "title": criterion.title,
            "points": number(criterion.points, f"criterion {criterion.criterion_id}: points"),
            "max_points": number(
                criterion.max_points, f"criterion {criterion.criterion_id}: max_points"
            ),
        }
        for criterion in result.criteria
    ]
    document["extra_data"] = {
        "seed": result.seed,
        "grader_version": result.grader_version,
        "graded_at": result.graded_at,
        # Time inside the learner's code (imports and calls, measured in the worker).
        "learner_time_s": number(result.learner_time_s, "learner_time_s"),
        "isolation": {
            "level": result.isolation.level,
            "in_force": list(result.isolation.in_force),
            "missing": list(result.isolation.missing),
        },
        "criteria": criteria,
        "adjustments": [
            {
                "kind": item.kind.value,
                "target": item.target,
                "points_before": number(item.points_before, "adjustment"),
                "points_after": number(item.points_after, "adjustment"),
                "comment": item.comment,
            }
            for item in result.adjustments
        ],
        "submitted_at": result.submitted_at,
        "days_late": result.days_late,
        "input_hash": result.input_hash,
        "notices": list(result.notices),
        # Instructor-facing: whole-run problems, then any number the renderer had to replace.
        "grader_errors": [*result.grader_errors, *number.problems],
        "check_errors": check_errors,
    }
    return document


def write_results_json(result: GradedSubmission, path: Path) -> None:
    """Write results.json atomically: Gradescope never reads a half-written file."""
    atomic_write_text(Path(path), dumps_strict(to_gradescope(result)))


__all__ = ["RESULTS_JSON", "to_gradescope", "write_fallback_results", "write_results_json"]
