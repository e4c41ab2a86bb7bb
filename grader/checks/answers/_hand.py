"""Shared rules for answers worked by hand: within 2e-3, never showing the answer."""

from __future__ import annotations

from typing import Any

import numpy as np

from grader.checks.expect import as_array, misconception_ids
from grader.checks.framework import CheckFailure

HAND_TOLERANCE = 2e-3


def expect_hand_number(
    got: Any,
    expected: Any,
    *,
    name: str,
    hint: str,
    variants: dict[str, Any] | None = None,
    learner: Any = None,
) -> None:
    """Pass when every number is within 2e-3; the message gives a hint, not the answer.
    With `learner`, the value given is kept as the check's answer ("NAME = value") first,
    so the class views can count the common wrong values."""
    if learner is not None:
        learner.record_answer(f"{name} = {answer_text(got)}")
    expected_array = np.asarray(expected, dtype=float)
    if isinstance(got, dict) or (isinstance(got, list) and Ellipsis in got):
        raise CheckFailure(f"{name} still holds `...`: replace each with a number.")
    got_array = as_array(got, name)
    # A variant may have another shape than the answer (M01: no intercept entry).
    tags = [
        key
        for key, wrong in (variants or {}).items()
        if np.shape(wrong) == got_array.shape
        and np.allclose(got_array, np.asarray(wrong, dtype=float), atol=HAND_TOLERANCE, rtol=0)
    ]
    if got_array.shape != expected_array.shape:
        raise CheckFailure(
            f"{name} should be {_shape_words(expected_array)}, but it is "
            f"{_shape_words(got_array)}. {hint}",
            misconception_ids(tags),
        )
    off = np.abs(got_array - expected_array) > HAND_TOLERANCE
    if not off.any():
        return
    where = "" if got_array.ndim == 0 else f" (entries {np.flatnonzero(off).tolist()})"
    raise CheckFailure(
        f"{name} is off by more than {HAND_TOLERANCE}{where}. {hint}", misconception_ids(tags)
    )


def answer_text(value: Any) -> str:
    """A hand-worked value as short text: numbers rounded to 4 decimals (two learners who
    wrote the same value the same way read the same), anything else as Python shows it."""
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return repr(value)[:200]
    if array.ndim == 0:
        return f"{float(array):.4g}"
    if array.size > 20:
        return repr(value)[:200]
    return "[" + ", ".join(f"{float(v):.4g}" for v in array.ravel()) + "]"


def _shape_words(array: np.ndarray) -> str:
    return "one number" if array.ndim == 0 else f"a list of {array.size} numbers"
