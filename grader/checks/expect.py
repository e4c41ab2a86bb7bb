"""Comparing what the learner's code gave with what the reference expects, in the grading
process: each `expect_*` passes silently or raises CheckFailure with the learner's message
(what was compared, what was expected, what came back, how to fix it) and the ids of the
known wrong variants the result matches. Inside a hidden check (framework.RUNNING_CHECK)
no message shows inputs or expected values, whatever the caller passes as `hidden`.
"""

from __future__ import annotations

import contextlib
import re
from typing import Any

import numpy as np

from grader.checks.framework import RUNNING_CHECK, CheckFailure, CheckSkipped, Learner
from grader.sandbox import FailureKind, StudentCodeError


def _hidden(asked: bool) -> bool:
    return asked or RUNNING_CHECK.get()[1]


def as_array(value: Any, what: str, shape: tuple[int, ...] | None = None) -> np.ndarray:
    """The learner's value as a float array, or a CheckFailure saying why it is not one."""
    if value is Ellipsis:
        raise CheckFailure(f"{what} is still `...`: replace it with your answer.")
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise CheckFailure(
            f"{what} should be a number or an array of numbers, but it is {_describe(value)}."
        ) from None
    if shape is not None and array.shape != shape:
        raise CheckFailure(f"{what} should have shape {shape}, but it has shape {array.shape}.")
    return array


def as_number(value: Any, what: str) -> float:
    array = as_array(value, what)
    if array.size != 1:
        raise CheckFailure(f"{what} should be one number, but it has {array.size} values.")
    return float(array.reshape(()))


def close(actual: Any, expected: Any, *, rtol: float, atol: float | np.ndarray) -> bool:
    """np.allclose(actual, expected, rtol, atol, equal_nan=False) for two float arrays of
    the same shape (False for different shapes), the same answer for every input.

    np.allclose costs about 25 us a call in Python around a few ufuncs (over 100 calls a
    grading): its test, |a - e| <= atol + rtol * |e| masked by isfinite(e), or a == e, is
    done here directly when every expected value is finite and it passes (then the mask
    and the `or` change nothing); anything else (a failure, inf or NaN) asks np.allclose."""
    actual_array = np.asarray(actual, dtype=float)
    expected_array = np.asarray(expected, dtype=float)
    if actual_array.shape != expected_array.shape:
        return False
    # Expected values finite first: then the subtraction cannot be inf - inf (numpy's own
    # test silences that warning; this one never raises it).
    if (
        np.isfinite(expected_array).all()
        and (np.abs(actual_array - expected_array) <= atol + rtol * np.abs(expected_array)).all()
    ):
        return True
    return bool(np.allclose(actual_array, expected_array, rtol=rtol, atol=atol, equal_nan=False))


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def show(value: Any, digits: int = 6) -> str:
    """A short, readable rendering of a number or array for a message."""
    if isinstance(value, np.ndarray) or isinstance(value, (list, tuple)):
        array = np.asarray(value, dtype=float)
        if array.size > 12:
            return f"an array of shape {array.shape}"
        if array.ndim == 0:  # "4518", not "4518." (a sentence's full stop follows)
            return show(float(array), digits)
        # Each number as a number reads ("3", "0.25", not "3." or "0.  "), on one line.
        text = np.array2string(
            array, separator=", ", formatter={"float_kind": lambda v: f"{v:.{digits}g}"}
        )
        return " ".join(text.split())
    if isinstance(value, float):
        return f"{value:.{digits}g}"
    return _describe(value)


