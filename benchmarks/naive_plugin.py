"""The naive way to grade, for the benchmark's comparison: one fresh `python -m pytest`
process per submission, running the kit's own checks with the same fixtures.

    python -m pytest -p naive_plugin --submission DIR --seed N <check folders> <options>

(with benchmarks/ on PYTHONPATH; class_benchmark.py builds the whole command). Each run
pays for Python, pytest, NumPy, scikit-learn and a cold worker, as a CI job or a
per-submission script would; the checks, the sandbox and the reference are the grader's.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.checks.framework import Learner
from grader.paths import EXERCISE_FILES, KitPaths
from grader.pipeline.grade import GradingContext, GradingOptions
from grader.pipeline.load import load_submission
from grader.pipeline.run import CheckPlugin
from grader.results import Status
from grader.sandbox import Worker


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--submission", required=True, help="the submission folder to grade")
    parser.addoption("--seed", type=int, default=1, help="the held-out data's seed")


def pytest_configure(config: pytest.Config) -> None:
    # warm_workers=False: a cold worker, as a one-off script would start (no zygote).
    options = GradingOptions(kit_root=KitPaths.discover().root, warm_workers=False)
    context = GradingContext.build(options)
    submission = Path(config.getoption("--submission"))
    loaded = load_submission(submission, context.support_dir, set(EXERCISE_FILES))
    # The grader's confinement (kit and other submissions hidden) and limits.
    confinement = context.confinement(submission, loaded.workdir)
    worker = Worker(loaded.workdir, context.rubric.limits, confinement)
    worker.prestart()  # starts while pytest collects, as run_checks does
    learner = Learner(worker=worker, submission_dir=loaded.workdir)
    specs = {spec.check_id: spec for spec in context.specs}
    plugin = CheckPlugin(
        learner, context.reference, context.tickets, specs, config.getoption("--seed")
    )
    config.pluginmanager.register(plugin, "grader-checks")
    config.pluginmanager.register(plugin.submission_fixtures, "grader-submission-fixtures")
    config.pluginmanager.register(_Reports(plugin), "grader-reports")
    config.add_cleanup(loaded.close)
    config.add_cleanup(worker.close)
    config.add_cleanup(context.warm.close)


class _Reports:
    """Each check's outcome logged as pytest's report, as a plain pytest run has them
    (CheckPlugin's own protocol makes none): the terminal's summary and the exit status."""

    def __init__(self, plugin: CheckPlugin) -> None:
        self.plugin = plugin

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item, nextitem: pytest.Item | None):
        result = yield
        outcome = self.plugin.outcomes.get(item.name)
        if outcome is None:
            return result
        if outcome.status is Status.SKIPPED:
            path, line, _ = item.location
            kind, longrepr = "skipped", (path, (line or 0) + 1, outcome.message)
        elif outcome.status in (Status.FAILED, Status.ERROR):
            kind, longrepr = "failed", outcome.message or outcome.grader_error
        else:
            kind, longrepr = "passed", None
        report = pytest.TestReport(
            item.nodeid, item.location, {}, kind, longrepr, "call", duration=outcome.duration_s
        )
        item.ihook.pytest_runtest_logreport(report=report)
        return result
