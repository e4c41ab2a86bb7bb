"""solutions/ex1..ex7 against the contract (sections 1 and 3).

Hand-worked numbers are recomputed from the formulas with the standard library and compared
within 2e-3, as the grader does; everything else is held to scikit-learn or to an independent
re-derivation.
"""

from __future__ import annotations

import math

import ex1_hand_gradient as ex1
import ex2_learning_rate as ex2
import ex3_threshold_sweep as ex3
import ex4_manual_ece as ex4
import ex5_label_flip as ex5
import ex6_sklearn_match as ex6
import ex7_diagnosis as ex7
import logistic_scratch as ls
import numpy as np
import pytest
from scipy.special import expit
from sklearn.calibration import calibration_curve
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import precision_recall_fscore_support

HAND = 2e-3  # the contract's tolerance for numbers worked by hand

T1, T4, T7 = [1.0, 1.0, 1.0], [1.0, 3.5, 6.0], [1.0, 2.8, 4.0]


def _sigma(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def _bce(y: int, p: float) -> float:
    return -math.log(p) if y == 1 else -math.log(1.0 - p)


def _word(text: str) -> str:
    """classify_run's words and quiz letters are read case-insensitively, spaces ignored."""
    return "".join(str(text).split()).lower()


def overlapping_queue(n=120, seed=0):
    """A random, overlapping ticket queue in raw features: (X_raw, y)."""
    rng = np.random.default_rng(seed)
    X_raw = rng.normal(size=(n, 2)) * [1.0, 2.0] + [3.0, 5.0]
    logits = -3.0 + 0.6 * X_raw[:, 0] + 0.25 * X_raw[:, 1]
    y = (rng.random(n) < expit(logits)).astype(int)
    return X_raw, y


# --- ex1: numbers worked by hand -----------------------------------------------------------


@pytest.mark.parametrize("z", [-4.0, -1.0, 0.0, 1.0, 4.0])
def test_ex1_sigmoid_at(z):
    assert set(ex1.SIGMOID_AT) == {-4.0, -1.0, 0.0, 1.0, 4.0}
    assert ex1.SIGMOID_AT[z] == pytest.approx(_sigma(z), abs=HAND), (
        f"sigma({z}) is {_sigma(z):.6f}, SIGMOID_AT says {ex1.SIGMOID_AT[z]}"
    )


def test_ex1_t4_losses():
    assert ex1.T4_LOSS_AT_P_HALF == pytest.approx(-math.log(0.5), abs=HAND)
    assert ex1.T4_LOSS_AT_P_082 == pytest.approx(-math.log(0.82), abs=HAND)


def test_ex1_t4_gradient_at_zero():
    expected = [(0.5 - 1.0) * x for x in T4]
    assert list(ex1.T4_GRADIENT_AT_ZERO) == pytest.approx(expected, abs=HAND)


def test_ex1_three_rows_at_the_given_w():
    assert list(ex1.THREE_ROW_W) == [-4.0, 1.0, 0.5], "THREE_ROW_W is given, not an answer"
    rows, labels = [T1, T4, T7], [0, 1, 0]
    z = [sum(a * b for a, b in zip(r, ex1.THREE_ROW_W, strict=True)) for r in rows]
    p = [_sigma(v) for v in z]
    loss = sum(_bce(yi, pi) for yi, pi in zip(labels, p, strict=True)) / 3
    grad = [
        sum((pi - yi) * r[j] for r, yi, pi in zip(rows, labels, p, strict=True)) / 3
        for j in range(3)
    ]
    assert list(ex1.THREE_ROW_Z) == pytest.approx(z, abs=HAND), f"z should be {z}"
    assert list(ex1.THREE_ROW_P) == pytest.approx(p, abs=HAND), f"p should be {p}"
    assert ex1.THREE_ROW_LOSS == pytest.approx(loss, abs=HAND), f"loss should be {loss}"
    assert list(ex1.THREE_ROW_GRADIENT) == pytest.approx(grad, abs=HAND), f"should be {grad}"


def test_ex1_first_batch_gradient_and_first_step(eight_tickets):
    X_raw, y = eight_tickets
    rows = [[1.0, *map(float, r)] for r in X_raw]
    grad = [
        sum((0.5 - yi) * r[j] for r, yi in zip(rows, y, strict=True)) / len(rows) for j in range(3)
    ]
    assert list(ex1.FIRST_BATCH_GRADIENT) == pytest.approx(grad, abs=HAND), f"expected {grad}"
    step = [-0.5 * g for g in grad]
    assert list(ex1.W_AFTER_FIRST_STEP) == pytest.approx(step, abs=HAND), f"expected {step}"


def test_ex1_hand_numbers_agree_with_logistic_scratch(eight_tickets):
    X_raw, y = eight_tickets
    X = ls.add_intercept(X_raw)
    w1 = ls.fit_logistic(X, y, lr=0.5, epochs=1)
    assert list(ex1.W_AFTER_FIRST_STEP) == pytest.approx(w1.tolist(), abs=HAND)
    three = X[[0, 3, 6]]
    p3 = ls.predict_proba(three, ex1.THREE_ROW_W)
    assert ex1.THREE_ROW_LOSS == pytest.approx(ls.log_loss([0, 1, 0], p3), abs=HAND)
    g3 = ls.gradient(three, [0, 1, 0], ex1.THREE_ROW_W)
    assert list(ex1.THREE_ROW_GRADIENT) == pytest.approx(g3.tolist(), abs=HAND)


# --- ex2: the learning rate ----------------------------------------------------------------


def _reference_history(X, y, lr, epochs, l2):
    w = np.zeros(X.shape[1])
    out = []
    for _ in range(epochs):
        z = X @ w
        loss = np.mean(np.logaddexp(0.0, z) - y * z)  # mean log-loss, exact for moderate z
        out.append(loss + 0.5 * l2 * float(w[1:] @ w[1:]))
        penalty = l2 * w
        penalty[0] = 0.0
        w = w - lr * (X.T @ (expit(z) - y) / len(y) + penalty)
    return np.array(out)


def test_ex2_loss_history_starts_at_log_2_before_any_update(eight_tickets):
    X_raw, y = eight_tickets
    history = ex2.loss_history(ls.add_intercept(X_raw), y, lr=0.5, epochs=3)
    assert np.shape(history) == (3,), f"expected shape (3,), got {np.shape(history)}"
    assert history[0] == pytest.approx(math.log(2), abs=1e-12), (
        f"element 0 is the loss at w = 0, log 2 = 0.693147; got {history[0]}"
    )


@pytest.mark.parametrize("l2", [0.0, 0.2])
def test_ex2_loss_history_is_the_objective_before_each_update(l2):
    X_raw, y = overlapping_queue(n=50, seed=1)
    X = ls.add_intercept(X_raw)
    got = ex2.loss_history(X, y, lr=0.05, epochs=12, l2=l2)
    np.testing.assert_allclose(got, _reference_history(X, y, 0.05, 12, l2), rtol=1e-9)


def test_ex2_loss_history_accepts_lists(eight_tickets):
    X_raw, y = eight_tickets
    X = ls.add_intercept(X_raw)
    expected = ex2.loss_history(X, y, 0.3, 10, 0.1)
    np.testing.assert_allclose(ex2.loss_history(X.tolist(), y.tolist(), 0.3, 10, 0.1), expected)


@pytest.mark.parametrize(
    ("history", "word"),
    [
        pytest.param([1.0, 0.5, float("nan"), 0.2], "diverges", id="nan"),
        pytest.param([1.0, float("inf")], "diverges", id="inf"),
        pytest.param([1.0, 0.5, 0.9, 1.2], "diverges", id="last-above-first"),
        pytest.param([1.0, 0.5, 0.7, 0.6], "oscillates", id="a-rise"),
        pytest.param([1.0, 0.5, 0.5 + 1e-11, 0.4], "oscillates", id="rise-of-1e-11"),
        pytest.param([1.0, 0.5, 0.5 + 1e-13, 0.4], "converges", id="rise-of-1e-13"),
        pytest.param([1.0, 0.8, 0.6, 0.6], "converges", id="monotone"),
        pytest.param([0.7, 0.7, 0.7], "converges", id="flat"),
        pytest.param((2.0, 1.0, 3.0, 2.0), "oscillates", id="tuple-last-equal-or-below-first"),
    ],
)
def test_ex2_classify_run_rules(history, word):
    got = ex2.classify_run(history)
    assert _word(got) == word, f"classify_run({history}) should say {word!r}, said {got!r}"


def test_ex2_stable_lr_bound_is_2_over_l_on_the_eight_tickets(eight_tickets):
    X_raw, _ = eight_tickets
    X = ls.add_intercept(X_raw)
    assert ex2.stable_lr_bound(X) == pytest.approx(0.228, abs=1e-3)


@pytest.mark.parametrize("seed", [2, 3])
def test_ex2_stable_lr_bound_formula_on_random_x(seed):
    rng = np.random.default_rng(seed)
    X = np.column_stack([np.ones(37), rng.normal(size=(37, 3)) * 3])
    sigma_max = np.linalg.svd(X, compute_uv=False)[0]  # lambda_max(X^T X) = sigma_max^2
    expected = 2.0 / (sigma_max**2 / (4 * 37))
    assert ex2.stable_lr_bound(X) == pytest.approx(expected, rel=1e-9)
    assert ex2.stable_lr_bound(X.tolist()) == pytest.approx(expected, rel=1e-9)


def test_ex2_below_the_bound_the_run_converges(eight_tickets):
    X_raw, y = eight_tickets
    X = ls.add_intercept(X_raw)
    lr = 0.95 * ex2.stable_lr_bound(X)
    assert _word(ex2.classify_run(ex2.loss_history(X, y, lr, 500))) == "converges"


def test_ex2_lr_2_swings_to_about_10_then_settles_and_oscillates(eight_tickets):
    X_raw, y = eight_tickets
    history = np.asarray(ex2.loss_history(ls.add_intercept(X_raw), y, lr=2.0, epochs=2000))
    peak = int(np.argmax(history))
    assert 9.0 < history[peak] < 11.0 and peak < 20, (
        f"expected a peak of about 10 early on, got {history[peak]:.3f} at step {peak}"
    )
    assert history[-1] < history[0], "the run should end below log 2"
    word = ex2.classify_run(history)
    assert _word(word) == "oscillates", f"classify_run said {word!r}"
    assert _word(ex2.LR_2_BEHAVIOUR) == _word(word), (
        f"LR_2_BEHAVIOUR is {ex2.LR_2_BEHAVIOUR!r}, classify_run says {word!r}"
    )


def test_ex2_why_lr_2_misbehaves_is_an_answer():
    assert isinstance(ex2.WHY_LR_2_MISBEHAVES, str) and ex2.WHY_LR_2_MISBEHAVES.strip()


# --- ex3: thresholds and costs -------------------------------------------------------------


def _queue_scores(seed=4, n=150):
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.25).astype(int)
    p = np.clip(0.3 * y + rng.random(n) * 0.7, 0, 1).round(2)  # rounded: ties on thresholds
    return y, p


