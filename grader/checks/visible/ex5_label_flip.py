"""Visible checks of ex5_label_flip.py."""

from __future__ import annotations

import numpy as np

from grader.chapter import FLIPPED_TICKET
from grader.checks.expect import expect_close, expect_equal
from grader.checks.framework import CheckFailure
from grader.checks.probes import blame_in_module

MODULE = "ex5_label_flip"
KEYS = ("w_before", "w_after", "auc_before", "auc_after", "ece_before", "ece_after")
# lr = 0.2 < 2/L so that both fits are comparable step for step.
EXPERIMENT_KWARGS = {"index": FLIPPED_TICKET, "lr": 0.2, "epochs": 400, "n_bins": 4}


def check_flip_label(learner, reference, tickets):
    """flip_label returns a new array with one label flipped."""
    y = tickets.eight_y
    for index in (7, 0):
        expect_equal(
            learner.call(MODULE, "flip_label", y, index),
            reference.call(MODULE, "flip_label", y, index),
            what=f"flip_label(y, {index})",
            fix="Copy y, then set copy[index] = 1 - copy[index].",
        )


def check_label_flip_experiment(learner, reference, tickets):
    """label_flip_experiment retrains on the flipped labels and scores each model."""
    X, y = tickets.eight_X, tickets.eight_y
    kwargs = EXPERIMENT_KWARGS
    got = learner.call(MODULE, "label_flip_experiment", X, y, **kwargs)
    expected = reference.call(MODULE, "label_flip_experiment", X, y, **kwargs)
    if not isinstance(got, dict) or set(KEYS) - set(got):
        missing = sorted(set(KEYS) - set(got)) if isinstance(got, dict) else list(KEYS)
        raise CheckFailure(
            f"label_flip_experiment should return a dict with the keys {', '.join(KEYS)}; "
            f"missing: {', '.join(missing)}."
        )
    if np.allclose(
        np.asarray(got["w_after"], dtype=float), np.asarray(got["w_before"], dtype=float)
    ):
        raise CheckFailure(
            "w_after equals w_before: the model was not retrained on the flipped labels. Call "
            "fit_logistic again with flip_label(y, index).",
            misconceptions=("M20",),
        )
    for key in KEYS:
        expect_close(
            got[key],
            expected[key],
            what=f"label_flip_experiment(...)['{key}']",
            fix="Fit one model on y and one on flip_label(y, index); score each against the "
            "labels it was trained on.",
        )


blame_in_module(globals())
