"""Golden-file tests: each tests/fixtures/<scenario>/ is graded end to end and its
per-check outcome compared with tests/fixtures/<scenario>/expected.json.

A scenario folder holds a submission's files, or a sample.yaml that describes it as edits
of the solutions (see grader/samples.py), optionally with `limits:` overrides to keep
hostile scenarios fast. After an intended change, regenerate the expectations with
`UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py` and read the diff.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from conftest import build_submission, golden_summary, hostile_spec
from proofreading import proofread, unchanged_file_notes

from grader.checks.framework import RUNNING_CHECK
from grader.paths import KitPaths
from grader.pipeline.grade import GradingContext, GradingOptions, grade_submission
from grader.render.gradescope import to_gradescope
from grader.render.markdown import render_markdown
from grader.render.terminal import render_self_check
from grader.results import GradedSubmission, Status
from grader.samples import SAMPLE_FILE

FIXTURES = Path(__file__).parent / "fixtures"
#: A class.yaml scenario is a class folder, not one submission (test_submission_layouts.py).
CLASS_FILE = "class.yaml"
SCENARIOS = sorted(
    path.name for path in FIXTURES.iterdir() if path.is_dir() and not (path / CLASS_FILE).exists()
)
SEED = 7
EXPECTED = "expected.json"
#: What a learner must read in the feedback (results.json outputs) of a few scenarios.
REPORT_TEXT = {
    "infinite-loop": ["fit_logistic() did not return within 1.5 s"],
    "exit-at-import": ["ex3_threshold_sweep.py", "exit"],
    "missing-files": ["logistic_scratch.py is missing from the submission"],
    "syntax-error": ["syntax error", "line"],
    "mistake-strict-threshold": ["Recognized mistake M09", "positive where p >= t"],
    "exception-in-call": ["KeyError", "gradient"],
}


class ExpectedWitness:
    """The reference, noting every value it gives while a hidden check runs, per check: the
    expected values that check must never show."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.seen: dict[str, list[Any]] = {}

    def _note(self, value: Any) -> Any:
        check, hidden = RUNNING_CHECK.get()
        if hidden:
            self.seen.setdefault(check, []).append(value)
        return value

    def call(self, module: str, function: str, *args: Any, **kwargs: Any) -> Any:
        return self._note(self.inner.call(module, function, *args, **kwargs))

    def get(self, module: str, name: str) -> Any:
        return self._note(self.inner.get(module, name))

    @property
    def variants(self) -> Any:
        """The known wrong variants, whose values on held-out data must stay hidden too."""
        witness = self

        class Noted:
            def __getattr__(self, name: str) -> Any:
                function = getattr(witness.inner.variants, name)
                return lambda *args, **kwargs: witness._note(function(*args, **kwargs))

        return Noted()


def _numbers(value: Any) -> list[float]:
    if isinstance(value, dict):
        return [n for item in value.values() for n in _numbers(item)]
    if isinstance(value, (list, tuple)):
        return [n for item in value for n in _numbers(item)]
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return []
    return [float(x) for x in array.ravel() if np.isfinite(x)]


# A number as a message shows it, with at least three decimals (so "lr = 2.0" or a
# threshold such as 0.5 named in a check's own wording never counts).
_SHOWN = re.compile(r"-?\d+\.\d{3,}")


def shown_expected_values(message: str, expected: list[Any]) -> list[str]:
    """The numbers in `message` that equal (to the digits shown) a value in `expected`."""
    values = [v for item in expected for v in _numbers(item)]
    leaks = []
    for text in _SHOWN.findall(message):
        shown, digits = float(text), len(text.split(".")[1])
        if any(abs(shown - v) <= 0.6 * 10**-digits for v in values):
            leaks.append(text)
    return leaks


@pytest.fixture(scope="module")
def context() -> GradingContext:
    built = GradingContext.build(GradingOptions(kit_root=KitPaths.discover().root, base_seed=SEED))
    built.reference = ExpectedWitness(built.reference)
    return built


def _submission(scenario: Path, kit: KitPaths, tmp_path: Path) -> Path:
    # sample.yaml's edits, plus hostile.yaml's links, raw files and zips (conftest.py)
    return build_submission(scenario, kit, tmp_path)


