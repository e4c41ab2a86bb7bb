"""Shared fixtures: the kit's paths and the solutions importable by their learner names."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from grader.paths import KitPaths

KIT = KitPaths.discover()

# The solutions import each other by their bare learner names (from logistic_scratch
# import ...), exactly as a submission does, so their folder goes on sys.path.
if str(KIT.solutions) not in sys.path:
    sys.path.insert(0, str(KIT.solutions))

# The contract's eight tickets, written out here so the shipped data is tested against them.
EIGHT_X_RAW = np.array(
    [[1.0, 1.0], [1.5, 2.0], [2.0, 3.0], [3.5, 6.0], [4.0, 7.0], [4.5, 5.0], [2.8, 4.0], [3.2, 8.0]]
)
EIGHT_Y = np.array([0, 0, 0, 1, 1, 1, 0, 1])


@pytest.fixture(scope="session")
def kit() -> KitPaths:
    return KIT


@pytest.fixture()
def eight_tickets() -> tuple[np.ndarray, np.ndarray]:
    """(X_raw, y) of the contract, fresh copies for every test."""
    return EIGHT_X_RAW.copy(), EIGHT_Y.copy()


@pytest.fixture()
def chapter(eight_tickets):
    """The chapter model: fit_logistic(X, y, lr=0.8, epochs=2000) on the eight tickets,
    as (X, y, w, p)."""
    import logistic_scratch

    X_raw, y = eight_tickets
    X = logistic_scratch.add_intercept(X_raw)
    w = logistic_scratch.fit_logistic(X, y, lr=0.8, epochs=2000)
    return X, y, w, logistic_scratch.predict_proba(X, w)