def expect_close(
    actual: Any,
    expected: Any,
    *,
    what: str,
    fix: str,
    rtol: float = 1e-6,
    atol: float | np.ndarray = 1e-9,
    hidden: bool = False,
    variants: dict[str, Any] | None = None,
) -> None:
    """Pass when actual matches expected; otherwise fail naming any known wrong variant.

    `atol` may be an array of the expected value's shape: a tolerance per element, from
    that element's conditioning (grader/checks/conditioning.py).

    `variants` maps a misconception id to what that wrong implementation would return on
    the same input: a learner result that matches one is tagged with its id. Hidden checks
    never show inputs or expected values, only the property that failed.
    """
    hidden = _hidden(hidden)
    expected_array = np.asarray(expected, dtype=float)
    actual_array = as_array(actual, what)
    if actual_array.shape != expected_array.shape:
        tags = _matching(actual_array, variants, rtol, atol)
        fix = _fix_unless_hard_coded(fix, tags)
        # A held-out expected shape would tell the size of the held-out data.
        wanted = "not the expected one" if hidden else f"expected {expected_array.shape}"
        raise CheckFailure.joined(
            f"{what}: your result has shape {actual_array.shape}, {wanted}.", tags, fix=fix
        )
    if close(actual_array, expected_array, rtol=rtol, atol=atol):
        return
    tags = _matching(actual_array, variants, rtol, atol)
    if hidden:
        detail = f"your result differs from the expected one (beyond rtol {rtol:g})"
    elif expected_array.size > 12:  # too long to show: where it differs, not "an array"
        detail = _first_difference(actual_array, expected_array, rtol, atol)
    else:
        detail = f"expected {show(expected_array)}, got {show(actual_array)}"
    if not tags:
        fix = what_differs(actual_array, expected_array, rtol, atol, hidden) or fix
    fix = _fix_unless_hard_coded(fix, tags)
    raise CheckFailure.joined(f"{what}: {detail}.", tags, fix=fix)


def _fix_unless_hard_coded(fix: str, tags: tuple[str, ...]) -> str:
    """The advice for a failure whose values match known mistakes: none of the check's
    own, since the check's fixed hint may not apply ("record the loss before each update" to
    a loss that is recorded there but not clipped) and each recognized mistake's box (every
    report, the terminal, the notebook) says its own fix, from the catalog, once. A
    hard-coded answer (M19) gets none either: M19's explanation says what to do."""
    if not tags:
        return fix
    if "M19" in tags:
        return ""
    from grader.checks.misconceptions import CATALOG

    if all(tag in CATALOG for tag in tags):
        return ""  # each recognized mistake's box says its fix: said once, there
    return fix


def what_differs(
    actual: np.ndarray, expected: np.ndarray, rtol: float, atol: Any, hidden: bool
) -> str:
    """What the learner's values show, when they match no known mistake: nan where a
    number is expected, the opposite sign, a constant factor (such as n: a sum for a
    mean), or the right values in another order. "" when none of these fits: then the
    check's own hint is the last resort. Hidden checks say which, never where or how much.
    Shapes must agree (a shape mismatch is reported before)."""
    if actual.shape != expected.shape or actual.size == 0:
        return ""
    bad = ~np.isfinite(actual) & np.isfinite(expected)
    if bad.any():
        first = int(np.flatnonzero(bad.ravel())[0])
        where = "" if hidden else f", first at index {first} (counting from 0)"
        return (
            f"Your result has nan or inf where a finite number is expected{where}: look for "
            "a log of 0, a 0/0 or an overflow there."
        )
    if not np.isfinite(actual).all():
        return ""
    nonzero = np.abs(expected) > 1e-12
    if nonzero.any():
        ratios = actual[nonzero] / expected[nonzero]
        ratio = float(np.median(ratios))
        factor = abs(ratio) > 1e-12 and abs(ratio - 1.0) > 1e-6
        if factor and close(actual, ratio * expected, rtol=rtol, atol=atol):
            if abs(ratio + 1.0) <= 1e-6:
                return "Your result is the expected one with the opposite sign: check the sign."
            size = "" if hidden else f" ({ratio:.6g} times)"
            return (
                f"Your result is a constant multiple of the expected one{size}: look for a "
                "missing or extra factor, such as a sum where a mean (1/n) is asked for."
            )
    if actual.ndim >= 1 and actual.size > 1:
        if close(
            np.sort(actual, axis=None),
            np.sort(expected, axis=None),
            rtol=rtol,
            atol=float(np.min(atol)),
        ):
            return (
                "Your result holds the expected values in another order: keep the order of "
                "the inputs."
            )
    return ""


