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
    raise NotImplementedError("flip_label() is not written yet (see its TODO)")


def label_flip_experiment(X, y, index=7, lr=0.8, epochs=2000, n_bins=4):
    """Fit on y and on flip_label(y, index); score each against its own labels.

    Returns a dict with the keys w_before, w_after, auc_before, auc_after, ece_before,
    ece_after.
    """
    # TODO: two calls of fit_logistic (the second on the flipped labels), then AUC and ECE
    # of each model against the labels it was trained on.
    raise NotImplementedError("label_flip_experiment() is not written yet (see its TODO)")
