"""The grading process's fast paths give numpy's answers: a check passes or fails exactly
as it did with np.allclose and np.array_equal (issue 25: the grader's own CPU time)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from grader.checks.expect import close
from grader.checks.framework import _same_value

INF, NAN = np.inf, np.nan

# Values where the tolerance test, its isfinite mask and its `or a == e` part disagree.
EDGE = [0.0, -0.0, 1.0, 1.0 + 1e-7, 1.0 + 1e-5, -1.0, 1e-12, 1e300, -1e300, INF, -INF, NAN]


@pytest.mark.parametrize("rtol, atol", [(1e-6, 1e-9), (0.0, 0.0), (1e-3, 0.5), (0.0, INF)])
def test_close_answers_as_allclose_on_every_pair_of_edge_values(rtol: float, atol: float) -> None:
    with np.errstate(all="ignore"):
        for actual, expected in itertools.product(EDGE, repeat=2):
            wanted = bool(np.allclose(actual, expected, rtol=rtol, atol=atol, equal_nan=False))
            assert close(actual, expected, rtol=rtol, atol=atol) is wanted, (actual, expected)
            pair = ([actual, 1.0], [expected, 1.0])
            wanted = bool(np.allclose(*pair, rtol=rtol, atol=atol, equal_nan=False))
            assert close(*pair, rtol=rtol, atol=atol) is wanted, pair


def test_close_answers_as_allclose_on_random_arrays_and_per_element_tolerances() -> None:
    rng = np.random.default_rng(25)
    for _ in range(300):
        expected = rng.normal(size=rng.integers(1, 6)) * 10.0 ** rng.integers(-8, 8)
        actual = expected * (1 + rng.normal(size=expected.shape) * 10.0 ** rng.integers(-9, -3))
        atol = np.abs(rng.normal(size=expected.shape)) * 1e-9 if rng.random() < 0.5 else 1e-9
        wanted = bool(np.allclose(actual, expected, rtol=1e-6, atol=atol, equal_nan=False))
        assert close(actual, expected, rtol=1e-6, atol=atol) is wanted


def test_close_is_false_for_different_shapes_and_nan_never_equals_nan() -> None:
    assert close([1.0, 2.0], [1.0, 2.0, 3.0], rtol=1e-6, atol=1e-9) is False
    assert close([[1.0]], [1.0], rtol=1e-6, atol=1e-9) is False
    assert close([NAN], [NAN], rtol=1e-6, atol=1e-9) is False


@pytest.mark.parametrize(
    "before, after",
    [
        (np.array([1.0, NAN]), np.array([1.0, NAN])),  # NaN equal to NaN in floats
        (np.array([0.0, 2.0]), np.array([-0.0, 2.0])),  # equal values, other bytes
        (np.array([1.0, 2.0]), np.array([1.0, 2.5])),
        (np.array([1, 2]), np.array([1.0, 2.0])),  # another dtype, equal values
        (np.array([1, 2]), np.array([1, 3])),
        (np.array([True, False]), np.array([True, False])),
        (np.array([1.0, 2.0]), np.array([[1.0, 2.0]])),  # another shape
        (np.array([1.0, 2.0]), [1.0, 2.0]),  # a list back
        (np.array([1 + 1j, NAN]), np.array([1 + 1j, NAN])),  # complex: NaN is not equal
        (np.zeros((3, 2))[:, 0], np.zeros(3)),  # a strided view
    ],
)
def test_same_value_answers_as_array_equal(before: np.ndarray, after: object) -> None:
    after_array = np.asarray(after)
    wanted = after_array.shape == before.shape and bool(
        np.array_equal(after_array, before, equal_nan=before.dtype.kind == "f")
    )
    assert _same_value(before, after) is wanted


def test_confusion_cells_count_only_zero_and_one_labels_and_predictions() -> None:
    from grader.checks.variants import _cells

    y = np.array([0, 0, 1, 1, 2, 1, 0])
    predicted = np.array([0, 1, 0, 1, 1, 1, 3])
    assert _cells(y, predicted) == (1, 1, 1, 2)
    assert all(type(count) is int for count in _cells(y, predicted))


def test_each_check_draws_from_its_own_seed() -> None:
    """The `rng` fixture is seeded by the submission's seed and the running check's name."""
    from grader.checks.framework import RUNNING_CHECK, seed_for
    from grader.pipeline.run import CheckPlugin

    plugin = CheckPlugin(None, None, None, {}, 7)  # type: ignore[arg-type]
    token = RUNNING_CHECK.set(("check_hidden_roc", True))
    try:
        drawn = CheckPlugin.rng.__wrapped__(plugin).random(3)  # type: ignore[attr-defined]
    finally:
        RUNNING_CHECK.reset(token)
    expected = np.random.default_rng(seed_for(7, "check_hidden_roc")).random(3)
    assert np.array_equal(drawn, expected)


def test_chart_points_are_written_as_each_coordinate_alone_would_be() -> None:
    """The curve's coordinates, formatted in one pass, read as _n writes each one: two
    decimals at most, no trailing zeros, no "-0"."""
    from grader.render.chart import _n, _points, _Scale

    rng = np.random.default_rng(3)
    tricky = [0.0, -0.0, -0.004, -0.005, 0.005, 1.005, 2.675, -2.675, 10.0, -10.1, 100.996]
    xs = tricky + list(rng.uniform(-500, 500, 500)) + list(rng.uniform(-0.02, 0.02, 500))
    ys = xs[::-1]
    assert _points(xs, ys) == " ".join(f"{_n(a)},{_n(b)}" for a, b in zip(xs, ys, strict=True))
    for scale in (_Scale(-3.3, 7.1, 300.0, 10.0), _Scale(1e-3, 100.0, 10.0, 300.0, log=True)):
        values = [abs(v) + 1e-3 for v in xs]
        assert scale.many(values) == [scale(v) for v in values]


def test_seen_calls_follow_each_gradings_calls_as_they_grow() -> None:
    """seen_calls is kept per list of seen calls: a call seen later, or another grading's
    learner, is never answered from what was kept; equal arguments are one seen call."""
    from pathlib import Path

    from grader.checks.framework import Learner, SeenCall
    from grader.checks.hidden._hardcoded import seen_calls

    def sigmoid_calls(learner: Learner) -> list[list[float]]:
        return [c.args[0].tolist() for c in seen_calls(learner, "logistic_scratch", "sigmoid")]

    first = Learner(worker=None, submission_dir=Path("."))  # type: ignore[arg-type]
    first.seen.append(SeenCall("logistic_scratch", "sigmoid", (np.arange(2.0),), {}))
    assert sigmoid_calls(first) == [[0.0, 1.0]]
    first.seen.append(SeenCall("logistic_scratch", "sigmoid", (np.arange(2.0),), {}))
    first.seen.append(SeenCall("logistic_scratch", "sigmoid", (np.arange(3.0),), {}))
    assert sigmoid_calls(first) == [[0.0, 1.0], [0.0, 1.0, 2.0]]
    second = Learner(worker=None, submission_dir=Path("."))  # type: ignore[arg-type]
    second.seen.append(SeenCall("logistic_scratch", "sigmoid", (np.ones(1),), {}))
    assert sigmoid_calls(second) == [[1.0]]
    assert sigmoid_calls(first) == [[0.0, 1.0], [0.0, 1.0, 2.0]]


def test_a_checks_own_fixtures_are_its_submissions_values_and_others_are_left_to_pytest() -> None:
    from types import SimpleNamespace

    from grader.checks.framework import seed_for
    from grader.pipeline.run import CheckPlugin

    learner, reference = object(), SimpleNamespace(variants=object())
    plugin = CheckPlugin(learner, reference, "tickets", {}, 5)  # type: ignore[arg-type]
    names = ["learner", "reference", "variants", "rng", "tmp_path"]
    item = SimpleNamespace(name="check_hidden_roc", funcargs={}, fixturenames=names)
    plugin._fill_own_fixtures(item)  # type: ignore[arg-type]
    assert set(item.funcargs) == {"learner", "reference", "variants", "rng"}  # tmp_path: pytest's
    assert item.funcargs["learner"] is learner and item.funcargs["reference"] is reference
    assert item.funcargs["variants"] is reference.variants
    expected = np.random.default_rng(seed_for(5, "check_hidden_roc")).random(2)
    assert np.array_equal(item.funcargs["rng"].random(2), expected)
    later = object()
    plugin.start(later, reference, "tickets", {}, 6)  # type: ignore[arg-type]
    item = SimpleNamespace(name="check_hidden_roc", funcargs={}, fixturenames=names)
    plugin._fill_own_fixtures(item)  # type: ignore[arg-type]
    assert item.funcargs["learner"] is later  # the next submission's


def test_a_gradings_seen_calls_are_not_kept_once_the_next_grading_asks() -> None:
    """Memory stays flat over a class: no seen call (and its arrays) outlives the next
    grading's first question."""
    import gc
    import weakref
    from pathlib import Path

    from grader.checks.framework import Learner, SeenCall
    from grader.checks.hidden._hardcoded import seen_calls

    def learner_with(x: np.ndarray) -> Learner:
        learner = Learner(worker=None, submission_dir=Path("."))  # type: ignore[arg-type]
        learner.seen.append(SeenCall("logistic_scratch", "sigmoid", (x,), {}))
        return learner

    x = np.arange(5.0)
    gone = weakref.ref(x)
    first = learner_with(x)
    assert len(seen_calls(first, "logistic_scratch", "sigmoid")) == 1
    del first, x
    seen_calls(learner_with(np.ones(2)), "logistic_scratch", "sigmoid")
    gc.collect()
    assert gone() is None


