"""One pytest session per grading process: configured and collected once, then each
submission's checks run in it, with nothing of one submission left in the next."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from grader.checks.catalog import Category
from grader.checks.framework import RUNNING_CHECK
from grader.paths import KitPaths
from grader.pipeline import run
from grader.pipeline.grade import GradingContext, GradingOptions, grade_submission
from grader.results import GradedSubmission, Status
from grader.samples import Sample, compose_sample

FIXTURES = Path(__file__).parent / "fixtures"


def _statuses(result: GradedSubmission) -> dict[str, Status]:
    return {item.outcome.check_id: item.outcome.status for item in result.checks}


def test_submissions_share_one_session_and_nothing_else(kit: KitPaths, tmp_path: Path) -> None:
    options = GradingOptions(kit_root=kit.root, categories=(Category.VISIBLE,), base_seed=3)
    context = GradingContext.build(options)
    correct = tmp_path / "correct"
    shutil.copytree(kit.solutions, correct, ignore=shutil.ignore_patterns("__pycache__"))
    sample = Sample.read(FIXTURES / "mistake-strict-threshold")
    buggy = compose_sample(sample, kit.solutions, tmp_path / "buggy")

    first = grade_submission(correct, context)
    session = run.CheckSession.for_categories((Category.VISIBLE,))
    wrong = grade_submission(buggy, context)
    again = grade_submission(correct, context)

    assert run.CheckSession.for_categories((Category.VISIBLE,)) is session  # not made again
    assert set(_statuses(first).values()) == {Status.PASSED}
    failed = {check for check, status in _statuses(wrong).items() if status is Status.FAILED}
    assert failed, "the mistake should fail a check"
    assert _statuses(again) == _statuses(first)  # the buggy run left nothing behind
    assert len(again.checks) == len(first.checks) == len(wrong.checks)
    by_id = {item.outcome.check_id: item.outcome for item in wrong.checks}
    assert any("M09" in by_id[check].misconceptions for check in failed)


@pytest.mark.filterwarnings("ignore::pluggy.PluggyTeardownRaisedWarning")  # the bug, on purpose
def test_a_grader_bug_midway_does_not_spoil_the_next_submission(
    kit: KitPaths, tmp_path: Path, monkeypatch
) -> None:
    options = GradingOptions(kit_root=kit.root, categories=(Category.VISIBLE,), base_seed=3)
    context = GradingContext.build(options)
    correct = tmp_path / "correct"
    shutil.copytree(kit.solutions, correct, ignore=shutil.ignore_patterns("__pycache__"))
    grade_submission(correct, context)
    session = run.CheckSession.for_categories((Category.VISIBLE,))

    def broken(*args: object) -> None:
        raise RuntimeError("a bug in the grader's plugin")

    with monkeypatch.context() as patch:
        patch.setattr(run, "_outcome", broken)  # raises out of pytest's run-test loop
        spoiled = grade_submission(correct, context)
    assert spoiled.grader_errors and "a bug in the grader's plugin" in spoiled.grader_errors[0]
    # The check that was running when the bug struck is not running any more: what the
    # grading process does next (the report's curves) is not taken for that check's work.
    assert RUNNING_CHECK.get() == ("", False)
    again = grade_submission(correct, context)
    assert again.grader_errors == ()
    assert {item.outcome.status for item in again.checks} == {Status.PASSED}
    assert run.CheckSession.for_categories((Category.VISIBLE,)) is not session  # made anew


def test_a_failed_check_costs_pytest_no_source_reading(
    kit: KitPaths, tmp_path: Path, monkeypatch
) -> None:
    # The outcome comes from the exception itself; pytest's long failure report (the
    # check's source, statement by statement: 0.05-0.1 s a failure) is read by no one.
    from _pytest._code.code import TracebackEntry

    read: list[str] = []
    original = TracebackEntry.getsource

    def counting(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        read.append(str(self.path))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(TracebackEntry, "getsource", counting)
    options = GradingOptions(kit_root=kit.root, categories=(Category.VISIBLE,), base_seed=3)
    context = GradingContext.build(options)
    sample = Sample.read(FIXTURES / "mistake-strict-threshold")
    buggy = compose_sample(sample, kit.solutions, tmp_path / "buggy")

    wrong = grade_submission(buggy, context)

    failed = [item.outcome for item in wrong.checks if item.outcome.status is Status.FAILED]
    assert failed and all(outcome.message for outcome in failed)
    assert read == []


def test_in_a_batch_the_workers_clean_up_overlaps_what_comes_next(
    kit: KitPaths, tmp_path: Path, monkeypatch
) -> None:
    from grader.sandbox import _process

    options = GradingOptions(kit_root=kit.root, categories=(Category.VISIBLE,), base_seed=3)
    context = GradingContext.build(options)
    correct = tmp_path / "correct"
    shutil.copytree(kit.solutions, correct, ignore=shutil.ignore_patterns("__pycache__"))
    order: list[str] = []
    release = threading.Event()
    wait_dead = _process.wait_dead

    def waiting(pids: set[int], timeout_s: float = 5.0) -> None:
        if threading.current_thread() is not threading.main_thread():
            release.wait(60)  # a guard against a hang, not a measurement
        order.append("worker dead")
        wait_dead(pids, timeout_s)

    monkeypatch.setattr(_process, "wait_dead", waiting)
    with run.closing_in_background():
        result = grade_submission(correct, context)
        order.append("graded")  # while the worker's clean-up still waits
        release.set()
    order.append("left")  # leaving waited for it

    # Each worker (the from-scratch file's and the main one) died after "graded".
    assert order[0] == "graded" and order[-1] == "left"
    assert order[1:-1] and set(order[1:-1]) == {"worker dead"}
    assert {item.outcome.status for item in result.checks} == {Status.PASSED}
    grade_submission(correct, context)  # outside: closed before it returns
    assert order[-1] == "worker dead"


def test_a_grading_process_computes_the_reference_on_one_thread(kit: KitPaths, tmp_path: Path):
    # Its libraries' thread pools, those loaded with the reference's imports included: the
    # batch already runs one grading process per core.
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from grader.classwork import batch\n"
        "from grader.pipeline.grade import GradingOptions\n"
        "options = GradingOptions(kit_root=Path(sys.argv[1]), warm_workers=False)\n"
        "batch._init_process(options, sys.argv[2])\n"
        "import scipy.optimize, sklearn.linear_model\n"  # waits for the preload's imports
        "from threadpoolctl import threadpool_info\n"
        "print(sorted({(p['internal_api'], p['num_threads']) for p in threadpool_info()}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(kit.root), str(tmp_path)],
        capture_output=True, text=True, check=True, cwd=kit.root,
    )  # fmt: skip
    pools = ast.literal_eval(done.stdout.strip())
    assert {"openblas", "openmp"} <= {api for api, _ in pools}
    assert {threads for _, threads in pools} == {1}, pools
