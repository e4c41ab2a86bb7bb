"""The learners' bundle holds no wrong implementations, only what they returned.

The kit's grader/checks/variants.py computes known mistakes with code close to the
solutions, so `release` ships this file in its place. When the bundle was made, every
variant was run on the visible checks' fixed inputs and its value recorded in
visible_variants.json; each function here answers from that recording, so the
self-check names a misconception exactly as grading does. On any input it was not
recorded on, a function says "no variant". zero_division_nan is not a variant (it marks
where a learner's own result has nan instead of 0.0) and is the kit's code as it is.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import numpy as np

from grader.checks.reference import call_key
from grader.paths import KitPaths
from grader.sandbox.protocol import decode_value

RECORDING = "visible_variants.json"


@cache
def _recording() -> dict[str, Any]:
    try:
        text = (KitPaths.discover().root / RECORDING).read_text(encoding="utf-8")
        return json.loads(text)
    except (OSError, ValueError):
        return {}


def _recorded(name: str, empty: Any) -> Any:
    def lookup(*args: Any, **kwargs: Any) -> Any:
        try:
            key = call_key("variants", name, args, kwargs)
        except (TypeError, ValueError):
            return empty
        if key not in _recording():
            return empty
        return decode_value(_recording()[key])

    lookup.__name__ = name
    return lookup


def __getattr__(name: str) -> Any:
    """Every recorded variant by its name (PEP 562): the kit's variants.py is the list."""
    kinds = _recording().get("__kinds__", {})
    if name not in kinds:
        raise AttributeError(name)
    return _recorded(name, {} if kinds[name] == "dict" else None)


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
