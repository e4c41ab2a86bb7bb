"""Logistic regression from scratch: NumPy and the standard library only.

Every function here is one equation of the chapter "Logistic Regression and Metrics".
The model is p = sigmoid(X @ w); it is fitted by gradient descent on the mean log-loss,
then judged by thresholded metrics (precision, recall, F1), by ranking (ROC, AUC) and by
calibration (reliability bins, ECE).

Do not import scikit-learn or SciPy in this file: the grader reads its imports.
"""

from __future__ import annotations

import numpy as np


def add_intercept(X_raw):
    """Return X_raw with a first column of ones (chapter section "The model").

    The column of ones lets w[0] act as the intercept, so p = sigmoid(X @ w) can be
    shifted left or right. Returns a new (n, d + 1) float array; X_raw is unchanged.
    """
    # TODO: stack a column of ones in front of X_raw (np.column_stack or np.hstack).
    raise NotImplementedError("add_intercept() is not written yet (see its TODO)")


def sigmoid(z):
    """The logistic function sigma(z) = 1 / (1 + exp(-z)) (chapter section "The sigmoid").

    Returns an array of the shape of z (a float for a float). Must stay finite and
    warning-free for any z in [-1000, 1000]: exp(1000) overflows a float64.
    """
    # TODO: compute 1 / (1 + exp(-z)) without ever calling exp on a large positive
    # number. Hint: for z < 0 use the equal form exp(z) / (1 + exp(z)).
    raise NotImplementedError("sigmoid() is not written yet (see its TODO)")


def log_loss(y_true, p, eps=1e-15):
    """Mean binary cross-entropy (chapter section "Log-loss").

    L = -(1/n) * sum(y * log(p) + (1 - y) * log(1 - p)), with p clipped to
    [eps, 1 - eps] so that a confident mistake costs a large but finite loss.
    """
    # TODO: clip p, then return the mean (not the sum) of the per-ticket losses as a float.
    raise NotImplementedError("log_loss() is not written yet (see its TODO)")


def gradient(X, y, w, l2=0.0):
    """Gradient of the mean log-loss plus an L2 penalty (chapter section "The gradient").

    g = (1/n) * X.T @ (sigmoid(X @ w) - y) + l2 * w', where w' is w with w'[0] = 0:
    the intercept is not penalized.
    """
    # TODO: the data term is (1/n) X^T (p - y); add l2 * w for every weight but w[0].
    raise NotImplementedError("gradient() is not written yet (see its TODO)")


def fit_logistic(X, y, lr=0.5, epochs=2000, l2=0.0, verbose=False):
    """Batch gradient descent (chapter section "Gradient descent").

    w starts at zeros and takes `epochs` steps w <- w - lr * gradient(X, y, w, l2).
    X and y are not changed. With verbose=True, prints the loss now and then.
    """
    # TODO: start from np.zeros(X.shape[1]) and repeat the update `epochs` times.
    raise NotImplementedError("fit_logistic() is not written yet (see its TODO)")


def predict_proba(X, w):
    """Probabilities p = sigmoid(X @ w), one per row of X (chapter section "The model")."""
    # TODO: one line.
    raise NotImplementedError("predict_proba() is not written yet (see its TODO)")


def predict_with_threshold(p, t):
    """Labels 1 where p >= t, else 0, as an int array (chapter section "Thresholds").

    Note the >=: a probability exactly at the threshold is predicted positive.
    """
    # TODO: compare with >= and convert the booleans to int.
    raise NotImplementedError("predict_with_threshold() is not written yet (see its TODO)")


def confusion_matrix_at_threshold(y, p, t):
    """The 2x2 int matrix [[TN, FP], [FN, TP]] at threshold t (chapter section "Thresholds").

    Rows are the true class, columns the predicted class: scikit-learn's layout.
    Predicted positive where p >= t.
    """
    # TODO: count the four cells from y and predict_with_threshold(p, t).
    raise NotImplementedError("confusion_matrix_at_threshold() is not written yet (see its TODO)")


def precision_recall_f1(cm):
    """(precision, recall, F1) as floats from [[TN, FP], [FN, TP]].

    Chapter section "Precision, recall, F1".

    precision = TP / (TP + FP), recall = TP / (TP + FN), F1 their harmonic mean.
    Any 0/0 gives 0.0, as scikit-learn does with zero_division=0.
    """
    # TODO: read the four cells, guard every division whose denominator can be 0.
    raise NotImplementedError("precision_recall_f1() is not written yet (see its TODO)")


def roc_points(y, p, thresholds):
    """One (false-positive rate, true-positive rate) pair per threshold.

    Chapter section "ROC and AUC".

    FPR = FP / (FP + TN) on the x axis, TPR = TP / (TP + FN) on the y axis, in the order
    of `thresholds`; predicted positive where p >= t; a rate whose denominator is 0 is 0.0.
    """
    # TODO: for each threshold, build the confusion matrix and read off (fpr, tpr).
    raise NotImplementedError("roc_points() is not written yet (see its TODO)")


def roc_auc(y, p):
    """Area under the ROC curve (chapter section "ROC and AUC").

    AUC is the chance that a random escalated ticket gets a higher p than a random
    calm one; a tie counts one half. Equals sklearn.metrics.roc_auc_score(y, p).
    Raises ValueError when y holds one class only.
    """
    # TODO: compare every positive with every negative (or use average ranks);
    # count a tie as 0.5; raise ValueError if there are no positives or no negatives.
    raise NotImplementedError("roc_auc() is not written yet (see its TODO)")


def reliability_bins(y, p, n_bins=5):
    """Observed and predicted frequency per probability bin.

    Chapter section "Reliability diagrams".

    Bins are equal-width on [0, 1] (edges np.linspace(0, 1, n_bins + 1)); a probability
    exactly on an inner edge belongs to the lower bin: [0, e1], (e1, e2], ..., (e_k-1, 1].
    Returns (prob_true, prob_pred, counts) over the non-empty bins, in bin order,
    matching sklearn.calibration.calibration_curve(y, p, n_bins=n_bins).
    """
    # TODO: assign each p to its bin (np.searchsorted on the inner edges does it),
    # then per non-empty bin: mean of y, mean of p, and the count.
    raise NotImplementedError("reliability_bins() is not written yet (see its TODO)")


def expected_calibration_error(y, p, n_bins=5):
    """ECE = sum over bins of (count / n) * |mean p - mean y|.

    Chapter section "Reliability diagrams".

    Each bin's gap is weighted by the share of tickets in it.
    """
    # TODO: use reliability_bins and weight each bin's gap by count / n.
    raise NotImplementedError("expected_calibration_error() is not written yet (see its TODO)")