def test_ex3_sweep_thresholds_in_the_given_order_matches_sklearn():
    y, p = _queue_scores()
    thresholds = [0.7, 0.2, 0.5, 0.35, 0.9]
    rows = ex3.sweep_thresholds(y, p, thresholds)
    assert [float(r[0]) for r in rows] == thresholds, "rows must follow the given order"
    for t, precision, recall, f1 in rows:
        pred = (p >= t).astype(int)
        expected = precision_recall_fscore_support(y, pred, average="binary", zero_division=0)[:3]
        assert (precision, recall, f1) == pytest.approx(expected, abs=1e-12), f"at t={t}"


def test_ex3_sweep_thresholds_on_the_chapter_model_is_all_ones(chapter):
    _, y, _, p = chapter
    rows = ex3.sweep_thresholds(y, p, [0.2, 0.35, 0.5, 0.65, 0.8])
    assert [tuple(r[1:]) for r in rows] == [(1.0, 1.0, 1.0)] * 5


def test_ex3_best_f1_threshold_picks_the_highest_f1():
    y, p = _queue_scores()
    thresholds = [0.9, 0.8, 0.6, 0.5, 0.4, 0.3]
    f1 = [precision_recall_fscore_support(y, p >= t, average="binary")[2] for t in thresholds]
    expected = thresholds[int(np.argmax(f1))]
    assert ex3.best_f1_threshold(y, p, thresholds) == pytest.approx(expected)