def _limits_override(scenario: Path) -> dict:
    spec = scenario / SAMPLE_FILE
    if not spec.exists():
        return {}
    return (yaml.safe_load(spec.read_text(encoding="utf-8")) or {}).get("limits", {})


def _digest(folder: Path) -> str:
    digest = hashlib.sha256()
    if folder.is_file():  # a .zip
        digest.update(folder.read_bytes())
        return digest.hexdigest()
    for path in sorted(folder.rglob("*")):
        digest.update(os.fsencode(path.relative_to(folder)))
        if path.is_symlink():
            digest.update(os.fsencode(os.readlink(path)))
        elif path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _summary(result: GradedSubmission) -> dict:
    """What the golden file pins: each check that did not simply pass, with its status and
    misconceptions (no timings, no paths, no wording, so messages can improve without
    churn; conftest.golden_summary)."""
    return golden_summary(item.outcome for item in result.checks)


def _test_output_of(item, result) -> str:
    tests = {test["name"]: test for test in to_gradescope(result)["tests"]}
    return tests[item.outcome.check_id]["output"]


def _grade(scenario_name: str, context: GradingContext, tmp_path: Path) -> GradedSubmission:
    return _graded(scenario_name, context, tmp_path)[0]


def _graded(
    scenario_name: str, context: GradingContext, tmp_path: Path
) -> tuple[GradedSubmission, Path]:
    """The result, and the submission as graded (to compare the learner's files with)."""
    scenario = FIXTURES / scenario_name
    overrides = _limits_override(scenario)
    if overrides:
        limits = dataclasses.replace(context.rubric.limits, **overrides)
        rubric = dataclasses.replace(context.rubric, limits=limits)
        context = dataclasses.replace(context, rubric=rubric)
    submission = _submission(scenario, context.kit, tmp_path)
    before = _digest(submission)
    result = grade_submission(submission, context, name=scenario_name)
    assert _digest(submission) == before, "grading changed the submission folder"
    return result, submission


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_scenario_matches_its_golden_outcome(scenario: str, context, tmp_path):
    needs = hostile_spec(FIXTURES / scenario).get("needs_isolation")
    if needs and context.stack.level == "process":
        pytest.skip(f"needs isolation ({needs}): the process level does not contain it")
    context.reference.seen.clear()
    result, submission = _graded(scenario, context, tmp_path)
    summary = _summary(result)
    # Hidden-ness belongs to the check: no hidden check's feedback shows a number that
    # its reference computed (held-out inputs and expected values stay hidden).
    for item in result.checks:
        if item.outcome.hidden:
            leaks = shown_expected_values(
                _test_output_of(item, result), context.reference.seen.get(item.outcome.check_id, [])
            )
            assert not leaks, f"{scenario}: {item.outcome.check_id} shows {leaks}"
    expected_path = FIXTURES / scenario / EXPECTED
    if os.environ.get("UPDATE_GOLDEN"):
        expected_path.write_text(json.dumps(summary, indent=1, sort_keys=True) + "\n")
    expected = json.loads(expected_path.read_text())
    differences = {
        check: (expected.get(check), summary.get(check))
        for check in sorted(set(expected) | set(summary))
        if expected.get(check) != summary.get(check)
    }
    assert not differences, f"{scenario}: (expected, got) per check: {differences}"
    feedback = to_gradescope(result)
    report = "\n".join(test["output"] for test in feedback["tests"])
    for text in REPORT_TEXT.get(scenario, []):
        assert text in report, f"{scenario}: the report does not say {text!r}"
    # Every message as learners read it, proofread; no note about a file they left alone.
    rendered = [report, render_self_check(result), render_markdown(result)]
    problems = proofread(rendered) + unchanged_file_notes(
        result.notices, submission, context.kit.exercises
    )
    assert not problems, f"{scenario}: " + "\n".join(problems)
    # Whatever the scenario, the results are valid, strict JSON and no check is a grader error.
    text = json.dumps(feedback, allow_nan=False)
    assert json.loads(text)["max_score"] == 100
    assert all(item.outcome.status is not Status.ERROR for item in result.checks)
