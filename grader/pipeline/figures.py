"""Stage "figures": the series the HTML report plots, from the learner's code and the reference.

Runs right after the checks, with the same Learner proxy (the submission's worker is still
alive), on data the learner has: the shipped ticket queue and the eight tickets; never on
held-out data. Each learner series may be missing (a missing function, an exception, a
timeout, a wrong shape, NaN): it is then left out with a note, and the plot shows the
reference alone. Nothing here raises for anything the submission does.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from grader.chapter import TROUBLESOME_LR
from grader.checks.framework import CheckFailure, Learner, Reference
from grader.results import FeedbackFigures, Figure, FigureKind, Series
from grader.sandbox import FailureKind, StudentCodeError
from grader.tickets import TicketData

SCRATCH = "logistic_scratch"
QUEUE_LABEL = "ticket queue"  # the label of the queue's series
LEARNING_RATE = "ex2_learning_rate"

# The model whose probabilities on the queue both sides score: fitted by the reference,
# with a step below the queue's 2/L (about 0.32), long enough to settle.
QUEUE_LR = 0.25
QUEUE_EPOCHS = 2000
ROC_THRESHOLDS = [round(t, 2) for t in np.linspace(0.0, 1.0, 101)]
RELIABILITY_BINS = 10
LOSS_EPOCHS = 200
LOSS_RATES = (TROUBLESOME_LR, 0.2)  # the chapter's troublesome step, one just below 2/L (0.228)
# Per learner call; the checks have already had the full limit. After one timeout the
# stage stops asking the learner, so a hanging submission costs at most this much more.
CALL_TIMEOUT_S = 3.0


class _Absent(Exception):
    """A series that cannot be plotted; the message is the learner-facing note."""


@dataclass
class FigureCollector:
    """Called by run_checks with the learner while the worker is alive; keeps the result.

    A bug here must not cost the learner anything: it leaves the figures empty and keeps
    the detail for the instructor in `problems`.
    """

    reference: Reference
    tickets: TicketData
    figures: FeedbackFigures = field(default_factory=FeedbackFigures)
    problems: list[str] = field(default_factory=list)

    def __call__(self, learner: Learner) -> None:
        try:
            self.figures = collect_figures(learner, self.reference, self.tickets)
        except Exception:
            self.problems.append("figures: " + traceback.format_exc()[-4000:])


def collect_figures(learner: Learner, reference: Reference, tickets: TicketData) -> FeedbackFigures:
    ask = _LearnerSide(learner)
    figures: list[Figure] = []
    y = np.asarray(tickets.queue_y)
    p = _queue_probabilities(reference, tickets)
    if p is not None:
        figures.append(_roc(ask, reference, y, p))
        figures.append(_reliability(ask, reference, y, p))
    figures.append(_loss(ask, reference, tickets))
    return FeedbackFigures(tuple(figure for figure in figures if figure.series))


# --- the three figures --------------------------------------------------------------------


def _queue_probabilities(reference: Reference, tickets: TicketData) -> np.ndarray | None:
    try:
        X = tickets.queue_X
        w = reference.call(
            SCRATCH, "fit_logistic", X, tickets.queue_y, lr=QUEUE_LR, epochs=QUEUE_EPOCHS
        )
        p = np.asarray(reference.call(SCRATCH, "predict_proba", X, w), dtype=float)
    except Exception:  # no reference here (an old learner bundle): no queue plots
        return None
    return p if p.shape == (len(tickets.queue_y),) and np.all(np.isfinite(p)) else None


def _roc(ask: _LearnerSide, reference: Reference, y: np.ndarray, p: np.ndarray) -> Figure:
    thresholds = list(ROC_THRESHOLDS)
    args = (y, p, thresholds)

    def parse(value: Any) -> tuple[np.ndarray, np.ndarray]:
        points = _numbers(value, (len(thresholds), 2), "roc_points()", unit_interval=True)
        return points[:, 0], points[:, 1]

    def auc(source: Callable[..., Any]) -> float | None:
        return _summary(lambda: source(SCRATCH, "roc_auc", y, p), unit_interval=True)

    series, notes = [], []
    try:
        fpr, tpr = parse(reference.call(SCRATCH, "roc_points", *args))
        series.append(_series(False, QUEUE_LABEL, fpr, tpr, auc(reference.call)))
    except Exception:
        notes.append(REFERENCE_MISSING)
    try:
        fpr, tpr = parse(ask.call(SCRATCH, "roc_points", *args))
        series.append(_series(True, QUEUE_LABEL, fpr, tpr, auc(ask.call)))
    except _Absent as absent:
        notes.append(f"Your ROC curve is not shown: {absent}")
    return Figure(FigureKind.ROC, tuple(series), tuple(notes))


def _reliability(ask: _LearnerSide, reference: Reference, y: np.ndarray, p: np.ndarray) -> Figure:
    def parse(value: Any) -> tuple[np.ndarray, np.ndarray]:
        if not isinstance(value, (list, tuple)) or len(value) != 3:
            raise _Absent("reliability_bins() did not return (prob_true, prob_pred, counts).")
        what = "reliability_bins()"
        prob_true = _numbers(value[0], None, f"{what}[0]", unit_interval=True)
        prob_pred = _numbers(value[1], prob_true.shape, f"{what}[1]", unit_interval=True)
        if prob_true.ndim != 1 or not 1 <= prob_true.size <= RELIABILITY_BINS:
            raise _Absent(f"reliability_bins() returned {prob_true.size} bins, not 1 to 10.")
        return prob_pred, prob_true

    def ece(source: Callable[..., Any]) -> float | None:
        return _summary(
            lambda: source(SCRATCH, "expected_calibration_error", y, p, n_bins=RELIABILITY_BINS),
            unit_interval=True,
        )

    series, notes = [], []
    try:
        x, frequency = parse(
            reference.call(SCRATCH, "reliability_bins", y, p, n_bins=RELIABILITY_BINS)
        )
        series.append(_series(False, QUEUE_LABEL, x, frequency, ece(reference.call)))
    except Exception:
        notes.append(REFERENCE_MISSING)
    try:
        x, frequency = parse(ask.call(SCRATCH, "reliability_bins", y, p, n_bins=RELIABILITY_BINS))
        series.append(_series(True, QUEUE_LABEL, x, frequency, ece(ask.call)))
    except _Absent as absent:
        notes.append(f"Your reliability diagram is not shown: {absent}")
    return Figure(FigureKind.RELIABILITY, tuple(series), tuple(notes))


def _loss(ask: _LearnerSide, reference: Reference, tickets: TicketData) -> Figure:
    X, y = tickets.eight_X, tickets.eight_y
    steps = np.arange(LOSS_EPOCHS, dtype=float)
    series: list[Series] = []
    notes: list[str] = []
    shape, what = (LOSS_EPOCHS,), "loss_history()"
    try:
        bound: float | None = float(reference.call(LEARNING_RATE, "stable_lr_bound", X))
    except Exception:
        bound = None
    for lr in LOSS_RATES:
        label = f"lr = {lr:.1f}"
        try:
            history = reference.call(LEARNING_RATE, "loss_history", X, y, lr, LOSS_EPOCHS)
            series.append(_series(False, label, steps, _numbers(history, shape, what)))
        except Exception:
            notes.append(f"{REFERENCE_MISSING[:-1]} at {label}.")
        try:
            history = ask.call(LEARNING_RATE, "loss_history", X, y, lr, LOSS_EPOCHS)
            series.append(_series(True, label, steps, _numbers(history, shape, what)))
        except _Absent as absent:
            notes.append(f"Your loss curve at {label} is not shown: {absent}")
    return Figure(FigureKind.LOSS, tuple(series), tuple(notes), lr_bound=bound)


REFERENCE_MISSING = "The reference's curve is not available here."


# --- asking the learner ---------------------------------------------------------------------


class _LearnerSide:
    """The learner's functions, each failure turned into _Absent with a note."""

    def __init__(self, learner: Learner) -> None:
        self.learner = learner
        self.timeout_s = min(learner.call_timeout_s, CALL_TIMEOUT_S)
        self.gave_up = False

    def call(self, module: str, function: str, *args: Any, **kwargs: Any) -> Any:
        if self.gave_up:
            raise _Absent(f"{function}() was not asked: an earlier call ran out of time.")
        try:
            return self.learner.call(module, function, *args, timeout_s=self.timeout_s, **kwargs)
        except StudentCodeError as error:
            if error.kind.exhausts_limit:
                self.gave_up = True
            raise _Absent(f"{function}() {_why(error)}.") from None
        except CheckFailure:
            raise _Absent(f"{function}() changed its input in place.") from None


