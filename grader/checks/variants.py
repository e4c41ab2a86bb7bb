"""Known wrong implementations: what each misconception returns on a given input.

Keys are misconception ids; "M10#2" is one of several wrong versions of M10.

A check compares a failing learner result with these to name the mistake. They run in
the grading process on the check's own inputs; learners never see them.
"""

from __future__ import annotations

import numpy as np


def _sigmoid(z: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_sign_flipped(z: np.ndarray) -> np.ndarray:  # M02
    return _sigmoid(-np.asarray(z, dtype=float))


def log_loss_summed(y: np.ndarray, p: np.ndarray, eps: float = 1e-15) -> float:  # M05
    p = np.clip(np.asarray(p, dtype=float), eps, 1 - eps)
    y = np.asarray(y, dtype=float)
    return float(-np.sum(y * np.log(p) + (1 - y) * np.log(1 - p)))


def unclipped_history_not_finite(X: np.ndarray, y: np.ndarray, weights: list) -> np.ndarray:
    """M04 in a loss history: where an unclipped log-loss at the reference's w_k is not
    finite (log(0) once a probability rounds to 0 or 1), one bool per step. It depends on
    the reference's weights only, so the learners' bundle replays it like any variant."""
    y = np.asarray(y, dtype=float)
    with np.errstate(all="ignore"):
        p = [1.0 / (1.0 + np.exp(-(np.asarray(X) @ np.asarray(w)))) for w in weights]
        raw = np.array([-np.mean(y * np.log(q) + (1 - y) * np.log(1 - q)) for q in p])
    return ~np.isfinite(raw)


def gradient_variants(X: np.ndarray, y: np.ndarray, w: np.ndarray, l2: float) -> dict:
    """M06 (no 1/n), M07 ((y - p) x), both together (gradient ascent on the summed loss,
    -n times the data term) and M08 (intercept penalized)."""
    X, y, w = (np.asarray(a, dtype=float) for a in (X, y, w))
    data = X.T @ (_sigmoid(X @ w) - y)
    penalty = l2 * w
    penalty[0] = 0.0
    n = X.shape[0]
    return {
        "M06": data + penalty,
        "M07": -data / n + penalty,
        "M06+M07": -data + penalty,
        "M08": data / n + l2 * w if l2 else None,
    }


def threshold_strict(p: np.ndarray, t: float) -> np.ndarray:  # M09
    return (np.asarray(p, dtype=float) > t).astype(int)


def strict_confusion(y: np.ndarray, p: np.ndarray, t: float) -> list[list[int]]:  # M09
    """[[TN, FP], [FN, TP]] with positives where p > t."""
    tn, fp, fn, tp = _cells(y, threshold_strict(p, t))
    return [[tn, fp], [fn, tp]]


def _rates(cm: list[list[int]]) -> tuple[float, float, float]:
    (_, fp), (fn, tp) = cm
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    return float(precision), float(recall), float(f1)


def roc_strict(y: np.ndarray, p: np.ndarray, thresholds: list) -> list:  # M09
    """roc_points with positives where p > t."""
    points = []
    for t in thresholds:
        (tn, fp), (fn, tp) = strict_confusion(y, p, t)
        points.append((fp / (fp + tn) if fp + tn else 0.0, tp / (tp + fn) if tp + fn else 0.0))
    return points


def sweep_strict(y: np.ndarray, p: np.ndarray, thresholds: list) -> list:  # M09
    """sweep_thresholds with positives where p > t."""
    return [(float(t), *_rates(strict_confusion(y, p, t))) for t in thresholds]


def best_f1_strict(y: np.ndarray, p: np.ndarray, thresholds: list) -> float:  # M09
    """best_f1_threshold with positives where p > t (the first of tied maxima)."""
    f1 = [row[3] for row in sweep_strict(y, p, thresholds)]
    return float(list(thresholds)[int(np.argmax(f1))])


def cost_strict(y: np.ndarray, p: np.ndarray, t: float, cost_fn: float, cost_fp: float) -> float:
    """expected_cost with positives where p > t (M09)."""
    (_, fp), (fn, _) = strict_confusion(y, p, t)
    return float(fn * cost_fn + fp * cost_fp)


def min_cost_strict(
    y: np.ndarray, p: np.ndarray, thresholds: list, cost_fn: float, cost_fp: float
) -> tuple[float, float]:  # M09
    costs = [cost_strict(y, p, t, cost_fn, cost_fp) for t in thresholds]
    best = int(np.argmin(costs))
    return float(list(thresholds)[best]), costs[best]


def _cells(y: np.ndarray, predicted: np.ndarray) -> tuple[int, int, int, int]:
    y = np.asarray(y).astype(int)
    # count_nonzero, not np.sum: the same counts without np.sum's Python wrapper (the
    # sweep variants count about 100 matrices a grading).
    negative, positive = y == 0, y == 1
    said_negative, said_positive = predicted == 0, predicted == 1
    tn = int(np.count_nonzero(negative & said_negative))
    fp = int(np.count_nonzero(negative & said_positive))
    fn = int(np.count_nonzero(positive & said_negative))
    tp = int(np.count_nonzero(positive & said_positive))
    return tn, fp, fn, tp


def confusion_variants(y: np.ndarray, p: np.ndarray, t: float) -> dict:
    """Other layouts (M10) and the strict threshold (M09)."""
    tn, fp, fn, tp = _cells(y, (np.asarray(p, dtype=float) >= t).astype(int))
    strict = _cells(y, threshold_strict(p, t))
    layouts = [
        [[tp, fp], [fn, tn]],
        [[tp, fn], [fp, tn]],
        [[tn, fn], [fp, tp]],
        [[fp, tn], [tp, fn]],
    ]
    variants: dict = {f"M10#{i}": layout for i, layout in enumerate(layouts)}
    variants["M09"] = [[strict[0], strict[1]], [strict[2], strict[3]]]
    return variants


def f1_arithmetic(cm: np.ndarray) -> tuple[float, float, float]:  # M12
    (_, fp), (fn, tp) = np.asarray(cm, dtype=float)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return precision, recall, (precision + recall) / 2


def roc_swapped(points: list) -> list:  # M13
    return [(tpr, fpr) for fpr, tpr in points]


def auc_ties(y: np.ndarray, p: np.ndarray) -> dict:
    """M14: ties counted 0 or counted 1."""
    y = np.asarray(y).astype(int)
    p = np.asarray(p, dtype=float)
    pos, neg = p[y == 1], p[y == 0]
    if not len(pos) or not len(neg):
        return {}
    greater = np.sum(pos[:, None] > neg[None, :])
    ties = np.sum(pos[:, None] == neg[None, :])
    pairs = len(pos) * len(neg)
    return {"M14": greater / pairs, "M14#one": (greater + ties) / pairs}


def reliability_variants(y: np.ndarray, p: np.ndarray, n_bins: int) -> dict:
    """M16 (edge in the upper bin) and M17 (edges over [min p, max p], an edge probability
    in either bin). When p spans [0, 1] exactly, M17's bins are the right ones (or M16's):
    it cannot be told apart there and is not offered."""
    y = np.asarray(y, dtype=float)
    p = np.asarray(p, dtype=float)
    inner = np.linspace(0.0, 1.0, n_bins + 1)[1:-1]
    found = {"M16": _bins(y, p, np.searchsorted(inner, p, side="right"), n_bins)}
    low, high = float(p.min()), float(p.max())
    if high > low and (low, high) != (0.0, 1.0):
        spread = np.linspace(low, high, n_bins + 1)[1:-1]
        found["M17"] = _bins(y, p, np.searchsorted(spread, p, side="left"), n_bins)
        found["M17#upper"] = _bins(y, p, np.searchsorted(spread, p, side="right"), n_bins)
    return found


def _bins(y: np.ndarray, p: np.ndarray, ids: np.ndarray, n_bins: int) -> tuple:
    counts = np.bincount(ids, minlength=n_bins)
    filled = counts > 0
    prob_true = np.bincount(ids, weights=y, minlength=n_bins)[filled] / counts[filled]
    prob_pred = np.bincount(ids, weights=p, minlength=n_bins)[filled] / counts[filled]
    return prob_true, prob_pred, counts[filled]


def ece_from_bins(bins: tuple, weighted: bool = True) -> float:
    prob_true, prob_pred, counts = bins
    gaps = np.abs(np.asarray(prob_pred) - np.asarray(prob_true))
    if not weighted:  # M15
        return float(np.mean(gaps))
    return float(np.sum(np.asarray(counts) / np.sum(counts) * gaps))


def cost_swapped(cm: np.ndarray, cost_fn: float, cost_fp: float) -> float:  # M21
    (_, fp), (fn, _) = np.asarray(cm)
    return float(fn * cost_fp + fp * cost_fn)


def lr_bound_variants(bound: float) -> dict:
    """M22: 1/L (half the bound) and L without the 1/4 (a quarter of it)."""
    return {"M22": bound / 2, "M22#no-quarter": bound / 4}
