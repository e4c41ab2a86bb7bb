"""The learners' bundle knows no wrong implementations.

The kit's grader/checks/variants.py computes known mistakes from code close to the
solutions, so `release` ships this file in its place: every function says "no variant",
and the self-check names no misconception. Graded submissions still get them.
"""

from __future__ import annotations

from typing import Any


def _none(*args: Any, **kwargs: Any) -> None:
    return None


def _empty(*args: Any, **kwargs: Any) -> dict:
    return {}


sigmoid_sign_flipped = log_loss_summed = threshold_strict = f1_arithmetic = _none
roc_swapped = ece_from_bins = cost_swapped = zero_division_nan = _none
gradient_variants = confusion_variants = auc_ties = reliability_variants = _empty
lr_bound_variants = _empty
strict_confusion = roc_strict = sweep_strict = best_f1_strict = cost_strict = _none
min_cost_strict = _none
