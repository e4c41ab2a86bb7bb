"""Property-based checks of logistic_scratch on random inputs, held to scikit-learn.

Hypothesis runs derandomized with a modest number of examples, so the suite is
deterministic and quick; the strategies favour probabilities on bin edges and ties.
"""

from __future__ import annotations

import warnings

import logistic_scratch as ls
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.special import expit
from sklearn.calibration import calibration_curve
from sklearn.metrics import precision_recall_fscore_support, roc_auc_score

PROPERTY = settings(
    derandomize=True,
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

# Probabilities: anything in [0, 1], plus values that land on bin edges, ties and the ends.
GRID = [0.0, 0.1, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.75, 0.8, 0.9, 1.0, 1 / 3, 2 / 3]
probability = st.one_of(st.sampled_from(GRID), st.floats(0.0, 1.0))
threshold = st.one_of(st.sampled_from(GRID), st.floats(0.0, 1.0))


@st.composite
def labels_and_probabilities(draw, min_size=1, both_classes=False):
    n = draw(st.integers(min_size, 40))
    y = draw(st.lists(st.integers(0, 1), min_size=n, max_size=n))
    if both_classes and len(set(y)) < 2:  # needs min_size >= 2
        y[0] = 1 - y[0]
    p = draw(st.lists(probability, min_size=len(y), max_size=len(y)))
    return np.array(y), np.array(p, dtype=float)


@PROPERTY
@given(st.floats(-1000.0, 1000.0))
def test_sigmoid_lies_in_0_1_and_is_symmetric(z):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s_pos = float(ls.sigmoid(z))
        s_neg = float(ls.sigmoid(-z))
    assert 0.0 <= s_pos <= 1.0, f"sigmoid({z}) = {s_pos} is outside [0, 1]"
    assert s_neg == pytest.approx(1.0 - s_pos, abs=2e-9), f"sigmoid(-z) != 1 - sigmoid(z) at {z}"
    assert s_pos == pytest.approx(float(expit(z)), abs=1e-9)


@PROPERTY
@given(st.lists(st.floats(-1000.0, 1000.0), min_size=2, max_size=30))
def test_sigmoid_is_non_decreasing(zs):
    z = np.sort(np.array(zs))
    s = np.asarray(ls.sigmoid(z))
    assert np.all(np.diff(s) >= 0), f"sigmoid is not monotone on {z}"


@PROPERTY
@given(labels_and_probabilities(), threshold)
def test_confusion_matrix_cells_sum_to_n_and_rows_to_the_classes(yp, t):
    y, p = yp
    cm = ls.confusion_matrix_at_threshold(y, p, t)
    assert cm.shape == (2, 2)
    assert int(cm.sum()) == len(y), f"cells sum to {cm.sum()}, n = {len(y)}"
    assert int(cm[0].sum()) == int(np.sum(y == 0)) and int(cm[1].sum()) == int(np.sum(y == 1))
    assert int(cm[:, 1].sum()) == int(np.sum(p >= t)), "predicted positives are p >= t"


@PROPERTY
@given(labels_and_probabilities(), threshold)
def test_precision_recall_f1_match_sklearn(yp, t):
    y, p = yp
    pred = (p >= t).astype(int)
    expected = precision_recall_fscore_support(
        y, pred, average="binary", zero_division=0, labels=[0, 1]
    )[:3]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = ls.precision_recall_f1(ls.confusion_matrix_at_threshold(y, p, t))
    assert got == pytest.approx(tuple(map(float, expected)), abs=1e-12), (
        f"expected {expected}, got {got}"
    )


@PROPERTY
@given(labels_and_probabilities(min_size=2, both_classes=True))
def test_roc_auc_matches_roc_auc_score(yp):
    y, p = yp
    assert ls.roc_auc(y, p) == pytest.approx(roc_auc_score(y, p), abs=1e-12)


@PROPERTY
@given(labels_and_probabilities(), st.lists(threshold, min_size=1, max_size=6))
def test_roc_points_are_fpr_tpr_in_threshold_order(yp, thresholds):
    y, p = yp
    points = ls.roc_points(y, p, thresholds)
    assert len(points) == len(thresholds)
    n_pos, n_neg = int(np.sum(y == 1)), int(np.sum(y == 0))
    for t, (fpr, tpr) in zip(thresholds, points, strict=True):
        fp = int(np.sum((p >= t) & (y == 0)))
        tp = int(np.sum((p >= t) & (y == 1)))
        assert fpr == pytest.approx(fp / n_neg if n_neg else 0.0), f"fpr at t={t}"
        assert tpr == pytest.approx(tp / n_pos if n_pos else 0.0), f"tpr at t={t}"


@PROPERTY
@given(labels_and_probabilities(), st.integers(1, 12))
def test_reliability_bins_and_ece_match_calibration_curve(yp, n_bins):
    y, p = yp
    sk_true, sk_pred = calibration_curve(y, p, n_bins=n_bins, strategy="uniform")
    prob_true, prob_pred, counts = ls.reliability_bins(y, p, n_bins=n_bins)
    np.testing.assert_allclose(prob_true, sk_true, atol=1e-12, err_msg="prob_true")
    np.testing.assert_allclose(prob_pred, sk_pred, atol=1e-12, err_msg="prob_pred")
    all_counts = np.bincount(
        np.searchsorted(np.linspace(0, 1, n_bins + 1)[1:-1], p), minlength=n_bins
    )
    np.testing.assert_array_equal(counts, all_counts[all_counts > 0], err_msg="counts")
    expected_ece = float(np.sum(all_counts[all_counts > 0] / len(p) * np.abs(sk_pred - sk_true)))
    got = ls.expected_calibration_error(y, p, n_bins=n_bins)
    assert got == pytest.approx(expected_ece, abs=1e-12), f"expected ECE {expected_ece}, got {got}"


@st.composite
def regression_problem(draw):
    n = draw(st.integers(2, 12))
    d = draw(st.integers(1, 3))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    X = np.column_stack([np.ones(n), rng.normal(size=(n, d)) * draw(st.sampled_from([0.5, 2.0]))])
    y = rng.integers(0, 2, size=n).astype(float)
    w = rng.normal(size=d + 1)
    l2 = draw(st.sampled_from([0.0, 0.05, 1.0]))
    return X, y, w, l2


def _objective(X, y, w, l2):
    z = X @ w
    return float(np.mean(np.logaddexp(0.0, z) - y * z) + 0.5 * l2 * w[1:] @ w[1:])


@PROPERTY
@given(regression_problem())
def test_gradient_matches_a_finite_difference_of_the_objective(problem):
    X, y, w, l2 = problem
    g = np.asarray(ls.gradient(X, y, w, l2))
    h = 1e-6
    numeric = np.array(
        [
            (_objective(X, y, w + h * e, l2) - _objective(X, y, w - h * e, l2)) / (2 * h)
            for e in np.eye(len(w))
        ]
    )
    np.testing.assert_allclose(g, numeric, atol=1e-7, rtol=1e-6)


@PROPERTY
@given(labels_and_probabilities(), threshold)
def test_predict_with_threshold_is_p_at_least_t(yp, t):
    _, p = yp
    np.testing.assert_array_equal(ls.predict_with_threshold(p, t), (p >= t).astype(int))
