"""Adding a check touches one function and one rubric line (README, "For authors").

In a temporary copy of the kit (its tracked files), a throwaway visible check is written
into grader/checks/visible/logistic_scratch.py and given one line in rubric.yaml. Then:
`validate` passes (the solutions earn it, the stubs do not, the rubric adds up), a golden
scenario still matches its golden file (which does not list the new check), and the
learners' bundle made by `release` runs it in the self-check.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import GOLDEN_FILE, golden_summary

from grader.samples import Sample, compose_sample

NEW_CHECK = '''

def check_throwaway_sigmoid_is_one_half_at_zero(learner, reference):
    """sigmoid(0) is 1/2 (a check added by the authors' test)."""
    expect_close(
        learner.call(MODULE, "sigmoid", 0.0),
        reference.call(MODULE, "sigmoid", 0.0),
        what="sigmoid(0.0)",
        fix="sigma(0) = 1 / (1 + exp(0)) = 1/2.",
    )
'''
RUBRIC_LINE = "      check_throwaway_sigmoid_is_one_half_at_zero: 1\n"
SCENARIO = "mistake-strict-threshold"


def _tracked_copy(kit, target: Path) -> Path:
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=kit.root, capture_output=True, check=True, timeout=60
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = kit.root / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target / name)
    return target


def _grader(kit_copy: Path, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(kit_copy), "GRADER_KIT_ROOT": str(kit_copy)}
    return subprocess.run(
        [sys.executable, "-m", "grader", *args],
        cwd=cwd or kit_copy, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip


def test_a_new_check_needs_one_function_and_one_rubric_line(kit, tmp_path: Path) -> None:
    copy = _tracked_copy(kit, tmp_path / "kit")
    checks = copy / "grader" / "checks" / "visible" / "logistic_scratch.py"
    checks.write_text(checks.read_text(encoding="utf-8") + NEW_CHECK, encoding="utf-8")
    rubric = copy / "rubric.yaml"
    text = rubric.read_text(encoding="utf-8")
    anchor = "      check_scratch_imports_numpy_only: 1\n"
    rubric.write_text(text.replace(anchor, anchor + RUBRIC_LINE, 1), encoding="utf-8")

    done = _grader(copy, "validate", "--seeds", "1")
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]

    # The golden file of a scenario that passes the new check needs no change.
    submission = compose_sample(
        Sample.read(copy / "tests" / "fixtures" / SCENARIO), copy / "solutions", tmp_path / "sub"
    )
    out = tmp_path / "out"
    done = _grader(copy, "grade", str(submission), "--out", str(out), "--seed", "7",
                   "--no-similarity")  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    tests = json.loads((out / "sub" / "automatic.json").read_text(encoding="utf-8"))["checks"]
    assert any(
        t["outcome"]["check_id"] == "check_throwaway_sigmoid_is_one_half_at_zero" for t in tests
    )
    expected = json.loads((copy / "tests" / "fixtures" / SCENARIO / GOLDEN_FILE).read_text())
    from grader.results import CheckOutcome, Status

    outcomes = [
        CheckOutcome(
            t["outcome"]["check_id"],
            t["outcome"]["exercise"],
            Status(t["outcome"]["status"]),
            misconceptions=tuple(t["outcome"]["misconceptions"]),
            manual=t["outcome"]["manual"],
        )
        for t in tests
    ]
    assert golden_summary(outcomes) == expected

    # The learners' bundle runs it in the self-check.
    bundle = tmp_path / "bundle"
    done = _grader(copy, "release", str(bundle))
    assert done.returncode == 0, done.stderr[-2000:]
    learner = tmp_path / "learner"
    learner.mkdir()
    for path in (copy / "solutions").glob("*.py"):
        if path.name != "tickets.py":
            shutil.copyfile(path, learner / path.name)
    report = tmp_path / "report"
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    done = subprocess.run(
        [sys.executable, "-m", "grader", "check", str(learner), "--report-dir", str(report)],
        cwd=bundle, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    results = json.loads((report / "results.json").read_text(encoding="utf-8"))
    statuses = {test["name"]: test["status"] for test in results["tests"]}
    assert statuses.get("check_throwaway_sigmoid_is_one_half_at_zero") == "passed"
