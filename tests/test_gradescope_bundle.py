"""`gradescope OUT.zip`: the zip's contents, and its run_autograder run as Gradescope runs
it, in a fake /autograder (AUTOGRADER_ROOT), with results.json held to Gradescope's schema.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import jsonschema
import pytest
import yaml

from grader.authoring.notebooks import module_to_notebook
from grader.cli import main
from grader.commands.gradescope import write_gradescope_zip
from grader.paths import KitPaths

SEED = "7"
BUNDLED_VERSION = "0.0.0+bundled-copy"  # stamped into the unzipped kit: proves which ran

_FORMATS = ["text", "html", "simple_format", "md", "ansi"]
_VISIBILITY = ["hidden", "after_due_date", "after_published", "visible"]

#: Gradescope's documented autograder results format ("Autograder Specifications",
#: results.json), strict: a key Gradescope does not document fails the test.
GRADESCOPE_RESULTS_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "required": ["score", "execution_time", "output", "visibility", "stdout_visibility", "tests"],
    "properties": {
        "score": {"type": "number"},
        # Not one of Gradescope's keys, but the contract's (section 5); Gradescope ignores it.
        "max_score": {"type": "number", "minimum": 0},
        "execution_time": {"type": "number", "minimum": 0},
        "output": {"type": "string"},
        "output_format": {"enum": _FORMATS},
        "test_output_format": {"enum": _FORMATS},
        "test_name_format": {"enum": _FORMATS},
        "visibility": {"enum": _VISIBILITY},
        "stdout_visibility": {"enum": _VISIBILITY},
        "extra_data": {"type": "object"},
        "tests": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": [
                    "score",
                    "max_score",
                    "status",
                    "name",
                    "output",
                    "tags",
                    "visibility",
                ],
                "properties": {
                    "score": {"type": "number"},
                    "max_score": {"type": "number", "minimum": 0},
                    "status": {"enum": ["passed", "failed"]},
                    "name": {"type": "string", "minLength": 1},
                    "name_format": {"enum": _FORMATS},
                    "number": {"type": "string"},
                    "output": {"type": "string"},
                    "output_format": {"enum": _FORMATS},
                    "tags": {"type": "array", "items": {"type": "string"}},
                    "visibility": {"enum": _VISIBILITY},
                    "extra_data": {"type": "object"},
                },
            },
        },
        "leaderboard": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "value"],
                "properties": {
                    "name": {"type": "string"},
                    "value": {"type": ["number", "string"]},
                    "order": {"enum": ["asc", "desc"]},
                },
            },
        },
    },
}


def _validate(document: dict) -> None:
    jsonschema.Draft202012Validator.check_schema(GRADESCOPE_RESULTS_SCHEMA)
    jsonschema.validate(document, GRADESCOPE_RESULTS_SCHEMA, cls=jsonschema.Draft202012Validator)


@pytest.fixture(scope="module")
def autograder_zip(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("gradescope") / "autograder.zip"
    assert main(["gradescope", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def max_score(kit) -> float:
    return float(yaml.safe_load(kit.rubric.read_text(encoding="utf-8"))["total_points"])


def _unzip(archive: Path, target: Path) -> None:
    """Extract as Gradescope's unzip does, file modes included (zipfile drops them)."""
    with zipfile.ZipFile(archive) as zf:
        for info in zf.infolist():
            path = Path(zf.extract(info, target))
            mode = (info.external_attr >> 16) & 0o777
            if mode:
                path.chmod(mode)


