"""Hidden checks of ex2_learning_rate.py on data drawn per submission."""

from __future__ import annotations

import numpy as np

from grader.checks.conditioning import loss_history_atol
from grader.checks.expect import expect_close, expect_equal, normalized_word
from grader.checks.hidden import _draw
from grader.checks.hidden._hardcoded import answers
from grader.checks.probes import blame_in_module

MODULE = "ex2_learning_rate"


def _descent_weights(X, y, lr: float, epochs: int, l2: float) -> list[np.ndarray]:
    """w_0 .. w_(epochs-1) of the contract's gradient descent (hidden checks never ship to
    learners, so the formula may live here)."""
    w = np.zeros(X.shape[1])
    found = []
    for _ in range(epochs):
        found.append(w)
        penalty = l2 * w
        penalty[0] = 0.0
        w = w - lr * (X.T @ (np.exp(-np.logaddexp(0.0, -(X @ w))) - y) / len(y) + penalty)
    return found


def check_hidden_loss_history(learner, reference, rng):
    """loss_history on held-out tickets, with l2, at a stable step."""
    data = _draw.tickets(rng, n_max=150)
    lr = float(np.round(0.5 * reference.call(MODULE, "stable_lr_bound", data.X), 4))
    epochs = int(rng.integers(20, 120))
    l2 = float(np.round(rng.uniform(0.02, 0.2), 3))  # always > 0: an ignored l2 shows
    expect_close(
        learner.call(MODULE, "loss_history", data.X, data.y, lr, epochs, l2=l2),
        reference.call(MODULE, "loss_history", data.X, data.y, lr, epochs, l2=l2),
        atol=loss_history_atol(data.X, data.y, _descent_weights(data.X, data.y, lr, epochs, l2)),
        what="loss_history on held-out tickets",
        variants=answers(reference, learner, MODULE, "loss_history"),
        fix="One value per epoch, the objective (loss + l2/2 ||w[1:]||^2) before each update.",
    )


def check_hidden_stable_lr_bound(learner, reference, rng, variants):
    """stable_lr_bound on held-out feature matrices."""
    data = _draw.tickets(rng)
    expected = reference.call(MODULE, "stable_lr_bound", data.X)
    expect_close(
        learner.call(MODULE, "stable_lr_bound", data.X),
        expected,
        what="stable_lr_bound on held-out tickets",
        variants={
            **variants.lr_bound_variants(expected),
            **answers(reference, learner, MODULE, "stable_lr_bound"),
        },
        fix="2 / L with L = lambda_max(X^T X) / (4 n), n the rows of the X you are given.",
    )


# Laid down whatever the seed: the endpoints of the rules. Last equal to first (not
# "diverges", it rises), last a hair above first, nan or inf first or last, a rise only at
# the first or only at the last step, two values.
CLASSIFY_ENDPOINTS = (
    (0.7, 0.5, 0.4, 0.7),
    (0.6, 0.4, 0.3, 0.6 + 1e-9),
    (np.nan, 0.5, 0.4),
    (0.7, 0.5, np.inf),
    (0.7, 0.5, np.nan),
    (0.5, 0.6, 0.4, 0.3),
    (0.9, 0.5, 0.4, 0.45),
    (0.5, 0.4),
    (0.5, 0.5),
)


def check_hidden_classify_run(learner, reference, rng):
    """classify_run on held-out loss curves, with its endpoint cases."""
    for history in CLASSIFY_ENDPOINTS:
        _compare_run(learner, reference, np.array(history))
    for _ in range(6):
        k = int(rng.integers(3, 40))
        history = np.sort(rng.uniform(0.1, 1.0, k))[::-1].copy()
        kind = int(rng.integers(0, 4))
        if kind == 1:
            history[int(rng.integers(1, k))] += 0.5
        elif kind == 2:
            history[-1] = history[0] + 0.1
        elif kind == 3:
            history[int(rng.integers(0, k))] = np.nan
        _compare_run(learner, reference, history)


def _compare_run(learner, reference, history: np.ndarray) -> None:
    got = learner.call(MODULE, "classify_run", history)
    expect_equal(
        normalized_word(got) if isinstance(got, str) else got,
        reference.call(MODULE, "classify_run", history),
        what="classify_run on held-out loss curves",
        fix="Apply the rules in order: not finite or last > first -> 'diverges'; a rise "
        "above 1e-12 -> 'oscillates'; else 'converges'.",
    )


blame_in_module(globals())
