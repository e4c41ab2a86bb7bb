"""Held-out data drawn per submission: varied sizes and the awkward cases of the contract.

Everything comes from the check's own seeded generator, so a run can be reproduced from
the seed recorded in its results, and no two submissions need see the same data.

The draws only add variety. The cases that tell a convention from its known wrong
versions (a probability on a threshold or an exact bin edge, for both classes; p in
{0, 1}; a one-class set; 0/0) are laid down by the `*_cases` functions here whatever the
seed, so that no verdict depends on the draw. Nor may one hinge on one ulp: probabilities
whose bin depends on how the edges were computed (i / n, linspace, ceil(p * n) - 1) are
moved to their bin's centre (see `unambiguous`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Tickets:
    X_raw: np.ndarray
    y: np.ndarray

    @property
    def X(self) -> np.ndarray:
        return np.column_stack([np.ones(len(self.y)), self.X_raw])


def converging_tickets() -> Tickets:
    """Forty held-out tickets, the same whatever the seed, on which gradient descent at
    half the step bound keeps moving long after the loss changes by less than 1e-6 per
    step (a fit that stops there, near step 169 without l2, is 3e-2 off at 500 epochs)."""
    return tickets(np.random.default_rng(24), n_min=40, n_max=40)


def tickets(
    rng: np.random.Generator, n_min: int = 12, n_max: int = 240, n_features: int | None = None
) -> Tickets:
    """Overlapping, often imbalanced tickets; both classes present."""
    n = int(rng.integers(n_min, n_max + 1))
    d = n_features or int(rng.integers(1, 4))
    X_raw = np.round(
        rng.normal(loc=rng.uniform(0, 4, d), scale=rng.uniform(0.5, 2.5, d), size=(n, d)), 1
    )
    true_w = rng.normal(0, 1.2, d)
    prevalence_shift = rng.uniform(-2.5, 0.5)
    centred = (X_raw - X_raw.mean(axis=0)) @ true_w / max(1.0, float(np.std(X_raw @ true_w)))
    p = 1 / (1 + np.exp(-(centred * 2 + prevalence_shift)))
    y = (rng.random(n) < p).astype(int)
    y[rng.choice(n, 2, replace=False)] = [0, 1]  # both classes, always
    return Tickets(X_raw, y)


def avoiding(value: float, default: float, step: float) -> float:
    """A drawn argument, moved by `step` when it equals the function's default: code that
    ignores the argument must not pass by the luck of the draw."""
    return value + step if value == default else value


def labels(rng: np.random.Generator, n: int, allow_one_class: bool = True) -> np.ndarray:
    """Binary labels, sometimes all of one class."""
    kind = rng.integers(0, 5) if allow_one_class else 2
    if kind == 0:
        return np.zeros(n, dtype=int)
    if kind == 1:
        return np.ones(n, dtype=int)
    y = (rng.random(n) < rng.uniform(0.05, 0.6)).astype(int)
    y[rng.choice(n, 2, replace=False)] = [0, 1]
    return y


def probabilities(
    rng: np.random.Generator, n: int, n_bins: int = 5, thresholds: list[float] | None = None
) -> np.ndarray:
    """Probabilities with ties, values on bin edges and on thresholds, and exact 0 and 1;
    none whose bin for `n_bins` bins depends on how the edges were computed."""
    p = np.round(rng.random(n), int(rng.integers(1, 3)))  # rounding makes ties
    special = np.concatenate([exact_edges(n_bins), [0.0, 1.0], thresholds or []])
    picks = rng.choice(n, size=min(n, max(3, n // 4)), replace=False)
    p[picks] = rng.choice(special, size=len(picks))
    return unambiguous(p, n_bins)


def bin_ids(p: np.ndarray, n_bins: int) -> np.ndarray:
    """The contract's bins: edges linspace(0, 1, n_bins + 1), an edge in the lower bin."""
    inner = np.linspace(0.0, 1.0, n_bins + 1)[1:-1]
    return np.searchsorted(inner, np.asarray(p, dtype=float), side="left")


def _bins_other_ways(p: np.ndarray, n_bins: int) -> list[np.ndarray]:
    """Bins as correct code also computes them: edges i / n, and ceil(p * n) - 1."""
    inner = np.arange(1, n_bins) / n_bins
    by_ceil = np.clip(np.ceil(p * n_bins) - 1, 0, n_bins - 1).astype(int)
    return [np.searchsorted(inner, p, side="left"), by_ceil]


def unambiguous(p: np.ndarray, n_bins: int) -> np.ndarray:
    """p with every probability whose bin depends on how the edges are computed (one ulp
    from an edge that floating point cannot represent, such as 3/5 against
    linspace(0, 1, 6)[3]) moved to the centre of its bin."""
    p = np.asarray(p, dtype=float).copy()
    ids = bin_ids(p, n_bins)
    ambiguous = np.zeros(len(p), dtype=bool)
    for other in _bins_other_ways(p, n_bins):
        ambiguous |= other != ids
    p[ambiguous] = (ids[ambiguous] + 0.5) / n_bins
    return p


def exact_edges(n_bins: int) -> np.ndarray:
    """The inner edges that every correct way of computing bins puts in the lower bin
    (0.2, 0.4, 0.8 for five bins; 0.25, 0.5, 0.75 for four)."""
    inner = np.linspace(0.0, 1.0, n_bins + 1)[1:-1]
    return unambiguous_edges(inner, n_bins)


def unambiguous_edges(edges: np.ndarray, n_bins: int) -> np.ndarray:
    agree = np.ones(len(edges), dtype=bool)
    for other in _bins_other_ways(edges, n_bins):
        agree &= other == bin_ids(edges, n_bins)
    return edges[agree]


def both_classes(values: np.ndarray | list[float]) -> tuple[np.ndarray, np.ndarray]:
    """(y, p): each value twice, once calm (0) and once escalated (1): ties across classes."""
    p = np.repeat(np.asarray(values, dtype=float), 2)
    y = np.tile([0, 1], len(p) // 2)
    return y, p


def joined(*parts: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(y, p) pairs concatenated."""
    return (
        np.concatenate([np.asarray(y, dtype=int) for y, _ in parts]),
        np.concatenate([np.asarray(p, dtype=float) for _, p in parts]),
    )


def thresholds(rng: np.random.Generator, p: np.ndarray, k: int = 6) -> list[float]:
    """Thresholds in a shuffled order, some equal to probabilities, one above every p
    (no predicted positive: a 0/0 precision)."""
    chosen = list(rng.choice(np.unique(p), size=min(k, len(np.unique(p))), replace=False))
    chosen += [float(np.round(rng.uniform(0.05, 0.95), 2)), 1.01]
    rng.shuffle(chosen)
    return [float(t) for t in chosen]
