"""Misconceptions M01-M23 (contract section 4): each is recognized from a submission that
makes that one mistake, explained as symptom -> cause -> fix, and never claimed of a
correct submission."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import golden_outcomes

from grader.checks.misconceptions import CATALOG
from grader.pipeline.grade import GradingContext, GradingOptions, grade_submission

FIXTURES = Path(__file__).parent / "fixtures"
CONTRACT_IDS = [f"M{number:02d}" for number in range(1, 24)]


def test_the_catalog_is_the_contracts_list_each_with_symptom_cause_and_fix() -> None:
    assert sorted(CATALOG) == CONTRACT_IDS
    for entry in CATALOG.values():
        assert entry.symptom.strip() and entry.cause.strip() and entry.fix.strip()


@pytest.mark.parametrize("misconception", CONTRACT_IDS)
def test_each_misconception_has_a_fixture_that_is_recognized(misconception: str) -> None:
    """The golden test grades each fixture and pins its expected.json; here: that file
    tags the fixture's own misconception on a failed check."""
    folders = sorted(FIXTURES.glob(f"misconception-{misconception}-*"))
    assert len(folders) == 1, f"one fixture folder misconception-{misconception}-<what>"
    expected = golden_outcomes(folders[0])
    tagged = [
        check
        for check, outcome in expected.items()
        if misconception in outcome["misconceptions"] and outcome["status"] == "failed"
    ]
    assert tagged, f"{folders[0].name}: no failed check is tagged {misconception}"


@pytest.mark.parametrize(
    ("submission", "seed"),
    [
        ("solutions", 11),
        ("solutions", 12),
        ("correct-loops-and-lists", 11),
        ("correct-log1p-log-loss", 13),
        ("correct-logaddexp-loss-history", 14),
        ("correct-loop-reliability-bins", 15),
    ],
)
def test_correct_submissions_are_never_tagged(kit, submission, seed, tmp_path) -> None:
    from grader.samples import Sample, compose_sample

    folder = kit.solutions if submission == "solutions" else FIXTURES / submission
    if (folder / "sample.yaml").exists():
        folder = compose_sample(Sample.read(folder), kit.solutions, tmp_path / submission)
    context = GradingContext.build(GradingOptions(kit_root=kit.root, base_seed=seed))
    result = grade_submission(folder, context, name=submission)
    tagged = {
        item.outcome.check_id: item.outcome.misconceptions
        for item in result.checks
        if item.outcome.misconceptions
    }
    assert not tagged
    assert result.score == pytest.approx(result.max_score)


# --- the recognizers themselves: cheap, no grading --------------------------------------


def test_a_nan_variant_matches_nan_only_where_zero_is_expected() -> None:
    from grader.checks.expect import expect_close, zero_division_nan
    from grader.checks.framework import CheckFailure

    expected = [0.0, 0.0, 0.0]
    got = [float("nan"), 0.0, float("nan")]
    with pytest.raises(CheckFailure) as failure:
        expect_close(
            got,
            expected,
            what="x",
            fix="",
            variants={"M11": zero_division_nan(expected, got)},
        )
    assert failure.value.misconceptions == ("M11",)
    # nan where a non-zero value is expected is not an unguarded 0/0
    assert zero_division_nan([0.5, 0.0], [float("nan"), 0.0]) is None
    assert zero_division_nan([0.5, 0.0], [0.5, 0.1]) is None


def test_a_costly_variant_is_computed_only_when_the_check_fails() -> None:
    from grader.checks.expect import expect_close
    from grader.checks.framework import CheckFailure

    asked = []

    def wrong() -> list[float]:
        asked.append(True)
        return [1.0, 2.0]

    expect_close([0.0, 1.0], [0.0, 1.0], what="x", fix="", variants={"M19#0": wrong})
    assert not asked
    hint = "Average over the tickets."
    with pytest.raises(CheckFailure) as failure:
        expect_close([1.0, 2.0], [0.0, 1.0], what="x", fix=hint, variants={"M19#0": wrong})
    assert asked and failure.value.misconceptions == ("M19",)
    # a hard-coded answer: no hint about the formula (M19's own explanation says what to do)
    assert hint not in failure.value.message
    with pytest.raises(CheckFailure) as failure:
        expect_close([3.0, 2.0], [0.0, 1.0], what="x", fix=hint, variants={"M19#0": wrong})
    assert hint in failure.value.message  # any other wrong answer keeps it


