"""Hidden checks of logistic_scratch.py on data drawn per submission.

Messages name the property that failed, never the inputs or the expected values.
"""

from __future__ import annotations

from functools import partial
from operator import itemgetter

import numpy as np

from grader.checks.expect import (
    call_where_zero_division,
    expect_close,
    expect_equal,
    zero_division_nan,
)
from grader.checks.hidden import _draw
from grader.checks.hidden._hardcoded import answers
from grader.checks.probes import blame_in_module

MODULE = "logistic_scratch"
HELD_OUT = "on held-out tickets"


def check_hidden_add_intercept_and_predict_proba(learner, reference, rng):
    """add_intercept and predict_proba on held-out data of other sizes."""
    data = _draw.tickets(rng)
    w = rng.normal(0, 1, data.X.shape[1])
    expect_close(
        learner.call(MODULE, "add_intercept", data.X_raw),
        data.X,
        what=f"add_intercept {HELD_OUT} ({data.X_raw.shape[1]} features)",
        variants={"M01": data.X_raw, **answers(reference, learner, MODULE, "add_intercept")},
        fix="Work for any number of rows and features.",
    )
    expect_close(
        learner.call(MODULE, "predict_proba", data.X, w),
        reference.call(MODULE, "predict_proba", data.X, w),
        rtol=0,
        atol=1e-9,
        what=f"predict_proba {HELD_OUT}",
        variants=answers(reference, learner, MODULE, "predict_proba"),
        fix="Return sigmoid(X @ w) for any X and w.",
    )


def check_hidden_sigmoid(learner, reference, rng, variants):
    """sigmoid on random arrays of several shapes."""
    z = rng.normal(0, 40, size=(int(rng.integers(2, 6)), int(rng.integers(2, 9))))
    expect_close(
        learner.call(MODULE, "sigmoid", z),
        reference.call(MODULE, "sigmoid", z),
        rtol=0,
        atol=1e-9,
        what="sigmoid on a held-out matrix",
        variants={"M02": variants.sigmoid_sign_flipped(z)},
        fix="Work element by element for arrays of any shape.",
    )


def check_hidden_log_loss(learner, reference, rng, variants):
    """log_loss on held-out labels and probabilities, with a custom eps."""
    n = int(rng.integers(5, 300))
    y = _draw.labels(rng, n)
    p = np.clip(rng.random(n), 1e-6, 1 - 1e-6)
    expect_close(
        learner.call(MODULE, "log_loss", y, p),
        reference.call(MODULE, "log_loss", y, p),
        what=f"log_loss {HELD_OUT}",
        variants={
            "M05": variants.log_loss_summed(y, p),
            **answers(reference, learner, MODULE, "log_loss"),
        },
        fix="Average over the tickets.",
    )
    q = rng.choice([0.0, 0.5, 1.0], size=n)
    y_q, q = _draw.joined((y, q), _draw.both_classes([0.0, 1.0]))  # log(0) for both classes
    expect_close(
        learner.call(MODULE, "log_loss", y_q, q, eps=1e-3),
        reference.call(MODULE, "log_loss", y_q, q, eps=1e-3),
        what="log_loss with eps=1e-3 at probabilities 0 and 1",
        variants={"M04": np.inf, "M04#nan": np.nan},  # log(0) unclipped
        fix="Clip with the eps argument you are given, not a constant of your own.",
    )


def check_hidden_gradient(learner, reference, rng, variants):
    """gradient, with and without l2, on held-out tickets."""
    data = _draw.tickets(rng)
    w = rng.normal(0, 0.5, data.X.shape[1])
    for l2 in (0.0, float(np.round(rng.uniform(0.01, 1.0), 3))):
        expect_close(
            learner.call(MODULE, "gradient", data.X, data.y, w, l2=l2),
            reference.call(MODULE, "gradient", data.X, data.y, w, l2=l2),
            what=f"gradient {HELD_OUT} with l2={'0' if l2 == 0 else 'above 0'}",
            variants={
                **variants.gradient_variants(data.X, data.y, w, l2),
                **answers(reference, learner, MODULE, "gradient"),
            },
            fix="(1/n) X^T (p - y) + l2 * w with the intercept unpenalized, for any n and d.",
        )


