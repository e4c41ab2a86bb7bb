"""Tolerances from conditioning: how far apart correct computations of a value may lie.

A log-loss at a saturated probability is ill-conditioned: sigma(z) for z = 32 is 1 - 1.3e-14,
known only to one ulp of 1 (1.1e-16), so log(1 - p) is known only to about 1 %, and two
correct formulas (log(1 - p), log1p(-p), logaddexp from z, a matmul or an einsum before
them) land that far apart (contract, section 2). Elsewhere the 1e-6 of a well-conditioned
value stays. These run in the grading process, on the check's own inputs.
"""

from __future__ import annotations

import numpy as np

from grader.checks.variants import _sigmoid

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
    q_exact = _sigmoid(np.where(y == 1, z, -z))
    # Far below eps every formula clips to eps exactly: nothing left to round.
    rounding = np.where(q_exact >= eps / 2, ROUNDINGS * ULP / np.maximum(q_exact, eps), 0.0)
    rounding += ROUNDINGS * ULP * (1.0 + np.abs(z))
    clipped = -np.log(np.clip(q_exact, eps, 1.0 - eps))
    exact = np.logaddexp(0.0, np.where(y == 1, -z, z))
    return float(np.mean(rounding + np.abs(exact - clipped)))


def descent_weights(
    X: np.ndarray, y: np.ndarray, lr: float, epochs: int, l2: float = 0.0
) -> list[np.ndarray]:
    """w_0 = 0, ..., w_(epochs-1) of the contract's gradient descent."""
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    w = np.zeros(X.shape[1])
    found = []
    for _ in range(epochs):
        found.append(w)
        penalty = l2 * w
        penalty[0] = 0.0
        w = w - lr * (X.T @ (_sigmoid(X @ w) - y) / X.shape[0] + penalty)
    return found


def loss_history_atol(
    X: np.ndarray, y: np.ndarray, lr: float, epochs: int, l2: float = 0.0, floor: float = 1e-9
) -> np.ndarray:
    """Per element of loss_history(X, y, lr, epochs, l2): the absolute tolerance that admits
    every correct formula of the loss at w_k; `floor` where the loss is well-conditioned."""
    weights = descent_weights(X, y, lr, epochs, l2)
    X = np.asarray(X, dtype=float)
    return np.array([max(floor, log_loss_spread(y, X @ w)) for w in weights])
