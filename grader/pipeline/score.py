"""Stage "score": the rubric turns check outcomes into points, per check and per criterion.

`rescore` gives a stored automatic result the current rubric's points (regrade, and a
re-run of `grade` that skips an unchanged submission), or refuses in one line when the
rubric changed what grading runs, which only running the learner's code again can follow.
"""

from __future__ import annotations

import dataclasses

from grader.instructor.files import InstructorInputError
from grader.instructor.rubric import Rubric
from grader.results import CheckOutcome, CriterionScore, GradedSubmission, ScoredCheck, Status


class RubricChangedError(InstructorInputError):
    """The rubric changed what grading runs (its checks, its limits) since a result was
    graded: points alone cannot follow it. One line; the command exits 2."""


def score(
    outcomes: list[CheckOutcome], rubric: Rubric
) -> tuple[tuple[ScoredCheck, ...], tuple[CriterionScore, ...]]:
    """Points for every outcome, and each criterion's total, in rubric order.

    Checks that did not run (a self-check runs fewer) still count in the maximum: a
    criterion's points are shared among all its checks by weight.
    """
    by_id = {outcome.check_id: outcome for outcome in outcomes}
    scored = []
    criteria = []
    for criterion in rubric.criteria:
        earned = 0.0
        for check_id in criterion.weights:
            outcome = by_id.get(check_id)
            if outcome is None:
                continue
            maximum = criterion.check_points(check_id)
            points = maximum if outcome.status is Status.PASSED and not outcome.manual else 0.0
            earned += points
            scored.append(ScoredCheck(outcome, criterion.criterion_id, points, maximum))
        criteria.append(
            CriterionScore(
                criterion.criterion_id,
                criterion.title,
                criterion.description,
                earned,
                criterion.points,
            )
        )
    order = {outcome.check_id: index for index, outcome in enumerate(outcomes)}
    scored.sort(key=lambda item: order[item.outcome.check_id])
    return tuple(scored), tuple(criteria)


def rubric_changes(automatic: GradedSubmission, rubric: Rubric) -> list[str]:
    """What in `rubric` would change the checks' outcomes of a stored automatic result, one
    phrase each ("check 'check_x' added, never run", "limits.call_timeout_s 10 -> 5");
    empty when its points can be re-scored. Weights, points, manual items' points and the
    late policy change points only, and are never listed. A result that does not record its
    limits (an older grader's) is compared on its checks only."""
    stored = [item.outcome.check_id for item in automatic.checks]
    wanted = [check_id for criterion in rubric.criteria for check_id in criterion.weights]
    changes = [f"check '{c}' added, never run" for c in wanted if c not in set(stored)]
    changes += [f"check '{c}' removed" for c in stored if c not in set(wanted)]
    if automatic.limits is not None:
        for field in dataclasses.fields(rubric.limits):
            old = getattr(automatic.limits, field.name)
            new = getattr(rubric.limits, field.name)
            if old != new:
                changes.append(f"limits.{field.name} {old:g} -> {new:g}")
    return changes


def rescore(automatic: GradedSubmission, rubric: Rubric) -> GradedSubmission:
    """The stored automatic result (before any adjustment) with `rubric`'s points: the
    same checks, criteria and score a fresh grading under `rubric` gives the same
    outcomes. Raises RubricChangedError (one line, naming the result and every change)
    when `rubric_changes` lists any: the learner's code must run again (`grade --force`).
    """
    changes = rubric_changes(automatic, rubric)
    if changes:
        raise RubricChangedError(
            f"{automatic.name}: rubric.yaml changed what grading runs since it was graded "
            f"({'; '.join(changes)}): grade it again with `grade --force`"
        )
    scored, criteria = score([item.outcome for item in automatic.checks], rubric)
    return dataclasses.replace(
        automatic,
        checks=scored,
        criteria=criteria,
        # As grade_automatic counts them: every check ran, so the maximum is the rubric's.
        score=sum(item.points for item in scored),
        max_score=rubric.total_points,
    )