LONG_RUN_EPOCHS = 3000


def check_hidden_fit_logistic(learner, reference, rng):
    """fit_logistic follows gradient descent on held-out tickets (a stable step)."""
    data = _draw.tickets(rng, n_max=150)
    bound = reference.call("ex2_learning_rate", "stable_lr_bound", data.X)
    lr = _draw.avoiding(float(np.round(0.5 * bound, 4)), 0.5, 0.0001)
    l2 = float(np.round(rng.uniform(0.02, 0.2), 3))  # always > 0: an ignored l2 shows
    # A few steps first: far from converged, so a wrong number of steps (or the default
    # 2000) shows whatever the draw; then a longer run.
    runs = [(data, lr, epochs, l2) for epochs in (rng.integers(2, 6), rng.integers(50, 250))]
    # Laid down whatever the seed: a long run with l2 > 0 at a stable step, far beyond the
    # point where the loss changes by less than 1e-6 per step while the weights still move
    # (a fit that stops early there is 1e-2 off); drawn runs may end before that point.
    long_data = _draw.converging_tickets()
    long_lr = float(
        np.round(0.5 * reference.call("ex2_learning_rate", "stable_lr_bound", long_data.X), 4)
    )
    runs.append((long_data, long_lr, LONG_RUN_EPOCHS, 0.125))
    for data, lr, epochs, l2 in runs:
        epochs = int(epochs)
        expect_close(
            learner.call(MODULE, "fit_logistic", data.X, data.y, lr=lr, epochs=epochs, l2=l2),
            reference.call(MODULE, "fit_logistic", data.X, data.y, lr=lr, epochs=epochs, l2=l2),
            rtol=1e-6,
            atol=1e-8,
            what=f"fit_logistic {HELD_OUT}",
            variants=answers(reference, learner, MODULE, "fit_logistic"),
            fix="Start at zeros, take exactly `epochs` steps, pass l2 on to the gradient.",
        )


# The separating cases, laid down whatever the seed (see _draw). At t = 0.5: TN 3, FP 2,
# FN 1, TP 6, no two cells equal and precision != recall, so every other layout (M10), the
# strict comparison (M09, one ticket of each class at p = t) and the arithmetic F1 (M12)
# all give other answers.
SEPARATING_Y = np.array([0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1])
SEPARATING_P = np.array([0.1, 0.2, 0.3, 0.5, 0.7, 0.4, 0.5, 0.6, 0.8, 0.9, 0.95, 0.55])
SEPARATING_T = 0.5
ABOVE_ALL = 1.01  # a threshold above every p: no predicted positive, precision 0/0


def _confusion_cases(rng) -> list[tuple[np.ndarray, np.ndarray, float]]:
    """(y, p, t): the separating case first, then held-out draws with thresholds on
    probabilities, then one-class sets and a threshold above every p (0/0 cells)."""
    n = int(rng.integers(6, 200))
    y = _draw.labels(rng, n, allow_one_class=False)
    p = _draw.probabilities(rng, n)
    y, p = _draw.joined((y, p), _draw.both_classes(p[:2]))  # drawn thresholds hit both classes
    cases = [(SEPARATING_Y, SEPARATING_P, SEPARATING_T)]
    cases += [(y, p, t) for t in [float(p[0]), float(p[-1]), *_draw.thresholds(rng, p, k=2)]]
    cases += [(np.full(len(p), label), p, float(p[0])) for label in (0, 1)]  # one class
    cases.append((y, p, ABOVE_ALL))
    return cases


