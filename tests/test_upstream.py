"""Stage "upstream": later exercises say when a failed logistic_scratch function may be
the cause of their own failure (grader/pipeline/upstream.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.checks.dependencies import learner_functions_reached, learner_functions_used
from grader.pipeline.grade import GradingContext, GradingOptions, grade_submission
from grader.pipeline.upstream import note_upstream_failures, upstream_sentence
from grader.results import Cause, CauseKind, CheckOutcome, Status
from grader.samples import Edit, Sample, compose_sample
from grader.source_text import LearnerSources


def _outcome(check_id: str, exercise: str, status: Status, calls=()) -> CheckOutcome:
    return CheckOutcome(check_id, exercise, status, message="wrong", learner_calls=calls)


def test_names_used_come_from_imports_and_attribute_access() -> None:
    source = (
        "from logistic_scratch import fit_logistic, roc_auc as auc\n"
        "import logistic_scratch as ls\n"
        "def f(X, y):\n    return ls.predict_proba(X, fit_logistic(X, y))\n"
    )
    assert learner_functions_reached(
        _sources(ex3_threshold_sweep=source), "ex3_threshold_sweep"
    ) == {
        "logistic_scratch.fit_logistic",
        "logistic_scratch.roc_auc",
        "logistic_scratch.predict_proba",
    }
    broken = _sources(ex3_threshold_sweep="def broken(:")
    assert learner_functions_used(broken, "ex3_threshold_sweep") is None
    assert learner_functions_used(_sources(), "ex3_threshold_sweep") is None  # missing


def _sources(**texts: str) -> LearnerSources:
    return LearnerSources.of_texts({f"{stem}.py": text for stem, text in texts.items()})


def test_a_failed_dependent_check_names_the_failed_core_function() -> None:
    outcomes = [
        _outcome(
            "check_gradient_values",
            "logistic_scratch",
            Status.FAILED,
            ("logistic_scratch.gradient",),
        ),
        _outcome(
            "check_sigmoid_values", "logistic_scratch", Status.PASSED, ("logistic_scratch.sigmoid",)
        ),
        _outcome(
            "check_loss_history_stable",
            "ex2_learning_rate",
            Status.FAILED,
            ("ex2_learning_rate.loss_history",),
        ),
        _outcome("check_classify_run", "ex2_learning_rate", Status.PASSED),
        _outcome("check_lr_2_behaviour", "ex2_learning_rate", Status.FAILED),  # a constant
        _outcome("check_sweep_thresholds", "ex3_threshold_sweep", Status.FAILED),
        CheckOutcome(
            "check_stable_lr_bound",
            "ex2_learning_rate",
            Status.SKIPPED,
            cause=Cause(CauseKind.NOT_WRITTEN, "ex2_learning_rate", "stable_lr_bound"),
        ),
    ]
    sources = _sources(
        ex2_learning_rate="from logistic_scratch import gradient, log_loss\n",
        ex3_threshold_sweep="from logistic_scratch import precision_recall_f1\n",
    )
    noted = {item.check_id: item for item in note_upstream_failures(outcomes, sources)}
    flagged = noted["check_loss_history_stable"]
    assert flagged.upstream_failures == ("logistic_scratch.gradient",)
    assert flagged.message == "wrong"  # the note is said once per exercise, by the renderers
    sentence = upstream_sentence(flagged, list(noted.values()))
    assert "gradient() (it failed check_gradient_values)" in sentence
    # a stub of this exercise's own is what to fix: no upstream note
    assert noted["check_stable_lr_bound"].upstream_failures == ()
    # a passing check, and a failure whose file uses only passing functions, stay as they are
    assert noted["check_classify_run"].upstream_failures == ()
    assert noted["check_sweep_thresholds"] == outcomes[5]
    # an answer given by hand (no function called) cannot be spoiled by gradient()
    assert noted["check_lr_2_behaviour"].upstream_failures == ()
    assert noted["check_gradient_values"] == outcomes[0]


def test_a_core_function_not_written_yet_is_not_called_failed_upstream() -> None:
    """gradient() still a stub: its own note says "write it"; no other file's check is
    told that gradient() "failed" and to fix it first."""
    stub = Cause(CauseKind.NOT_WRITTEN, "logistic_scratch", "gradient", "line 70")
    outcomes = [
        CheckOutcome(
            "check_gradient_values",
            "logistic_scratch",
            Status.SKIPPED,
            cause=stub,
            learner_calls=("logistic_scratch.gradient",),
        ),
        _outcome(
            "check_loss_history_stable",
            "ex2_learning_rate",
            Status.FAILED,
            ("ex2_learning_rate.loss_history",),
        ),
    ]
    sources = _sources(ex2_learning_rate="from logistic_scratch import gradient\n")
    noted = note_upstream_failures(outcomes, sources)
    assert [item.upstream_failures for item in noted] == [(), ()]


@pytest.fixture(scope="module")
def context(kit) -> GradingContext:
    return GradingContext.build(GradingOptions(kit_root=kit.root, base_seed=3))


def test_a_broken_fit_logistic_is_named_in_the_label_flip_and_sklearn_checks(
    context: GradingContext, kit, tmp_path: Path
) -> None:
    sample = Sample(
        name="broken-fit",
        folder=tmp_path,
        description="fit_logistic takes one step too few",
        base="solutions",
        edits=(
            Edit(
                "logistic_scratch.py",
                "    for epoch in range(epochs):",
                "    for epoch in range(epochs - 1):",
            ),
        ),
    )
    folder = compose_sample(sample, kit.solutions, tmp_path / "broken-fit")
    result = grade_submission(folder, context)
    by_id = {item.outcome.check_id: item.outcome for item in result.checks}
    assert by_id["check_fit_logistic_stable"].status is Status.FAILED
    dependents = [
        outcome
        for outcome in by_id.values()
        if outcome.exercise in ("ex5_label_flip", "ex6_sklearn_match")
        and outcome.status is Status.FAILED
    ]
    assert dependents, "an off-by-one fit should fail some ex5/ex6 checks"
    for outcome in dependents:
        assert "logistic_scratch.fit_logistic" in outcome.upstream_failures
        assert "fit_logistic() (it failed check_fit_logistic_stable)" in upstream_sentence(
            outcome, [item.outcome for item in result.checks]
        )
        # The check probed fit_logistic on a tiny input and names it, once (no second note).
        assert "fix fit_logistic() first" in outcome.message
        assert "Fix logistic_scratch.py first" not in outcome.message


def test_a_function_built_on_a_hung_core_function_fails_at_once(tmp_path):
    import time

    from grader.checks.framework import CheckFailure, Learner
    from grader.sandbox import FailureKind, Limits, StudentCodeError, Worker

    (tmp_path / "logistic_scratch.py").write_text(
        "def fit_logistic():\n    while True:\n        pass\n"
    )
    (tmp_path / "ex5_label_flip.py").write_text(
        "from logistic_scratch import fit_logistic\n\n"
        "def label_flip_experiment():\n    return fit_logistic()\n"
    )
    with Worker(tmp_path, Limits(call_timeout_s=0.5, memory_mb=1024, cpu_s=60), None) as worker:
        learner = Learner(worker=worker, submission_dir=tmp_path)
        with pytest.raises(StudentCodeError) as caught:
            learner.call("logistic_scratch", "fit_logistic")
        assert caught.value.kind is FailureKind.TIMEOUT
        restarts = worker.restarts
        started = time.monotonic()
        with pytest.raises(CheckFailure) as failure:
            learner.call("ex5_label_flip", "label_flip_experiment")
        assert time.monotonic() - started < 0.4  # not called: no time limit spent on it
        assert worker.restarts == restarts  # nor a worker started for it
        assert "fit_logistic()" in failure.value.message
        assert "never returned" in failure.value.message
        assert "was not called" in failure.value.message


def test_the_core_functions_a_function_reaches_are_read_from_its_body():
    source = (
        "import logistic_scratch as ls\n"
        "from logistic_scratch import fit_logistic as fit, predict_proba\n\n"
        "def flip(y):\n    return 1 - y\n\n"
        "def helper(X, y):\n    return fit(X, flip(y))\n\n"
        "def experiment(X, y):\n    return helper(X, y)\n\n"
        "def scores(X, w):\n    return ls.sigmoid(X @ w)\n\n"
        "probabilities = lambda X, w: predict_proba(X, w)\n"
    )

    def core_names_reached(text: str, function: str) -> set[str] | None:
        used = learner_functions_used(
            _sources(ex3_threshold_sweep=text), "ex3_threshold_sweep", function
        )
        return (
            None
            if used is None
            else {name for name in used if name.startswith("logistic_scratch.")}
        )

    assert core_names_reached(source, "flip") == set()
    assert core_names_reached(source, "experiment") == {"logistic_scratch.fit_logistic"}
    assert core_names_reached(source, "scores") == {"logistic_scratch.sigmoid"}
    assert core_names_reached(source, "probabilities") == {"logistic_scratch.predict_proba"}
    assert core_names_reached(source, "not_there") is None  # cannot tell: assume nothing
    assert core_names_reached("def broken(:\n", "broken") is None


def test_a_function_beside_a_hung_core_function_user_is_still_called(tmp_path):
    from grader.checks.framework import Learner
    from grader.sandbox import Limits, StudentCodeError, Worker

    (tmp_path / "logistic_scratch.py").write_text(
        "def fit_logistic():\n    while True:\n        pass\n"
    )
    (tmp_path / "ex5_label_flip.py").write_text(
        "from logistic_scratch import fit_logistic\n\n"
        "def flip_label(y):\n    return 1 - y\n\n"
        "def label_flip_experiment():\n    return fit_logistic()\n"
    )
    with Worker(tmp_path, Limits(call_timeout_s=0.5, memory_mb=1024, cpu_s=60), None) as worker:
        learner = Learner(worker=worker, submission_dir=tmp_path)
        with pytest.raises(StudentCodeError):
            learner.call("logistic_scratch", "fit_logistic")
        assert learner.call("ex5_label_flip", "flip_label", 1) == 0


def test_a_function_written_but_for_one_case_is_not_called_not_written(
    context: GradingContext, kit, tmp_path: Path
) -> None:
    """gradient() works, but raises NotImplementedError when l2 is given: the checks it
    passes stay passed, and the l2 check fails with its own message instead of the
    report saying gradient() is "not written yet"."""
    sample = Sample(
        name="gradient-without-l2",
        folder=tmp_path,
        description="gradient raises NotImplementedError for l2",
        base="solutions",
        edits=(
            Edit(
                "logistic_scratch.py",
                "    if l2:\n        penalty = l2 * w",
                "    if l2:\n        raise NotImplementedError('l2 comes later')\n"
                "        penalty = l2 * w",
            ),
        ),
    )
    folder = compose_sample(sample, kit.solutions, tmp_path / "gradient-without-l2")
    result = grade_submission(folder, context)
    by_id = {item.outcome.check_id: item.outcome for item in result.checks}
    assert by_id["check_gradient_values"].status is Status.PASSED
    l2 = by_id["check_gradient_l2"]
    assert l2.status is Status.FAILED and l2.cause is None
    assert "NotImplementedError" in l2.message
    stubs = [
        o.check_id for o in by_id.values() if o.cause is not None and o.cause.function == "gradient"
    ]
    assert stubs == []


# --- one cause once, every root cause in order (issue 24 item 4) -----------------------------


@pytest.fixture(scope="module")
def graded_fixtures(tmp_path_factory):
    """The two issue-24 fixtures of this kind, each graded once end to end at seed 7."""
    from conftest import KIT, build_submission

    from grader.pipeline.grade import GradingContext, GradingOptions, grade_submission

    context = GradingContext.build(GradingOptions(kit_root=KIT.root, base_seed=7))
    fixtures = Path(__file__).parent / "fixtures"
    graded = {}
    for name in ("mistake-strict-threshold-said-once", "two-root-causes"):
        folder = build_submission(fixtures / name, KIT, tmp_path_factory.mktemp(name))
        graded[name] = grade_submission(folder, context)
    return graded


def test_one_wrong_function_is_said_once_per_file_with_its_box_once(graded_fixtures) -> None:
    from grader.render.gradescope import to_gradescope
    from grader.render.markdown import render_markdown
    from grader.render.terminal import render_self_check
    from grader.render.view_model import build_view, markdown_escape

    result = graded_fixtures["mistake-strict-threshold-said-once"]
    view = build_view(result)
    blame = "fix predict_with_threshold() first"
    for exercise in view.exercises:
        blamed = [o.outcome for o in result.checks if o.outcome.exercise == exercise.exercise]
        blamed = [o for o in blamed if o.blamed]
        if len(blamed) < 2:
            continue
        (cause,) = exercise.causes
        assert cause.check_ids == tuple(o.check_id for o in blamed)
        assert [m.misconception_id for m in cause.misconceptions] == ["M09"]
        grouped = [c for c in exercise.checks if c.check_id in cause.check_ids]
        assert all(c.cause_anchor == cause.anchor and not c.misconceptions for c in grouped)
        assert not any(blame in c.message for c in grouped)
        assert blame in cause.sentence
    files = sum(1 for exercise in view.exercises if exercise.causes)
    assert files == 2  # logistic_scratch.py and ex3_threshold_sweep.py: once each
    markdown = render_markdown(result)
    assert markdown.count(markdown_escape(blame)) == files
    assert markdown.count("Recognized mistake M09") == files + 1  # + its own check
    terminal = render_self_check(result)
    assert terminal.count(blame) == files
    outputs = [test["output"] for test in to_gradescope(result)["tests"]]
    assert sum(blame in output for output in outputs) == files
    assert sum("Same cause as" in output for output in outputs) == sum(
        len(exercise.causes[0].check_ids) - 1 for exercise in view.exercises if exercise.causes
    )


def test_fix_first_lists_every_root_cause_in_dependency_order(graded_fixtures) -> None:
    from grader.render.gradescope import to_gradescope
    from grader.render.markdown import render_markdown
    from grader.render.view_model import build_view

    result = graded_fixtures["two-root-causes"]
    view = build_view(result)
    assert view.fix_first.startswith("gradient() in logistic_scratch.py")
    assert [sentence.split(":")[0] for sentence, _ in view.fix_then] == [
        "expected_cost() in ex3_threshold_sweep.py"
    ]
    markdown = render_markdown(result)
    assert markdown.index("**Fix first:** gradient()") < markdown.index("1. expected\\_cost()")
    summary = to_gradescope(result)["output"]
    assert "Then: expected_cost() in ex3_threshold_sweep.py" in summary
    # One root cause only: nothing after it.
    single = build_view(graded_fixtures["mistake-strict-threshold-said-once"])
    assert single.fix_first.startswith("predict_with_threshold()") and not single.fix_then


def test_a_cause_said_in_a_block_is_not_said_again_in_the_files_note() -> None:
    """Two checks of ex3 blame precision_recall_f1() (a CAUSE block) and carry it as an
    upstream failure too: the file's NOTE must not repeat it (newcomer pass)."""
    from grader.render.view_model import exercise_view
    from grader.results import CheckOutcome, Status

    blamed = ("logistic_scratch.precision_recall_f1",)
    mine = [
        CheckOutcome(
            check_id,
            "ex3_threshold_sweep",
            Status.FAILED,
            message=f"{check_id} differs. Fix the metric first.",
            hint="Fix the metric first.",
            blamed=blamed,
            upstream_failures=blamed,
        )
        for check_id in ("check_sweep_thresholds", "check_best_f1_threshold")
    ]
    core = CheckOutcome(
        "check_precision_recall_f1", "logistic_scratch", Status.FAILED, message="wrong"
    )
    view = exercise_view("ex3_threshold_sweep", mine, [core, *mine])
    assert len(view.causes) == 1 and "precision_recall_f1()" in view.causes[0].sentence
    assert view.upstream_note == ""


