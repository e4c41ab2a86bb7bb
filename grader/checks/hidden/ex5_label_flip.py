"""Hidden checks of ex5_label_flip.py on data drawn per submission."""

from __future__ import annotations

from operator import itemgetter

import numpy as np

from grader.checks.framework import CheckFailure, expect_close, expect_equal
from grader.checks.hidden import _draw
from grader.checks.hidden._hardcoded import answers
from grader.checks.probes import blame_in_module

MODULE = "ex5_label_flip"
KEYS = ("w_before", "w_after", "auc_before", "auc_after", "ece_before", "ece_after")


def check_hidden_label_flip(learner, reference, rng, tickets):
    """flip_label and label_flip_experiment on held-out tickets."""
    drawn = _draw.tickets(rng, n_min=10, n_max=80)
    # A repeated ticket with the other label: the models' probabilities tie across classes,
    # so an AUC that does not count ties as one half (M14) shows whatever the draw.
    data = _draw.Tickets(
        np.vstack([drawn.X_raw, drawn.X_raw[:1]]), np.append(drawn.y, 1 - drawn.y[0])
    )
    index = int(rng.integers(0, len(data.y)))
    expect_equal(
        learner.call(MODULE, "flip_label", data.y, index),
        reference.call(MODULE, "flip_label", data.y, index),
        hidden=True,
        what="flip_label on held-out labels",
        variants=answers(reference, tickets, MODULE, "flip_label"),
        fix="Flip exactly y[index], in a copy.",
    )
    lr = float(np.round(0.5 * reference.call("ex2_learning_rate", "stable_lr_bound", data.X), 4))
    kwargs = {"index": index, "lr": lr, "epochs": 150, "n_bins": int(rng.integers(3, 8))}
    expected = reference.call(MODULE, "label_flip_experiment", data.X, data.y, **kwargs)
    got = learner.call(MODULE, "label_flip_experiment", data.X, data.y, **kwargs)
    if not isinstance(got, dict) or set(KEYS) - set(got):
        raise CheckFailure(f"label_flip_experiment should return a dict with {', '.join(KEYS)}.")
    for key in KEYS:
        expect_close(
            got[key],
            expected[key],
            hidden=True,
            what=f"label_flip_experiment on held-out tickets: {key}",
            variants={
                **({"M20": expected[key.replace("after", "before")]} if "after" in key else {}),
                **answers(reference, tickets, MODULE, "label_flip_experiment", itemgetter(key)),
            },
            fix="Use the index, lr, epochs and n_bins you are given; retrain on the flipped "
            "labels; score each model against its own labels.",
        )


blame_in_module(globals())