def check_hidden_confusion_and_rates(learner, reference, rng, variants):
    """confusion matrix, precision, recall and F1 with ties, edge thresholds and 0/0."""
    rates = "precision_recall_f1 on held-out confusion matrices (some with 0/0)"
    rates_fix = "Guard every division; F1 is the harmonic mean."
    cases = [
        (y, p, t, reference.call(MODULE, "confusion_matrix_at_threshold", y, p, t))
        for y, p, t in _confusion_cases(rng)
    ]
    # Matrices with TP = 0 (some 0/0) last: only a function that was right on an ordinary
    # matrix is said to stumble on 0/0 (M11).
    cases.sort(key=lambda case: int(case[3][1][1]) == 0)
    right_before = False
    for y, p, t, cm in cases:
        expect_equal(
            learner.call(MODULE, "confusion_matrix_at_threshold", y, p, t),
            cm,
            what=f"confusion_matrix_at_threshold {HELD_OUT}",
            variants={
                **variants.confusion_variants(y, p, t),
                **answers(reference, learner, MODULE, "confusion_matrix_at_threshold"),
            },
            fix="[[TN, FP], [FN, TP]] for labels of one class too, predicted positive where "
            "p >= t.",
        )
        expected = reference.call(MODULE, "precision_recall_f1", cm)
        if int(cm[1][1]) == 0:
            got = call_where_zero_division(
                learner,
                MODULE,
                "precision_recall_f1",
                cm,
                what="precision_recall_f1 on a held-out matrix with 0/0",
                fix=rates_fix,
                ran_before=right_before,
            )
        else:
            got = learner.call(MODULE, "precision_recall_f1", cm)
        expect_close(
            got,
            expected,
            what=rates,
            variants={
                "M12": variants.f1_arithmetic(cm),
                "M11": zero_division_nan(expected, got) if right_before else None,
                **answers(reference, learner, MODULE, "precision_recall_f1"),
            },
            fix=rates_fix,
        )
        right_before = True


def _roc_case(rng) -> tuple[np.ndarray, np.ndarray, list[float]]:
    """Held-out tickets with the separating case in front: ties across classes at every
    threshold that equals a probability, and a threshold above every p."""
    n = int(rng.integers(10, 300))
    y = _draw.labels(rng, n, allow_one_class=False)
    p = _draw.probabilities(rng, n)
    y, p = _draw.joined((SEPARATING_Y, SEPARATING_P), (y, p))
    thresholds = _draw.thresholds(rng, p)
    thresholds += [t for t in (SEPARATING_T, ABOVE_ALL) if t not in thresholds]
    return y, p, thresholds


def check_hidden_roc(learner, reference, rng, variants):
    """roc_points and roc_auc on imbalanced held-out tickets with many ties."""
    y, p, thresholds = _roc_case(rng)
    expected = reference.call(MODULE, "roc_points", y, p, thresholds)
    expect_close(
        learner.call(MODULE, "roc_points", y, p, thresholds),
        expected,
        what=f"roc_points {HELD_OUT}",
        variants={
            "M13": variants.roc_swapped(expected),
            "M09": partial(variants.roc_strict, y, p, thresholds),
            **answers(reference, learner, MODULE, "roc_points"),
        },
        fix="(FPR, TPR) per threshold in the given order, p >= t.",
    )
    for label in (0, 1):  # one rate's denominator is 0 at every threshold
        one_class = np.full(len(y), label)
        expected = reference.call(MODULE, "roc_points", one_class, p, thresholds)
        what = f"roc_points on held-out tickets of one class (y all {label})"
        fix = "A rate whose denominator is 0 is 0.0."
        got = call_where_zero_division(
            learner,
            MODULE,
            "roc_points",
            one_class,
            p,
            thresholds,
            what=what,
            fix=fix,
            ran_before=True,
        )
        expect_close(
            got,
            expected,
            what=what,
            variants={"M11": zero_division_nan(expected, got)},
            fix=fix,
        )
    expect_close(
        learner.call(MODULE, "roc_auc", y, p),
        reference.call(MODULE, "roc_auc", y, p),
        what=f"roc_auc {HELD_OUT} with tied probabilities",
        variants={**variants.auc_ties(y, p), **answers(reference, learner, MODULE, "roc_auc")},
        fix="A tie between a positive and a negative counts 0.5.",
    )


