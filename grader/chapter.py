"""The chapter's facts and settings the kit uses, in one place (contract section 1).

The checks, the report's figures and the chapter-notes page read them from here, so a
change of the chapter (another learning rate, another threshold list) is made once.
Numbers the chapter prints but gets wrong (TP=3 FP=1, AUC 0.88-0.92, ECE 0.07) are not
here: the kit computes what the data give.
"""

from __future__ import annotations

import numpy as np

#: The contract's eight tickets T1..T8: (length in hundreds of tokens, frustration 0-10),
#: written into the shipped data by grader/datasets.py (tests/test_shipped_data.py
#: compares the shipped loader's with the contract's).
EIGHT_X_RAW: tuple[tuple[float, float], ...] = (
    (1.0, 1.0),
    (1.5, 2.0),
    (2.0, 3.0),
    (3.5, 6.0),
    (4.0, 7.0),
    (4.5, 5.0),
    (2.8, 4.0),
    (3.2, 8.0),
)
#: Their labels: 1 = escalated.
EIGHT_Y: tuple[int, ...] = (0, 0, 0, 1, 1, 1, 0, 1)

#: "The chapter model": fit_logistic(X, y, lr=CHAPTER_LR, epochs=CHAPTER_EPOCHS).
CHAPTER_LR = 0.8
CHAPTER_EPOCHS = 2000
#: The chapter's threshold sweep, and its ECE by hand (four equal-width bins).
CHAPTER_THRESHOLDS = (0.2, 0.35, 0.5, 0.65, 0.8)
CHAPTER_BINS = 4
#: "The loss at lr = 2.0": a step above the curvature bound 2/L (about 0.228 here).
TROUBLESOME_LR = 2.0
#: "Flipping the label of T8" (its index).
FLIPPED_TICKET = 7
#: The costs of quiz Q3 and the defaults of expected_cost: a missed urgent ticket, a false alarm.
COST_FN = 120.0
COST_FP = 18.0


def chapter_worked_calls() -> tuple[tuple[str, str, tuple, dict], ...]:
    """The calls the chapter works through in its text, whose answers a learner has seen
    besides the visible checks' (misconception M19): (module, function, args, kwargs).
    Arrays are made afresh for each caller, so nobody can change the chapter's."""
    X = np.column_stack([np.ones(len(EIGHT_Y)), np.array(EIGHT_X_RAW, dtype=float)])
    y = np.array(EIGHT_Y, dtype=int)
    return (
        # "the first batch gradient by hand": at w = 0
        ("logistic_scratch", "gradient", (X, y, np.zeros(X.shape[1])), {}),
        # the chapter model: its weights are printed in the chapter (and a visible check
        # that fails on its first steps never asks for them)
        (
            "logistic_scratch",
            "fit_logistic",
            (X, y),
            {"lr": CHAPTER_LR, "epochs": CHAPTER_EPOCHS},
        ),
    )