def test_ex3_best_f1_threshold_tie_goes_to_the_first(chapter):
    _, y, _, p = chapter
    assert ex3.best_f1_threshold(y, p, [0.8, 0.2, 0.5]) == pytest.approx(0.8)
    assert ex3.best_f1_threshold(y, p, [0.35, 0.65]) == pytest.approx(0.35)


def test_ex3_expected_cost_charges_fn_and_fp_their_own_cost():
    # At t = 0.5: one false negative (0.3, y=1) and three false positives.
    y = [1, 1, 0, 0, 0, 0, 1]
    p = [0.3, 0.8, 0.6, 0.7, 0.9, 0.1, 0.5]
    got = ex3.expected_cost(y, p, 0.5)
    assert isinstance(got, float), f"expected a float, got {type(got).__name__}"
    assert got == pytest.approx(1 * 120.0 + 3 * 18.0), (
        f"1 FN x 120 + 3 FP x 18 = 174, got {got} (378 would mean the costs are swapped)"
    )
    assert ex3.expected_cost(y, p, 0.5, cost_fn=5.0, cost_fp=1.0) == pytest.approx(8.0)
    assert ex3.expected_cost(y, p, 0.5, 5.0, 1.0) == pytest.approx(8.0)


def test_ex3_min_cost_threshold_finds_the_cheapest():
    y = [1, 1, 0, 0, 0, 0, 1]
    p = [0.3, 0.8, 0.6, 0.7, 0.9, 0.1, 0.5]
    thresholds = [0.95, 0.75, 0.5, 0.25, 0.05]
    costs = [ex3.expected_cost(y, p, t) for t in thresholds]
    assert costs == [360.0, 258.0, 174.0, 54.0, 72.0]
    t, cost = ex3.min_cost_threshold(y, p, thresholds)
    assert (t, cost) == pytest.approx((0.25, 54.0)), f"got ({t}, {cost})"
    # With false alarms dearer than misses the answer moves up: costs not swapped.
    t_dear_fp, _ = ex3.min_cost_threshold(y, p, thresholds, cost_fn=18.0, cost_fp=120.0)
    assert t_dear_fp == pytest.approx(0.95), f"expected 0.95 with cost_fp=120, got {t_dear_fp}"


