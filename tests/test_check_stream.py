"""`check` streams: a block per exercise file as it ends, a live line on a terminal while a
call runs longer than 2 s (grader/commands/check.py). The clock is a stand-in: no waiting."""

from __future__ import annotations

import io

from grader.commands.check import LIVE_AFTER_S, StreamedCheck
from grader.results import CheckOutcome, Status


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _outcomes(exercise: str, *statuses: Status) -> list[CheckOutcome]:
    return [
        CheckOutcome(f"check_{exercise}_{index}", exercise, status, message="wrong value")
        for index, status in enumerate(statuses)
    ]


def test_each_file_is_written_as_its_checks_end() -> None:
    out = io.StringIO()
    stream = StreamedCheck(out, live=False)
    stream.exercise_done(_outcomes("logistic_scratch", Status.PASSED, Status.PASSED))
    assert out.getvalue() == "logistic_scratch.py: all 2 checks pass\n"
    stream.exercise_done(_outcomes("ex2_learning_rate", Status.PASSED, Status.FAILED))
    assert out.getvalue().splitlines()[1:] == [
        "ex2_learning_rate.py: 1 of 2 checks pass",
        "  FAIL  check_ex2_learning_rate_1",
        "        wrong value",
    ]


def test_a_long_call_gets_a_live_line_on_a_terminal_only() -> None:
    clock = Clock()
    for live in (True, False):
        out = io.StringIO()
        stream = StreamedCheck(out, live=live, clock=clock)
        stream.call_started("logistic_scratch", "fit_logistic")
        clock.now += LIVE_AFTER_S - 0.5
        stream.tick()
        assert out.getvalue() == ""  # a short call says nothing
        clock.now += 2.0
        stream.tick()
        if live:
            assert out.getvalue() == "\r  ... fit_logistic() has been running for 4 s\x1b[K"
        else:
            assert out.getvalue() == ""
        stream.call_ended()
        stream.exercise_done(_outcomes("logistic_scratch", Status.PASSED))
        # the live line is erased before the file's block, which starts a clean line
        expected = "\r  ... fit_logistic() has been running for 4 s\x1b[K\r\x1b[K" if live else ""
        assert out.getvalue() == expected + "logistic_scratch.py: the check passes\n"
        clock.now += 10
        stream.tick()  # no call running: nothing
        assert out.getvalue().endswith("the check passes\n")


def test_grading_reports_each_file_in_the_chapters_order(kit, tmp_path) -> None:
    from grader.checks.catalog import Category
    from grader.pipeline.grade import GradingContext, GradingOptions, grade_submission
    from grader.pipeline.run import Progress
    from grader.samples import Sample, compose_sample

    class Recorder(Progress):
        def __init__(self) -> None:
            self.events: list[tuple[str, ...]] = []

        def call_started(self, module: str, function: str) -> None:
            self.events.append(("call", module, function))

        def exercise_done(self, outcomes: list[CheckOutcome]) -> None:
            self.events.append(("done", outcomes[0].exercise, str(len(outcomes))))

    sample = Sample.read(kit.root / "tests" / "fixtures" / "mistake-strict-threshold")
    folder = compose_sample(sample, kit.solutions, tmp_path / "mistake")
    options = GradingOptions(kit_root=kit.root, categories=(Category.VISIBLE,), base_seed=0)
    recorder = Recorder()
    result = grade_submission(folder, GradingContext.build(options), progress=recorder)
    done = [event[1:] for event in recorder.events if event[0] == "done"]
    exercises = list(dict.fromkeys(item.outcome.exercise for item in result.checks))
    assert [name for name, _ in done] == exercises
    counts = {name: int(count) for name, count in done}
    assert counts == {e: sum(i.outcome.exercise == e for i in result.checks) for e in exercises}
    # calls are heard as they happen: the core file's before its block is done
    first_done = recorder.events.index(
        ("done", "logistic_scratch", str(counts["logistic_scratch"]))
    )
    assert ("call", "logistic_scratch", "sigmoid") in recorder.events[:first_done]


def test_an_unreadable_submission_is_said_once() -> None:
    from test_render import make_result, scored

    why = "The submission could not be read: sub.zip is not a readable .zip file."
    checks = [
        scored(f"check_{index}", exercise, "numpy_implementation", Status.FAILED, 1.0, message=why)
        for index, exercise in enumerate(["logistic_scratch", "logistic_scratch", "ex2_lr"])
    ]
    out = io.StringIO()
    StreamedCheck(out, live=False).finish(make_result(*checks, notices=(why,)))
    assert out.getvalue().count("could not be read") == 2  # the note, and "Fix first"
    assert f"Fix first: {why}" in out.getvalue()
    assert "check_0" not in out.getvalue()


def test_one_check_is_counted_in_the_singular() -> None:
    out = io.StringIO()
    StreamedCheck(out, live=False).exercise_done(_outcomes("ex4_manual_ece", Status.FAILED))
    assert out.getvalue().splitlines()[0] == "ex4_manual_ece.py: 0 of 1 check passes"
