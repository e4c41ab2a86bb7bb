"""Hidden checks of ex5_label_flip.py on data drawn per submission."""

from __future__ import annotations

from operator import itemgetter

import numpy as np

from grader.checks.expect import expect_close, expect_equal
from grader.checks.framework import CheckFailure
from grader.checks.hidden import _draw
from grader.checks.hidden._hardcoded import answers
from grader.checks.probes import blame_in_module

MODULE = "ex5_label_flip"
DEFAULT_INDEX = 7  # label_flip_experiment's default index
KEYS = ("w_before", "w_after", "auc_before", "auc_after", "ece_before", "ece_after")


def check_hidden_label_flip(learner, reference, rng, tickets):
    """flip_label and label_flip_experiment on held-out tickets."""
    drawn = _draw.tickets(rng, n_min=10, n_max=80)
    # A repeated ticket with the other label: the models' probabilities tie across classes,
    # so an AUC that does not count ties as one half (M14) shows whatever the draw.
    data = _draw.Tickets(
        np.vstack([drawn.X_raw, drawn.X_raw[:1]]), np.append(drawn.y, 1 - drawn.y[0])
    )
    index = int(rng.integers(0, len(data.y) - 1))
    index += index >= DEFAULT_INDEX  # never the default: an ignored index shows
    expect_equal(
        learner.call(MODULE, "flip_label", data.y, index),
        reference.call(MODULE, "flip_label", data.y, index),
        what="flip_label on held-out labels",
        variants=answers(reference, learner, MODULE, "flip_label"),
        fix="Flip exactly y[index], in a copy.",
    )
    lr = float(np.round(0.5 * reference.call("ex2_learning_rate", "stable_lr_bound", data.X), 4))
    lr = _draw.avoiding(lr, 0.8, 0.0001)
    n_bins = int(rng.choice([3, 5, 6, 7]))  # never the default 4
    drawn_kwargs = {"index": index, "lr": lr, "epochs": 150, "n_bins": n_bins}
    # Laid down whatever the draw: the eight tickets with no argument at its default and a
    # model far from converged, so an index, lr, epochs or n_bins not passed on shows.
    # And long fits, laid down too: a fit_logistic that stops early shows whatever the draw.
    long_data = _draw.converging_tickets()
    long_lr = reference.call("ex2_learning_rate", "stable_lr_bound", long_data.X)
    long_kwargs = {"index": 3, "lr": float(np.round(0.5 * long_lr, 4)), "epochs": 500, "n_bins": 5}
    cases = [
        ("with held-out arguments", tickets.eight_X, tickets.eight_y, FIXED_KWARGS),
        ("with a long fit", long_data.X, long_data.y, long_kwargs),
        ("on held-out tickets", data.X, data.y, drawn_kwargs),
    ]
    for which, X, y, kwargs in cases:
        _compare_experiment(learner, reference, which, X, y, kwargs)


FIXED_KWARGS = {"index": 2, "lr": 0.15, "epochs": 25, "n_bins": 6}


def _compare_experiment(learner, reference, which, X, y, kwargs) -> None:
    expected = reference.call(MODULE, "label_flip_experiment", X, y, **kwargs)
    got = learner.call(MODULE, "label_flip_experiment", X, y, **kwargs)
    if not isinstance(got, dict) or set(KEYS) - set(got):
        raise CheckFailure(f"label_flip_experiment should return a dict with {', '.join(KEYS)}.")
    for key in KEYS:
        expect_close(
            got[key],
            expected[key],
            what=f"label_flip_experiment {which}: {key}",
            variants={
                **({"M20": expected[key.replace("after", "before")]} if "after" in key else {}),
                **answers(reference, learner, MODULE, "label_flip_experiment", itemgetter(key)),
            },
            fix="Use the index, lr, epochs and n_bins you are given; retrain on the flipped "
            "labels; score each model against its own labels.",
        )


blame_in_module(globals())
