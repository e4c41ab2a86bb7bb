"""Visible checks of ex2_learning_rate.py."""

from __future__ import annotations

import numpy as np

from grader.checks.conditioning import loss_history_atol, reference_weights
from grader.checks.expect import as_array, expect_close, expect_equal, normalized_word
from grader.checks.framework import CheckFailure
from grader.checks.probes import blame_in_module

MODULE = "ex2_learning_rate"
# (lr, epochs, l2) of the loss_history checks; hidden checks recognize them hard-coded (M19).
HISTORY_RUNS = ((0.2, 60, 0.0), (0.2, 40, 0.05), (2.0, 4, 0.0))


def history_variants(reference, X, y, lr: float, epochs: int) -> dict:
    """A loss history (l2 = 0) as the gradient and loss mistakes make it, alone and
    together: the loss summed (M05, n times the mean), the gradient without 1/n (M06: a
    step n times larger, the same as descent at lr * n). From the reference at another lr,
    so a self-check replays them. Not the gradient's sign reversed (M07, ascent): a
    flipped sigmoid (M02) gives exactly the same history (w -> -w), so it would be named
    where it is not the cause."""
    n = len(y)
    steps = {"": lr, "M06": lr * n}
    found: dict = {}
    for key, step in steps.items():
        history = np.asarray(reference.call(MODULE, "loss_history", X, y, step, epochs))
        if key:
            found[key] = history
        found["+".join(["M05", *([key] if key else [])])] = history * n
    return found


def check_loss_history_stable(learner, reference, tickets):
    """loss_history records the loss before each step (lr = 0.2, 60 epochs)."""
    X, y = tickets.eight_X, tickets.eight_y
    lr, epochs, _ = HISTORY_RUNS[0]
    expected = reference.call(MODULE, "loss_history", X, y, lr, epochs)
    got = learner.call(MODULE, "loss_history", X, y, lr, epochs)
    expect_close(
        got,
        expected,
        what=f"loss_history(X, y, lr={lr}, epochs={epochs})",
        variants=history_variants(reference, X, y, lr, epochs),
        fix="Element k is the loss at w_k, before update k: element 0 is log(2) at w = 0.",
    )


def check_loss_history_with_l2(learner, reference, tickets):
    """loss_history adds (l2 / 2) * ||w[1:]||^2 to the loss."""
    X, y = tickets.eight_X, tickets.eight_y
    lr, epochs, l2 = HISTORY_RUNS[1]
    expect_close(
        learner.call(MODULE, "loss_history", X, y, lr, epochs, l2=l2),
        reference.call(MODULE, "loss_history", X, y, lr, epochs, l2=l2),
        what=f"loss_history(X, y, lr={lr}, epochs={epochs}, l2={l2})",
        fix="Add 0.5 * l2 * sum(w[1:] ** 2) (no intercept) and pass l2 to the gradient.",
    )


def not_finite_where(mask: object, expected: np.ndarray, got: object) -> np.ndarray | None:
    """The expected values with the learner's own inf or nan at `mask` (an unclipped loss's
    non-finite steps), when the learner's values are not finite there and only there; else
    None (mask None: the variant is not known for these inputs)."""
    if mask is None:
        return None
    try:
        got_array = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return None
    mask = np.asarray(mask, dtype=bool)
    if got_array.shape != mask.shape or not np.array_equal(mask, ~np.isfinite(got_array)):
        return None
    return np.where(mask, got_array, np.asarray(expected, dtype=float)) if mask.any() else None


def check_loss_history_first_steps_at_lr_2(learner, reference, tickets, variants):
    """At lr = 2.0 the first steps overshoot: the loss jumps from 0.693 to about 3.4."""
    X, y = tickets.eight_X, tickets.eight_y
    # Above 2/L runs are chaotic; only the first steps are comparable between codes. The
    # fourth loss is saturated (sigma(32) on a calm ticket): correct formulas differ ~1e-3.
    lr, epochs, _ = HISTORY_RUNS[2]
    expected = reference.call(MODULE, "loss_history", X, y, lr, epochs)
    weights = reference_weights(reference, X, y, lr, epochs)
    got = learner.call(MODULE, "loss_history", X, y, lr, epochs)
    expect_close(
        got,
        expected,
        what=f"loss_history(X, y, lr={lr}, epochs={epochs})",
        atol=loss_history_atol(X, y, weights),
        variants={
            **history_variants(reference, X, y, lr, epochs),
            # the loss recorded but not clipped: inf or nan once a probability saturates
            "M04": not_finite_where(
                variants.unclipped_history_not_finite(X, y, weights), expected, got
            ),
        },
        fix="Record the loss before each update, then step w = w - lr * gradient.",
    )


def check_classify_run(learner, reference):
    """classify_run applies the rules: diverges, then oscillates, then converges."""
    cases = {
        "a steadily falling curve": [0.69, 0.5, 0.4, 0.35, 0.34],
        "a curve that rises once by 0.1": [0.69, 0.5, 0.6, 0.4, 0.3],
        "a curve ending above its start": [0.69, 0.5, 0.9, 1.2],
        "a curve with nan": [0.69, float("nan"), 0.5],
        "a curve with inf": [0.69, float("inf"), 0.1],
        "a curve rising by only 1e-13": [0.69, 0.5, 0.5 + 1e-13, 0.4],
        "a flat curve": [0.5, 0.5, 0.5],
    }
    for description, history in cases.items():
        history_array = np.array(history)
        got = learner.call(MODULE, "classify_run", history_array)
        expected = reference.call(MODULE, "classify_run", history_array)
        word = normalized_word(got) if isinstance(got, str) else got
        expect_equal(
            word,
            expected,
            what=f"classify_run on {description}",
            fix="'diverges' if any value is not finite or the last exceeds the first; else "
            "'oscillates' if some value exceeds the previous by more than 1e-12; else "
            "'converges'.",
        )


def check_stable_lr_bound(learner, reference, tickets, variants):
    """stable_lr_bound is 2 / L with L = lambda_max(X^T X) / (4 n): about 0.228 here."""
    X = tickets.eight_X
    expected = reference.call(MODULE, "stable_lr_bound", X)
    got = as_array(learner.call(MODULE, "stable_lr_bound", X), "stable_lr_bound(X)")
    if got.size == 1 and not np.isfinite(got).all():
        raise CheckFailure("stable_lr_bound(X) is not a finite number.")
    expect_close(
        got,
        expected,
        what="stable_lr_bound(X) on the eight tickets",
        variants=variants.lr_bound_variants(expected),
        fix="L = np.linalg.eigvalsh(X.T @ X).max() / (4 * n); return 2 / L.",
    )


blame_in_module(globals())
