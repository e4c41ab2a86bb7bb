"""Hidden checks of ex6_sklearn_match.py on data drawn per submission."""

from __future__ import annotations

import numpy as np

from grader.checks.expect import expect_close
from grader.checks.hidden import _draw
from grader.checks.hidden._hardcoded import answers
from grader.checks.probes import blame_in_module

MODULE = "ex6_sklearn_match"


def check_hidden_sklearn_weights(learner, reference, rng):
    """sklearn_weights on held-out tickets and another C."""
    data = _draw.tickets(rng, n_max=120)
    C = _draw.avoiding(float(np.round(rng.uniform(0.05, 5.0), 2)), 1.0, 0.5)  # not the default
    expect_close(
        learner.call(MODULE, "sklearn_weights", data.X_raw, data.y, C=C),
        reference.call(MODULE, "sklearn_weights", data.X_raw, data.y, C=C),
        rtol=1e-4,
        atol=1e-5,
        what="sklearn_weights on held-out tickets",
        variants=answers(reference, learner, MODULE, "sklearn_weights"),
        fix="Pass C through, fit to convergence, return [intercept, coef...].",
    )


def check_hidden_l2_for_C(learner, reference, rng):
    """l2_for_C for held-out C and n."""
    C = float(np.round(rng.uniform(0.01, 10), 3))
    n = int(rng.integers(2, 5000))
    expect_close(
        learner.call(MODULE, "l2_for_C", C, n),
        reference.call(MODULE, "l2_for_C", C, n),
        what="l2_for_C for held-out C and n",
        variants={"M23": 1.0 / C, **answers(reference, learner, MODULE, "l2_for_C")},
        fix="l2 = 1 / (C * n).",
    )


blame_in_module(globals())
