"""The worker's fence around a from-scratch file's calls (_bootstrap._Fence), run here in
the test process: scikit-learn and SciPy out of reach inside, everything as it was after,
however many times it goes up and down (the worker keeps it up from one call into
logistic_scratch to the next, and its tripwires for good)."""

from __future__ import annotations

import contextlib
import importlib
import sys
from collections.abc import Iterator

import pytest

pytest.importorskip("sklearn.linear_model")
pytest.importorskip("scipy.special")

from grader.sandbox import _bootstrap


@contextlib.contextmanager
def _fence() -> Iterator[list[str]]:
    """One fenced request, and the fence down after it (as before an unfenced request)."""
    fence = _bootstrap._Fence()
    try:
        with fence.request() as reached:
            yield reached
    finally:
        reached.extend(fence.lower())


def _fenced_modules() -> dict[str, object]:
    return {name: module for name, module in sys.modules.items() if _bootstrap._fenced_name(name)}


def test_inside_the_fence_scikit_learn_is_refused_and_named() -> None:
    before = _fenced_modules()
    for _ in range(3):  # the same fence, again and again, as one call after another
        with _fence() as reached:
            with pytest.raises(ImportError):
                from sklearn.linear_model import LogisticRegression  # noqa: F401
            with pytest.raises(ImportError):
                importlib.import_module("scipy.special").expit  # noqa: B018
        assert "sklearn.linear_model" in reached[0]
        assert any(name.startswith("scipy.special") for name in reached)
    after = _fenced_modules()
    assert after.keys() == before.keys()
    assert all(after[name] is module for name, module in before.items())


def test_a_fence_with_nothing_reached_names_nothing_and_changes_nothing() -> None:
    before = dict(sys.modules)
    with _fence() as reached:
        import numpy  # noqa: F401  (allowed)
    assert reached == []
    assert sys.modules.keys() == before.keys()
    assert all(sys.modules[name] is module for name, module in before.items())


class _EqualsAnything:
    def __eq__(self, other: object) -> bool:
        return True

    __hash__ = object.__hash__


@pytest.mark.parametrize("planted", [object(), _EqualsAnything()])
def test_a_module_planted_in_place_of_a_tripwire_is_named_and_taken_out(planted) -> None:
    # Only an existing name replaced: the names are the same as before, the objects not.
    real = sys.modules["sklearn.linear_model"]
    with _fence() as reached:
        sys.modules["sklearn.linear_model"] = planted
    assert reached == ["sys.modules['sklearn.linear_model']"]
    assert sys.modules["sklearn.linear_model"] is real


def test_a_module_planted_under_a_new_name_is_named_and_taken_out() -> None:
    with _fence() as reached:
        sys.modules["scipy.not_a_module"] = object()
    assert reached == ["sys.modules['scipy.not_a_module']"]
    assert "scipy.not_a_module" not in sys.modules


def test_a_module_deleted_inside_is_back_after() -> None:
    real = sys.modules["scipy"]
    with _fence():
        del sys.modules["scipy"]
    assert sys.modules["scipy"] is real


def test_a_module_imported_between_two_fences_is_fenced_by_the_second() -> None:
    with _fence():
        pass
    saved = sys.modules.pop("sklearn.isotonic", None)
    try:
        importlib.import_module("sklearn.isotonic")  # outside any fence: allowed
        with _fence() as reached:
            with pytest.raises(ImportError):
                from sklearn.isotonic import IsotonicRegression  # noqa: F401
        assert any(name.startswith("sklearn.isotonic") for name in reached)
    finally:
        if saved is not None:
            sys.modules["sklearn.isotonic"] = saved


def test_the_worker_fence_stays_up_between_fenced_requests_and_checks_each() -> None:
    # The worker's own fence: up from one call into the from-scratch file to the next,
    # each call still checked on its own, and everything back once it comes down.
    before = _fenced_modules()
    fence = _bootstrap._Fence()
    try:
        with fence.request() as first:
            pass
        assert first == []
        assert fence.up
        assert sys.modules["sklearn.linear_model"] is not before["sklearn.linear_model"]
        with fence.request() as second:
            sys.meta_path.remove(sys.meta_path[0])  # the fence's finder, taken out
            sys.modules["sklearn.linear_model"] = object()
        assert second == ["sys.modules['sklearn.linear_model']"]
        with fence.request() as third:  # the finder is back in front
            with pytest.raises(ImportError):
                importlib.import_module("sklearn.linear_model").LogisticRegression  # noqa: B018
        assert "sklearn.linear_model" in third[0]
    finally:
        fence.lower()
    after = _fenced_modules()
    assert after.keys() == before.keys()
    assert all(after[name] is module for name, module in before.items())
    assert not any(isinstance(finder, _bootstrap._FenceFinder) for finder in sys.meta_path)
