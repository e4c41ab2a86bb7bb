"""Visible checks of ex3_threshold_sweep.py, on the ticket queue with a fixed model."""

from __future__ import annotations

import numpy as np

from grader.chapter import COST_FN, COST_FP
from grader.checks.expect import as_number, expect_close, expect_one_of
from grader.checks.framework import CheckFailure
from grader.checks.probes import blame_in_module

MODULE = "ex3_threshold_sweep"
THRESHOLDS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]
FIXED_W = np.array([-4.0, 0.45, 0.3])  # a reasonable, fixed model: no fitting needed
COST_T, COSTS = 0.3, ((COST_FN, COST_FP), (5.0, 40.0))  # expected_cost's threshold, (fn, fp)


def _queue_probabilities(reference, tickets) -> tuple[np.ndarray, np.ndarray]:
    p = reference.call("logistic_scratch", "predict_proba", tickets.queue_X, FIXED_W)
    return tickets.queue_y, np.round(np.asarray(p), 2)  # rounded: some p land on thresholds


def check_sweep_thresholds(learner, reference, tickets, variants):
    """sweep_thresholds gives (t, precision, recall, f1) per threshold, in order."""
    y, p = _queue_probabilities(reference, tickets)
    expect_close(
        learner.call(MODULE, "sweep_thresholds", y, p, THRESHOLDS),
        reference.call(MODULE, "sweep_thresholds", y, p, THRESHOLDS),
        what=f"sweep_thresholds on the ticket queue, thresholds {THRESHOLDS}",
        variants={"M09": variants.sweep_strict(y, p, THRESHOLDS)},
        fix="One row (t, precision, recall, f1) per threshold, in the order given; predicted "
        "positive where p >= t.",
    )


def check_best_f1_threshold(learner, reference, tickets, variants):
    """best_f1_threshold picks the highest F1, the first threshold on a tie."""
    y, p = _queue_probabilities(reference, tickets)
    got = learner.call(MODULE, "best_f1_threshold", y, p, THRESHOLDS)
    expect_one_of(
        got,
        THRESHOLDS,
        "best_f1_threshold on the ticket queue",
        hidden=False,
        scores=_f1_scores(reference, y, p, THRESHOLDS),
    )
    expect_close(
        got,
        reference.call(MODULE, "best_f1_threshold", y, p, THRESHOLDS),
        what="best_f1_threshold on the ticket queue",
        variants={"M09": variants.best_f1_strict(y, p, THRESHOLDS)},
        # Reached with one of the thresholds only: "not the F1" would not apply here.
        fix="Keep the threshold with the highest F1 (the first on a tie), predicted "
        "positive where p >= t.",
    )
    # The smallest case where p >= t matters: one escalated ticket exactly at 0.5.
    small_y, small_p, small_t = np.array([1, 0]), np.array([0.5, 0.2]), [0.5, 0.6]
    what = f"best_f1_threshold({small_y.tolist()}, {small_p.tolist()}, {small_t})"
    got = learner.call(MODULE, "best_f1_threshold", small_y, small_p, small_t)
    expect_one_of(
        got, small_t, what, hidden=False, scores=_f1_scores(reference, small_y, small_p, small_t)
    )
    expect_close(
        got,
        reference.call(MODULE, "best_f1_threshold", small_y, small_p, small_t),
        what=what,
        variants={"M09": variants.best_f1_strict(small_y, small_p, small_t)},
        fix="At t = 0.5 the escalated ticket (p = 0.5) is predicted positive: F1 = 1.",
    )
    # On the eight tickets with a separating p every threshold ties at F1 = 1.
    y8 = tickets.eight_y
    p8 = np.where(y8 == 1, 0.9, 0.1)
    tied = [0.65, 0.2, 0.5]
    got = as_number(learner.call(MODULE, "best_f1_threshold", y8, p8, tied), "best threshold")
    if got != 0.65:
        raise CheckFailure(
            f"With every threshold of {tied} tied at F1 = 1, best_f1_threshold returned {got}; "
            "a tie goes to the threshold that comes first (0.65). Compare with > not >=."
        )


def _f1_scores(reference, y, p, thresholds) -> list[float]:
    """The F1 at each threshold: what a best_f1_threshold that returns the score gives."""
    return [row[3] for row in reference.call(MODULE, "sweep_thresholds", y, p, thresholds)]


def check_expected_cost(learner, reference, tickets, variants):
    """expected_cost is FN * cost_fn + FP * cost_fp."""
    y, p = _queue_probabilities(reference, tickets)
    t = COST_T
    cm = reference.call("logistic_scratch", "confusion_matrix_at_threshold", y, p, t)
    for cost_fn, cost_fp in COSTS:
        expect_close(
            learner.call(MODULE, "expected_cost", y, p, t, cost_fn=cost_fn, cost_fp=cost_fp),
            reference.call(MODULE, "expected_cost", y, p, t, cost_fn=cost_fn, cost_fp=cost_fp),
            what=f"expected_cost(y, p, {t}, cost_fn={cost_fn}, cost_fp={cost_fp})",
            variants={
                "M21": variants.cost_swapped(cm, cost_fn, cost_fp),
                "M09": variants.cost_strict(y, p, t, cost_fn, cost_fp),
            },
            fix="A missed urgent ticket is a false negative: FN * cost_fn + FP * cost_fp.",
        )


def check_min_cost_threshold(learner, reference, tickets, variants):
    """min_cost_threshold returns (t, cost) with the lowest cost, the first on a tie."""
    y, p = _queue_probabilities(reference, tickets)
    expect_close(
        learner.call(MODULE, "min_cost_threshold", y, p, THRESHOLDS),
        reference.call(MODULE, "min_cost_threshold", y, p, THRESHOLDS),
        what=f"min_cost_threshold on the ticket queue (cost_fn={COST_FN:g}, cost_fp={COST_FP:g})",
        variants={"M09": variants.min_cost_strict(y, p, THRESHOLDS, COST_FN, COST_FP)},
        fix="Return a pair (threshold, cost) for the lowest expected_cost.",
    )
    y8 = tickets.eight_y
    p8 = np.where(y8 == 1, 0.9, 0.1)
    got = learner.call(MODULE, "min_cost_threshold", y8, p8, [0.6, 0.3, 0.5])
    expect_close(
        got,
        (0.6, 0.0),
        what="min_cost_threshold with three tied thresholds [0.6, 0.3, 0.5]",
        fix="A tie goes to the threshold that comes first.",
    )


blame_in_module(globals())