def _why(error: StudentCodeError) -> str:
    if error.kind is FailureKind.EXCEPTION and error.exception_type == "NotImplementedError":
        return "is not written yet"
    return error.kind.in_short


# --- checking what came back ----------------------------------------------------------------


def _numbers(
    value: Any, shape: tuple[int, ...] | None, what: str, unit_interval: bool = False
) -> np.ndarray:
    """Plain finite floats of the expected shape, or _Absent saying what is wrong."""
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError, OverflowError):
        raise _Absent(f"{what} did not return numbers.") from None
    if shape is not None and array.shape != shape:
        raise _Absent(f"{what} returned shape {array.shape}, not {shape}.")
    if not np.all(np.isfinite(array)):
        raise _Absent(f"{what} returned NaN or infinite values.")
    if unit_interval and (np.any(array < -1e-9) or np.any(array > 1 + 1e-9)):
        raise _Absent(f"{what} returned values outside [0, 1].")
    return array


def _summary(compute: Callable[[], Any], unit_interval: bool) -> float | None:
    """One number (an AUC, an ECE), or None when it cannot be had."""
    try:
        return float(_numbers(compute(), (), "", unit_interval))
    except Exception:
        return None


def _series(
    from_learner: bool, label: str, x: np.ndarray, y: np.ndarray, summary: float | None = None
) -> Series:
    return Series(
        from_learner=from_learner,
        label=label,
        x=tuple(float(v) for v in np.ravel(x)),
        y=tuple(float(v) for v in np.ravel(y)),
        summary=summary,
    )


__all__ = ["FigureCollector", "collect_figures"]
