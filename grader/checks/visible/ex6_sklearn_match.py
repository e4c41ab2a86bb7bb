"""Visible checks of ex6_sklearn_match.py."""

from __future__ import annotations

import re

import numpy as np

from grader.checks.expect import as_number, expect_close
from grader.checks.framework import CheckFailure, FailureKind, StudentCodeError
from grader.checks.probes import blame_in_module

MODULE = "ex6_sklearn_match"
SLOW_CALL_FACTOR = 6  # a converged fit at a stable step takes many thousand epochs
WEIGHTS_C = (1.0, 0.1)
# numpy's message when 2 weights (fitted on X_raw) meet scikit-learn's 3 (M01)
NO_INTERCEPT_SHAPES = re.compile(r"shapes \(2,\) \(3,\)|shapes \(3,\) \(2,\)")
L2_FOR_C_CASES = ((1.0, 8), (0.5, 200))


def check_sklearn_weights(learner, reference, tickets):
    """sklearn_weights returns [intercept, coef...] of L2 logistic regression."""
    for C in WEIGHTS_C:
        expect_close(
            learner.call(MODULE, "sklearn_weights", tickets.eight_X_raw, tickets.eight_y, C=C),
            reference.call(MODULE, "sklearn_weights", tickets.eight_X_raw, tickets.eight_y, C=C),
            what=f"sklearn_weights(X_raw, y, C={C})",
            rtol=1e-5,
            atol=1e-6,
            fix="LogisticRegression(C=C, tol=1e-10, max_iter=10000) fitted on X_raw (no ones "
            "column: sklearn fits the intercept); return [intercept_, *coef_[0]].",
        )


def check_l2_for_C(learner, reference):
    """l2_for_C is 1 / (C n)."""
    for C, n in L2_FOR_C_CASES:
        expect_close(
            learner.call(MODULE, "l2_for_C", C, n),
            reference.call(MODULE, "l2_for_C", C, n),
            what=f"l2_for_C({C}, {n})",
            variants={"M23": 1.0 / C},
            fix="scikit-learn sums the losses; divide its objective by C * n: l2 = 1 / (C * n).",
        )


def check_scratch_vs_sklearn_gap(learner, reference, tickets):
    """scratch_vs_sklearn_gap is at most 1e-3 on the eight tickets with C = 1."""
    try:
        got = learner.call(
            MODULE,
            "scratch_vs_sklearn_gap",
            tickets.eight_X_raw,
            tickets.eight_y,
            C=1.0,
            timeout_s=SLOW_CALL_FACTOR * learner.call_timeout_s,
        )
    except StudentCodeError as error:
        # Two weights from X_raw against scikit-learn's three: the ones column was left out.
        if error.kind is FailureKind.EXCEPTION and NO_INTERCEPT_SHAPES.search(
            error.learner_message
        ):
            raise CheckFailure(
                f"scratch_vs_sklearn_gap(X_raw, y, C=1) failed: "
                f"{error.learner_message.splitlines()[0]} Your weights have one entry fewer "
                "than scikit-learn's [intercept, coef...]: fit on add_intercept(X_raw).",
                misconceptions=("M01",),
            ) from None
        raise
    gap = as_number(got, "scratch_vs_sklearn_gap(X_raw, y, C=1)")
    if gap == 0.0:
        # Gradient descent and scikit-learn's solver never agree to the last bit: a gap of
        # exactly 0 was not computed from two fits (a constant does not earn the point).
        raise CheckFailure(
            "scratch_vs_sklearn_gap(X_raw, y, C=1) is exactly 0, which two different solvers "
            "never give: return max |w_scratch - w_sklearn| of your fit_logistic at "
            "l2_for_C(C, n) and sklearn_weights(X_raw, y, C)."
        )
    if not (np.isfinite(gap) and 0.0 <= gap <= 1e-3):
        # The advice apart (`fix`): dropped when a function it uses is wrong (probes.py).
        raise CheckFailure.joined(
            f"scratch_vs_sklearn_gap(X_raw, y, C=1) is {gap:.3g}; a converged fit gives at most "
            "1e-3.",
            fix="Fit at l2 = l2_for_C(C, n) with a step below 2/L and enough epochs.",
        )


blame_in_module(globals())