# Bins: probabilities on the exact inner edges for both classes, spread unevenly (so ECE
# weights matter, M15), away from 0 and 1 (so bins over [min p, max p] differ, M17). The
# labels keep every wrong version's ECE apart from every other's and from the right one,
# bins and ECE alike (with the labels 0 0 1 0 0 1 1 1 0 the five-bin case gave M16's
# and M17's ECE both as 0.258: a pure M16 learner was also told M17). Proved in
# tests/test_fair_marks.py.
CALIBRATION_INSIDE = (0.05, 0.07, 0.12, 0.3, 0.33, 0.35, 0.55, 0.66, 0.9)
CALIBRATION_INSIDE_Y = (0, 0, 0, 0, 0, 1, 1, 1, 0)


def _calibration_cases(rng) -> list[tuple[np.ndarray, np.ndarray, int]]:
    """(y, p, n_bins): five and four bins laid down, then a held-out draw."""
    cases = []
    for n_bins, ends in ((5, ()), (4, (0.0, 1.0))):
        y, p = _draw.joined(
            _draw.both_classes(_draw.exact_edges(n_bins)),
            _draw.both_classes(ends),
            (np.array(CALIBRATION_INSIDE_Y), np.array(CALIBRATION_INSIDE)),
        )
        cases.append((y, p, n_bins))
    n = int(rng.integers(10, 300))
    n_bins = int(rng.integers(2, 13))
    y = _draw.labels(rng, n, allow_one_class=False)
    p = _draw.probabilities(rng, n, n_bins=n_bins)
    cases.append((*_draw.joined((y, p), _draw.both_classes(_draw.exact_edges(n_bins))), n_bins))
    return cases


def check_hidden_calibration(learner, reference, rng, variants):
    """reliability_bins and ECE with random bin counts, edge probabilities, 0 and 1."""
    for y, p, n_bins in _calibration_cases(rng):
        _compare_calibration(learner, reference, y, p, n_bins, variants)


def _compare_calibration(learner, reference, y, p, n_bins, variants) -> None:
    expected = reference.call(MODULE, "reliability_bins", y, p, n_bins=n_bins)
    got = learner.call(MODULE, "reliability_bins", y, p, n_bins=n_bins)
    wrong = variants.reliability_variants(y, p, n_bins)
    parts = got if isinstance(got, (list, tuple)) and len(got) == 3 else [got, None, None]
    for index, name in enumerate(("prob_true", "prob_pred", "counts")):
        expect_close(
            parts[index],
            expected[index],
            what=f"reliability_bins {HELD_OUT}: {name}",
            variants={
                **{key: value[index] for key, value in wrong.items()},
                **answers(reference, learner, MODULE, "reliability_bins", pick=itemgetter(index)),
            },
            fix="Edges linspace(0, 1, n_bins + 1), inner edges to the lower bin, empty bins "
            "dropped, for any n_bins.",
        )
    ece_variants = {key: variants.ece_from_bins(value) for key, value in wrong.items()}
    ece_variants["M15"] = variants.ece_from_bins(expected, weighted=False)
    ece_variants.update(answers(reference, learner, MODULE, "expected_calibration_error"))
    expect_close(
        learner.call(MODULE, "expected_calibration_error", y, p, n_bins=n_bins),
        reference.call(MODULE, "expected_calibration_error", y, p, n_bins=n_bins),
        what=f"expected_calibration_error {HELD_OUT}",
        variants=ece_variants,
        fix="Weight each bin's gap by count / n.",
    )


blame_in_module(globals())
