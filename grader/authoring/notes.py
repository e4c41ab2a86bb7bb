"""The chapter notes (docs/chapter-notes.md): every number computed from the solutions.

The page checks the chapter "Logistic Regression and Metrics" against its own data and
describes the ticket queue the kit ships. Nothing in it is typed by hand: `chapter_facts`
runs the reference solutions on the shipped data, and the Jinja2 template
templates/chapter-notes.md.j2 formats the results with fixed decimals, so the same kit
always renders the same page and `python -m grader build --check` can compare it.
"""

from __future__ import annotations

import importlib
import math
import sys
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
from jinja2 import Environment
from sklearn.linear_model import LogisticRegression

from grader import datasets
from grader.chapter import (
    CHAPTER_BINS,
    CHAPTER_EPOCHS,
    CHAPTER_LR,
    CHAPTER_THRESHOLDS,
    COST_FN,
    COST_FP,
    FLIPPED_TICKET,
    TROUBLESOME_LR,
)
from grader.paths import KitPaths
from grader.render.view_model import template_environment

TEMPLATES = Path(__file__).with_name("templates")
TEMPLATE = "chapter-notes.md.j2"

#: The solution modules the page runs, imported by their learner names.
SOLUTION_MODULES = (
    "tickets",
    "logistic_scratch",
    "ex2_learning_rate",
    "ex3_threshold_sweep",
    "ex5_label_flip",
    "ex6_sklearn_match",
)

#: The page's own choices (the chapter's settings are grader/chapter.py's).
LEARNING_RATES = (0.2, 0.5, CHAPTER_LR, TROUBLESOME_LR)
FIRST_STEPS = 10
LR_2_EPOCHS_SHOWN = (100, 500, 1000, 1999)
GROWTH_EPOCHS = (500, 2000, 8000, 32000)
QUEUE_THRESHOLDS = tuple(float(t) for t in np.round(np.arange(0.05, 0.96, 0.05), 2))
QUEUE_BINS = 10
#: Gradient descent on the queue: lr = 1/L (half the bound 2/L) converges without
#: standardizing the features; this many epochs bring it to scikit-learn's optimum.
QUEUE_EPOCHS = 20_000


@contextmanager
def _imported_solutions(folder: Path) -> Iterator[SimpleNamespace]:
    """The solution modules, imported from `folder`; sys.path and sys.modules restored after.

    The solutions import each other by bare name (`from logistic_scratch import ...`), so
    any module already loaded under one of those names is set aside while they load.
    """
    saved = {name: sys.modules.pop(name) for name in SOLUTION_MODULES if name in sys.modules}
    entry = str(folder)
    sys.path.insert(0, entry)
    importlib.invalidate_caches()
    try:
        yield SimpleNamespace(**{name: importlib.import_module(name) for name in SOLUTION_MODULES})
    finally:
        sys.path.pop(sys.path.index(entry))
        for name in SOLUTION_MODULES:
            sys.modules.pop(name, None)
        sys.modules.update(saved)