def test_an_error_is_m11_only_for_a_division_or_after_an_ordinary_input_worked() -> None:
    from grader.checks.expect import call_where_zero_division
    from grader.checks.framework import CheckFailure
    from grader.sandbox import FailureKind, StudentCodeError

    class Raising:
        def __init__(self, exception_type: str) -> None:
            self.exception_type = exception_type

        def call(self, *args, **kwargs):
            raise StudentCodeError(
                FailureKind.EXCEPTION,
                f"{self.exception_type}: boom",
                exception_type=self.exception_type,
            )

    with pytest.raises(CheckFailure) as failure:
        call_where_zero_division(Raising("ZeroDivisionError"), "m", "f", what="f()", fix="")
    assert failure.value.misconceptions == ("M11",)
    with pytest.raises(StudentCodeError):
        call_where_zero_division(Raising("KeyError"), "m", "f", what="f()", fix="")
    with pytest.raises(CheckFailure) as failure:
        call_where_zero_division(
            Raising("ValueError"), "m", "f", what="f()", fix="", ran_before=True
        )
    assert failure.value.misconceptions == ("M11",)


def test_every_m19_answer_a_hidden_check_asks_for_comes_from_a_seen_call(kit, monkeypatch) -> None:
    """The hidden checks recognize M19 from the calls the visible checks really made: on the
    solutions, every function a hidden check asks M19 answers for was called by a visible
    check (or is worked in the chapter), and every answer can be computed. A visible check
    that stops calling a function (or a hidden check asking for the wrong one) fails here
    instead of silently losing the recognition."""

    from inprocess import InProcessGrader

    from grader.checks.catalog import Category
    from grader.checks.hidden import _hardcoded
    from grader.checks.reference import SolutionReference
    from grader.tickets import TicketData

    asked: dict[tuple[str, str], int] = {}
    original = _hardcoded.seen_calls

    def spy(learner, module, function):
        found = original(learner, module, function)
        asked[module, function] = len(found)
        return found

    monkeypatch.setattr(_hardcoded, "seen_calls", spy)
    reference = SolutionReference(kit.solutions)
    grader = InProcessGrader(kit, reference, TicketData.load(kit.solutions / "tickets.py"))
    learner = grader.learner(kit.solutions)
    visible = grader.check_ids([Category.VISIBLE])
    hidden = grader.check_ids([Category.HIDDEN])
    for check_id in (*visible, *hidden):
        assert grader.run(learner, check_id, seed=3).status == "passed", check_id
    assert len(asked) >= 20
    assert not [call for call, count in asked.items() if count == 0]
    for module, function in asked:
        found = _hardcoded.answers(reference, learner, module, function).values()
        assert any(answer() is not None for answer in found), (module, function)


def test_only_visible_checks_calls_count_as_seen() -> None:
    """A hidden check's held-out inputs, and calls outside any check (the report's curves),
    are not what the learner has seen."""
    import numpy as np

    from grader.checks.framework import RUNNING_CHECK, Learner
    from grader.sandbox import CallResult

    class Echo:
        def given_up(self) -> set[str]:
            return set()

        def call(self, module, function, *args, timeout_s=None, **kwargs):
            return CallResult(0.0, (), args, kwargs, 0.0, "")

    learner = Learner(worker=Echo(), submission_dir=Path("."))
    x = np.arange(3.0)
    learner.call("logistic_scratch", "sigmoid", x)  # no check running
    for check_id, hidden in (("check_sigmoid", False), ("check_hidden_sigmoid", True)):
        token = RUNNING_CHECK.set((check_id, hidden))
        try:
            learner.call("logistic_scratch", "sigmoid", x + len(check_id))
        finally:
            RUNNING_CHECK.reset(token)
    assert [(c.function, c.args[0].tolist()) for c in learner.seen] == [
        ("sigmoid", [13.0, 14.0, 15.0])
    ]


def test_m17_is_not_claimed_where_it_cannot_be_told_from_m16() -> None:
    import numpy as np

    from grader.checks import variants

    spanning = np.array([0.0, 0.2, 0.4, 0.55, 1.0])
    assert set(variants.reliability_variants(np.array([0, 1, 0, 1, 1]), spanning, 5)) == {"M16"}
    inner = np.array([0.1, 0.2, 0.4, 0.55, 0.9])
    assert {"M16", "M17"} <= set(variants.reliability_variants(np.array([0, 1, 0, 1, 1]), inner, 5))


def test_a_hidden_checks_shape_mismatch_does_not_tell_the_held_out_size() -> None:
    import numpy as np

    from grader.checks.expect import expect_close
    from grader.checks.framework import RUNNING_CHECK, CheckFailure

    token = RUNNING_CHECK.set(("check_hidden_x", True))
    try:
        with pytest.raises(CheckFailure) as failure:
            expect_close(np.zeros((8, 3)), np.zeros((191, 3)), what="add_intercept", fix="")
    finally:
        RUNNING_CHECK.reset(token)
    assert "191" not in failure.value.message and "(8, 3)" in failure.value.message
    with pytest.raises(CheckFailure) as failure:  # a visible check says what it expected
        expect_close(np.zeros((8, 3)), np.zeros((8, 2)), what="add_intercept", fix="")
    assert "expected (8, 2)" in failure.value.message
