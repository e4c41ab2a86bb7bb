"""Hidden checks of ex3_threshold_sweep.py on data drawn per submission.

Each check also runs cases laid down whatever the seed: probabilities on the thresholds
for both classes (p >= t against p > t, M09), thresholds tied on F1 or on cost (the first
wins), thresholds above every p (F1 zero everywhere: the first threshold still wins).
"""

from __future__ import annotations

from functools import partial

import numpy as np

from grader.checks.expect import (
    call_where_zero_division,
    expect_close,
    expect_one_of,
    zero_division_nan,
)
from grader.checks.hidden import _draw
from grader.checks.hidden._hardcoded import answers
from grader.checks.hidden.logistic_scratch import ABOVE_ALL, SEPARATING_P, SEPARATING_Y
from grader.checks.probes import blame_in_module

MODULE = "ex3_threshold_sweep"
# (y, p, thresholds) laid down: the smallest case where p > t and a start at best_t = 0
# both show (the answer is 0.5); a tie on F1 (0.52 and 0.51, the first wins) beside the
# best threshold 0.5, where p > t loses a ticket of each class; no predicted positive at
# all (every F1 is 0: the answer is still the first threshold).
F1_CASES = (
    (np.array([1, 0]), np.array([0.5, 0.2]), [0.5, 0.6]),
    (SEPARATING_Y, SEPARATING_P, [0.52, 0.51, 0.5, ABOVE_ALL]),
    (SEPARATING_Y, SEPARATING_P, [ABOVE_ALL, ABOVE_ALL + 0.01]),
)
# For costs: 0.45 and 0.42 tie at the lowest cost (the first wins); at 0.55, p > t drops an
# escalated ticket: FN = 2, FP = 1, so p > t (M09) and exchanged costs (M21) differ.
COST_THRESHOLDS = [0.6, 0.45, 0.42, ABOVE_ALL]
COST_T, COSTS = 0.55, (50.0, 30.0)  # not the defaults (120, 18): ignored costs show


def _draw_case(rng):
    n = int(rng.integers(10, 300))
    y = _draw.labels(rng, n, allow_one_class=False)
    p = _draw.probabilities(rng, n)
    y, p = _draw.joined((y, p), _draw.both_classes(p[:2]))  # ties across classes at t
    thresholds = _draw.thresholds(rng, p)
    return y, p, [float(p[0]), *thresholds]


def check_hidden_sweep_and_best_f1(learner, reference, rng, variants):
    """sweep_thresholds and best_f1_threshold on held-out tickets."""
    what = "sweep_thresholds on held-out tickets"
    cases = (*F1_CASES, _draw_case(rng))
    for y, p, thresholds in cases:
        expected = reference.call(MODULE, "sweep_thresholds", y, p, thresholds)
        # A threshold above every p predicts no positive: precision is 0/0 there.
        got = call_where_zero_division(
            learner,
            MODULE,
            "sweep_thresholds",
            y,
            p,
            thresholds,
            what=what,
            fix="A threshold with no predicted positive has precision 0.0, not an error.",
        )
        expect_close(
            got,
            expected,
            what=what,
            variants={
                "M09": partial(variants.sweep_strict, y, p, thresholds),
                "M11": lambda expected=expected, got=got: zero_division_nan(expected, got),
                **answers(reference, learner, MODULE, "sweep_thresholds"),
            },
            fix="A row per threshold in the order given, p >= t, with 0/0 giving 0.",
        )
    for y, p, thresholds in cases:
        what = "best_f1_threshold on held-out tickets"
        got = learner.call(MODULE, "best_f1_threshold", y, p, thresholds)
        scores = [row[3] for row in reference.call(MODULE, "sweep_thresholds", y, p, thresholds)]
        expect_one_of(got, thresholds, what, scores=scores)
        expect_close(
            got,
            reference.call(MODULE, "best_f1_threshold", y, p, thresholds),
            what=what,
            variants={"M09": partial(variants.best_f1_strict, y, p, thresholds)},
            fix="The first threshold with the top F1, predicted positive where p >= t.",
        )


def check_hidden_costs(learner, reference, rng, variants):
    """expected_cost and min_cost_threshold with held-out costs."""
    y_draw, p_draw, drawn_thresholds = _draw_case(rng)
    drawn_costs = tuple(float(c) for c in np.round(rng.uniform(1, 200, 2), 1))
    cases = [
        (SEPARATING_Y, SEPARATING_P, COST_T, COST_THRESHOLDS, COSTS),
        (y_draw, p_draw, drawn_thresholds[0], drawn_thresholds, drawn_costs),
    ]
    for y, p, t, _, (cost_fn, cost_fp) in cases:
        cm = reference.call("logistic_scratch", "confusion_matrix_at_threshold", y, p, t)
        expect_close(
            learner.call(MODULE, "expected_cost", y, p, t, cost_fn=cost_fn, cost_fp=cost_fp),
            reference.call(MODULE, "expected_cost", y, p, t, cost_fn=cost_fn, cost_fp=cost_fp),
            what="expected_cost with held-out costs",
            variants={
                "M21": variants.cost_swapped(cm, cost_fn, cost_fp),
                "M09": partial(variants.cost_strict, y, p, t, cost_fn, cost_fp),
                **answers(reference, learner, MODULE, "expected_cost"),
            },
            fix="FN * cost_fn + FP * cost_fp at p >= t, with the costs you are given.",
        )
    for y, p, _, thresholds, (cost_fn, cost_fp) in cases:
        expect_close(
            learner.call(
                MODULE, "min_cost_threshold", y, p, thresholds, cost_fn=cost_fn, cost_fp=cost_fp
            ),
            reference.call(
                MODULE, "min_cost_threshold", y, p, thresholds, cost_fn=cost_fn, cost_fp=cost_fp
            ),
            what="min_cost_threshold on held-out tickets",
            variants={
                "M09": partial(variants.min_cost_strict, y, p, thresholds, cost_fn, cost_fp),
                **answers(reference, learner, MODULE, "min_cost_threshold"),
            },
            fix="(t, cost) of the lowest cost; the first threshold on a tie.",
        )


blame_in_module(globals())