def test_ex3_min_cost_threshold_tie_goes_to_the_first():
    y = [1, 0, 1, 0]
    p = [0.9, 0.1, 0.8, 0.2]
    # 0.6, 0.5 and 0.3 all classify perfectly: cost 0 each.
    assert ex3.min_cost_threshold(y, p, [0.95, 0.6, 0.5, 0.3]) == pytest.approx((0.6, 0.0))
    assert ex3.min_cost_threshold(y, p, (0.3, 0.6)) == pytest.approx((0.3, 0.0))


def test_ex3_functions_leave_their_inputs_unchanged():
    y, p = _queue_scores()
    thresholds = np.array([0.7, 0.2, 0.5])
    copies = y.copy(), p.copy(), thresholds.copy()
    ex3.sweep_thresholds(y, p, thresholds)
    ex3.best_f1_threshold(y, p, thresholds)
    ex3.expected_cost(y, p, 0.5)
    ex3.min_cost_threshold(y, p, thresholds)
    for a, b in zip((y, p, thresholds), copies, strict=True):
        np.testing.assert_array_equal(a, b)


def test_ex3_functions_accept_lists():
    y, p = _queue_scores(n=40)
    # Rows of numbers compared as arrays: pytest.approx takes no nested data (pytest >= 9.2).
    np.testing.assert_allclose(
        np.array(ex3.sweep_thresholds(y.tolist(), p.tolist(), [0.5]), dtype=float),
        np.array(ex3.sweep_thresholds(y, p, [0.5]), dtype=float),
    )
    np.testing.assert_allclose(
        np.array(ex3.min_cost_threshold(list(y), list(p), (0.3, 0.5)), dtype=float),
        np.array(ex3.min_cost_threshold(y, p, np.array([0.3, 0.5])), dtype=float),
    )