def _unpenalized_sklearn(X_raw: np.ndarray, y: np.ndarray, **options: Any) -> np.ndarray:
    """[intercept, coef...] of LogisticRegression(C=np.inf) with the given options."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning on separable data
        model = LogisticRegression(C=np.inf, **options).fit(X_raw, y)
    return np.concatenate([model.intercept_, model.coef_.ravel()])


def _separating_features(X_raw: np.ndarray, y: np.ndarray) -> list[dict[str, Any]]:
    """Each feature whose values alone split the classes: every negative below every positive."""
    found = []
    for index, name in enumerate(("length", "frustration")):
        neg_max = float(X_raw[y == 0, index].max())
        pos_min = float(X_raw[y == 1, index].min())
        if neg_max < pos_min:
            found.append({"name": name, "neg_max": neg_max, "pos_min": pos_min})
    return found


def _reliability_table(
    sol: SimpleNamespace, y: np.ndarray, p: np.ndarray, n_bins: int
) -> dict[str, Any]:
    """Every bin (empty ones too) with its count, mean p, fraction escalated and gap."""
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    bin_ids = np.searchsorted(edges[1:-1], p, side="left")  # on an edge -> lower bin
    rows = []
    for b in range(n_bins):
        members = bin_ids == b
        count = int(members.sum())
        row: dict[str, Any] = {"low": edges[b], "high": edges[b + 1], "count": count}
        if count:
            row.update(mean_p=float(p[members].mean()), frac=float(y[members].mean()))
            row["gap"] = abs(row["mean_p"] - row["frac"])
        rows.append(row)
    ece = sol.logistic_scratch.expected_calibration_error(y, p, n_bins)
    return {"n_bins": n_bins, "rows": rows, "ece": ece}


def _threshold_rows(
    sol: SimpleNamespace, y: np.ndarray, p: np.ndarray, thresholds: Sequence[float]
) -> list[dict[str, Any]]:
    ls, ex3 = sol.logistic_scratch, sol.ex3_threshold_sweep
    rows = []
    for t in thresholds:
        (tn, fp), (fn, tp) = ls.confusion_matrix_at_threshold(y, p, t)
        precision, recall, f1 = ls.precision_recall_f1([[tn, fp], [fn, tp]])
        rows.append(
            {
                "t": float(t),
                "tp": int(tp),
                "fp": int(fp),
                "fn": int(fn),
                "tn": int(tn),
                "precision": precision,
                "recall": recall,
                "f1": f1,
                "cost": ex3.expected_cost(y, p, t, COST_FN, COST_FP),
            }
        )
    return rows


def _eight_ticket_facts(sol: SimpleNamespace) -> dict[str, Any]:
    ls, ex2 = sol.logistic_scratch, sol.ex2_learning_rate
    ex5, ex6 = sol.ex5_label_flip, sol.ex6_sklearn_match
    X_raw, y = sol.tickets.load_eight_tickets()
    X = ls.add_intercept(X_raw)
    n = len(y)
    sums = X_raw.sum(axis=1)
    tickets = [
        {
            "id": f"T{i + 1}",
            "length": X_raw[i, 0],
            "frustration": X_raw[i, 1],
            "sum": sums[i],
            "y": int(y[i]),
        }
        for i in range(n)
    ]

    w = ls.fit_logistic(X, y, lr=CHAPTER_LR, epochs=CHAPTER_EPOCHS)
    p = ls.predict_proba(X, w)
    for ticket, prob in zip(tickets, p, strict=True):
        ticket["p"] = float(prob)
    chapter_rows = _threshold_rows(sol, y, p, CHAPTER_THRESHOLDS)
    n_pos = int(y.sum())
    # One descent run with snapshots: the same steps fit_logistic takes, without refitting.
    growth = []
    w_e = np.zeros(X.shape[1])
    for epoch in range(1, max(GROWTH_EPOCHS) + 1):
        w_e = w_e - CHAPTER_LR * ls.gradient(X, y, w_e)
        if epoch in GROWTH_EPOCHS:
            growth.append(
                {
                    "epochs": epoch,
                    "w": w_e,
                    "norm": float(np.linalg.norm(w_e)),
                    "loss": ls.log_loss(y, ls.predict_proba(X, w_e)),
                }
            )

    histories = {lr: ex2.loss_history(X, y, lr, CHAPTER_EPOCHS) for lr in LEARNING_RATES}
    h2 = histories[2.0]
    rises = np.nonzero(np.diff(h2) > 1e-12)[0] + 1  # epochs whose loss exceeds the one before
    lr_rows = []
    for lr, h in histories.items():
        rising = np.nonzero(np.diff(h) > 1e-12)[0] + 1
        lr_rows.append(
            {
                "lr": lr,
                "first": h[:FIRST_STEPS],
                "word": ex2.classify_run(h),
                "max": float(h.max()),
                "argmax": int(h.argmax()),
                "last": float(h[-1]),
                "first_rise": int(rising[0]) if len(rising) else None,
            }
        )

    C = 1.0
    flip = ex5.label_flip_experiment(
        X, y, index=FLIPPED_TICKET, lr=CHAPTER_LR, epochs=CHAPTER_EPOCHS, n_bins=CHAPTER_BINS
    )
    y_flipped = ex5.flip_label(y, 7)
    return {
        "n": n,
        "tickets": tickets,
        "neg_sum_max": float(sums[y == 0].max()),
        "pos_sum_min": float(sums[y == 1].min()),
        "separating_features": _separating_features(X_raw, y),
        "chapter_w": w,
        "p_min": float(p.min()),
        "p_max": float(p.max()),
        "p_in_open_01_09": bool(np.all((p > 0.1) & (p < 0.9))),
        "thresholds": chapter_rows,
        "thresholds_identical": all(
            (r["tp"], r["fp"], r["fn"], r["tn"]) == (n_pos, 0, 0, n - n_pos) for r in chapter_rows
        ),
        "auc": ls.roc_auc(y, p),
        "reliability": _reliability_table(sol, y, p, CHAPTER_BINS),
        "growth": growth,
        "sklearn_inf_default": _unpenalized_sklearn(X_raw, y),
        "sklearn_inf_tight": _unpenalized_sklearn(X_raw, y, tol=1e-12, max_iter=100_000),
        "L": 2.0 / ex2.stable_lr_bound(X),
        "bound": ex2.stable_lr_bound(X),
        "lr_rows": lr_rows,
        "lr2": {
            "first": h2[:FIRST_STEPS],
            "max": float(h2.max()),
            "argmax": int(h2.argmax()),
            "at": [{"epoch": e, "loss": float(h2[e])} for e in LR_2_EPOCHS_SHOWN],
            "n_rises": len(rises),
            "last_rise": int(rises.max()) if len(rises) else None,
            "word": ex2.classify_run(h2),
        },
        "l2": {
            "C": C,
            "l2": ex6.l2_for_C(C, n),
            "w_sklearn": ex6.sklearn_weights(X_raw, y, C),
            "gap": ex6.scratch_vs_sklearn_gap(X_raw, y, C),
        },
        "flip": {
            **flip,
            "separating_features": _separating_features(X_raw, y_flipped),
            "sum_separable": bool(sums[y_flipped == 0].max() < sums[y_flipped == 1].min()),
        },
    }


def _queue_facts(sol: SimpleNamespace) -> dict[str, Any]:
    ls, ex2, ex3 = sol.logistic_scratch, sol.ex2_learning_rate, sol.ex3_threshold_sweep
    X_raw, y = sol.tickets.load_ticket_queue()
    X = ls.add_intercept(X_raw)
    n = len(y)
    bound = ex2.stable_lr_bound(X)
    lr = bound / 2.0
    w = ls.fit_logistic(X, y, lr=lr, epochs=QUEUE_EPOCHS)
    p = ls.predict_proba(X, w)
    w_sklearn = _unpenalized_sklearn(X_raw, y, tol=1e-12, max_iter=100_000)
    best_f1_t = ex3.best_f1_threshold(y, p, QUEUE_THRESHOLDS)
    min_cost_t, min_cost = ex3.min_cost_threshold(y, p, QUEUE_THRESHOLDS, COST_FN, COST_FP)
    rows = _threshold_rows(sol, y, p, QUEUE_THRESHOLDS)
    by_t = {row["t"]: row for row in rows}
    features = []
    for index, name in enumerate(("length", "frustration")):
        column = X_raw[:, index]
        features.append(
            {
                "name": name,
                "min": float(column.min()),
                "max": float(column.max()),
                "mean_calm": float(column[y == 0].mean()),
                "mean_escalated": float(column[y == 1].mean()),
            }
        )
    return {
        "n": n,
        "positives": int(y.sum()),
        "prevalence": float(y.mean()),
        "features": features,
        "separating_features": _separating_features(X_raw, y),
        "bound": bound,
        "lr": lr,
        "epochs": QUEUE_EPOCHS,
        "w": w,
        "loss": ls.log_loss(y, p),
        "grad_norm": float(np.linalg.norm(ls.gradient(X, y, w))),
        "w_sklearn": w_sklearn,
        "sklearn_gap": float(np.max(np.abs(w - w_sklearn))),
        "auc": ls.roc_auc(y, p),
        "p_min": float(p.min()),
        "p_max": float(p.max()),
        "mean_p": float(p.mean()),
        "thresholds": rows,
        "best_f1": by_t[best_f1_t],
        "min_cost": by_t[min_cost_t],
        "min_cost_value": min_cost,
        "at_half": by_t[0.5],
        "bayes_threshold": COST_FP / (COST_FP + COST_FN),
        "reliability": _reliability_table(sol, y, p, QUEUE_BINS),
        "ece_5": ls.expected_calibration_error(y, p, 5),
    }


def chapter_facts(kit: KitPaths) -> dict[str, Any]:
    """Every number of the chapter notes, computed by the solutions on the shipped data."""
    with _imported_solutions(kit.solutions) as sol:
        return {
            "eight": _eight_ticket_facts(sol),
            "queue": _queue_facts(sol),
            "generator": {
                "seed": datasets.QUEUE_SEED,
                "size": datasets.QUEUE_SIZE,
                "intercept": datasets.QUEUE_INTERCEPT,
                "weights": datasets.QUEUE_WEIGHTS,
                "noise": datasets.LOGIT_NOISE,
            },
            "settings": {
                "lr": CHAPTER_LR,
                "epochs": CHAPTER_EPOCHS,
                "bins": CHAPTER_BINS,
                "cost_fn": COST_FN,
                "cost_fp": COST_FP,
                "queue_thresholds": QUEUE_THRESHOLDS,
            },
        }


# --- Formatting: fixed decimals, never "-0.00" ------------------------------------------


def fixed(value: float, decimals: int = 4) -> str:
    """`value` with exactly `decimals` decimals; a value that rounds to zero loses its sign."""
    text = f"{float(value):.{decimals}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def vector(values: Sequence[float], decimals: int = 4) -> str:
    """[a, b, c] with fixed decimals."""
    return "[" + ", ".join(fixed(v, decimals) for v in values) + "]"


def scientific(value: float, digits: int = 1) -> str:
    """3.1e-06 style."""
    return f"{float(value):.{digits}e}"


#: Bounds for tiny gaps, three decades apart: a gap prints as the smallest bound above it,
#: so last-digit differences between platforms or library versions do not change the page.
GAP_BOUNDS = (1e-12, 1e-9, 1e-6, 1e-3)


def gap_bound(value: float) -> str:
    """The smallest of GAP_BOUNDS above `value`, as 1e-9 (the value itself when none is)."""
    for bound in GAP_BOUNDS:
        if abs(value) < bound:
            return f"1e{round(math.log10(bound))}"
    return fixed(value, 4)


def percent(value: float, decimals: int = 1) -> str:
    return f"{fixed(100.0 * value, decimals)} %"


def _environment() -> Environment:
    env = template_environment(TEMPLATES, autoescape=False)
    env.filters.update(f=fixed, vec=vector, sci=scientific, below=gap_bound, pct=percent)
    return env


def render_chapter_notes(kit: KitPaths, learner: bool = False) -> str:
    """The Markdown of docs/chapter-notes.md for this kit (deterministic for a given kit).
    `learner`: the learners' bundle's version, without what the answer checks expect (the
    hand-worked ECE, the word for lr = 2.0, separability, the quiz's cost question)."""
    text = _environment().get_template(TEMPLATE).render(**chapter_facts(kit), learner=learner)
    return text.replace("\r\n", "\n")


__all__ = ["chapter_facts", "render_chapter_notes"]
