"""Hidden checks of logistic_scratch.py on data drawn per submission.

Messages name the property that failed, never the inputs or the expected values.
"""

from __future__ import annotations

from operator import itemgetter

import numpy as np

from grader.checks import variants
from grader.checks.framework import call_where_zero_division, expect_close, expect_equal
from grader.checks.hidden import _draw
from grader.checks.hidden._hardcoded import answers

MODULE = "logistic_scratch"
HELD_OUT = "on held-out tickets"


def check_hidden_add_intercept_and_predict_proba(learner, reference, rng, tickets):
    """add_intercept and predict_proba on held-out data of other sizes."""
    data = _draw.tickets(rng)
    w = rng.normal(0, 1, data.X.shape[1])
    expect_close(
        learner.call(MODULE, "add_intercept", data.X_raw),
        data.X,
        hidden=True,
        what=f"add_intercept {HELD_OUT} ({data.X_raw.shape[1]} features)",
        variants={"M01": data.X_raw, **answers(reference, tickets, MODULE, "add_intercept")},
        fix="Work for any number of rows and features.",
    )
    expect_close(
        learner.call(MODULE, "predict_proba", data.X, w),
        reference.call(MODULE, "predict_proba", data.X, w),
        hidden=True,
        rtol=0,
        atol=1e-9,
        what=f"predict_proba {HELD_OUT}",
        variants=answers(reference, tickets, MODULE, "predict_proba"),
        fix="Return sigmoid(X @ w) for any X and w.",
    )


def check_hidden_sigmoid(learner, reference, rng):
    """sigmoid on random arrays of several shapes."""
    z = rng.normal(0, 40, size=(int(rng.integers(2, 6)), int(rng.integers(2, 9))))
    expect_close(
        learner.call(MODULE, "sigmoid", z),
        reference.call(MODULE, "sigmoid", z),
        hidden=True,
        rtol=0,
        atol=1e-9,
        what="sigmoid on a held-out matrix",
        variants={"M02": variants.sigmoid_sign_flipped(z)},
        fix="Work element by element for arrays of any shape.",
    )


def check_hidden_log_loss(learner, reference, rng, tickets):
    """log_loss on held-out labels and probabilities, with a custom eps."""
    n = int(rng.integers(5, 300))
    y = _draw.labels(rng, n)
    p = np.clip(rng.random(n), 1e-6, 1 - 1e-6)
    expect_close(
        learner.call(MODULE, "log_loss", y, p),
        reference.call(MODULE, "log_loss", y, p),
        hidden=True,
        what=f"log_loss {HELD_OUT}",
        variants={
            "M05": variants.log_loss_summed(y, p),
            **answers(reference, tickets, MODULE, "log_loss"),
        },
        fix="Average over the tickets.",
    )
    q = rng.choice([0.0, 0.5, 1.0], size=n)
    expect_close(
        learner.call(MODULE, "log_loss", y, q, eps=1e-3),
        reference.call(MODULE, "log_loss", y, q, eps=1e-3),
        hidden=True,
        what="log_loss with eps=1e-3 at probabilities 0 and 1",
        variants={"M04": np.inf, "M04#nan": np.nan},  # log(0) unclipped
        fix="Clip with the eps argument you are given, not a constant of your own.",
    )


def check_hidden_gradient(learner, reference, rng, tickets):
    """gradient, with and without l2, on held-out tickets."""
    data = _draw.tickets(rng)
    w = rng.normal(0, 0.5, data.X.shape[1])
    for l2 in (0.0, float(np.round(rng.uniform(0.01, 1.0), 3))):
        expect_close(
            learner.call(MODULE, "gradient", data.X, data.y, w, l2=l2),
            reference.call(MODULE, "gradient", data.X, data.y, w, l2=l2),
            hidden=True,
            what=f"gradient {HELD_OUT} with l2={'0' if l2 == 0 else 'above 0'}",
            variants={
                **variants.gradient_variants(data.X, data.y, w, l2),
                **answers(reference, tickets, MODULE, "gradient"),
            },
            fix="(1/n) X^T (p - y) + l2 * w with the intercept unpenalized, for any n and d.",
        )


def check_hidden_fit_logistic(learner, reference, rng, tickets):
    """fit_logistic follows gradient descent on held-out tickets (a stable step)."""
    data = _draw.tickets(rng, n_max=150)
    bound = reference.call("ex2_learning_rate", "stable_lr_bound", data.X)
    lr = float(np.round(0.5 * bound, 4))
    epochs = int(rng.integers(50, 250))
    l2 = float(rng.choice([0.0, 0.05]))
    expect_close(
        learner.call(MODULE, "fit_logistic", data.X, data.y, lr=lr, epochs=epochs, l2=l2),
        reference.call(MODULE, "fit_logistic", data.X, data.y, lr=lr, epochs=epochs, l2=l2),
        hidden=True,
        rtol=1e-6,
        atol=1e-8,
        what=f"fit_logistic {HELD_OUT}",
        variants=answers(reference, tickets, MODULE, "fit_logistic"),
        fix="Start at zeros, take exactly `epochs` steps, pass l2 on to the gradient.",
    )


