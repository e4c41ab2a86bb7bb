"""The command line end to end: grade, check, release, validate, and their exit codes."""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml
from conftest import visible_checks_of

from grader.cli import main
from grader.commands.release import write_release
from grader.paths import KitPaths


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("release") / "bundle"
    write_release(KitPaths.discover(), out)
    return out


def _solution_copy(kit: KitPaths, target: Path) -> Path:
    target.mkdir(parents=True)
    for path in kit.solutions.glob("*.py"):
        shutil.copyfile(path, target / path.name)
    return target


def test_grade_writes_reports_per_submission_and_a_gradebook(kit, tmp_path, capsys):
    perfect = _solution_copy(kit, tmp_path / "in" / "perfect, é")
    archive = tmp_path / "in" / "zipped.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("ex7_diagnosis.py", 'ANSWERS = {"Q1": "b"}\n')
    out = tmp_path / "out"
    code = main(
        ["grade", str(perfect), str(archive), "--out", str(out), "--jobs", "2", "--seed", "3"]
    )
    assert code == 0
    for name in ("perfect, é", "zipped"):
        for file in ("results.json", "report.html", "report.md"):
            assert (out / name / file).is_file(), (name, file)
    results = json.loads((out / "perfect, é" / "results.json").read_text())
    assert results["score"] == pytest.approx(100)
    zipped = json.loads((out / "zipped" / "results.json").read_text())
    q1 = next(t for t in zipped["tests"] if t["name"] == "check_diagnosis_q1_overconfidence")
    assert q1["status"] == "passed" and "ex7_diagnosis" in q1["tags"] and "diagnosis" in q1["tags"]
    rows = list(csv.reader((out / "gradebook.csv").open(encoding="utf-8-sig")))
    criteria = ["by_hand", "numpy_implementation", "diagnosis"]
    assert rows[0][:6] == ["name", "score", "max_score", *criteria]
    assert [row[0] for row in rows[1:]] == ["perfect, é", "zipped"]
    assert float(rows[1][1]) == pytest.approx(100)
    assert "[2/2]" in capsys.readouterr().err  # the progress line


def test_hidden_checks_are_tagged_and_show_no_inputs(kit, tmp_path):
    submission = _solution_copy(kit, tmp_path / "wrong")
    path = submission / "logistic_scratch.py"
    path.write_text(path.read_text().replace("counts / counts.sum() *", "1 / len(counts) *"))
    out = tmp_path / "out"
    assert main(["grade", str(submission), "--out", str(out), "--seed", "1"]) == 0
    tests = json.loads((out / "wrong" / "results.json").read_text())["tests"]
    hidden = next(t for t in tests if t["name"] == "check_hidden_calibration")
    assert hidden["status"] == "failed"
    assert {"hidden", "logistic_scratch", "numpy_implementation", "misconception:M15"} <= set(
        hidden["tags"]
    )
    assert ", got " not in hidden["output"] and "[" not in hidden["output"]
    visible = next(t for t in tests if t["name"] == "check_expected_calibration_error")
    assert "misconception:M15" in visible["tags"] and "expected" in visible["output"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["grade", "no/such/folder", "--out", "x"], "no such submission"),
        (["grade", ".", "--out", "x", "--jobs", "0"], ""),
        (["frobnicate"], ""),
        (["grade"], ""),
        (["grade", ".", "--out", "x", "--single", "--class"], "--single and --class exclude"),
    ],
)
def test_usage_errors_exit_2(argv, message, capsys):
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_validate_passes_on_the_kit():
    assert main(["validate", "--seeds", "1"]) == 0


def test_release_has_no_solutions_hidden_checks_or_answers(bundle, kit):
    files = {p.relative_to(bundle).as_posix(): p for p in bundle.rglob("*") if p.is_file()}
    assert "exercises/logistic_scratch.py" in files and "README.md" in files
    assert ".github/workflows/grade.yml" in files and "visible_expected.json" in files
    assert not any(name.startswith("solutions/") for name in files)
    assert not any("checks/hidden" in name or "checks/answers" in name for name in files)
    texts = {
        name: path.read_text(encoding="utf-8", errors="replace") for name, path in files.items()
    }
    everything = "\n".join(texts.values())
    assert "check_hidden_" not in everything
    assert "BEGIN SOLUTION" not in everything
    for line in _solution_lines(kit):
        assert line not in everything, f"solution code in the bundle: {line!r}"
    # complete for a learner: the notes the README points to, a .gitignore, and the
    # self-check's misconceptions as recorded values, with no variant code
    assert "docs/chapter-notes.md" in files and ".gitignore" in files
    # The learners' notes hold the chapter's facts, not what the answer checks expect
    # (HAND_ECE, LR_2_BEHAVIOUR, EIGHT_TICKETS_SEPARABLE, quiz Q3's direction).
    notes = texts["docs/chapter-notes.md"]
    for answer in ("0.0189", "oscillates", "separable", "lower than the F1-best"):
        assert answer not in notes, answer
    assert "The eight tickets" in notes and "C=np.inf" in notes
    assert "egg-info" in texts[".gitignore"]
    assert "visible_variants.json" in files
    assert not [name for name in files if name.endswith("variants.py")]  # no variant code
    assert not any("def gradient_variants" in text for text in texts.values())
    criteria = yaml.safe_load(texts["rubric.yaml"])["criteria"]
    assert not any("on held-out data" in c["description"] for c in criteria)
    recorded = _numbers(json.loads(texts["visible_expected.json"]))
    variants = json.loads(texts["visible_variants.json"])
    assert set(variants.pop("__kinds__")) >= {"gradient_variants", "threshold_strict"}
    recorded += _numbers(variants)
    for value in _answer_numbers(kit):
        assert not any(abs(value - number) < 1e-9 for number in recorded), value


