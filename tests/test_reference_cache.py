"""The reference's answers are remembered per grading process: an equal call is answered
from the cache, any difference in the arguments' types, shapes or bits is a new call."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from grader.checks import reference as reference_module
from grader.checks.reference import SolutionReference

MODULE = "reference_cache_probe"  # a name no other test module imports


@pytest.fixture()
def counted(tmp_path: Path, monkeypatch) -> SolutionReference:
    (tmp_path / f"{MODULE}.py").write_text(
        "RUNS = []\n\ndef echo(*args, **kwargs):\n    RUNS.append(1)\n    return [args, kwargs]\n",
        encoding="utf-8",
    )
    monkeypatch.delitem(sys.modules, MODULE, raising=False)
    yield SolutionReference(tmp_path)
    sys.modules.pop(MODULE, None)


def _runs(reference: SolutionReference) -> int:
    return len(reference.module(MODULE).RUNS)


def test_an_equal_call_is_answered_from_the_cache_without_encoding_it(
    counted: SolutionReference, monkeypatch
) -> None:
    def refused(*args: object) -> str:
        raise AssertionError("the cache key went through the protocol's encoding")

    monkeypatch.setattr(reference_module, "call_key", refused)
    first = counted.call(MODULE, "echo", np.arange(3.0), scale=2)
    first[0][0][0] = 99.0  # the caller's copy: the cached answer is not disturbed
    again = counted.call(MODULE, "echo", np.arange(3.0), scale=2)

    assert _runs(counted) == 1
    np.testing.assert_array_equal(again[0][0], np.arange(3.0))


def test_calls_that_differ_in_type_shape_or_bits_are_not_confused(
    counted: SolutionReference,
) -> None:
    different = [
        (1,),
        (1.0,),
        (True,),
        (0.0,),
        (-0.0,),
        (np.float64(1.0),),
        ([1, 2],),
        ((1, 2),),
        (np.array([1, 2]),),
        (np.array([1.0, 2.0]),),
        (np.array([[1.0, 2.0]]),),
        ("12",),
        ({"a": 1},),
        ({"a": 1.0},),
    ]
    for args in different:
        counted.call(MODULE, "echo", *args)
    for args in different:  # every one of them again: all from the cache
        counted.call(MODULE, "echo", *args)
    assert _runs(counted) == len(different)

    objects = np.array([object()], dtype=object)  # not plain data: answered, not cached
    counted.call(MODULE, "echo", objects)
    counted.call(MODULE, "echo", objects)
    assert _runs(counted) == len(different) + 2