# --- ex4: ECE by hand ----------------------------------------------------------------------


def test_ex4_hand_bin_counts_match_the_chapter_model(chapter):
    _, _, _, p = chapter
    # Bins [0, .25], (.25, .5], (.5, .75], (.75, 1]: the bin index is how many inner edges
    # lie strictly below p.
    counts = [0, 0, 0, 0]
    for value in p:
        counts[sum(value > edge for edge in (0.25, 0.5, 0.75))] += 1
    assert counts == [4, 0, 0, 4]
    assert list(ex4.HAND_BIN_COUNTS) == counts, f"expected {counts}, got {ex4.HAND_BIN_COUNTS}"


def test_ex4_hand_ece_matches_the_chapter_model(chapter):
    _, y, _, p = chapter
    ece = 0.0
    for low, high in ((-1.0, 0.25), (0.25, 0.5), (0.5, 0.75), (0.75, 1.0)):
        inside = (p > low) & (p <= high)
        if inside.any():
            ece += inside.sum() / len(p) * abs(p[inside].mean() - y[inside].mean())
    assert ece == pytest.approx(0.0189, abs=1e-4)
    assert ex4.HAND_ECE == pytest.approx(ece, abs=HAND), f"expected {ece:.6f}"


@pytest.mark.parametrize("n_bins", [None, 3, 4, 10])
def test_ex4_sklearn_reliability_is_calibration_curve(n_bins):
    rng = np.random.default_rng(5)
    p = np.concatenate([rng.random(60), [0.0, 0.25, 0.5, 0.75, 1.0, 0.2, 0.4, 0.8]])
    y = (rng.random(p.size) < p).astype(int)
    kwargs = {} if n_bins is None else {"n_bins": n_bins}
    prob_true, prob_pred = ex4.sklearn_reliability(y, p, **kwargs)
    sk_true, sk_pred = calibration_curve(y, p, n_bins=n_bins or 5, strategy="uniform")
    np.testing.assert_allclose(prob_true, sk_true, atol=1e-12)
    np.testing.assert_allclose(prob_pred, sk_pred, atol=1e-12)


# --- ex5: flip a label ---------------------------------------------------------------------


def test_ex5_flip_label_returns_a_new_array_and_leaves_y_alone(eight_tickets):
    _, y = eight_tickets
    before = y.copy()
    flipped = ex5.flip_label(y, 7)
    np.testing.assert_array_equal(y, before, err_msg="flip_label changed its input")
    assert flipped is not y
    np.testing.assert_array_equal(flipped, [0, 0, 0, 1, 1, 1, 0, 0])
    np.testing.assert_array_equal(ex5.flip_label(y, 0), [1, 0, 0, 1, 1, 1, 0, 1])
    np.testing.assert_array_equal(ex5.flip_label([0, 1, 1], 1), [0, 0, 1])


@pytest.fixture()
def flip_run(eight_tickets):
    """(X, y, label_flip_experiment(X, y)) on the eight tickets, plus X and y as they were."""
    X_raw, y = eight_tickets
    X = ls.add_intercept(X_raw)
    originals = X.copy(), y.copy()
    return X, y, ex5.label_flip_experiment(X, y), originals