def _solution_lines(kit: KitPaths) -> list[str]:
    lines = []
    for path in kit.solutions.glob("*.py"):
        inside = False
        for line in path.read_text().splitlines():
            if line.strip() == "# BEGIN SOLUTION":
                inside = True
            elif line.strip() == "# END SOLUTION":
                inside = False
            elif inside and len(line.strip()) > 40 and not line.strip().startswith("#"):
                lines.append(line.strip())
    return lines


def _answer_numbers(kit: KitPaths) -> list[float]:
    numbers = []
    for path in kit.solutions.glob("ex*.py"):
        for line in path.read_text().splitlines():
            if line.rstrip().endswith("# SOLUTION"):
                value = re.split(r"[=:]", line.split("#")[0], maxsplit=1)[-1]
                # Short numbers (0.5, 2.5, -1.75) are everywhere and give nothing away.
                numbers += [float(n) for n in re.findall(r"-?\d+\.\d{4,}", value)]
    assert len(numbers) > 10  # the scan itself must find the answers
    return numbers


def _numbers(data) -> list[float]:
    from grader.sandbox.protocol import decode_value

    found: list[float] = []

    def walk(value):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            found.append(float(value))
        elif isinstance(value, (list, tuple)):
            for item in value:
                walk(item)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif hasattr(value, "ravel"):
            found.extend(float(v) for v in value.ravel())

    for encoded in data.values():
        walk(decode_value(encoded))
    return found


def test_self_check_in_the_bundle_needs_no_solutions(bundle, tmp_path):
    learner = tmp_path / "learner"
    shutil.copytree(bundle, learner)
    # Run from inside the bundle, so that its own grader package (without hidden and
    # answer checks) is the one imported, as after a learner's `pip install -e .`.
    env = {"PATH": "/usr/bin:/bin"}
    stubs = subprocess.run(
        [sys.executable, "-m", "grader", "check", str(learner / "exercises")],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
        cwd=learner,
    )
    assert stubs.returncode == 0, stubs.stderr
    assert "0 of " in stubs.stdout and "not written yet" in stubs.stdout
    # A learner who copies in a correct logistic_scratch.py sees those checks pass.
    kit = KitPaths.discover()
    shutil.copyfile(
        kit.solutions / "logistic_scratch.py", learner / "exercises" / "logistic_scratch.py"
    )
    done = subprocess.run(
        [sys.executable, "-m", "grader", "check", str(learner / "exercises")],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
        cwd=learner,
    )
    count = visible_checks_of("logistic_scratch")
    assert f"logistic_scratch.py: all {count} checks pass" in done.stdout, done.stdout
    assert "Not checked here" not in done.stdout
    refused = subprocess.run(
        [sys.executable, "-m", "grader", "validate"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
        cwd=learner,
    )
    assert refused.returncode == 2 and "needs the instructor's kit" in refused.stderr


def test_a_folder_named_in_bytes_that_are_not_utf8_is_checked(kit, tmp_path) -> None:
    """`check` of a folder whose name is Latin-1 (an old Windows archive): no traceback, the
    report written, the name shown as best it can be."""
    import os

    folder = tmp_path / os.fsdecode(b"chlo\xe9")
    folder.mkdir()
    shutil.copyfile(kit.exercises / "ex7_diagnosis.py", folder / "ex7_diagnosis.py")
    done = subprocess.run(
        [sys.executable, "-m", "grader", "check", os.fsencode(folder)],
        capture_output=True, timeout=300, cwd=kit.root,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-2000:]
    assert b"Traceback" not in done.stderr
    assert b"chlo" in done.stdout


@pytest.mark.parametrize(
    "argv",
    [["grade", "x", "--out", "d", "--jobs", "0"], ["grade", "x"], ["no-such-command"]],
)
def test_a_usage_error_is_one_line_and_exit_2(argv, capsys) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "error:" in err and "--help" in err, err


def test_the_kits_self_check_counts_points_as_the_bundles_does(kit, tmp_path, capsys) -> None:
    """`check` in the kit runs the visible checks only: a perfect submission is out of what
    they are worth (as in the learners' bundle), not out of the whole rubric's 100."""
    folder = tmp_path / "mine"
    shutil.copytree(kit.solutions, folder, ignore=shutil.ignore_patterns("__pycache__", "data"))
    assert main(["check", str(folder)]) == 0
    points = re.search(r"Points ([\d.]+)/([\d.]+)", capsys.readouterr().out)
    assert points and points.group(1) == points.group(2) and float(points.group(2)) < 100
