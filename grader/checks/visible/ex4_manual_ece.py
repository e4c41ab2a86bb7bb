"""Visible checks of ex4_manual_ece.py (the hand-worked numbers are answer checks)."""

from __future__ import annotations

import numpy as np

from grader.checks.expect import expect_close
from grader.checks.framework import CheckFailure

MODULE = "ex4_manual_ece"


def check_sklearn_reliability(learner, reference):
    """sklearn_reliability returns calibration_curve's (prob_true, prob_pred)."""
    y = np.array([0, 1, 0, 1, 1, 0, 1, 0, 1, 1, 0, 0])
    p = np.array([0.05, 0.2, 0.2, 0.4, 0.55, 0.8, 0.8, 0.95, 0.99, 0.1, 0.33, 0.61])
    got = learner.call(MODULE, "sklearn_reliability", y, p, n_bins=5)
    if not isinstance(got, (list, tuple)) or len(got) != 2:
        raise CheckFailure("sklearn_reliability should return two arrays (prob_true, prob_pred).")
    for n_bins in (5, 4):  # 5 is the default: 4 shows an n_bins that is not passed on
        if n_bins != 5:
            got = learner.call(MODULE, "sklearn_reliability", y, p, n_bins=n_bins)
            if not isinstance(got, (list, tuple)) or len(got) != 2:
                raise CheckFailure(
                    "sklearn_reliability should return two arrays (prob_true, prob_pred)."
                )
        expected = reference.call(MODULE, "sklearn_reliability", y, p, n_bins=n_bins)
        for index, name in enumerate(("prob_true", "prob_pred")):
            expect_close(
                got[index],
                expected[index],
                what=f"sklearn_reliability(y, p, n_bins={n_bins}): {name}",
                fix="Call sklearn.calibration.calibration_curve(y, p, n_bins=n_bins, "
                "strategy='uniform') and return its two arrays in that order.",
            )