def test_ex5_label_flip_experiment_leaves_x_and_y_unchanged(flip_run):
    X, y, _, (X_before, y_before) = flip_run
    np.testing.assert_array_equal(X, X_before, err_msg="label_flip_experiment changed X")
    np.testing.assert_array_equal(y, y_before, err_msg="label_flip_experiment changed y")


def test_ex5_label_flip_experiment_has_the_contract_keys(flip_run):
    _, _, result, _ = flip_run
    assert set(result) == {
        "w_before",
        "w_after",
        "auc_before",
        "auc_after",
        "ece_before",
        "ece_after",
    }


def test_ex5_label_flip_experiment_retrains_on_the_flipped_labels(flip_run):
    X, _, result, (_, y) = flip_run  # y as it was before the call
    w_before = ls.fit_logistic(X, y, lr=0.8, epochs=2000)
    w_after = ls.fit_logistic(X, ex5.flip_label(y, 7), lr=0.8, epochs=2000)
    np.testing.assert_allclose(result["w_before"], w_before, rtol=1e-9)
    np.testing.assert_allclose(result["w_after"], w_after, rtol=1e-9, err_msg="not retrained")
    assert np.max(np.abs(np.asarray(result["w_after"]) - result["w_before"])) > 1.0


def test_ex5_each_model_is_scored_against_its_own_labels(flip_run):
    X, _, result, (_, y) = flip_run  # y as it was before the call
    y_flip = ex5.flip_label(y, 7)
    p_before = ls.predict_proba(X, result["w_before"])
    p_after = ls.predict_proba(X, result["w_after"])
    assert result["auc_before"] == pytest.approx(1.0)
    assert result["ece_before"] == pytest.approx(0.0189, abs=1e-4)
    assert result["auc_after"] == pytest.approx(ls.roc_auc(y_flip, p_after))
    assert result["ece_after"] == pytest.approx(ls.expected_calibration_error(y_flip, p_after, 4))
    # Scored against the original labels the new model would look worse: that is not asked.
    assert ls.roc_auc(y, p_after) < result["auc_after"]
    assert result["ece_before"] == pytest.approx(ls.expected_calibration_error(y, p_before, 4))


def test_ex5_label_flip_experiment_honours_its_arguments(eight_tickets):
    X_raw, y = eight_tickets
    X = ls.add_intercept(X_raw)
    result = ex5.label_flip_experiment(X.tolist(), y.tolist(), index=2, lr=0.5, epochs=30)
    expected = ls.fit_logistic(X, ex5.flip_label(y, 2), lr=0.5, epochs=30)
    np.testing.assert_allclose(result["w_after"], expected, rtol=1e-9)


# --- ex6: scikit-learn ---------------------------------------------------------------------


def _sklearn(X_raw, y, C):
    model = LogisticRegression(C=C, tol=1e-12, max_iter=100_000).fit(X_raw, y)
    return np.concatenate([model.intercept_, model.coef_.ravel()])


@pytest.mark.parametrize("C", [0.1, 1.0, 10.0])
def test_ex6_sklearn_weights_are_intercept_then_coef(eight_tickets, C):
    X_raw, y = eight_tickets
    got = np.asarray(ex6.sklearn_weights(X_raw, y, C=C))
    assert got.shape == (3,)
    np.testing.assert_allclose(got, _sklearn(X_raw, y, C), atol=1e-6)


@pytest.mark.parametrize(("C", "n"), [(1.0, 8), (0.1, 8), (10.0, 155), (2.5, 40)])
def test_ex6_l2_for_C_is_one_over_C_n(C, n):
    assert ex6.l2_for_C(C, n) == pytest.approx(1.0 / (C * n), rel=1e-12)


@pytest.mark.parametrize("C", [0.1, 1.0, 10.0])
def test_ex6_sklearn_optimum_is_a_stationary_point_of_the_scratch_objective(eight_tickets, C):
    X_raw, y = eight_tickets
    w_sk = _sklearn(X_raw, y, C)
    g = ls.gradient(ls.add_intercept(X_raw), y, w_sk, l2=ex6.l2_for_C(C, len(y)))
    assert np.max(np.abs(g)) < 1e-7, f"gradient at scikit-learn's optimum: {g}"


