"""Answer checks of ex1_hand_gradient.py: numbers worked by hand, within 2e-3."""

from __future__ import annotations

import numpy as np

from grader.checks.answers._hand import expect_hand_number
from grader.checks.framework import CheckFailure

MODULE = "ex1_hand_gradient"


def check_sigmoid_at_five_points(learner, reference):
    """SIGMOID_AT holds sigma(z) for z = -4, -1, 0, 1, 4."""
    got = learner.get(MODULE, "SIGMOID_AT")
    expected = reference.get(MODULE, "SIGMOID_AT")
    if not isinstance(got, dict) or set(got) != set(expected):
        raise CheckFailure(
            "SIGMOID_AT should be a dict with the keys -4.0, -1.0, 0.0, 1.0, 4.0; keep the "
            "keys and replace each `...` with sigma(z)."
        )
    for z in sorted(expected):
        expect_hand_number(
            got[z],
            expected[z],
            name=f"SIGMOID_AT[{z}]",
            learner=learner,
            variants={"M02": 1 - expected[z]},
            hint="sigma(z) = 1 / (1 + e^(-z)); sigma(-z) = 1 - sigma(z).",
        )


def check_t4_losses(learner, reference):
    """T4's log-loss at p = 0.5 and at p = 0.82."""
    for name in ("T4_LOSS_AT_P_HALF", "T4_LOSS_AT_P_082"):
        expect_hand_number(
            learner.get(MODULE, name),
            reference.get(MODULE, name),
            name=name,
            learner=learner,
            hint="T4 is escalated (y = 1): its loss is -ln(p), the natural logarithm.",
        )


def check_t4_gradient_at_zero(learner, reference):
    """T4's gradient (p - y) x at w = 0."""
    expected = reference.get(MODULE, "T4_GRADIENT_AT_ZERO")
    expect_hand_number(
        learner.get(MODULE, "T4_GRADIENT_AT_ZERO"),
        expected,
        name="T4_GRADIENT_AT_ZERO",
        learner=learner,
        variants={"M07": [-v for v in expected], "M01": expected[1:]},
        hint="At w = 0, p = 0.5; multiply (p - y) by T4's row [1, 3.5, 6.0].",
    )


def _without_intercept_z(reference) -> np.ndarray:
    """M01: the three rows' z without the column of ones, so without w0."""
    return np.asarray(reference.get(MODULE, "THREE_ROW_Z"), dtype=float) - float(
        reference.get(MODULE, "THREE_ROW_W")[0]
    )


def check_three_row_z_and_p(learner, reference):
    """z and p for T1, T4, T7 at THREE_ROW_W."""
    z_no_intercept = _without_intercept_z(reference)
    expect_hand_number(
        learner.get(MODULE, "THREE_ROW_Z"),
        reference.get(MODULE, "THREE_ROW_Z"),
        name="THREE_ROW_Z",
        learner=learner,
        variants={"M01": z_no_intercept},
        hint="z = w0 * 1 + w1 * length + w2 * frustration for each row.",
    )
    expect_hand_number(
        learner.get(MODULE, "THREE_ROW_P"),
        reference.get(MODULE, "THREE_ROW_P"),
        name="THREE_ROW_P",
        learner=learner,
        variants={"M01": 1.0 / (1.0 + np.exp(-z_no_intercept))},
        hint="p = sigma(z) for each of the three z.",
    )


def check_three_row_loss(learner, reference):
    """The three rows' mean log-loss."""
    expected = reference.get(MODULE, "THREE_ROW_LOSS")
    expect_hand_number(
        learner.get(MODULE, "THREE_ROW_LOSS"),
        expected,
        name="THREE_ROW_LOSS",
        learner=learner,
        variants={"M05": 3 * expected},
        hint="Average -ln(p) for escalated rows and -ln(1 - p) for calm ones over the 3 rows.",
    )


def check_three_row_gradient(learner, reference):
    """The three rows' mean gradient."""
    expected = reference.get(MODULE, "THREE_ROW_GRADIENT")
    expect_hand_number(
        learner.get(MODULE, "THREE_ROW_GRADIENT"),
        expected,
        name="THREE_ROW_GRADIENT",
        learner=learner,
        variants={
            "M06": [3 * v for v in expected],
            "M07": [-v for v in expected],
            "M01": expected[1:],
        },
        hint="(1/3) * sum over the rows of (p - y) * [1, length, frustration].",
    )


def check_first_batch_gradient(learner, reference):
    """The gradient over all eight tickets at w = 0."""
    expected = reference.get(MODULE, "FIRST_BATCH_GRADIENT")
    expect_hand_number(
        learner.get(MODULE, "FIRST_BATCH_GRADIENT"),
        expected,
        name="FIRST_BATCH_GRADIENT",
        learner=learner,
        variants={
            "M06": [8 * v for v in expected],
            "M07": [-v for v in expected],
            "M01": expected[1:],
        },
        hint="At w = 0 every p is 0.5: average (0.5 - y) * [1, length, frustration].",
    )


def check_w_after_first_step(learner, reference):
    """w after one step of lr = 0.5 from w = 0."""
    expected = reference.get(MODULE, "W_AFTER_FIRST_STEP")
    expect_hand_number(
        learner.get(MODULE, "W_AFTER_FIRST_STEP"),
        expected,
        name="W_AFTER_FIRST_STEP",
        learner=learner,
        variants={"M07": [-v for v in expected], "M01": expected[1:]},
        hint="w1 = w0 - lr * gradient: subtract 0.5 times FIRST_BATCH_GRADIENT from zeros.",
    )
