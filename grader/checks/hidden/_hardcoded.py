"""Answers hard-coded for the data the learner has seen (misconception M19).

A hidden check that fails compares the learner's held-out result with what the reference
returns on the visible checks' own inputs: the chapter's eight tickets, the shipped ticket
queue and the small fixed arrays of grader/checks/visible/. A match means the function gave
back one of those answers whatever it was given. This never fires on a correct function:
its held-out result is the held-out answer, and then the check has passed. Outputs from a
handful of values (words, a threshold from a short list) are left out, where a wrong
result could match by chance. The answers are callables, computed only when a check fails.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np

from grader.checks.visible import ex2_learning_rate as visible_ex2
from grader.checks.visible import ex3_threshold_sweep as visible_ex3
from grader.checks.visible import ex5_label_flip as visible_ex5
from grader.checks.visible import ex6_sklearn_match as visible_ex6
from grader.checks.visible import logistic_scratch as visible_core

M19 = "M19"
Call = tuple[tuple, dict]


def answers(
    reference: Any,
    tickets: Any,
    module: str,
    function: str,
    pick: Callable[[Any], Any] | None = None,
) -> dict[str, Callable[[], Any]]:
    """Variants "M19#k": the reference's answers to the visible checks' calls of
    module.function, each passed through `pick` (a part of a tuple or dict) if given."""
    calls = _visible_calls(reference, tickets).get((module, function), [])
    return {
        f"{M19}#{index}": partial(_answer, reference, module, function, call, pick)
        for index, call in enumerate(calls)
    }


def _answer(
    reference: Any,
    module: str,
    function: str,
    call: Callable[[], Call],
    pick: Callable[[Any], Any] | None,
) -> Any:
    args, kwargs = call()
    value = reference.call(module, function, *args, **kwargs)
    return pick(value) if pick is not None else value


def _visible_calls(reference: Any, tickets: Any) -> dict[tuple[str, str], list[Callable[[], Call]]]:
    """The visible checks' calls, as (args, kwargs) makers (the queue's are computed)."""
    core, ex2, ex3 = visible_core, visible_ex2, visible_ex3
    X, X_raw, y = tickets.eight_X, tickets.eight_X_raw, tickets.eight_y

    def fixed(*args: Any, **kwargs: Any) -> Callable[[], Call]:
        return lambda: (args, kwargs)

    def on_queue(*rest: Any, **kwargs: Any) -> Callable[[], Call]:
        def make() -> Call:
            queue_y, queue_p = ex3._queue_probabilities(reference, tickets)
            return (queue_y, queue_p, *rest), kwargs

        return make

    fits = [fixed(X, y, lr=core.STABLE_LR, epochs=e) for e in core.STABLE_EPOCHS if e]
    fits.append(fixed(X, y, lr=core.CHAPTER_LR, epochs=core.CHAPTER_EPOCHS))
    return {
        ("logistic_scratch", "add_intercept"): [fixed(X_raw)],
        ("logistic_scratch", "predict_proba"): [fixed(X, core.PREDICT_W)],
        ("logistic_scratch", "log_loss"): [fixed(y, core.LOG_LOSS_P)],
        ("logistic_scratch", "gradient"): [
            fixed(X, y, core.GRADIENT_W),
            fixed(X, y, core.GRADIENT_L2_W, l2=core.GRADIENT_L2),
            fixed(X, y, np.zeros(X.shape[1])),  # the chapter's first batch gradient
        ],
        ("logistic_scratch", "fit_logistic"): fits,
        ("logistic_scratch", "confusion_matrix_at_threshold"): [
            fixed(y, core.CONFUSION_P, core.CONFUSION_T)
        ],
        ("logistic_scratch", "precision_recall_f1"): [fixed(core.PRF_CM)],
        ("logistic_scratch", "roc_points"): [fixed(y, core.ROC_P, core.ROC_THRESHOLDS)],
        ("logistic_scratch", "roc_auc"): [fixed(core.AUC_Y, core.AUC_P)],
        ("logistic_scratch", "reliability_bins"): [fixed(core.BINS_Y, core.BINS_P, n_bins=5)],
        ("logistic_scratch", "expected_calibration_error"): [
            fixed(core.ECE_Y, core.ECE_P, n_bins=4)
        ],
        ("ex2_learning_rate", "loss_history"): [
            fixed(X, y, lr, epochs, l2=l2) for lr, epochs, l2 in ex2.HISTORY_RUNS
        ],
        ("ex2_learning_rate", "stable_lr_bound"): [fixed(X)],
        ("ex3_threshold_sweep", "sweep_thresholds"): [on_queue(ex3.THRESHOLDS)],
        ("ex3_threshold_sweep", "expected_cost"): [
            on_queue(ex3.COST_T, cost_fn=cost_fn, cost_fp=cost_fp) for cost_fn, cost_fp in ex3.COSTS
        ],
        ("ex3_threshold_sweep", "min_cost_threshold"): [on_queue(ex3.THRESHOLDS)],
        ("ex5_label_flip", "flip_label"): [fixed(y, 7), fixed(y, 0)],
        ("ex5_label_flip", "label_flip_experiment"): [fixed(X, y, **visible_ex5.EXPERIMENT_KWARGS)],
        ("ex6_sklearn_match", "sklearn_weights"): [
            fixed(X_raw, y, C=C) for C in visible_ex6.WEIGHTS_C
        ],
        ("ex6_sklearn_match", "l2_for_C"): [fixed(C, n) for C, n in visible_ex6.L2_FOR_C_CASES],
    }