def test_zip_holds_scripts_and_the_kit_with_solutions_only(autograder_zip, kit, max_score):
    with zipfile.ZipFile(autograder_zip) as zf:
        infos = {info.filename: info for info in zf.infolist()}
        run_autograder = zf.read("run_autograder").decode("utf-8")
    names = set(infos)
    # Gradescope wants both scripts at the top of the zip.
    assert {"setup.sh", "run_autograder", "pyproject.toml", "README.md", "rubric.yaml"} <= names
    for script in ("setup.sh", "run_autograder"):
        mode = infos[script].external_attr >> 16
        assert stat.S_ISREG(mode) and mode & 0o111 == 0o111, f"{script}: {oct(mode)}"
    for path in kit.solutions.glob("*.py"):
        assert f"solutions/{path.name}" in names
    assert "solutions/tickets.py" in names and "exercises/tickets.py" in names
    assert any(name.startswith("exercises/data/") for name in names)
    assert any(name.startswith("grader/checks/hidden/") for name in names)
    assert any(name.startswith("grader/checks/answers/") for name in names)
    tops = {name.split("/", 1)[0] for name in names}
    assert not tops & {"tests", "samples", "docs", "benchmarks", ".git", ".github"}
    assert not any("__pycache__" in name or name.endswith(".pyc") for name in names)
    # The templates' placeholders are filled in with the kit's facts.
    assert "@" not in "".join(
        line
        for line in run_autograder.splitlines()
        if "EXERCISE_FILES=" in line or "MAX_SCORE=" in line
    )
    assert f'MAX_SCORE="{max_score!r}"' in run_autograder
    # One learner's submission, laid out by the grader's own rule (layout.py), never a class.
    assert 'grade "$SUBMISSION" --single' in run_autograder


def test_gradescope_command_refuses_a_name_without_zip(tmp_path, capsys):
    assert main(["gradescope", str(tmp_path / "autograder.tar")]) == 2
    assert ".zip" in capsys.readouterr().err


def test_same_kit_gives_the_same_zip(autograder_zip, tmp_path):
    again = tmp_path / "again.zip"
    write_gradescope_zip(KitPaths.discover(), again)
    assert again.read_bytes() == autograder_zip.read_bytes()


@pytest.fixture(scope="module")
def source(autograder_zip, tmp_path_factory) -> Path:
    """The zip unpacked as /autograder/source, its grader stamped with a version of its own."""
    target = tmp_path_factory.mktemp("unzipped") / "source"
    _unzip(autograder_zip, target)
    init = target / "grader" / "__init__.py"
    text = init.read_text(encoding="utf-8")
    assert '__version__ = "' in text
    init.write_text(
        text.replace('__version__ = "', f'__version__ = "{BUNDLED_VERSION}" or "'), encoding="utf-8"
    )
    return target


@pytest.fixture()
def root(tmp_path, source) -> Path:
    """A fake /autograder: source/ (a fresh copy), submission/ (empty), no results/ yet."""
    root = tmp_path / "autograder"
    shutil.copytree(source, root / "source", symlinks=True)
    (root / "submission").mkdir()
    return root


