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
    # BEGIN SOLUTION
    X_raw = np.asarray(X_raw, dtype=float)
    if X_raw.ndim == 1:
        X_raw = X_raw.reshape(-1, 1)
    return np.column_stack([np.ones(X_raw.shape[0]), X_raw])
    # END SOLUTION


def sigmoid(z):
    """The logistic function sigma(z) = 1 / (1 + exp(-z)) (chapter section "The sigmoid").

    Returns an array of the shape of z (a float for a float). Must stay finite and
    warning-free for any z in [-1000, 1000]: exp(1000) overflows a float64.
    """
    # TODO: compute 1 / (1 + exp(-z)) without ever calling exp on a large positive
    # number. Hint: for z < 0 use the equal form exp(z) / (1 + exp(z)).
    # BEGIN SOLUTION
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))  # never overflows: the exponent is <= 0
    p = np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    return float(p) if p.ndim == 0 else p
    # END SOLUTION


def log_loss(y_true, p, eps=1e-15):
    """Mean binary cross-entropy (chapter section "Log-loss").

    L = -(1/n) * sum(y * log(p) + (1 - y) * log(1 - p)), with p clipped to
    [eps, 1 - eps] so that a confident mistake costs a large but finite loss.
    """
    # TODO: clip p, then return the mean (not the sum) of the per-ticket losses as a float.
    # BEGIN SOLUTION
    y = np.asarray(y_true, dtype=float)
    p = np.clip(np.asarray(p, dtype=float), eps, 1.0 - eps)
    return float(-np.mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - p)))
    # END SOLUTION


def gradient(X, y, w, l2=0.0):
    """Gradient of the mean log-loss plus an L2 penalty (chapter section "The gradient").

    g = (1/n) * X.T @ (sigmoid(X @ w) - y) + l2 * w', where w' is w with w'[0] = 0:
    the intercept is not penalized.
    """
    # TODO: the data term is (1/n) X^T (p - y); add l2 * w for every weight but w[0].
    # BEGIN SOLUTION
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    w = np.asarray(w, dtype=float)
    g = X.T @ (sigmoid(X @ w) - y) / X.shape[0]
    if l2:
        penalty = l2 * w
        penalty[0] = 0.0
        g = g + penalty
    return g
    # END SOLUTION


