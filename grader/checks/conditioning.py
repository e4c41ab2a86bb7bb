"""Tolerances from conditioning: how far apart correct computations of a value may lie.

A log-loss at a saturated probability is ill-conditioned: sigma(z) for z = 32 is 1 - 1.3e-14,
known only to one ulp of 1 (1.1e-16), so log(1 - p) is known only to about 1 %, and two
correct formulas (log(1 - p), log1p(-p), logaddexp from z, a matmul or an einsum before
them) land that far apart (contract, section 2). Elsewhere the 1e-6 of a well-conditioned
value stays. These run in the grading process, on the check's own inputs and weights.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

ULP = float(np.finfo(float).eps)
# Slack on the rounding bounds: a few roundings in sigma, 1 - p and the matmul before them.
ROUNDINGS = 8.0


def log_loss_spread(y: np.ndarray, z: np.ndarray, eps: float = 1e-15) -> float:
    """How far a correct mean log-loss at logits z (p = sigma(z)) may be from another.

    Per ticket: the rounding of the true class's probability q (an absolute error of a few
    ulps of 1, hence ROUNDINGS * ULP / q in log q), the rounding of z itself, and the
    difference between the clipped loss the contract asks for and the exact one that a
    formula from z (logaddexp) gives, which clipping never touches.
    """
    y = np.asarray(y, dtype=float)
    z = np.asarray(z, dtype=float)
    exact = np.logaddexp(0.0, np.where(y == 1, -z, z))  # -log q, q the true class's p
    q = np.exp(-exact)
    # Far below eps every formula clips to eps exactly: nothing left to round.
    rounding = np.where(q >= eps / 2, ROUNDINGS * ULP / np.maximum(q, eps), 0.0)
    rounding += ROUNDINGS * ULP * (1.0 + np.abs(z))
    clipped = -np.log(np.clip(q, eps, 1.0 - eps))
    return float(np.mean(rounding + np.abs(exact - clipped)))


def loss_history_atol(
    X: np.ndarray, y: np.ndarray, weights: Sequence[np.ndarray], floor: float = 1e-9
) -> np.ndarray:
    """Per element k of a loss history: the absolute tolerance that admits every correct
    formula of the loss at weights[k] (the reference's w_k); `floor` where the loss is
    well-conditioned."""
    X = np.asarray(X, dtype=float)
    return np.array([max(floor, log_loss_spread(y, X @ np.asarray(w))) for w in weights])


def reference_weights(
    reference: object, X: np.ndarray, y: np.ndarray, lr: float, epochs: int, l2: float = 0.0
) -> list[np.ndarray]:
    """w_0 .. w_(epochs-1) of the reference's gradient descent, one fit per k: for the few
    first steps of a visible check (a learner's self-check replays them)."""
    return [
        np.asarray(
            reference.call("logistic_scratch", "fit_logistic", X, y, lr=lr, epochs=k, l2=l2)  # type: ignore[attr-defined]
        )
        for k in range(epochs)
    ]
