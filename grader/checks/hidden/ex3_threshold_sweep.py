"""Hidden checks of ex3_threshold_sweep.py on data drawn per submission."""

from __future__ import annotations

import numpy as np

from grader.checks import variants
from grader.checks.framework import call_where_zero_division, expect_close
from grader.checks.hidden import _draw
from grader.checks.hidden._hardcoded import answers

MODULE = "ex3_threshold_sweep"


def _draw_case(rng):
    n = int(rng.integers(10, 300))
    y = _draw.labels(rng, n, allow_one_class=False)
    p = _draw.probabilities(rng, n)
    return y, p, _draw.thresholds(rng, p)


def check_hidden_sweep_and_best_f1(learner, reference, rng, tickets):
    """sweep_thresholds and best_f1_threshold on held-out tickets."""
    y, p, thresholds = _draw_case(rng)
    what = "sweep_thresholds on held-out tickets"
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
        hidden=True,
    )
    expect_close(
        got,
        expected,
        hidden=True,
        what=what,
        variants={
            "M11": lambda: variants.zero_division_nan(expected, got),
            **answers(reference, tickets, MODULE, "sweep_thresholds"),
        },
        fix="A row per threshold in the order given, with 0/0 giving 0.",
    )
    expect_close(
        learner.call(MODULE, "best_f1_threshold", y, p, thresholds),
        reference.call(MODULE, "best_f1_threshold", y, p, thresholds),
        hidden=True,
        what="best_f1_threshold on held-out tickets",
        fix="The first threshold with the top F1.",
    )


def check_hidden_costs(learner, reference, rng, tickets):
    """expected_cost and min_cost_threshold with held-out costs."""
    y, p, thresholds = _draw_case(rng)
    cost_fn, cost_fp = (float(c) for c in np.round(rng.uniform(1, 200, 2), 1))
    t = thresholds[0]
    cm = reference.call("logistic_scratch", "confusion_matrix_at_threshold", y, p, t)
    expect_close(
        learner.call(MODULE, "expected_cost", y, p, t, cost_fn=cost_fn, cost_fp=cost_fp),
        reference.call(MODULE, "expected_cost", y, p, t, cost_fn=cost_fn, cost_fp=cost_fp),
        hidden=True,
        what="expected_cost with held-out costs",
        variants={
            "M21": variants.cost_swapped(cm, cost_fn, cost_fp),
            **answers(reference, tickets, MODULE, "expected_cost"),
        },
        fix="FN * cost_fn + FP * cost_fp, with the costs you are given.",
    )
    expect_close(
        learner.call(
            MODULE, "min_cost_threshold", y, p, thresholds, cost_fn=cost_fn, cost_fp=cost_fp
        ),
        reference.call(
            MODULE, "min_cost_threshold", y, p, thresholds, cost_fn=cost_fn, cost_fp=cost_fp
        ),
        hidden=True,
        what="min_cost_threshold on held-out tickets",
        variants=answers(reference, tickets, MODULE, "min_cost_threshold"),
        fix="(t, cost) of the lowest cost; the first threshold on a tie.",
    )
