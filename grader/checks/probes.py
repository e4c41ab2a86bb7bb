"""Blame where the fault is: tiny probe inputs for the learner's functions, in any file.

When a check fails, the function it called last may be right and one it builds on wrong
(fit_logistic on a gradient without 1/n, roc_points on a confusion matrix sized by the
classes present, min_cost_threshold on a wrong expected_cost, label_flip_experiment on a
flip_label that flips in place, scratch_vs_sklearn_gap at a wrong l2_for_C). Each function
the failing one uses, read from the learner's source (same file, or imported from another
exercise file), is called on a tiny input with a known answer; a wrong one takes the
blame, and the check says so instead of giving advice about a formula that may be right.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from grader.checks.dependencies import CORE_MODULE, in_module, learner_functions_used
from grader.checks.framework import CheckFailure, CheckSkipped, Learner, StudentCodeError

_X = np.array([[1.0, 0.5, 2.0], [1.0, -1.0, 0.5], [1.0, 2.0, -0.5], [1.0, 0.0, 1.5]])
_Y = np.array([0, 1, 1, 0])
_W = np.array([0.2, -0.4, 0.3])
_P = np.array([0.2, 0.5, 0.5, 0.7, 0.4, 0.9])  # 0.5 for each class: p >= t at t = 0.5
_PY = np.array([0, 0, 1, 1, 1, 0])

#: logistic_scratch function -> calls (args, kwargs) with a known right answer; one class
#: and 0/0 included.
CORE_PROBES: dict[str, list[tuple[tuple, dict]]] = {
    "add_intercept": [((_X[:, 1:],), {})],
    "sigmoid": [((np.array([-800.0, -2.0, 0.0, 3.0, 800.0]),), {})],
    "log_loss": [((_PY, _P), {})],
    "predict_proba": [((_X, _W), {})],
    "gradient": [((_X, _Y, _W), {}), ((_X, _Y, _W), {"l2": 0.3})],
    "fit_logistic": [((_X, _Y), {"lr": 0.5, "epochs": 3, "l2": 0.1})],
    "predict_with_threshold": [((_P, 0.5), {})],
    "confusion_matrix_at_threshold": [
        ((_PY, _P, 0.5), {}),
        ((np.zeros(6, dtype=int), _P, 0.5), {}),
        ((np.ones(6, dtype=int), _P, 0.5), {}),
    ],
    "precision_recall_f1": [
        ((np.array([[3, 1], [2, 4]]),), {}),
        ((np.array([[6, 0], [0, 0]]),), {}),
    ],
    "roc_points": [((_PY, _P, [0.5, 0.9, 1.01]), {})],
    "roc_auc": [((_PY, _P), {})],
    "reliability_bins": [((_PY, np.array([0.0, 0.2, 0.2, 0.55, 0.8, 1.0])), {"n_bins": 5})],
    "expected_calibration_error": [
        ((_PY, np.array([0.1, 0.2, 0.4, 0.55, 0.8, 0.9])), {"n_bins": 5})
    ],
}

#: "module.function" -> probe calls, for every learner function another one builds on (in
#: its own file or another): the core file's, and the later exercises' helpers.
PROBES: dict[str, list[tuple[tuple, dict]]] = {
    **{f"{CORE_MODULE}.{name}": calls for name, calls in CORE_PROBES.items()},
    "ex3_threshold_sweep.sweep_thresholds": [((_PY, _P, [0.5, 0.9]), {})],
    # Two cost pairs: costs exchanged, or one cost used twice, show on one of them.
    "ex3_threshold_sweep.expected_cost": [
        ((_PY, _P, 0.5), {"cost_fn": 7.0, "cost_fp": 2.0}),
        ((_PY, _P, 0.45), {"cost_fn": 3.0, "cost_fp": 11.0}),
    ],
    "ex5_label_flip.flip_label": [((_PY, 2), {}), ((_PY, 5), {})],
    "ex6_sklearn_match.l2_for_C": [((2.0, 5), {}), ((0.5, 8), {})],
}

#: The words of a probe that found a function writing into its argument (M18 is then its
#: mistake, not the caller's).
IN_PLACE = "changes its input in place"


def probe(learner: Learner, reference: Any, function: str) -> str | None:
    """None when the learner's `function` ("module.name"; a plain name is logistic_scratch's)
    answers its probes right; otherwise how it goes wrong, in a few words. Remembered per
    submission; the probe calls are not counted among the check's own calls."""
    if "." not in function:
        function = f"{CORE_MODULE}.{function}"
    cache = learner.probed
    if function not in cache:
        start, seen, printed = len(learner.calls), len(learner.seen), len(learner.printed)
        try:
            cache[function] = _probe(learner, reference, function)
        finally:  # nor among the inputs the learner has seen (M19): probes are not shown,
            del learner.calls[start:]  # and what they printed is not the check's output
            del learner.seen[seen:]
            del learner.printed[printed:]
    return cache[function]


