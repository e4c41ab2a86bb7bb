"""`check` streams: a block per exercise file as it ends, a live line on a terminal while a
call runs longer than 2 s (grader/commands/check.py). The clock is a stand-in: no waiting."""

from __future__ import annotations

import io

from grader.commands.check import LIVE_AFTER_S, StreamedCheck
from grader.results import CheckOutcome, NoticeKind, Status


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
    unreadable = make_result(*checks, notices=(why,), notice_kinds=(NoticeKind.UNREADABLE,))
    StreamedCheck(out, live=False).finish(unreadable)
    assert out.getvalue().count("could not be read") == 2  # the note, and "Fix first"
    assert f"Fix first: {why}" in out.getvalue()
    assert "check_0" not in out.getvalue()


def test_one_check_is_counted_in_the_singular() -> None:
    out = io.StringIO()
    StreamedCheck(out, live=False).exercise_done(_outcomes("ex4_manual_ece", Status.FAILED))
    assert out.getvalue().splitlines()[0] == "ex4_manual_ece.py: 0 of 1 check passes"


# --- check --only, printed output once, a grader error said to the learner ---------------


def _solved(kit, tmp_path):
    from grader.samples import Sample, compose_sample

    return compose_sample(
        Sample("correct", tmp_path / "none", "", "solutions"), kit.solutions, tmp_path / "s"
    )


def _count_checks_run(monkeypatch) -> list[str]:
    """The ids of the checks whose outcome was made (one per check run)."""
    import grader.pipeline.run as run

    ran: list[str] = []
    made = run._outcome

    def counting(spec, *rest):
        ran.append(spec.check_id)
        return made(spec, *rest)

    monkeypatch.setattr(run, "_outcome", counting)
    return ran


def test_only_runs_one_exercises_checks_and_gives_its_points(kit, tmp_path, monkeypatch, capsys):
    import json

    import pytest

    from grader.cli import main
    from grader.numbers import points_text

    folder = _solved(kit, tmp_path)
    ran = _count_checks_run(monkeypatch)
    report = tmp_path / "report"
    only = ["check", str(folder), "--only", "ex3_threshold_sweep", "--report-dir", str(report)]
    assert main(only) == 0
    said = capsys.readouterr().out
    results = json.loads((report / "results.json").read_text(encoding="utf-8"))
    ids = [test["name"] for test in results["tests"]]
    assert ran and sorted(ran) == sorted(ids)  # only these ran
    assert all("ex3_threshold_sweep" in test["tags"] for test in results["tests"])
    assert "ex3_threshold_sweep.py: all 4 checks pass" in said
    assert "logistic_scratch.py" not in said and "ex2_learning_rate.py" not in said
    # That file's points only: its checks' worth, all earned (tests add up to the score
    # within 0.01: each carries its own maximum, rounded on its own).
    points = sum(test["max_score"] for test in results["tests"])
    assert results["score"] == results["max_score"] == pytest.approx(points, abs=0.01)
    assert f"Points {points_text(points)}/{points_text(points)}" in said

    ran.clear()
    assert main(["check", str(folder)]) == 0  # every exercise: many more checks run
    full = capsys.readouterr().out
    assert len(ran) > 3 * len(ids)
    assert "ex3_threshold_sweep.py: all 4 checks pass" in full


def test_only_refuses_a_name_that_is_no_exercise_in_one_line(kit, tmp_path, capsys):
    from grader.cli import main

    assert main(["check", str(tmp_path), "--only", "ex9"]) == 2
    err = capsys.readouterr().err
    assert err.strip().splitlines() == [
        "error: --only ex9: not an exercise; use one of logistic_scratch, ex1_hand_gradient, "
        "ex2_learning_rate, ex3_threshold_sweep, ex4_manual_ece, ex5_label_flip, "
        "ex6_sklearn_match, ex7_diagnosis"
    ]


PRINTS_THEN_RAISES = (
    '    print("debug: about to divide")\n'
    '    print("debug: the last line")\n'
    '    raise ValueError("costs went wrong")\n'
)


def test_what_a_failing_call_printed_is_shown_once_everywhere(kit, tmp_path, capsys):
    import json

    from grader.cli import main

    folder = _solved(kit, tmp_path)
    path = folder / "ex3_threshold_sweep.py"
    text = path.read_text(encoding="utf-8")
    head = "def expected_cost(y, p, t, cost_fn=120.0, cost_fp=18.0):\n"
    assert text.count(head) == 1
    path.write_text(text.replace(head, head + PRINTS_THEN_RAISES), encoding="utf-8")
    report = tmp_path / "report"
    argv = ["check", str(folder), "--only", "ex3_threshold_sweep", "--report-dir", str(report)]
    assert main(argv) == 0
    out = capsys.readouterr().out
    failing = out.count("costs went wrong")
    assert failing >= 1  # each failing check says the exception ...
    # ... and what the code printed once per failing check, under one heading.
    assert out.count("debug: the last line") == out.count("Your code printed:") == failing, out
    assert "(the end of it)" not in out
    md = (report / "report.md").read_text(encoding="utf-8")
    html = (report / "report.html").read_text(encoding="utf-8")
    for page in (md, html):
        assert page.count("debug: the last line") == page.count("costs went wrong") == failing
    results = json.loads((report / "results.json").read_text(encoding="utf-8"))
    for test in results["tests"]:
        assert test.get("output", "").count("debug: the last line") == (
            1 if "costs went wrong" in test.get("output", "") else 0
        )