def test_every_failure_with_a_hint_knows_its_body() -> None:
    """A failure made with a closing hint carries the message without it (its body), so
    that a cause said once for several checks drops the hint without cutting text: every
    CheckFailure(..., fix=...) in grader/ also gives body= (or is made by .joined)."""
    import ast
    from pathlib import Path

    from grader.checks import framework

    root = Path(framework.__file__).parents[1]
    missing = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", "") == "CheckFailure"
                and {"fix"} <= {k.arg for k in node.keywords}
                and "body" not in {k.arg for k in node.keywords}
            ):
                missing.append(f"{path.name}:{node.lineno}")
    assert missing == []


def test_a_check_of_several_functions_blames_none_of_them() -> None:
    """A held-out check calling reliability_bins() and expected_calibration_error() fails
    because the ECE is wrong: reliability_bins(), right, must not be named as failed (a
    report said "uses reliability_bins(), which failed its own checks"); a check that blamed
    another function is that function's (second newcomer pass)."""
    from grader.pipeline.upstream import failed_core_functions
    from grader.results import CheckOutcome, Status

    core = "logistic_scratch"
    outcomes = [
        CheckOutcome(
            "check_hidden_calibration",
            core,
            Status.FAILED,
            "wrong",
            learner_calls=(f"{core}.reliability_bins", f"{core}.expected_calibration_error"),
        ),
        CheckOutcome(
            "check_expected_calibration_error",
            core,
            Status.FAILED,
            "wrong",
            learner_calls=(f"{core}.expected_calibration_error",),
        ),
        CheckOutcome(
            "check_scratch_imports_numpy_only",
            core,
            Status.FAILED,
            "sigmoid failed",
            learner_calls=(f"{core}.sigmoid",),
            blamed=(f"{core}.sigmoid",),
        ),
    ]
    assert failed_core_functions(outcomes) == {
        f"{core}.expected_calibration_error": ["check_expected_calibration_error"]
    }