PROBE_TIMEOUT_S = 2.0  # a probe's inputs are tiny: longer than this is as good as hung


def _probe(learner: Learner, reference: Any, function: str) -> str | None:
    # Tiny inputs: a function still running after a short limit is as good as hung.
    limit = min(PROBE_TIMEOUT_S, learner.call_timeout_s)
    module, _, name = function.rpartition(".")
    for args, kwargs in PROBES.get(function, []):
        first = args[0] if args else None
        one_class = (
            len(args) > 1
            and isinstance(first, np.ndarray)
            and first.ndim == 1
            and len(np.unique(first)) == 1
        )
        where = " on labels of one class" if one_class else " on a small input"
        try:
            got = learner.call(module, name, *args, timeout_s=limit, **kwargs)
        except StudentCodeError as error:
            return f"fails{where} ({error.exception_type or error.kind.value})"
        except CheckFailure:
            return IN_PLACE
        try:
            expected = reference.call(module, name, *args, **kwargs)
        except CheckSkipped:  # a learner's self-check replays only the visible answers
            return None
        verdict = _compare(got, expected)
        if verdict is not None:
            return f"{verdict}{where}"
    return None


def _compare(got: Any, expected: Any) -> str | None:
    if isinstance(expected, tuple) and all(isinstance(e, np.ndarray) for e in expected):
        if not isinstance(got, (list, tuple)) or len(got) != len(expected):
            return "returns the wrong kind of result"
        for part, wanted in zip(got, expected, strict=True):
            found = _compare(part, wanted)
            if found is not None:
                return found
        return None
    try:
        got_array = np.asarray(got, dtype=float)
        expected_array = np.asarray(expected, dtype=float)
    except (TypeError, ValueError):
        return "returns the wrong kind of result"
    if got_array.shape != expected_array.shape:
        return f"returns shape {got_array.shape} instead of {expected_array.shape}"
    if not np.allclose(got_array, expected_array, rtol=1e-6, atol=1e-9):
        return "gives wrong values"
    return None


def dependencies(learner: Learner, module: str, function: str) -> list[str]:
    """The logistic_scratch functions `module.function` uses (transitively, nearest
    first), read from the learner's source (grader/checks/dependencies.py)."""
    return in_module(learner_functions_used(learner.learner_sources, module, function), CORE_MODULE)


def used_functions(learner: Learner, module: str, function: str) -> list[str]:
    """Every learner function ("module.name") `module.function` uses, in any exercise file
    (transitively, nearest first), read from the learner's source."""
    return list(learner_functions_used(learner.learner_sources, module, function) or ())