def _run_autograder(root: Path, tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    """source/run_autograder as Gradescope starts it: executable, from another folder,
    `python3` on PATH (this interpreter), nothing of this checkout in the environment."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    shim = bin_dir / "python3"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n', encoding="utf-8")
    shim.chmod(0o755)
    environment = {
        "PATH": f"{bin_dir}{os.pathsep}/usr/bin{os.pathsep}/bin",
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "AUTOGRADER_ROOT": str(root),
        "AUTOGRADER_SEED": SEED,
        **env,
    }
    return subprocess.run(
        [str(root / "source" / "run_autograder")],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def _results(root: Path) -> dict:
    document = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    _validate(document)
    return document


def _put_solutions(kit: KitPaths, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for path in kit.solutions.glob("*.py"):
        if path.name != "tickets.py":
            shutil.copyfile(path, folder / path.name)


@pytest.mark.parametrize("layout", ["top", "one-folder", "repository", "notebooks-in-a-zip"])
def test_solutions_earn_every_point_from_the_bundled_kit(layout, root, tmp_path, kit, max_score):
    submission = root / "submission"
    if layout == "top":
        _put_solutions(kit, submission)
    elif layout == "one-folder":
        _put_solutions(kit, submission / "my work")
    elif layout == "notebooks-in-a-zip":  # the grader's layout rule, as in `grade`
        with zipfile.ZipFile(submission / "upload.zip", "w") as archive:
            for path in kit.solutions.glob("*.py"):
                if path.name != "tickets.py":
                    notebook = module_to_notebook(path.read_text(encoding="utf-8"))
                    archive.writestr(f"hw1/hw1/{path.stem}.ipynb", notebook)
    else:  # a submission from GitHub: the learner's whole repository
        _put_solutions(kit, submission / "exercises")
        (submission / "README.md").write_text("# my repository\n", encoding="utf-8")
        (submission / "pyproject.toml").write_text("[project]\nname = 'x'\n", encoding="utf-8")
    ran = _run_autograder(root, tmp_path)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    results = _results(root)
    assert results["score"] == pytest.approx(max_score), results["output"]
    assert results["max_score"] == pytest.approx(max_score)
    assert results["extra_data"]["grader_version"] == BUNDLED_VERSION
    tags = {tag for test in results["tests"] for tag in test["tags"]}
    assert {"hidden", "manual"} <= tags  # visible, hidden and answer checks all ran
    assert all(test["status"] == "passed" for test in results["tests"])
    assert "graded 1 submission" in ran.stdout  # the grader's log, for instructors
    if layout == "one-folder":
        assert "my work" in results["output"]


@pytest.mark.parametrize("broken", ["empty", "syntax-error"])
def test_empty_or_broken_submissions_get_a_valid_zero(broken, root, tmp_path, max_score):
    if broken == "syntax-error":
        (root / "submission" / "logistic_scratch.py").write_text(
            "def sigmoid(z:\n", encoding="utf-8"
        )
        (root / "submission" / "notes.txt").write_text("hello\n", encoding="utf-8")
    ran = _run_autograder(root, tmp_path)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    results = _results(root)
    assert results["score"] == 0
    assert results["max_score"] == pytest.approx(max_score)
    assert results["tests"] and all(
        t["status"] == "failed" for t in results["tests"] if t["max_score"] > 0
    )
    assert results["extra_data"]["grader_version"] == BUNDLED_VERSION


def test_a_broken_kit_still_writes_a_valid_results_json(root, tmp_path, kit, max_score):
    _put_solutions(kit, root / "submission")
    (root / "source" / "rubric.yaml").unlink()
    ran = _run_autograder(root, tmp_path)
    assert ran.returncode == 0
    results = _results(root)
    assert results["score"] == 0 and results["tests"] == []
    assert results["max_score"] == pytest.approx(max_score)
    assert "not your fault" in results["output"]
    assert "rubric" in results["output"].lower()  # the grader's own one-line reason
    assert "grading failed" in ran.stdout


def test_without_python_a_fixed_results_json_is_written(root, tmp_path, max_score):
    ran = _run_autograder(root, tmp_path, AUTOGRADER_PYTHON=str(tmp_path / "no-python"))
    assert ran.returncode == 0
    results = _results(root)
    assert results["score"] == 0 and results["max_score"] == pytest.approx(max_score)
    assert "not your fault" in results["output"]


def test_setup_installs_the_kit_from_its_pyproject(source, tmp_path):
    calls = tmp_path / "calls"
    fake = tmp_path / "fake-python"
    fake.write_text(f'#!/bin/sh\necho "$*" >> "{calls}"\nexit 0\n', encoding="utf-8")
    fake.chmod(0o755)
    ran = subprocess.run(
        [str(source / "setup.sh")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "AUTOGRADER_PYTHON": str(fake)},
        check=False,
    )
    assert ran.returncode == 0, ran.stderr
    install = [line for line in calls.read_text().splitlines() if "pip install" in line]
    assert install and install[0].endswith(f"-e {source}"), install
