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
from grader.sandbox import Worker


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--submission", required=True, help="the submission folder to grade")
    parser.addoption("--seed", type=int, default=1, help="the held-out data's seed")


def pytest_configure(config: pytest.Config) -> None:
    context = GradingContext.build(GradingOptions(kit_root=KitPaths.discover().root))
    loaded = load_submission(
        Path(config.getoption("--submission")), context.support_dir, set(EXERCISE_FILES)
    )
    worker = Worker(loaded.workdir, context.rubric.limits)
    learner = Learner(worker=worker, submission_dir=loaded.workdir)
    specs = {spec.check_id: spec for spec in context.specs}
    plugin = CheckPlugin(
        learner, context.reference, context.tickets, specs, config.getoption("--seed")
    )
    config.pluginmanager.register(plugin, "grader-checks")
    config.add_cleanup(loaded.close)
    config.add_cleanup(worker.close)