def faulty_dependencies(
    learner: Learner, reference: Any, module: str, function: str
) -> list[tuple[str, str]]:
    """("module.name", how it goes wrong) for the wrong ones among what `function` uses
    (in its own file or another), only the first in a chain (gradient, not fit_logistic,
    when both are wrong because of it)."""
    used = [name for name in used_functions(learner, module, function) if name in PROBES]
    wrong = {name: why for name in used if (why := probe(learner, reference, name))}
    return [
        (name, why)
        for name, why in wrong.items()
        if not any(inner in wrong for inner in used_functions(learner, *name.split(".", 1)))
    ]


#: The end of a blamed check's message (the words only: later stages read CheckFailure's
#: `blamed`, carried as CheckOutcome.blamed).
BLAMED_AT_RUN = "itself may be right."


def blame_dependencies(check: Callable[..., None]) -> Callable[..., None]:
    """A check that, failing, asks whether the function it called last builds on a wrong
    logistic_scratch function, and then says so instead of its own hint."""

    @functools.wraps(check)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        try:
            check(*args, **kwargs)
        except (CheckFailure, StudentCodeError) as failure:
            learner, reference = kwargs.get("learner"), kwargs.get("reference")
            if learner is None or reference is None or not learner.calls:
                raise
            if isinstance(failure, CheckFailure) and failure.blamed:
                raise  # it names its cause already (a function that never returned)
            module, _, function = learner.calls[-1].partition(".")
            faulty = faulty_dependencies(learner, reference, module, function)
            if not faulty:
                raise
            files = {
                owner: learner.places.module_file(owner)
                for owner in {name.split(".", 1)[0] for name, _ in faulty}
            }
            raise _blamed(failure, module, function, faulty, files) from None

    return wrapper


def _blamed(
    failure: CheckFailure | StudentCodeError,
    module: str,
    function: str,
    faulty: list[tuple[str, str]],
    files: dict[str, str] | None = None,
) -> CheckFailure:
    """The check's failure, its hint replaced by the blame. `faulty`: ("module.name", why);
    `files`: each blamed module's file as the learner has it (a notebook maybe)."""
    files = files or {}
    if isinstance(failure, CheckFailure):
        text = failure.body  # the hint goes: the fix is the blamed function's
        # An error "where 0/0 should give 0" (M11) that a function it uses raised, or
        # caused by returning the wrong shape, is that function's fault, not a 0/0; an
        # input written in place (M18) by a function it uses is that function's mistake.
        crashed = any(not why.startswith("gives wrong values") for _, why in faulty)
        in_place = any(why == IN_PLACE for _, why in faulty)
        tags = tuple(
            t
            for t in failure.misconceptions
            if not (crashed and t == "M11") and not (in_place and t == "M18")
        )
        if in_place and "M18" in failure.misconceptions:
            text = ""  # its whole message was the in-place advice, which is not its own
    else:
        text = failure.learner_message.splitlines()[0] if failure.learner_message else ""
        tags = ()
    short = [name.split(".", 1)[1] for name, _ in faulty]
    names = " and ".join(f"{name}()" for name in short)
    whys = "; ".join(f"{name}() {why}" for name, (_, why) in zip(short, faulty, strict=True))
    owners = list(dict.fromkeys(name.split(".", 1)[0] for name, _ in faulty))
    places = [
        "from this file" if owner == module else f"from {files.get(owner, owner + '.py')}"
        for owner in owners
    ]
    blame = (
        f"{function}() uses your {names} {' and '.join(places)}, which is wrong ({whys}; see "
        f"its own checks): fix {names} first. {function}() {BLAMED_AT_RUN}"
    )
    # The blame is the closing advice (`fix`, CheckOutcome.hint): a report that says one
    # cause once for several checks shows each check's `body` only.
    return CheckFailure(
        f"{text}\n{blame}" if text else blame, tags, fix=blame, body=text, blamed=faulty
    )


def blame_in_module(namespace: dict[str, Any]) -> None:
    """Wrap every check_* function of a check module with blame_dependencies."""
    for name, value in list(namespace.items()):
        if name.startswith("check_") and callable(value):
            namespace[name] = blame_dependencies(value)