def test_a_failure_that_names_its_cause_is_not_blamed_again() -> None:
    """gradient() not called because sigmoid() never returned already names sigmoid(): the
    probes must not append "uses your sigmoid() ... fails on a small input" to it (the
    learner read the same cause twice in a row)."""
    from grader.checks.framework import CheckFailure
    from grader.checks.probes import blame_dependencies

    said = CheckFailure(
        "gradient() was not called: it uses sigmoid() ...", blamed=[("sigmoid", "hung")]
    )

    class Probing:
        calls = ("logistic_scratch.gradient",)

        def __getattr__(self, name):
            raise AssertionError(f"probed: {name}")

    @blame_dependencies
    def check_gradient_values(learner, reference):
        raise said

    with pytest.raises(CheckFailure) as caught:
        check_gradient_values(learner=Probing(), reference=object())
    assert caught.value is said


def test_a_check_said_under_a_shared_cause_keeps_its_points() -> None:
    """report.md showed "failed: check_sweep_thresholds" without "0 / 1.75 points" when its
    cause was said in a block (second newcomer pass)."""
    from grader.render.view_model import exercise_view
    from grader.results import CheckOutcome, ScoredCheck, Status

    blamed = ("logistic_scratch.precision_recall_f1",)
    items = [
        ScoredCheck(
            CheckOutcome(
                check_id,
                "ex3_threshold_sweep",
                Status.FAILED,
                message=f"{check_id} differs.\nuses your precision_recall_f1()",
                hint="uses your precision_recall_f1()",
                body=f"{check_id} differs.",
                blamed=blamed,
            ),
            "numpy_implementation",
            0.0,
            1.75,
        )
        for check_id in ("check_sweep_thresholds", "check_best_f1_threshold")
    ]
    view = exercise_view("ex3_threshold_sweep", items)
    assert len(view.causes) == 1
    assert all(check.cause_anchor and "1.75" in check.points for check in view.checks)
    assert [check.message for check in view.checks] == [
        "check_sweep_thresholds differs.",
        "check_best_f1_threshold differs.",
    ]


def test_a_shared_cause_names_the_blamed_file_as_the_learner_has_it() -> None:
    """check("ex3_threshold_sweep") in a notebook (only ex3's checks run) said "CAUSE
    precision_recall_f1() in logistic_scratch.py": the learner has logistic_scratch.ipynb."""
    from grader.render.view_model import blame_sentence
    from grader.results import CheckOutcome, Status

    outcome = CheckOutcome(
        "check_sweep_thresholds",
        "ex3_threshold_sweep",
        Status.FAILED,
        blamed=("logistic_scratch.precision_recall_f1",),
        blamed_files=("logistic_scratch.ipynb",),
        notebook="ex3_threshold_sweep.ipynb",
    )
    sentence = blame_sentence(outcome.blamed, [outcome.check_id], [outcome])
    assert "precision_recall_f1() in logistic_scratch.ipynb" in sentence
    assert ".py" not in sentence.replace(".ipynb", "")
