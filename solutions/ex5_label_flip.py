"""Exercise 5: flip the label of T8 and retrain (chapter "Try it yourself" 5).

Fit once on the true labels and once with T8 marked calm, and see what happens to the
weights, the AUC and the ECE. (Look closely at the eight tickets first: after the flip, can
one feature alone still separate them?)
"""

import numpy as np
from logistic_scratch import expected_calibration_error, fit_logistic, predict_proba, roc_auc


def flip_label(y, index):
    """A new array with y[index] replaced by 1 - y[index]; y itself is unchanged."""
    # TODO: copy first, then flip one element.
    # BEGIN SOLUTION
    flipped = np.array(y, dtype=int, copy=True)
    flipped[index] = 1 - flipped[index]
    return flipped
    # END SOLUTION


def label_flip_experiment(X, y, index=7, lr=0.8, epochs=2000, n_bins=4):
    """Fit on y and on flip_label(y, index); score each against its own labels.

    Returns a dict with the keys w_before, w_after, auc_before, auc_after, ece_before,
    ece_after.
    """
    # TODO: two calls of fit_logistic (the second on the flipped labels), then AUC and ECE
    # of each model against the labels it was trained on.
    # BEGIN SOLUTION
    y_flipped = flip_label(y, index)
    w_before = fit_logistic(X, y, lr=lr, epochs=epochs)
    w_after = fit_logistic(X, y_flipped, lr=lr, epochs=epochs)
    p_before = predict_proba(X, w_before)
    p_after = predict_proba(X, w_after)
    return {
        "w_before": w_before,
        "w_after": w_after,
        "auc_before": roc_auc(y, p_before),
        "auc_after": roc_auc(y_flipped, p_after),
        "ece_before": expected_calibration_error(y, p_before, n_bins),
        "ece_after": expected_calibration_error(y_flipped, p_after, n_bins),
    }
    # END SOLUTION
