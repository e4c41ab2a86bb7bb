"""`regrade` and a re-run of `grade` follow a changed rubric.yaml (issue 22, item 4): the
stored outcomes get the new points, exactly as a fresh grading would give them, or the run
refuses in one line when the change needs the learner's code to run again.

The input is tests/fixtures/rubric-weight-raised-after-grading/: a submission (sample.yaml)
and the change made to the rubric after grading (rubric-change.yaml)."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
import yaml
from conftest import build_submission

from grader.classwork import batch
from grader.cli import main

SCENARIO = Path(__file__).parent / "fixtures" / "rubric-weight-raised-after-grading"
CHANGE = yaml.safe_load((SCENARIO / "rubric-change.yaml").read_text(encoding="utf-8"))
SEED = "7"


class _NoLearnerCode:
    """Stands in for the process pool and for grading: touching either fails the test."""

    def __init__(self, *args, **kwargs) -> None:
        raise AssertionError("learner code was about to run")


def _kit_with(kit, root: Path, weights: dict | None = None, limits: dict | None = None) -> Path:
    """A kit whose rubric.yaml is the kit's with these weights and limits changed; its
    solutions and exercises are the kit's own (linked)."""
    root.mkdir()
    for name in ("solutions", "exercises"):
        (root / name).symlink_to(kit.root / name, target_is_directory=True)
    raw = yaml.safe_load(kit.rubric.read_text(encoding="utf-8"))
    for criterion in raw["criteria"]:
        for check_id, weight in (weights or {}).items():
            if check_id in criterion["checks"]:
                criterion["checks"][check_id] = weight
    raw.setdefault("limits", {}).update(limits or {})
    (root / "rubric.yaml").write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return root


def _scores(out: Path, name: str) -> tuple[float, dict[str, float]]:
    """results.json's score and each test's, and the gradebook's score, which must agree."""
    document = json.loads((out / name / "results.json").read_text(encoding="utf-8"))
    with (out / "gradebook.csv").open(encoding="utf-8-sig", newline="") as handle:
        row = next(r for r in csv.DictReader(handle) if r["name"] == name)
    assert float(row["score"]) == pytest.approx(document["score"], abs=0.005)
    return document["score"], {test["name"]: test["score"] for test in document["tests"]}


@pytest.fixture(scope="module")
def graded(kit, tmp_path_factory):
    """The scenario graded under the kit's rubric: OUT, the submission, its name."""
    root = tmp_path_factory.mktemp("graded")
    submission = build_submission(SCENARIO, kit, root)
    out = root / "out"
    assert main(["grade", str(submission), "--out", str(out), "--seed", SEED]) == 0
    assert _scores(out, submission.name)[0] == pytest.approx(CHANGE["before"])
    return out, submission


def _copy(out: Path, target: Path) -> Path:
    shutil.copytree(out, target, symlinks=True)
    return target


@pytest.mark.parametrize(
    ("weights", "after"),
    [
        (CHANGE["weights"], CHANGE["after"]),
        # a manual item given points: they leave the automatic checks' share, pending review
        ({"check_why_lr_2_misbehaves": 4}, 100 - 4 - 16 * 2 / 20),
    ],
    ids=["weight-2-to-6", "manual-item-0-to-4"],
)
def test_a_regrade_and_a_rerun_give_a_changed_weight_as_a_fresh_grading_does(
    graded, kit, tmp_path, monkeypatch, weights, after
) -> None:
    """The issue: a weight 2 -> 6, and `regrade` kept the old weights (98; fresh: 95)."""
    out, submission = graded
    name = submission.name
    changed = _kit_with(kit, tmp_path / "kit", weights=weights)
    monkeypatch.setenv("GRADER_KIT_ROOT", str(changed))
    fresh_out = tmp_path / "fresh"
    assert main(["grade", str(submission), "--out", str(fresh_out), "--seed", SEED]) == 0
    fresh = _scores(fresh_out, name)
    assert fresh[0] == pytest.approx(after)
    regraded, rerun = _copy(out, tmp_path / "regraded"), _copy(out, tmp_path / "rerun")
    monkeypatch.setattr(batch, "ProcessPoolExecutor", _NoLearnerCode)
    monkeypatch.setattr("grader.pipeline.grade.grade_automatic", _NoLearnerCode)
    assert main(["regrade", str(regraded)]) == 0
    assert _scores(regraded, name) == fresh  # the same numbers, rounded the same way
    # `grade` again: the submission is unchanged, so it is skipped and re-scored
    assert main(["grade", str(submission), "--out", str(rerun), "--seed", SEED]) == 0
    assert _scores(rerun, name) == fresh
    stored = json.loads((regraded / name / "adjusted.json").read_text(encoding="utf-8"))
    q1 = next(
        item
        for item in stored["result"]["checks"]
        if item["outcome"]["check_id"] == "check_diagnosis_q1_overconfidence"
    )
    if weights == CHANGE["weights"]:
        assert q1["max_points"] == pytest.approx(5.0)  # 20 points * 6 / 24 weights


def _refused(out: Path, capsys) -> str:
    """`regrade OUT` refuses: exit 2, one line on stderr, no file in OUT rewritten."""
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    capsys.readouterr()
    assert main(["regrade", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert "grade --force" in err[0]
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    return err[0]


def test_a_check_added_or_removed_since_grading_is_refused_in_one_line(
    graded, tmp_path, capsys
) -> None:
    """automatic.json as an older kit wrote it: without a check the rubric has now (never
    run), or with one the rubric no longer has. No weight can stand in for an outcome."""
    out, submission = graded
    for kind in ("added", "removed"):
        copy = _copy(out, tmp_path / kind)
        path = copy / submission.name / "automatic.json"
        stored = json.loads(path.read_text(encoding="utf-8"))
        if kind == "added":
            stored["checks"] = [
                item
                for item in stored["checks"]
                if item["outcome"]["check_id"] != "check_hidden_roc"
            ]
            expected = "check 'check_hidden_roc' added, never run"
        else:
            retired = json.loads(json.dumps(stored["checks"][0]))
            retired["outcome"]["check_id"] = "check_retired"
            stored["checks"].append(retired)
            expected = "check 'check_retired' removed"
        path.write_text(json.dumps(stored), encoding="utf-8")
        line = _refused(copy, capsys)
        assert line.startswith("error: rubric.yaml changed what grading runs"), line
        assert expected in line and "for 1 of 1 submission(s)" in line


def test_changed_limits_are_refused_by_regrade_and_graded_again_by_grade(
    graded, kit, tmp_path, monkeypatch, capsys
) -> None:
    out, submission = graded
    changed = _kit_with(kit, tmp_path / "kit", limits=CHANGE["limits_change"])
    monkeypatch.setenv("GRADER_KIT_ROOT", str(changed))
    line = _refused(_copy(out, tmp_path / "regraded"), capsys)
    assert "limits.call_timeout_s 10 -> 5" in line
    # a re-run of `grade` cannot skip it: its outcomes may differ under the new limits
    monkeypatch.setattr(batch, "ProcessPoolExecutor", _NoLearnerCode)
    rerun = _copy(out, tmp_path / "rerun")
    with pytest.raises(AssertionError, match="learner code"):
        main(["grade", str(submission), "--out", str(rerun), "--seed", SEED])
