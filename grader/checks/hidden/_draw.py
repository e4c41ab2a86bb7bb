"""Held-out data drawn per submission: varied sizes and the awkward cases of the contract.

Everything comes from the check's own seeded generator, so a run can be reproduced from
the seed recorded in its results, and no two submissions need see the same data.
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
    """Probabilities with ties, values on bin edges and on thresholds, and exact 0 and 1."""
    p = np.round(rng.random(n), int(rng.integers(1, 3)))  # rounding makes ties
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    special = np.concatenate([edges, np.asarray(thresholds or [], dtype=float)])
    picks = rng.choice(n, size=min(n, max(3, n // 4)), replace=False)
    p[picks] = rng.choice(special, size=len(picks))
    return p


def thresholds(rng: np.random.Generator, p: np.ndarray, k: int = 6) -> list[float]:
    """Thresholds in a shuffled order, some equal to probabilities, one above every p."""
    chosen = list(rng.choice(np.unique(p), size=min(k, len(np.unique(p))), replace=False))
    chosen += [float(np.round(rng.uniform(0.05, 0.95), 2)), 1.01]
    rng.shuffle(chosen)
    return [float(t) for t in chosen]