def check_hidden_confusion_and_rates(learner, reference, rng, tickets):
    """confusion matrix, precision, recall and F1 with ties, edge thresholds and 0/0."""
    n = int(rng.integers(6, 200))
    y = _draw.labels(rng, n)
    p = _draw.probabilities(rng, n)
    rates = "precision_recall_f1 on held-out confusion matrices (some with 0/0)"
    rates_fix = "Guard every division; F1 is the harmonic mean."
    cases = [
        (t, reference.call(MODULE, "confusion_matrix_at_threshold", y, p, t))
        for t in _draw.thresholds(rng, p, k=4)
    ]
    # Matrices with TP = 0 (some 0/0) last: only a function that was right on an ordinary
    # matrix is said to stumble on 0/0 (M11).
    cases.sort(key=lambda case: int(case[1][1][1]) == 0)
    right_before = False
    for t, cm in cases:
        expect_equal(
            learner.call(MODULE, "confusion_matrix_at_threshold", y, p, t),
            cm,
            hidden=True,
            what=f"confusion_matrix_at_threshold {HELD_OUT}",
            variants={
                **variants.confusion_variants(y, p, t),
                **answers(reference, tickets, MODULE, "confusion_matrix_at_threshold"),
            },
            fix="[[TN, FP], [FN, TP]], predicted positive where p >= t.",
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
                hidden=True,
            )
        else:
            got = learner.call(MODULE, "precision_recall_f1", cm)
        expect_close(
            got,
            expected,
            hidden=True,
            what=rates,
            variants={
                "M12": variants.f1_arithmetic(cm),
                "M11": variants.zero_division_nan(expected, got) if right_before else None,
                **answers(reference, tickets, MODULE, "precision_recall_f1"),
            },
            fix=rates_fix,
        )
        right_before = True


def check_hidden_roc(learner, reference, rng, tickets):
    """roc_points and roc_auc on imbalanced held-out tickets with many ties."""
    n = int(rng.integers(10, 300))
    y = _draw.labels(rng, n, allow_one_class=False)
    p = _draw.probabilities(rng, n)
    thresholds = _draw.thresholds(rng, p)
    expected = reference.call(MODULE, "roc_points", y, p, thresholds)
    expect_close(
        learner.call(MODULE, "roc_points", y, p, thresholds),
        expected,
        hidden=True,
        what=f"roc_points {HELD_OUT}",
        variants={
            "M13": variants.roc_swapped(expected),
            **answers(reference, tickets, MODULE, "roc_points"),
        },
        fix="(FPR, TPR) per threshold in the given order, p >= t.",
    )
    expect_close(
        learner.call(MODULE, "roc_auc", y, p),
        reference.call(MODULE, "roc_auc", y, p),
        hidden=True,
        what=f"roc_auc {HELD_OUT} with tied probabilities",
        variants={**variants.auc_ties(y, p), **answers(reference, tickets, MODULE, "roc_auc")},
        fix="A tie between a positive and a negative counts 0.5.",
    )


def check_hidden_calibration(learner, reference, rng, tickets):
    """reliability_bins and ECE with random bin counts, edge probabilities, 0 and 1."""
    n = int(rng.integers(10, 300))
    n_bins = int(rng.integers(2, 13))
    y = _draw.labels(rng, n, allow_one_class=False)
    p = _draw.probabilities(rng, n, n_bins=n_bins)
    expected = reference.call(MODULE, "reliability_bins", y, p, n_bins=n_bins)
    got = learner.call(MODULE, "reliability_bins", y, p, n_bins=n_bins)
    wrong = variants.reliability_variants(y, p, n_bins)
    parts = got if isinstance(got, (list, tuple)) and len(got) == 3 else [got, None, None]
    for index, name in enumerate(("prob_true", "prob_pred", "counts")):
        expect_close(
            parts[index],
            expected[index],
            hidden=True,
            what=f"reliability_bins {HELD_OUT}: {name}",
            variants={
                **{key: value[index] for key, value in wrong.items()},
                **answers(reference, tickets, MODULE, "reliability_bins", pick=itemgetter(index)),
            },
            fix="Edges linspace(0, 1, n_bins + 1), inner edges to the lower bin, empty bins "
            "dropped, for any n_bins.",
        )
    ece_variants = {key: variants.ece_from_bins(value) for key, value in wrong.items()}
    ece_variants["M15"] = variants.ece_from_bins(expected, weighted=False)
    ece_variants.update(answers(reference, tickets, MODULE, "expected_calibration_error"))
    expect_close(
        learner.call(MODULE, "expected_calibration_error", y, p, n_bins=n_bins),
        reference.call(MODULE, "expected_calibration_error", y, p, n_bins=n_bins),
        hidden=True,
        what=f"expected_calibration_error {HELD_OUT}",
        variants=ece_variants,
        fix="Weight each bin's gap by count / n.",
    )
