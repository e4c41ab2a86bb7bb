"""Answer checks of ex6_sklearn_match.py."""

from __future__ import annotations

from grader.checks.framework import CheckFailure

MODULE = "ex6_sklearn_match"


def check_eight_tickets_separable(learner, reference):
    """EIGHT_TICKETS_SEPARABLE: can a straight line split the eight tickets?"""
    got = learner.get(MODULE, "EIGHT_TICKETS_SEPARABLE")
    if not isinstance(got, bool):
        raise CheckFailure("EIGHT_TICKETS_SEPARABLE should be True or False; replace `...`.")
    if got != reference.get(MODULE, "EIGHT_TICKETS_SEPARABLE"):
        raise CheckFailure(
            "EIGHT_TICKETS_SEPARABLE is not right. Try the line length + frustration = 8.5: "
            "which tickets lie on which side?"
        )
