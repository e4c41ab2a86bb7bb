"""Stage "score": the rubric turns check outcomes into points, per check and per criterion."""

from __future__ import annotations

from grader.instructor.rubric import Rubric
from grader.results import CheckOutcome, CriterionScore, ScoredCheck, Status


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
