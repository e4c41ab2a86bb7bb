"""Stage "adjust": an instructor's overrides, then the late policy, on a scored result.

Runs after "score" and before "render"; the adjustments are kept in the result, so every
report shows what changed and why.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import datetime

from grader.instructor.late import LatePolicy
from grader.instructor.overrides import Override
from grader.results import (
    Adjustment,
    AdjustmentKind,
    CriterionScore,
    GradedSubmission,
    ScoredCheck,
    Status,
)


def adjust(
    result: GradedSubmission,
    overrides: Iterable[Override],
    late: LatePolicy | None = None,
    submitted_at: datetime | None = None,
) -> GradedSubmission:
    """The result with this submission's overrides, then the late policy, applied.

    `result` must be the automatic result (no adjustments yet): regrade re-applies new
    overrides to the stored automatic result. A check override sets that check's points
    (within its maximum, checked when the overrides were read), so it always counts in
    full; a criterion override replaces the criterion's total. The hand-in time is kept
    whenever it is known, late or not.
    """
    mine = [item for item in overrides if item.submission == result.name]
    checks = list(result.checks)
    adjustments: list[Adjustment] = []
    for override in (item for item in mine if item.check):
        for index, scored in enumerate(checks):
            if scored.outcome.check_id == override.check:
                checks[index] = _override_check(scored, override)
                adjustments.append(
                    Adjustment(
                        AdjustmentKind.OVERRIDE,
                        override.check,
                        scored.points,
                        checks[index].points,
                        override.comment,
                    )
                )
    criteria = [_recount(criterion, checks) for criterion in result.criteria]
    for override in (item for item in mine if item.criterion):
        for index, criterion in enumerate(criteria):
            if criterion.criterion_id == override.criterion:
                points = float(override.points or 0.0)
                adjustments.append(
                    Adjustment(
                        AdjustmentKind.OVERRIDE,
                        criterion.criterion_id,
                        criterion.points,
                        points,
                        override.comment,
                    )
                )
                criteria[index] = dataclasses.replace(criterion, points=points)
    score = sum(criterion.points for criterion in criteria)
    days = late.days_late(submitted_at) if late and submitted_at else 0
    if days and late is not None:
        penalty = score * late.penalty_fraction(days)
        waiver = next((item for item in mine if item.waive_late), None)
        policy = f"{days} day(s) late: -{late.penalty_fraction(days) * 100:g} % of the points"
        if waiver is not None:
            comment = f"{policy}, waived" + (f": {waiver.comment}" if waiver.comment else "")
            adjustments.append(Adjustment(AdjustmentKind.WAIVED, "score", score, score, comment))
        else:
            adjustments.append(
                Adjustment(AdjustmentKind.LATE, "score", score, score - penalty, policy)
            )
            score -= penalty
    stamp = submitted_at.isoformat(timespec="seconds") if submitted_at else result.submitted_at
    if not adjustments and not days and stamp == result.submitted_at:
        return result
    return dataclasses.replace(
        result,
        checks=tuple(checks),
        criteria=tuple(criteria),
        score=max(0.0, score),
        adjustments=tuple(adjustments),
        submitted_at=stamp,
        days_late=days,
    )


def _override_check(scored: ScoredCheck, override: Override) -> ScoredCheck:
    points = float(override.points or 0.0)
    note = (
        f"Instructor: {override.comment}" if override.comment else "Points set by the instructor."
    )
    message = f"{scored.outcome.message}\n{note}" if scored.outcome.message else note
    outcome = dataclasses.replace(scored.outcome, message=message)
    if outcome.status is Status.REVIEW:  # reviewed now: the instructor's points decide
        reviewed = Status.PASSED if points > 0 else Status.FAILED
        outcome = dataclasses.replace(outcome, status=reviewed)
    elif outcome.status.earns_nothing or outcome.status is Status.PASSED:
        # Judged now by the instructor (a skipped check too): full points pass, any
        # fewer do not; never "not run" or "failed" beside full points.
        judged = Status.PASSED if points >= scored.max_points - 1e-9 else Status.FAILED
        outcome = dataclasses.replace(outcome, status=judged)
    # The maximum stays the rubric's: a manual item's own points, inside its criterion.
    return dataclasses.replace(scored, outcome=outcome, points=min(points, scored.max_points))


def _recount(criterion: CriterionScore, checks: list[ScoredCheck]) -> CriterionScore:
    # No cap here: every check's points are within its maximum, and the maxima add up to
    # the criterion's, so a cap could only ever swallow an instructor's points.
    earned = sum(item.points for item in checks if item.criterion_id == criterion.criterion_id)
    return dataclasses.replace(criterion, points=earned)