def _converged_fit(X_raw, y, C, epochs):
    X = ls.add_intercept(X_raw)
    l2 = ex6.l2_for_C(C, len(y))
    curvature = np.linalg.eigvalsh(X.T @ X).max() / (4 * len(y)) + l2
    return ls.fit_logistic(X, y, lr=1.9 / curvature, epochs=epochs, l2=l2)


@pytest.mark.parametrize(("C", "epochs"), [(0.1, 5_000), (1.0, 10_000), (10.0, 90_000)])
def test_ex6_converged_fit_logistic_matches_sklearn_on_the_eight_tickets(eight_tickets, C, epochs):
    X_raw, y = eight_tickets
    gap = np.max(np.abs(_converged_fit(X_raw, y, C, epochs) - _sklearn(X_raw, y, C)))
    assert gap < 1e-6, f"C={C}: max |w_scratch - w_sklearn| = {gap:.3g}"


@pytest.mark.parametrize("C", [0.1, 1.0, 10.0])
def test_ex6_converged_fit_logistic_matches_sklearn_on_an_overlapping_queue(C):
    X_raw, y = overlapping_queue(n=120, seed=6)
    gap = np.max(np.abs(_converged_fit(X_raw, y, C, 20_000) - _sklearn(X_raw, y, C)))
    assert gap < 1e-6, f"C={C}: max |w_scratch - w_sklearn| = {gap:.3g}"


def test_ex6_scratch_vs_sklearn_gap_on_the_eight_tickets(eight_tickets):
    X_raw, y = eight_tickets
    X_copy, y_copy = X_raw.copy(), y.copy()
    gap = ex6.scratch_vs_sklearn_gap(X_raw, y)
    assert 0.0 <= gap < 1e-6, f"expected a gap below 1e-6 at C=1, got {gap:.3g}"
    np.testing.assert_array_equal(X_raw, X_copy, err_msg="scratch_vs_sklearn_gap changed X_raw")
    np.testing.assert_array_equal(y, y_copy, err_msg="scratch_vs_sklearn_gap changed y")


def test_ex6_scratch_vs_sklearn_gap_accepts_lists(eight_tickets):
    X_raw, y = eight_tickets
    assert ex6.scratch_vs_sklearn_gap(X_raw.tolist(), tuple(y), C=0.1) < 1e-6


def test_ex6_sklearn_weights_leave_their_inputs_unchanged(eight_tickets):
    X_raw, y = eight_tickets
    X_copy, y_copy = X_raw.copy(), y.copy()
    ex6.sklearn_weights(X_raw, y)
    np.testing.assert_array_equal(X_raw, X_copy)
    np.testing.assert_array_equal(y, y_copy)


def test_ex6_the_eight_tickets_are_separable(eight_tickets):
    X_raw, y = eight_tickets
    assert ex6.EIGHT_TICKETS_SEPARABLE is True
    np.testing.assert_array_equal((X_raw[:, 0] + X_raw[:, 1] > 8.5).astype(int), y)


# --- ex7: diagnosis ------------------------------------------------------------------------

EXPECTED_LETTERS = {
    "Q1": "B",
    "Q2": "C",
    "Q3": "B",
    "Q4": "B",
    "Q5": "B",
    "Q6": "C",
    "Q7": "B",
    "Q8": "B",
}


def test_ex7_answers_are_one_letter_a_to_d_for_q1_to_q8():
    assert set(ex7.ANSWERS) == {f"Q{i}" for i in range(1, 9)}
    for question, letter in ex7.ANSWERS.items():
        assert _word(letter) in {"a", "b", "c", "d"}, f"{question}: {letter!r} is not A-D"


@pytest.mark.parametrize("question", sorted(EXPECTED_LETTERS))
def test_ex7_answer_is_correct(question):
    got = ex7.ANSWERS[question]
    assert _word(got) == EXPECTED_LETTERS[question].lower(), (
        f"{question}: expected {EXPECTED_LETTERS[question]}, got {got!r}"
    )