def test_a_grader_error_is_said_in_one_learner_line(kit, tmp_path, monkeypatch, capsys):
    import json

    import grader.pipeline.grade as grade
    from grader.cli import main

    def grader_bug(*args, **kwargs):
        raise RuntimeError("grader bug: secret detail")

    # After the checks ran and streamed their blocks ("all 4 checks pass"): every outcome
    # becomes the grader's error, the points 0.
    monkeypatch.setattr(grade, "_printed_notice", grader_bug)
    folder = _solved(kit, tmp_path)
    report = tmp_path / "report"
    argv = ["check", str(folder), "--only", "ex3_threshold_sweep", "--report-dir", str(report)]
    assert main(argv) == 0
    out = capsys.readouterr().out
    line = "The grader itself failed on 4 checks: not your fault; tell your instructor."
    assert out.count(line) == 1, out
    assert "Points 0/" in out
    assert "secret detail" not in out and "Traceback" not in out
    assert "your instructor has been told" not in out  # nobody was, on a learner's machine
    assert f"the grader's details are in {report / 'results.json'}" in out
    results = json.loads((report / "results.json").read_text(encoding="utf-8"))
    assert "secret detail" in json.dumps(results["extra_data"])


def test_a_check_the_grader_failed_on_is_marked_and_said_in_the_footer() -> None:
    from test_render import make_result, scored

    checks = [
        scored("check_a", "ex2_lr", "numpy_implementation", Status.ERROR, 1.0),
        scored("check_b", "ex2_lr", "numpy_implementation", Status.PASSED, 1.0),
    ]
    out = io.StringIO()
    StreamedCheck(out, live=False).finish(make_result(*checks))
    text = out.getvalue()
    assert "  ERROR check_a" in text
    assert "The grader itself failed on 1 check: not your fault; tell your instructor." in text
    assert "has been told" not in text


def test_check_without_a_folder_checks_the_folder_it_is_run_in(kit, tmp_path) -> None:
    """A learner in their own copy's exercises/ (or any folder holding an exercise file, a
    notebook too) checks that copy, not the installed bundle's exercises/."""
    from grader.cli import default_check_folder

    mine = tmp_path / "my-copy" / "exercises"
    mine.mkdir(parents=True)
    assert default_check_folder(kit, mine) == kit.exercises  # nothing of theirs there yet
    (mine / "ex3_threshold_sweep.ipynb").write_text("{}", encoding="utf-8")
    assert default_check_folder(kit, mine) == mine
    elsewhere = tmp_path / "notes"
    elsewhere.mkdir()
    assert default_check_folder(kit, elsewhere) == kit.exercises


def test_a_self_check_takes_no_late_penalty(kit, tmp_path, monkeypatch, capsys) -> None:
    """A bundle's rubric.yaml may keep the instructor's late_policy: a self-check is no
    hand-in, so its `Points X/Y` (read by GitHub Classroom) never loses points for the
    files' dates (second newcomer pass: 36 of 36 checks pass, Points 20.1/40.19)."""
    import dataclasses
    import json
    from datetime import datetime, timezone

    from grader.cli import main
    from grader.instructor.late import LatePolicy
    from grader.pipeline import grade as grade_stage

    built = grade_stage.GradingContext.build

    def with_a_passed_deadline(options):
        context = built(options)
        policy = LatePolicy(datetime(2020, 1, 1, tzinfo=timezone.utc), 50.0, None, 0.0)
        return dataclasses.replace(
            context, rubric=dataclasses.replace(context.rubric, late_policy=policy)
        )

    monkeypatch.setattr(grade_stage.GradingContext, "build", staticmethod(with_a_passed_deadline))
    folder = _solved(kit, tmp_path)
    report = tmp_path / "report"
    assert (
        main(["check", str(folder), "--only", "ex3_threshold_sweep", "--report-dir", str(report)])
        == 0
    )
    results = json.loads((report / "results.json").read_text(encoding="utf-8"))
    assert results["score"] == results["max_score"] > 0
    assert not [t for t in results["tests"] if "adjustment" in t.get("tags", [])]