def _first_difference(actual: np.ndarray, expected: np.ndarray, rtol: float, atol: float) -> str:
    """Where a large array first differs, so the learner knows where to look."""
    differs = ~np.isclose(actual, expected, rtol=rtol, atol=atol)
    index = tuple(int(i) for i in np.argwhere(differs)[0])
    where = index[0] if len(index) == 1 else index
    return (
        f"{int(differs.sum())} of {differs.size} values differ, the first at index {where}: "
        f"expected {show(float(expected[index]))}, got {show(float(actual[index]))}"
    )


def _matching(
    actual: np.ndarray, variants: dict[str, Any] | None, rtol: float, atol: float
) -> tuple[str, ...]:
    tags = []
    for misconception, wrong in (variants or {}).items():
        with contextlib.suppress(TypeError, ValueError, CheckSkipped):
            wrong = _resolve(wrong)
            if wrong is not None and _close_or_both_nan(actual, wrong, rtol=rtol, atol=atol):
                tags.append(misconception)
    return misconception_ids(tags)


def _resolve(wrong: Any) -> Any:
    """A variant's value; a callable is one that is costly to compute, asked for only when
    the check has failed (e.g. the eight-ticket answers of M19)."""
    return wrong() if callable(wrong) else wrong


def _close_or_both_nan(actual: Any, wrong: Any, *, rtol: float, atol: float) -> bool:
    """Like close(), but a nan in a wrong variant matches a nan in the learner's result:
    a variant may say "nan here" (M04, M11), never the expected values."""
    actual_array = np.asarray(actual, dtype=float)
    wrong_array = np.asarray(wrong, dtype=float)
    return actual_array.shape == wrong_array.shape and bool(
        np.allclose(actual_array, wrong_array, rtol=rtol, atol=atol, equal_nan=True)
    )


