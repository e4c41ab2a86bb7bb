"""Answer checks of ex4_manual_ece.py: the chapter model's 4-bin ECE by hand."""

from __future__ import annotations

from grader.checks.answers._hand import expect_hand_number

MODULE = "ex4_manual_ece"


def check_hand_bin_counts(learner, reference):
    """HAND_BIN_COUNTS: how many of the eight probabilities fall in each of 4 bins."""
    expect_hand_number(
        learner.get(MODULE, "HAND_BIN_COUNTS"),
        reference.get(MODULE, "HAND_BIN_COUNTS"),
        name="HAND_BIN_COUNTS",
        learner=learner,
        hint="Four numbers, one per bin [0, 0.25], (0.25, 0.5], (0.5, 0.75], (0.75, 1], "
        "adding up to 8; empty bins count 0.",
    )


def check_hand_ece(learner, reference):
    """HAND_ECE: the chapter model's 4-bin ECE."""
    expected = reference.get(MODULE, "HAND_ECE")
    expect_hand_number(
        learner.get(MODULE, "HAND_ECE"),
        expected,
        name="HAND_ECE",
        learner=learner,
        hint="For each non-empty bin, |mean p - fraction escalated| times count / 8; add up.",
    )
