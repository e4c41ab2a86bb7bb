"""Plain-text rendering for a terminal: the learner's self-check and the demo table."""

from __future__ import annotations

from grader.checks.misconceptions import CATALOG
from grader.results import GradedSubmission, Status

MARKS = {Status.PASSED: "PASS", Status.FAILED: "FAIL", Status.ERROR: "ERROR"}


def render_self_check(result: GradedSubmission) -> str:
    """One line per check, the message under each failure, and a closing count."""
    lines = [f"Self-check of {result.name} (visible checks only)", ""]
    lines += [f"note: {notice}" for notice in result.notices]
    exercise = None
    for item in result.checks:
        outcome = item.outcome
        if outcome.exercise != exercise:
            exercise = outcome.exercise
            lines.append(f"{exercise}.py")
        mark = (
            "REVIEW"
            if outcome.manual and outcome.status is Status.PASSED
            else MARKS[outcome.status]
        )
        lines.append(f"  {mark:<6} {outcome.check_id}")
        if outcome.status is not Status.PASSED:
            lines += [f"         {line}" for line in outcome.message.splitlines()]
            for misconception_id in outcome.misconceptions:
                entry = CATALOG.get(misconception_id)
                if entry:
                    lines.append(
                        f"         Recognized mistake {entry.misconception_id}: "
                        f"{entry.title}. Fix: {entry.fix}."
                    )
    passed = sum(1 for item in result.checks if item.outcome.status is Status.PASSED)
    lines += [
        "",
        f"{passed} of {len(result.checks)} visible checks pass. Answers worked by hand, the "
        "quiz and the checks on held-out data are graded when you submit.",
        f"Isolation: {result.isolation.level}. Grader {result.grader_version}.",
    ]
    return "\n".join(lines) + "\n"