def misconception_ids(keys: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """ "M10#2" -> "M10", "M06+M07" -> "M06", "M07" (two mistakes made together), without
    repeats, in order."""
    return tuple(dict.fromkeys(part for key in keys for part in key.split("#")[0].split("+")))


def expect_equal(
    actual: Any,
    expected: Any,
    *,
    what: str,
    fix: str,
    hidden: bool = False,
    variants: dict[str, Any] | None = None,
) -> None:
    """Exact comparison for integers, labels and words."""
    hidden = _hidden(hidden)
    expected_array = np.asarray(expected)
    try:
        actual_array = np.asarray(actual)
        same = actual_array.shape == expected_array.shape and bool(
            np.array_equal(actual_array, expected_array)
        )
    except (TypeError, ValueError):
        same = False
    if same:
        return
    tags = misconception_ids(
        [m for m, wrong in (variants or {}).items() if _exactly(actual, _safely(wrong))]
    )
    if hidden:
        detail = "your result differs from the expected one"
    elif expected_array.size > 12 and _same_shape(actual, expected_array):
        got = np.asarray(actual)
        differs = got != expected_array
        index = tuple(int(i) for i in np.argwhere(differs)[0])
        where = index[0] if len(index) == 1 else index
        detail = (
            f"{int(differs.sum())} of {differs.size} values differ, the first at index {where}: "
            f"expected {show(expected_array[index].item())}, got {show(got[index].item())}"
        )
    else:
        detail = f"expected {show(expected)}, got {show(actual)}"
    fix = _fix_unless_hard_coded(fix, tags)
    raise CheckFailure.joined(f"{what}: {detail}.", tags, fix=fix)


def _same_shape(actual: Any, expected: np.ndarray) -> bool:
    try:
        return np.asarray(actual).shape == expected.shape
    except (TypeError, ValueError):
        return False


def _exactly(actual: Any, wrong: Any) -> bool:
    if wrong is None:
        return False
    try:
        return bool(np.array_equal(np.asarray(actual), np.asarray(wrong)))
    except (TypeError, ValueError):
        return False


def _safely(wrong: Any) -> Any:
    try:
        return _resolve(wrong)
    except (TypeError, ValueError, CheckSkipped):
        return None


#: Exceptions that can only mean a division by zero (Python's /, np.seterr(all="raise")).
ZERO_DIVISION_ERRORS = frozenset({"ZeroDivisionError", "FloatingPointError"})


def call_where_zero_division(
    learner: Learner,
    module: str,
    function: str,
    *args: Any,
    what: str,
    fix: str,
    ran_before: bool = False,
    hidden: bool = False,
    **kwargs: Any,
) -> Any:
    """The learner's result on an input where some 0/0 must give 0 (misconception M11).

    An exception there is M11 when it is a division error, or when the same function has
    already returned on an ordinary input in this check (ran_before): then it is the 0/0
    that breaks it. Any other failure is reported as usual.
    """
    hidden = _hidden(hidden)
    try:
        return learner.call(module, function, *args, **kwargs)
    except StudentCodeError as error:
        if error.kind is FailureKind.EXCEPTION and (
            ran_before or error.exception_type in ZERO_DIVISION_ERRORS
        ):
            lines = error.learner_message.splitlines() or [error.exception_type]
            detail = error.exception_type if hidden else lines[0]
            body = f"{what} raised an error where a 0/0 should give 0.0 ({detail})."
            raise CheckFailure(f"{body} {fix}", ("M11",), fix=fix, body=body) from None
        raise


def normalized_word(value: Any) -> str | None:
    """A quiz letter or a word, read case-insensitively with spaces ignored."""
    if not isinstance(value, str):
        return None
    return re.sub(r"\s+", "", value).lower()


def expect_one_of(
    got: Any, thresholds: list, what: str, hidden: bool = False, scores: list | None = None
) -> float:
    """The learner's threshold as a number, or a failure when it is none of `thresholds`,
    with advice chosen from the value: one of `scores` (the F1 values, say) returned in
    place of the threshold; a made-up start (0, -1) that the search never left (a search
    that starts from best_t = 0, say); any other number, from a search between the
    thresholds (a numerical optimizer) instead of over them."""
    hidden = _hidden(hidden)
    value = as_number(got, what)
    if any(value == float(t) for t in thresholds):
        return value
    given = "the thresholds you were given" if hidden else f"the thresholds {thresholds}"
    head = f"{what} returned {value:g}, which is not one of {given}."
    if scores is not None and any(np.isclose(value, float(s), rtol=1e-9) for s in scores):
        advice = "That is a score, not a threshold: return the threshold that reached it."
    elif value in (0.0, -1.0, 1.0):
        advice = (
            "Start the search from the first threshold (or from an F1 below any real one, "
            "such as -1), not from a made-up threshold such as 0."
        )
    else:
        advice = (
            "Choose among the thresholds you are given: compute the F1 at each, in order, and "
            "keep the first with the highest F1 (a search between them, such as a numerical "
            "optimizer, returns values that are not on the list)."
        )
    raise CheckFailure(f"{head} {advice}")


def zero_division_nan(expected: object, got: object) -> np.ndarray | None:
    """M11: the expected values with nan wherever the learner has nan and 0.0 is expected
    (a 0/0 left unguarded); None when the learner's result has no nan or another shape."""
    try:
        expected_array = np.asarray(expected, dtype=float)
        got_array = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return None
    if got_array.shape != expected_array.shape:
        return None
    unguarded = np.isnan(got_array) & (expected_array == 0.0)
    if not unguarded.any():
        return None
    return np.where(unguarded, np.nan, expected_array)