def test_one_results_two_reports_share_one_view_and_another_result_gets_its_own() -> None:
    import dataclasses

    from test_render import make_result

    from grader.render.view_model import build_view

    result = make_result()
    view = build_view(result)
    assert build_view(result) is view  # report.md after report.html: not built again
    renamed = dataclasses.replace(result, name="someone else")
    assert build_view(renamed).name == "someone else"
    assert build_view(result) == view  # built again: equal, from the same frozen result


@pytest.mark.parametrize(
    "category, manual", [("hidden", False), ("visible", False), ("answers", True)]
)
def test_a_passed_checks_outcome_is_what_the_general_path_makes(category: str, manual: bool):
    import dataclasses
    from types import SimpleNamespace

    from grader.checks.catalog import Category, CheckSpec
    from grader.pipeline.run import CheckPlugin, _outcome

    spec = CheckSpec("check_x", "logistic_scratch", Category(category), manual, "x")
    learner = SimpleNamespace(
        calls=["m.a", "m.b", "m.a"], printed=["hi\n"], answers={"check_x": "B"}
    )
    plugin = CheckPlugin(learner, None, None, {}, 1)  # type: ignore[arg-type]
    passed = SimpleNamespace(excinfo=None, when="call")
    plugin._record(spec, passed, 0.25, 0, 0, 0)  # type: ignore[arg-type]
    general = dataclasses.replace(
        _outcome(spec, passed, 0.25),  # type: ignore[arg-type]
        learner_calls=("m.a", "m.b"),
        printed="",
        answer="B",
    )
    assert plugin.outcomes["check_x"] == general