def fit_logistic(X, y, lr=0.5, epochs=2000, l2=0.0, verbose=False):
    """Batch gradient descent (chapter section "Gradient descent").

    w starts at zeros and takes `epochs` steps w <- w - lr * gradient(X, y, w, l2).
    X and y are not changed. With verbose=True, prints the loss now and then.
    """
    # TODO: start from np.zeros(X.shape[1]) and repeat the update `epochs` times.
    # BEGIN SOLUTION
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    w = np.zeros(X.shape[1])
    report_every = max(1, epochs // 10)
    for epoch in range(epochs):
        w = w - lr * gradient(X, y, w, l2)
        if verbose and (epoch % report_every == 0 or epoch == epochs - 1):
            print(f"epoch {epoch:5d}  loss {log_loss(y, predict_proba(X, w)):.6f}")
    return w
    # END SOLUTION


def predict_proba(X, w):
    """Probabilities p = sigmoid(X @ w), one per row of X (chapter section "The model")."""
    # TODO: one line.
    # BEGIN SOLUTION
    return np.asarray(sigmoid(np.asarray(X, dtype=float) @ np.asarray(w, dtype=float)))
    # END SOLUTION


def predict_with_threshold(p, t):
    """Labels 1 where p >= t, else 0, as an int array (chapter section "Thresholds").

    Note the >=: a probability exactly at the threshold is predicted positive.
    """
    # TODO: compare with >= and convert the booleans to int.
    # BEGIN SOLUTION
    return (np.asarray(p, dtype=float) >= t).astype(int)
    # END SOLUTION


def confusion_matrix_at_threshold(y, p, t):
    """The 2x2 int matrix [[TN, FP], [FN, TP]] at threshold t (chapter section "Thresholds").

    Rows are the true class, columns the predicted class: scikit-learn's layout.
    Predicted positive where p >= t.
    """
    # TODO: count the four cells from y and predict_with_threshold(p, t).
    # BEGIN SOLUTION
    y = np.asarray(y).astype(int)
    pred = predict_with_threshold(p, t)
    tn = int(np.sum((y == 0) & (pred == 0)))
    fp = int(np.sum((y == 0) & (pred == 1)))
    fn = int(np.sum((y == 1) & (pred == 0)))
    tp = int(np.sum((y == 1) & (pred == 1)))
    return np.array([[tn, fp], [fn, tp]], dtype=int)
    # END SOLUTION


def precision_recall_f1(cm):
    """(precision, recall, F1) as floats from [[TN, FP], [FN, TP]].

    Chapter section "Precision, recall, F1".

    precision = TP / (TP + FP), recall = TP / (TP + FN), F1 their harmonic mean.
    Any 0/0 gives 0.0, as scikit-learn does with zero_division=0.
    """
    # TODO: read the four cells, guard every division whose denominator can be 0.
    # BEGIN SOLUTION
    (_, fp), (fn, tp) = np.asarray(cm, dtype=float)
    precision = tp / (tp + fp) if tp + fp > 0 else 0.0
    recall = tp / (tp + fn) if tp + fn > 0 else 0.0
    # 2TP / (2TP + FP + FN) is the harmonic mean of precision and recall, with no 0/0.
    f1 = 2 * tp / (2 * tp + fp + fn) if tp > 0 else 0.0
    return float(precision), float(recall), float(f1)
    # END SOLUTION


def roc_points(y, p, thresholds):
    """One (false-positive rate, true-positive rate) pair per threshold.

    Chapter section "ROC and AUC".

    FPR = FP / (FP + TN) on the x axis, TPR = TP / (TP + FN) on the y axis, in the order
    of `thresholds`; predicted positive where p >= t; a rate whose denominator is 0 is 0.0.
    """
    # TODO: for each threshold, build the confusion matrix and read off (fpr, tpr).
    # BEGIN SOLUTION
    points = []
    for t in thresholds:
        (tn, fp), (fn, tp) = confusion_matrix_at_threshold(y, p, t)
        fpr = fp / (fp + tn) if fp + tn > 0 else 0.0
        tpr = tp / (tp + fn) if tp + fn > 0 else 0.0
        points.append((float(fpr), float(tpr)))
    return points
    # END SOLUTION


def roc_auc(y, p):
    """Area under the ROC curve (chapter section "ROC and AUC").

    AUC is the chance that a random escalated ticket gets a higher p than a random
    calm one; a tie counts one half. Equals sklearn.metrics.roc_auc_score(y, p).
    Raises ValueError when y holds one class only.
    """
    # TODO: compare every positive with every negative (or use average ranks);
    # count a tie as 0.5; raise ValueError if there are no positives or no negatives.
    # BEGIN SOLUTION
    y = np.asarray(y).astype(int)
    p = np.asarray(p, dtype=float)
    n_pos = int(np.sum(y == 1))
    n_neg = int(np.sum(y == 0))
    if n_pos == 0 or n_neg == 0:
        raise ValueError("AUC is undefined when y holds only one class")
    # Mann-Whitney U with average ranks: tied probabilities share their ranks,
    # which is exactly "a tie counts one half".
    _, inverse, counts = np.unique(p, return_inverse=True, return_counts=True)
    first_rank = np.cumsum(counts) - counts + 1
    average_rank = first_rank + (counts - 1) / 2.0
    rank_sum_pos = float(np.sum(average_rank[inverse][y == 1]))
    return (rank_sum_pos - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg)
    # END SOLUTION


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
    # BEGIN SOLUTION
    y = np.asarray(y, dtype=float)
    p = np.asarray(p, dtype=float)
    if p.size and (p.min() < 0.0 or p.max() > 1.0):
        raise ValueError("probabilities must lie in [0, 1]")
    inner_edges = np.linspace(0.0, 1.0, n_bins + 1)[1:-1]
    bin_ids = np.searchsorted(inner_edges, p, side="left")  # on an edge -> lower bin
    counts = np.bincount(bin_ids, minlength=n_bins)
    sum_true = np.bincount(bin_ids, weights=y, minlength=n_bins)
    sum_pred = np.bincount(bin_ids, weights=p, minlength=n_bins)
    filled = counts > 0
    return (
        sum_true[filled] / counts[filled],
        sum_pred[filled] / counts[filled],
        counts[filled].astype(int),
    )
    # END SOLUTION


def expected_calibration_error(y, p, n_bins=5):
    """ECE = sum over bins of (count / n) * |mean p - mean y|.

    Chapter section "Reliability diagrams".

    Each bin's gap is weighted by the share of tickets in it.
    """
    # TODO: use reliability_bins and weight each bin's gap by count / n.
    # BEGIN SOLUTION
    prob_true, prob_pred, counts = reliability_bins(y, p, n_bins)
    return float(np.sum(counts / counts.sum() * np.abs(prob_pred - prob_true)))
    # END SOLUTION
