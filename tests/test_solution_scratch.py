"""solutions/logistic_scratch.py against the contract (section 3) and scikit-learn.

Every reference value here is computed independently of the solution: with exact decimal
arithmetic, with scikit-learn, or from the formula written out in the test.
"""

from __future__ import annotations

import warnings
from decimal import Decimal, localcontext

import logistic_scratch as ls
import numpy as np
import pytest
from scipy.special import expit
from sklearn.calibration import calibration_curve
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support, roc_auc_score

CHAPTER_THRESHOLDS = [0.2, 0.35, 0.5, 0.65, 0.8]


def overlapping_queue(n=80, seed=0):
    """A random, overlapping, imbalanced ticket queue: (X with intercept, y)."""
    rng = np.random.default_rng(seed)
    X_raw = rng.normal(size=(n, 2))
    logits = -1.2 + 1.5 * X_raw[:, 0] - 0.8 * X_raw[:, 1]
    y = (rng.random(n) < expit(logits)).astype(int)
    return np.column_stack([np.ones(n), X_raw]), y


def exact_sigmoid(z: float) -> float:
    with localcontext() as ctx:
        ctx.prec = 50
        return float(1 / (1 + (-Decimal(z)).exp()))


def sk_prf(y, p, t):
    pred = (np.asarray(p) >= t).astype(int)
    prec, rec, f1, _ = precision_recall_fscore_support(
        y, pred, average="binary", zero_division=0, labels=[0, 1]
    )
    return float(prec), float(rec), float(f1)


# --- add_intercept -------------------------------------------------------------------------


def test_add_intercept_puts_a_float_column_of_ones_first():
    X_raw = np.array([[2, 3], [4, 5], [6, 7]])  # an int array: the result must still be float
    X = ls.add_intercept(X_raw)
    assert X.shape == (3, 3), f"expected (3, 3), got {X.shape}"
    assert X.dtype.kind == "f", f"expected a float array, got dtype {X.dtype}"
    np.testing.assert_array_equal(X[:, 0], np.ones(3))
    np.testing.assert_array_equal(X[:, 1:], X_raw)


def test_add_intercept_accepts_lists_and_tuples(eight_tickets):
    X_raw, _ = eight_tickets
    expected = ls.add_intercept(X_raw)
    np.testing.assert_array_equal(ls.add_intercept(X_raw.tolist()), expected)
    np.testing.assert_array_equal(ls.add_intercept(tuple(map(tuple, X_raw))), expected)


def test_add_intercept_returns_a_new_array(eight_tickets):
    X_raw, _ = eight_tickets
    X = ls.add_intercept(X_raw)
    X[:, 1] = -99.0
    assert not np.any(X_raw == -99.0), "the result shares memory with the input"


# --- sigmoid -------------------------------------------------------------------------------


def test_sigmoid_is_within_1e9_of_the_exact_value_on_minus_1000_to_1000():
    grid = np.concatenate(
        [
            np.linspace(-1000.0, 1000.0, 4001),
            np.linspace(-40.0, 40.0, 1601),
            [-745.2, -709.8, -36.7, -1e-12, 1e-12, 36.7, 709.8, 745.2],
        ]
    )
    got = np.asarray(ls.sigmoid(grid), dtype=float)
    expected = np.array([exact_sigmoid(z) for z in grid])
    assert got.shape == grid.shape, f"expected shape {grid.shape}, got {got.shape}"
    worst = int(np.argmax(np.abs(got - expected)))
    assert abs(got[worst] - expected[worst]) <= 1e-9, (
        f"sigmoid({grid[worst]}) = {got[worst]!r}, exact {expected[worst]!r}"
    )


