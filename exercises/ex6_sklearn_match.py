"""Exercise 6: your NumPy model against scikit-learn (chapter section "scikit-learn").

Unregularized weights cannot be compared on the eight tickets: they are separable, so the
loss has no finite minimum. With the same L2 penalty on both sides the two fits agree.
scikit-learn minimizes C * sum(log-loss) + ||coef||^2 / 2; divide by C * n to get the
mean log-loss plus (l2 / 2) * ||w[1:]||^2 that fit_logistic minimizes.
"""

import numpy as np
from logistic_scratch import add_intercept, fit_logistic
from sklearn.linear_model import LogisticRegression


def sklearn_weights(X_raw, y, C=1.0):
    """[intercept, coef...] of LogisticRegression(C=C), L2 penalty, run to convergence."""
    # TODO: fit LogisticRegression(C=C) with a tight tol and enough max_iter; stack
    # intercept_ in front of coef_.
    raise NotImplementedError("sklearn_weights() is not written yet (see its TODO)")


def l2_for_C(C, n):
    """The l2 at which fit_logistic minimizes LogisticRegression(C=C)'s objective: 1/(C n)."""
    # TODO: one line.
    raise NotImplementedError("l2_for_C() is not written yet (see its TODO)")


def scratch_vs_sklearn_gap(X_raw, y, C=1.0):
    """max |w_scratch - w_sklearn|, w_scratch from fit_logistic at l2_for_C(C, n).

    Run fit_logistic long enough to converge: a step below 2 / L (L now includes l2)
    and enough epochs.
    """
    # TODO: choose a stable lr and enough epochs, fit, compare with sklearn_weights.
    raise NotImplementedError("scratch_vs_sklearn_gap() is not written yet (see its TODO)")


# Are the eight tickets linearly separable?
EIGHT_TICKETS_SEPARABLE = ...