def test_sigmoid_raises_no_runtime_warning_at_extremes():
    z = np.array([-1000.0, -800.0, -710.0, -50.0, 0.0, 50.0, 710.0, 800.0, 1000.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p = np.asarray(ls.sigmoid(z))
        for value in z:
            ls.sigmoid(float(value))
    assert np.all(np.isfinite(p)), f"non-finite sigmoid values: {p}"
    assert p[0] == pytest.approx(0.0, abs=1e-9) and p[-1] == pytest.approx(1.0, abs=1e-9)


@pytest.mark.parametrize(("z", "expected"), [(-4.0, 0.0179862100), (0.0, 0.5), (1.0, 0.7310585786)])
def test_sigmoid_has_the_sign_of_the_chapter(z, expected):
    assert float(ls.sigmoid(z)) == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize("z", [0.0, -2.5, 3.0, np.float64(1.5), np.array(0.7)])
def test_sigmoid_of_a_scalar_is_a_float_or_a_0d_array(z):
    out = ls.sigmoid(z)
    assert isinstance(out, float) or (isinstance(out, np.ndarray) and out.ndim == 0), (
        f"expected a float or a 0-d array, got {type(out).__name__} {out!r}"
    )
    assert float(out) == pytest.approx(exact_sigmoid(float(z)), abs=1e-12)


def test_sigmoid_keeps_the_shape_of_its_input():
    z = np.arange(-3.0, 3.0).reshape(2, 3)
    assert np.asarray(ls.sigmoid(z)).shape == (2, 3)
    np.testing.assert_allclose(ls.sigmoid([[-1.0, 1.0]]), [[expit(-1.0), expit(1.0)]])


# --- log_loss ------------------------------------------------------------------------------


def test_log_loss_is_the_mean_binary_cross_entropy():
    y = np.array([1, 0, 1, 0, 1])
    p = np.array([0.9, 0.2, 0.6, 0.45, 0.3])
    expected = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    got = ls.log_loss(y, p)
    assert isinstance(got, float), f"expected a float, got {type(got).__name__}"
    assert got == pytest.approx(expected, rel=1e-12)


def test_log_loss_is_a_mean_not_a_sum():
    y, p = [1, 0], [0.8, 0.3]
    once = ls.log_loss(y, p)
    assert ls.log_loss(y * 5, p * 5) == pytest.approx(once, rel=1e-12), (
        "repeating the data five times changed the loss: summed instead of averaged"
    )


@pytest.mark.parametrize(("y", "p"), [([1, 0], [0.0, 1.0]), ([1, 1, 0], [1.0, 0.0, 0.0])])
def test_log_loss_clips_probabilities_of_exactly_0_and_1(y, p):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = ls.log_loss(y, p)
    assert np.isfinite(got), f"log_loss at p in {{0, 1}} gave {got}"
    wrong = sum(1 for yi, pi in zip(y, p, strict=True) if yi != pi)
    expected = -np.log(1e-15) * wrong / len(y)  # a confident mistake costs -log(eps)
    assert got == pytest.approx(expected, rel=1e-3)


def test_log_loss_respects_eps():
    assert ls.log_loss([1], [0.0], eps=1e-3) == pytest.approx(-np.log(1e-3), rel=1e-9)


# --- gradient ------------------------------------------------------------------------------


def test_gradient_is_the_mean_of_p_minus_y_times_x():
    X, y = overlapping_queue(n=30, seed=1)
    w = np.array([0.3, -0.7, 1.1])
    expected = X.T @ (expit(X @ w) - y) / len(y)
    np.testing.assert_allclose(ls.gradient(X, y, w), expected, rtol=1e-10, atol=1e-13)


def test_gradient_on_the_eight_tickets_at_zero(eight_tickets):
    X_raw, y = eight_tickets
    g = ls.gradient(ls.add_intercept(X_raw), y, np.zeros(3))
    assert g.shape == (3,)
    np.testing.assert_allclose(g, [0.0, -0.49375, -1.0], atol=1e-12)


def test_gradient_l2_penalizes_every_weight_but_the_intercept():
    X, y = overlapping_queue(n=30, seed=2)
    w = np.array([2.0, -0.7, 1.1])
    l2 = 0.3
    diff = ls.gradient(X, y, w, l2=l2) - ls.gradient(X, y, w)
    np.testing.assert_allclose(diff, [0.0, l2 * -0.7, l2 * 1.1], atol=1e-12)


def test_gradient_accepts_lists_and_leaves_w_alone():
    X, y = overlapping_queue(n=10, seed=3)
    w = np.array([1.0, 2.0, -1.0])
    expected = ls.gradient(X, y, w, l2=0.5)
    np.testing.assert_allclose(ls.gradient(X.tolist(), y.tolist(), w.tolist(), 0.5), expected)
    np.testing.assert_array_equal(w, [1.0, 2.0, -1.0])


# --- fit_logistic --------------------------------------------------------------------------


def test_fit_logistic_with_zero_epochs_returns_zeros(eight_tickets):
    X_raw, y = eight_tickets
    w = ls.fit_logistic(ls.add_intercept(X_raw), y, lr=0.5, epochs=0)
    np.testing.assert_array_equal(w, np.zeros(3))


def test_fit_logistic_first_step_starts_at_zero(eight_tickets):
    X_raw, y = eight_tickets
    X = ls.add_intercept(X_raw)
    w = ls.fit_logistic(X, y, lr=0.5, epochs=1)
    np.testing.assert_allclose(w, [0.0, 0.246875, 0.5], atol=1e-12)


def test_fit_logistic_takes_exactly_epochs_steps_with_l2():
    X, y = overlapping_queue(n=40, seed=4)
    lr, l2 = 0.3, 0.05
    w = np.zeros(3)
    for _ in range(7):
        penalty = l2 * w
        penalty[0] = 0.0
        w = w - lr * (X.T @ (expit(X @ w) - y) / len(y) + penalty)
    np.testing.assert_allclose(ls.fit_logistic(X, y, lr=lr, epochs=7, l2=l2), w, rtol=1e-10)


def test_fit_logistic_verbose_only_prints(eight_tickets, capsys):
    X_raw, y = eight_tickets
    X = ls.add_intercept(X_raw)
    quiet = ls.fit_logistic(X, y, lr=0.5, epochs=50)
    assert capsys.readouterr().out == "", "verbose=False printed something"
    loud = ls.fit_logistic(X, y, lr=0.5, epochs=50, verbose=True)
    assert capsys.readouterr().out.strip(), "verbose=True printed nothing"
    np.testing.assert_array_equal(loud, quiet)


def test_fit_logistic_leaves_its_inputs_unchanged_and_accepts_lists(eight_tickets):
    X_raw, y = eight_tickets
    X = ls.add_intercept(X_raw)
    X_copy, y_copy = X.copy(), y.copy()
    w = ls.fit_logistic(X, y, lr=0.5, epochs=20, l2=0.1)
    np.testing.assert_array_equal(X, X_copy)
    np.testing.assert_array_equal(y, y_copy)
    np.testing.assert_array_equal(ls.fit_logistic(X.tolist(), y.tolist(), 0.5, 20, 0.1), w)


# --- predictions and the confusion matrix ---------------------------------------------------


def test_predict_proba_is_sigmoid_of_x_dot_w():
    X, _ = overlapping_queue(n=12, seed=5)
    w = [0.5, -2.0, 3.0]
    np.testing.assert_allclose(ls.predict_proba(X, w), expit(X @ np.array(w)), rtol=1e-12)
    assert ls.predict_proba(X, w).shape == (12,)


def test_predict_with_threshold_counts_p_equal_to_t_as_positive():
    pred = ls.predict_with_threshold([0.2, 0.5, 0.50000001, 0.4999999, 0.5], 0.5)
    assert pred.dtype.kind == "i", f"expected an int array, got dtype {pred.dtype}"
    np.testing.assert_array_equal(pred, [0, 1, 1, 0, 1])


def test_confusion_matrix_layout_is_tn_fp_fn_tp():
    # TN=4, FP=3, FN=2, TP=1: every cell different, so a misplaced cell shows.
    y = [0, 0, 0, 0, 0, 0, 0, 1, 1, 1]
    p = [0.1, 0.2, 0.3, 0.4, 0.6, 0.7, 0.8, 0.1, 0.2, 0.9]
    cm = ls.confusion_matrix_at_threshold(y, p, 0.5)
    np.testing.assert_array_equal(cm, [[4, 3], [2, 1]])
    assert cm.dtype.kind == "i", f"expected an int matrix, got dtype {cm.dtype}"


@pytest.mark.parametrize("t", [0.0, 0.3, 0.5, 0.7, 1.0])
def test_confusion_matrix_matches_sklearn_including_p_on_the_threshold(t):
    y = np.array([0, 1, 0, 1, 1, 0, 0, 1, 0, 1, 1, 0])
    p = np.array([0.3, 0.3, 0.5, 0.5, 0.7, 0.7, 0.0, 1.0, 0.1, 0.9, 0.2, 0.6])
    expected = confusion_matrix(y, (p >= t).astype(int), labels=[0, 1])
    np.testing.assert_array_equal(ls.confusion_matrix_at_threshold(y, p, t), expected)


def test_chapter_model_has_tp4_tn4_f1_one_at_every_chapter_threshold(chapter):
    _, y, _, p = chapter
    for t in CHAPTER_THRESHOLDS:
        cm = ls.confusion_matrix_at_threshold(y, p, t)
        np.testing.assert_array_equal(cm, [[4, 0], [0, 4]], err_msg=f"at t={t}")
        assert ls.precision_recall_f1(cm) == (1.0, 1.0, 1.0)


# --- precision, recall, F1 -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("y", "p", "t"),
    [
        pytest.param([0, 1, 1, 0, 1, 0, 1], [0.9, 0.8, 0.3, 0.2, 0.6, 0.55, 0.1], 0.5, id="mixed"),
        pytest.param([0, 1, 1, 0], [0.1, 0.2, 0.3, 0.4], 0.5, id="no-predicted-positive"),
        pytest.param([0, 0, 0, 0], [0.1, 0.7, 0.3, 0.9], 0.5, id="no-true-positive"),
        pytest.param([0, 0, 0], [0.1, 0.2, 0.3], 0.5, id="all-negative"),
        pytest.param([1, 1, 1], [0.6, 0.7, 0.9], 0.5, id="all-positive-all-found"),
        pytest.param([1, 1, 1], [0.1, 0.2, 0.3], 0.5, id="all-positive-none-found"),
        pytest.param([0, 1, 0, 1], [0.9, 0.1, 0.8, 0.2], 0.5, id="all-wrong"),
    ],
)
def test_precision_recall_f1_matches_sklearn_zero_division_0(y, p, t):
    cm = ls.confusion_matrix_at_threshold(y, p, t)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = ls.precision_recall_f1(cm)
    expected = sk_prf(y, p, t)
    assert all(isinstance(v, float) for v in got), f"expected three floats, got {got!r}"
    assert got == pytest.approx(expected, abs=1e-12), f"expected {expected}, got {got}"


def test_f1_is_the_harmonic_not_the_arithmetic_mean():
    # precision 1/2, recall 1/4: harmonic mean 1/3, arithmetic mean 3/8.
    cm = np.array([[10, 1], [3, 1]])
    precision, recall, f1 = ls.precision_recall_f1(cm)
    assert (precision, recall) == pytest.approx((0.5, 0.25))
    assert f1 == pytest.approx(1 / 3), f"expected F1 = 1/3, got {f1}"


def test_precision_recall_f1_accepts_a_nested_list():
    assert ls.precision_recall_f1([[5, 1], [2, 3]]) == pytest.approx((0.75, 0.6, 2 / 3))


# --- ROC and AUC ---------------------------------------------------------------------------


def test_roc_points_follow_the_threshold_order_with_fpr_first():
    y = [0, 0, 0, 0, 1, 1]
    p = [0.1, 0.4, 0.6, 0.8, 0.5, 0.9]
    thresholds = [0.7, 0.0, 0.5, 1.1]
    got = ls.roc_points(y, p, thresholds)
    # t=0.7: FP=1 of 4, TP=1 of 2; t=0: all; t=0.5: FP=2, TP=2 (0.5 >= 0.5); t=1.1: none.
    expected = [(0.25, 0.5), (1.0, 1.0), (0.5, 1.0), (0.0, 0.0)]
    assert len(got) == len(thresholds)
    # As an array: pytest.approx takes no nested data (pytest >= 9.2).
    np.testing.assert_allclose(
        np.array(got, dtype=float), np.array(expected), err_msg=f"expected (fpr, tpr) {expected}"
    )


def test_roc_points_give_0_where_a_denominator_is_0():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        only_neg = ls.roc_points([0, 0, 0], [0.2, 0.6, 0.9], [0.5])
        only_pos = ls.roc_points([1, 1], [0.2, 0.6], [0.5])
    assert [tuple(map(float, pt)) for pt in only_neg] == [(2 / 3, 0.0)]
    assert [tuple(map(float, pt)) for pt in only_pos] == [(0.0, 0.5)]


def test_roc_auc_matches_sklearn_with_many_ties():
    rng = np.random.default_rng(6)
    for _ in range(20):
        y = rng.integers(0, 2, size=40)
        y[:2] = [0, 1]
        p = rng.choice([0.0, 0.1, 0.25, 0.5, 0.5, 0.75, 1.0], size=40)
        got = ls.roc_auc(y, p)
        assert got == pytest.approx(roc_auc_score(y, p), abs=1e-12), (
            f"AUC with ties: expected {roc_auc_score(y, p)}, got {got}"
        )


def test_roc_auc_counts_a_tie_as_one_half():
    assert ls.roc_auc([0, 1], [0.4, 0.4]) == pytest.approx(0.5)
    assert ls.roc_auc([0, 1, 0, 1], [0.2, 0.2, 0.3, 0.9]) == pytest.approx(0.625)


@pytest.mark.parametrize("y", [[0, 0, 0], [1, 1, 1, 1]])
def test_roc_auc_raises_valueerror_for_one_class(y):
    with pytest.raises(ValueError):
        ls.roc_auc(y, np.linspace(0.1, 0.9, len(y)))


def test_chapter_model_has_auc_one(chapter):
    _, y, _, p = chapter
    assert ls.roc_auc(y, p) == 1.0


# --- reliability bins and ECE --------------------------------------------------------------

EDGE_CASES = {
    5: [0.0, 0.2, 0.2, 0.4, 0.4, 0.6, 0.8, 0.8, 1.0, 0.1, 0.7, 0.95, *np.linspace(0, 1, 6)],
    4: [0.0, 0.25, 0.25, 0.5, 0.5, 0.75, 1.0, 1.0, 0.1, 0.3, 0.6, 0.9],
    10: [*np.linspace(0, 1, 11), 0.05, 0.3, 0.3, 0.7, 0.7],
}


@pytest.mark.parametrize("n_bins", sorted(EDGE_CASES))
def test_reliability_bins_equal_calibration_curve_with_p_on_inner_edges(n_bins):
    p = np.array(EDGE_CASES[n_bins], dtype=float)
    y = (np.arange(p.size) % 3 == 0).astype(int)
    prob_true, prob_pred, counts = ls.reliability_bins(y, p, n_bins=n_bins)
    sk_true, sk_pred = calibration_curve(y, p, n_bins=n_bins, strategy="uniform")
    np.testing.assert_allclose(prob_pred, sk_pred, atol=1e-12, err_msg="prob_pred")
    np.testing.assert_allclose(prob_true, sk_true, atol=1e-12, err_msg="prob_true")
    bin_of = np.searchsorted(np.linspace(0, 1, n_bins + 1)[1:-1], p, side="left")
    expected_counts = np.bincount(bin_of, minlength=n_bins)
    np.testing.assert_array_equal(counts, expected_counts[expected_counts > 0])


def test_reliability_bins_put_an_inner_edge_in_the_lower_bin():
    # 4 bins: 0.25 belongs to [0, 0.25] and 0.3 to (0.25, 0.5]; 0.5 to (0.25, 0.5], 0.75 to
    # (0.5, 0.75]. Were edges put in the upper bin, 0.25 and 0.3 would share a bin.
    _, prob_pred, counts = ls.reliability_bins([0, 1, 1, 0, 1], [0.25, 0.3, 0.5, 0.75, 1.0], 4)
    np.testing.assert_array_equal(counts, [1, 2, 1, 1])
    np.testing.assert_allclose(prob_pred, [0.25, 0.4, 0.75, 1.0])
    # 5 bins: 0.2, 0.4 and 0.8 each sit in the bin below their neighbour just above.
    p = [0.2, 0.21, 0.4, 0.41, 0.8, 0.81]
    prob_true, prob_pred, counts = ls.reliability_bins([0, 1, 0, 1, 1, 1], p, n_bins=5)
    np.testing.assert_array_equal(counts, [1, 2, 1, 1, 1])
    np.testing.assert_allclose(prob_pred, [0.2, 0.305, 0.41, 0.8, 0.81])
    np.testing.assert_allclose(prob_true, [0.0, 0.5, 1.0, 1.0, 1.0])


def test_reliability_bins_span_0_to_1_not_min_to_max():
    # All p in [0.3, 0.5]: with 5 bins on [0, 1] they fill (0.2, 0.4] and (0.4, 0.6] only.
    y = [0, 1, 0, 1, 1, 0]
    p = [0.3, 0.32, 0.38, 0.42, 0.45, 0.5]
    prob_true, prob_pred, counts = ls.reliability_bins(y, p, n_bins=5)
    np.testing.assert_array_equal(counts, [3, 3])
    sk_true, sk_pred = calibration_curve(y, p, n_bins=5)
    np.testing.assert_allclose(prob_pred, sk_pred)
    np.testing.assert_allclose(prob_true, sk_true)


def test_reliability_bins_default_to_5_bins_and_int_counts():
    p = np.linspace(0.01, 0.99, 50)
    y = (p > 0.5).astype(int)
    _, _, counts = ls.reliability_bins(y, p)
    assert len(counts) == 5 and int(np.sum(counts)) == 50
    assert np.asarray(counts).dtype.kind == "i", f"counts dtype {np.asarray(counts).dtype}"


def test_ece_weights_each_bin_by_its_share_of_tickets():
    # Bin [0, 0.2]: six tickets at 0.1, none escalated (gap 0.1); bin (0.8, 1]: two at 0.9,
    # none escalated (gap 0.9). Weighted: 6/8*0.1 + 2/8*0.9 = 0.3; an unweighted mean is 0.5.
    p = [0.1] * 6 + [0.9] * 2
    y = [0] * 8
    got = ls.expected_calibration_error(y, p, n_bins=5)
    assert isinstance(got, float), f"expected a float, got {type(got).__name__}"
    assert got == pytest.approx(0.3, abs=1e-12), f"expected 0.3 (weighted), got {got}"


def test_ece_of_a_random_queue_matches_calibration_curve():
    rng = np.random.default_rng(7)
    p = rng.random(200)
    y = (rng.random(200) < p**1.5).astype(int)
    for n_bins in (3, 5, 8, 10):
        sk_true, sk_pred = calibration_curve(y, p, n_bins=n_bins)
        counts = np.bincount(np.searchsorted(np.linspace(0, 1, n_bins + 1)[1:-1], p))
        expected = np.sum(counts[counts > 0] / 200 * np.abs(sk_pred - sk_true))
        got = ls.expected_calibration_error(y, p, n_bins)
        assert got == pytest.approx(expected, abs=1e-12), f"n_bins={n_bins}"


def test_chapter_model_has_a_4_bin_ece_near_0_0189(chapter):
    _, y, _, p = chapter
    assert ls.expected_calibration_error(y, p, n_bins=4) == pytest.approx(0.0189, abs=1e-4)


# --- the chapter's facts -------------------------------------------------------------------


def test_chapter_model_probabilities_run_from_3e6_to_0999(chapter):
    _, _, _, p = chapter
    assert 1e-6 < p.min() < 1e-5, f"smallest probability {p.min()}"
    assert 0.998 < p.max() < 0.9995, f"largest probability {p.max()}"
    assert not np.all((p > 0.1) & (p < 0.9)), "the chapter's (0.1, 0.9) test cannot hold"


def test_eight_tickets_are_separated_by_x1_plus_x2_above_8_5(eight_tickets):
    X_raw, y = eight_tickets
    np.testing.assert_array_equal((X_raw.sum(axis=1) > 8.5).astype(int), y)


# --- inputs are never changed --------------------------------------------------------------


def _calls():
    X, y = overlapping_queue(n=20, seed=8)
    X_raw = X[:, 1:].copy()
    w = np.array([0.2, 0.5, -0.3])
    p = expit(X @ w)
    cm = np.array([[5, 2], [1, 3]])
    return [
        ("add_intercept", (X_raw,), {}),
        ("sigmoid", (X @ w,), {}),
        ("log_loss", (y, p), {}),
        ("gradient", (X, y, w, 0.1), {}),
        ("fit_logistic", (X, y), {"lr": 0.5, "epochs": 5, "l2": 0.1}),
        ("predict_proba", (X, w), {}),
        ("predict_with_threshold", (p, 0.5), {}),
        ("confusion_matrix_at_threshold", (y, p, 0.5), {}),
        ("precision_recall_f1", (cm,), {}),
        ("roc_points", (y, p, np.array([0.3, 0.5, 0.7])), {}),
        ("roc_auc", (y, p), {}),
        ("reliability_bins", (y, p, 5), {}),
        ("expected_calibration_error", (y, p, 5), {}),
    ]


@pytest.mark.parametrize(("name", "args", "kwargs"), _calls(), ids=[c[0] for c in _calls()])
def test_function_leaves_its_array_inputs_unchanged(name, args, kwargs):
    before = [np.array(a, copy=True) if isinstance(a, np.ndarray) else a for a in args]
    getattr(ls, name)(*args, **kwargs)
    for i, (a, b) in enumerate(zip(args, before, strict=True)):
        if isinstance(a, np.ndarray):
            np.testing.assert_array_equal(a, b, err_msg=f"{name} changed argument {i}")


def _as_lists(value):
    return value.tolist() if isinstance(value, np.ndarray) else value


def _flat(result):
    """Every number of a result (array, float, tuple or list of them), flattened."""
    if isinstance(result, (tuple, list)):
        return [x for r in result for x in _flat(r)]
    return np.asarray(result, dtype=float).ravel().tolist()


@pytest.mark.parametrize(("name", "args", "kwargs"), _calls(), ids=[c[0] for c in _calls()])
def test_function_accepts_lists_wherever_it_accepts_arrays(name, args, kwargs):
    func = getattr(ls, name)
    expected = _flat(func(*args, **kwargs))
    got = _flat(func(*map(_as_lists, args), **kwargs))
    np.testing.assert_allclose(
        got, expected, rtol=1e-12, err_msg=f"{name} gave another result for lists than arrays"
    )
