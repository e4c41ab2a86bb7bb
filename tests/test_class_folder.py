"""The class's folder (`grade --out OUT`): views rebuilt from every results.json in OUT,
re-runs that skip unchanged submissions, `regrade` without learner code, the class report
(item analysis, misconceptions, who needs a human, similar submissions), and the checks of
the instructor's inputs before any grading."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import math
import re
import shutil
import statistics
from pathlib import Path

import numpy as np
import pytest
from conftest import golden_outcomes

from grader.classwork import batch
from grader.classwork.class_summary import summarize_class
from grader.classwork.classfolder import StoredAdjustment, StoredResult, StoredTest, read_class
from grader.classwork.similarity import find_similar
from grader.classwork.stored import StoredSubmission, write_adjusted
from grader.classwork.views import ViewRequest, rebuild_views
from grader.cli import main
from grader.commands.grade import read_instructor_inputs
from grader.identity import Identity
from grader.instructor.late import LatePolicyError, load_timestamps
from grader.instructor.overrides import OverrideError, load_overrides
from grader.instructor.roster import RosterError, load_roster
from grader.pipeline.grade import GradingContext, GradingOptions
from grader.results import (
    CheckOutcome,
    GradedSubmission,
    Isolation,
    NoticeKind,
    ScoredCheck,
    Status,
)
from grader.sandbox.errors import FailureKind

FIXTURES = Path(__file__).parent / "fixtures"


def _learner(root: Path, name: str, kit, files: tuple[str, ...] = ("ex7_diagnosis.py",)) -> Path:
    """A small submission: a few of the solutions' files (grades in a few seconds)."""
    folder = root / name
    folder.mkdir(parents=True)
    for file_name in files:
        shutil.copyfile(kit.solutions / file_name, folder / file_name)
    return folder


def _gradebook(out: Path) -> list[dict[str, str]]:
    raw = (out / "gradebook.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel reads it as UTF-8
    with (out / "gradebook.csv").open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


class _NoLearnerCode:
    """Stands in for the process pool and for grading: touching either fails the test."""

    def __init__(self, *args, **kwargs) -> None:
        raise AssertionError("learner code was about to run")


@pytest.fixture(scope="module")
def graded_twice(kit, tmp_path_factory):
    """Two sections graded by two runs into one OUT, then the first section again."""
    root = tmp_path_factory.mktemp("class")
    _learner(root / "section_a", "alice", kit)
    _learner(root / "section_b", "bob ñ", kit, ("ex7_diagnosis.py", "ex1_hand_gradient.py"))
    out = root / "out"
    for learner in ("section_a/alice", "section_b/bob ñ"):
        argv = ["grade", str(root / learner), "--out", str(out), "--seed", "4"]
        assert main(argv) == 0
    return root, out


def test_two_runs_into_one_out_keep_every_row(graded_twice) -> None:
    _, out = graded_twice
    rows = _gradebook(out)
    assert [row["name"] for row in rows] == ["alice", "bob ñ"]  # an accent reads as itself
    assert all(row["submitted_at"] for row in rows)  # on time, and still stamped
    summary = json.loads((out / "class.json").read_text(encoding="utf-8"))
    assert summary["submissions"] == 2
    for name in ("class.html", "class.md"):
        assert "bob ñ" in (out / name).read_text(encoding="utf-8")


def test_a_rerun_skips_unchanged_submissions_and_force_grades_again(
    graded_twice, monkeypatch, capsys
) -> None:
    root, out = graded_twice
    before = json.loads((out / "alice" / "results.json").read_text(encoding="utf-8"))
    again = ["grade", str(root / "section_a" / "alice"), "--out", str(out), "--seed", "4"]
    with monkeypatch.context() as patched:
        patched.setattr(batch, "ProcessPoolExecutor", _NoLearnerCode)
        assert main(again) == 0
    err = capsys.readouterr().err
    assert "alice" in err and "unchanged since its results" in err
    after = json.loads((out / "alice" / "results.json").read_text(encoding="utf-8"))
    assert after["score"] == before["score"]
    assert [row["name"] for row in _gradebook(out)] == ["alice", "bob ñ"]
    # --force grades again, and so does any change to the submission or the seed
    changed = root / "changed" / "alice"
    shutil.copytree(root / "section_a" / "alice", changed)
    (changed / "ex7_diagnosis.py").write_text("ANSWERS = {}\n", encoding="utf-8")
    for argv in (
        [*again, "--force"],
        ["grade", str(changed), "--out", str(out), "--seed", "4"],
        [*again[:-1], "5"],
    ):
        with monkeypatch.context() as patched:
            patched.setattr(batch, "ProcessPoolExecutor", _NoLearnerCode)
            with pytest.raises(AssertionError, match="learner code"):
                main(argv)


def test_regrade_changes_a_score_without_running_learner_code(
    graded_twice, monkeypatch, tmp_path
) -> None:
    _, out = graded_twice
    before = {row["name"]: row for row in _gradebook(out)}
    overrides = tmp_path / "overrides.yaml"
    # As Windows editors save it: a BOM, CRLF line ends, an accent in a comment.
    overrides.write_bytes(
        "\ufeff- submission: alice\r\n  criterion: diagnosis\r\n  points: 5\r\n"
        "  comment: revu à la main\r\n".encode()
    )
    monkeypatch.setattr(batch, "ProcessPoolExecutor", _NoLearnerCode)
    monkeypatch.setattr("grader.pipeline.grade.grade_automatic", _NoLearnerCode)
    junit = tmp_path / "junit.xml"
    assert main(["regrade", str(out), "--overrides", str(overrides), "--junit", str(junit)]) == 0
    after = {row["name"]: row for row in _gradebook(out)}
    assert float(after["alice"]["diagnosis"]) == 5
    assert after["alice"]["overrides"] == "diagnosis=5.00"
    expected = float(before["alice"]["score"]) - float(before["alice"]["diagnosis"]) + 5
    assert float(after["alice"]["score"]) == pytest.approx(expected)
    assert after["bob ñ"] == before["bob ñ"]
    document = json.loads((out / "alice" / "results.json").read_text(encoding="utf-8"))
    assert sum(test["score"] for test in document["tests"]) == pytest.approx(
        document["score"], abs=0.01
    )
    assert "revu à la main" in (out / "alice" / "report.md").read_text(encoding="utf-8")
    assert junit.is_file()


def test_out_remembers_the_overrides_and_timestamps_last_applied(
    graded_twice, monkeypatch, tmp_path, capsys
) -> None:
    """`regrade OUT --overrides F`, then `regrade OUT` or `grade ... --out OUT`: every
    override was dropped without a word before. OUT keeps a copy beside its lock."""
    root, out = graded_twice
    overrides = tmp_path / "overrides.yaml"
    overrides.write_text("- submission: alice\n  criterion: diagnosis\n  points: 5\n")
    times = tmp_path / "times.csv"
    times.write_text("name,submitted_at\nalice,2026-11-30T10:00:00+00:00\n")
    monkeypatch.setattr(batch, "ProcessPoolExecutor", _NoLearnerCode)
    argv = ["regrade", str(out), "--overrides", str(overrides), "--timestamps", str(times)]
    assert main(argv) == 0
    capsys.readouterr()
    kept = out / ".grader.overrides.yaml"
    assert kept.read_text(encoding="utf-8") == overrides.read_text(encoding="utf-8")
    overrides.unlink()  # the copy in OUT is what counts now
    grade_again = ["grade", str(root / "section_a" / "alice"), "--out", str(out), "--seed", "4"]
    for again in (["regrade", str(out)], grade_again):
        assert main(again) == 0
        err = capsys.readouterr().err
        said = [line for line in err.splitlines() if "last applied" in line]
        assert len(said) == 2, err  # one line for the overrides, one for the timestamps
        assert any(str(kept) in line for line in said)
        alice = {row["name"]: row for row in _gradebook(out)}["alice"]
        assert alice["overrides"] == "diagnosis=5.00"
        assert alice["submitted_at"] == "2026-11-30T10:00:00+00:00"
    # a new file replaces them, and says so; an empty one drops them
    empty = tmp_path / "none.yaml"
    empty.write_text("")
    assert main(["regrade", str(out), "--overrides", str(empty)]) == 0
    err = capsys.readouterr().err
    assert "replaces the overrides last applied" in err
    assert "re-applying the timestamps last applied" in err
    assert {row["name"]: row for row in _gradebook(out)}["alice"]["overrides"] == ""
    assert main(["regrade", str(out)]) == 0
    assert "re-applying the overrides" not in capsys.readouterr().err


# --- the class report from the golden scenarios' expectations --------------------------


def _write_record(
    out: Path,
    name: str,
    outcomes: dict[str, tuple[Status, tuple[str, ...]]],
    isolation: Isolation | None = None,
) -> None:
    """OUT/NAME/adjusted.json, the typed record every class view reads, made by hand: a
    point per check that passed."""
    checks = tuple(
        ScoredCheck(
            CheckOutcome(check_id, "logistic_scratch", status, misconceptions=misconceptions),
            "numpy_implementation",
            1.0 if status is Status.PASSED else 0.0,
            1.0,
        )
        for check_id, (status, misconceptions) in sorted(outcomes.items())
    )
    result = GradedSubmission(
        name=name,
        score=sum(item.points for item in checks),
        max_score=float(len(checks)),
        checks=checks,
        criteria=(),
        seed=7,
        isolation=isolation or Isolation("process", ()),
        grader_version="test",
        graded_at="2024-01-01T00:00:00+00:00",
        duration_s=0.0,
    )
    (out / name).mkdir(parents=True)
    write_adjusted(StoredSubmission(Identity(name, name), result=result), out / name)


def _golden_class(out: Path, scenarios: list[str]) -> dict[str, dict]:
    """adjusted.json files made from tests/fixtures/*/expected.json (no grading)."""
    expectations = {}
    for scenario in scenarios:
        expected = golden_outcomes(FIXTURES / scenario)
        expectations[scenario] = expected
        _write_record(
            out,
            scenario,
            {
                check_id: (Status(outcome["status"]), tuple(outcome["misconceptions"]))
                for check_id, outcome in expected.items()
            },
        )
    return expectations


# A class of golden scenarios: correct code, an endless loop and several misconceptions
# (M09 twice: the misconception fixture and the older "mistake" one).
GOLDEN = sorted(
    path.parent.name
    for path in FIXTURES.glob("*/expected.json")
    if path.parent.name
    in {
        "correct-loops-and-lists",
        "infinite-loop",
        "mistake-strict-threshold",
        "misconception-M02-sigmoid-sign-flipped",
        "misconception-M05-log-loss-summed",
        "misconception-M09-strict-threshold",
        "misconception-M12-f1-arithmetic-mean",
    }
)


def test_the_class_report_shows_pass_rates_and_misconception_counts(tmp_path) -> None:
    assert len(GOLDEN) >= 5  # the scenarios are there
    out = tmp_path / "out"
    expectations = _golden_class(out, GOLDEN)
    views = rebuild_views(out, ViewRequest(similarity=False))
    summary = json.loads((out / "class.json").read_text(encoding="utf-8"))
    checks = {item["check_id"]: item for item in summary["checks"]}
    for check_id in expectations[GOLDEN[0]]:
        passed = sum(e[check_id]["status"] == "passed" for e in expectations.values())
        assert checks[check_id]["passed"] == passed, check_id
        assert checks[check_id]["difficulty"] == pytest.approx(passed / len(GOLDEN), abs=1e-4)
    counts = {}
    for scenario, expected in expectations.items():
        for misconception in {m for o in expected.values() for m in o["misconceptions"]}:
            counts.setdefault(misconception, set()).add(scenario)
    reported = {m["misconception_id"]: m for m in summary["misconceptions"]}
    assert {k: v["count"] for k, v in reported.items()} == {k: len(v) for k, v in counts.items()}
    assert reported["M09"]["learners"] == sorted(counts["M09"], key=str.lower)
    assert reported["M09"]["fix"]  # the chapter's symptom -> cause -> fix comes along
    assert summary["isolation"] == [["process", len(GOLDEN)]]
    assert not summary["similarity_checked"]
    html = (out / "class.html").read_text(encoding="utf-8")
    assert "<svg" in html and "http" not in html.replace("http-equiv", "")
    assert set(views.written) >= {
        out / name for name in ("class.html", "class.md", "gradebook.csv")
    }


WEAK = "learner code could read any file the grader can and reach the network"


@pytest.mark.parametrize(
    ("levels", "warned", "noted"),
    [
        (("namespaces", "namespaces"), False, False),
        (("namespaces", "process"), True, False),
        (("landlock", "namespaces"), False, True),
    ],
)
def test_weak_isolation_is_visible_in_the_class_report(tmp_path, levels, warned, noted) -> None:
    """The class report said only "Isolation `process`: 1" (the warning was on stderr)."""
    out = tmp_path / "out"
    missing = {
        "namespaces": [],
        "landlock": ["a PID namespace: the learner's code can see other processes"],
        "process": ["network isolation: the learner's code can reach the network"],
    }
    for index, level in enumerate(levels):
        isolation = Isolation(level, (), tuple(missing[level]))
        _write_record(out, f"s{index}", {"check_a": (Status.PASSED, ())}, isolation)
    rebuild_views(out, ViewRequest(similarity=False))
    html = (out / "class.html").read_text(encoding="utf-8")
    markdown = (out / "class.md").read_text(encoding="utf-8")
    for text in (html, markdown):
        assert (WEAK in text) is warned
        assert ("Note:" in text and "can see other processes" in text) is noted
    if warned:  # near the top, where it is seen, and in the Markdown as a quote
        assert html.index(WEAK) < html.index('id="scores"')
        assert re.search(r"^> \*\*Warning:\*\* 1 submission\(s\)", markdown, re.M)


def test_the_class_report_opens_in_headless_chromium(tmp_path) -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("Chromium is not installed (Debian: apt-get install chromium)")
    import subprocess

    out = tmp_path / "out"
    _golden_class(out, GOLDEN)
    rebuild_views(out, ViewRequest(similarity=False))
    profile = tmp_path / "profile"
    profile.mkdir()
    done = subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--disable-background-networking",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            f"--user-data-dir={profile}",
            "--dump-dom",
            (out / "class.html").as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=profile,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert f"Class report: {len(GOLDEN)} submission(s)" in done.stdout
    assert done.stdout.count("<svg") == 2  # the score distribution and the item analysis


# --- item analysis, by the textbook's formulas --------------------------------------------


def _stored(name: str, passed: dict[str, bool], **fields) -> StoredResult:
    tests = tuple(
        StoredTest(
            check,
            1.0 if ok else 0.0,
            1.0,
            Status.PASSED if ok else Status.FAILED,
            "",
            exercise="ex",
            criterion="crit",
        )
        for check, ok in passed.items()
    )
    score, maximum = float(sum(passed.values())), float(len(passed))
    return StoredResult(name, Path(name), score, maximum, tests, **fields)


def test_item_analysis_uses_difficulty_point_biserial_and_kr20() -> None:
    rng = np.random.default_rng(12)
    ability = rng.normal(size=30)
    hardness = np.linspace(-1.5, 1.5, 6)
    matrix = (ability[:, None] + rng.normal(scale=0.8, size=(30, 6)) > hardness).astype(int)
    matrix[:, 5] = 1  # everybody passes c5
    results = [
        _stored(f"s{i:02d}", {f"c{j}": bool(matrix[i, j]) for j in range(6)}) for i in range(30)
    ]
    summary = summarize_class(results)
    totals = matrix.sum(axis=1)
    for j, check in enumerate(summary.checks):
        assert check.difficulty == pytest.approx(matrix[:, j].mean())
        if j < 5:
            rest = totals - matrix[:, j]
            expected = np.corrcoef(matrix[:, j], rest)[0, 1]
            assert check.discrimination == pytest.approx(expected)
    assert summary.checks[5].discrimination is None
    assert summary.checks[5].flags == ("everybody passes",)
    k, p = 6, matrix.mean(axis=0)
    kr20 = k / (k - 1) * (1 - (p * (1 - p)).sum() / totals.var())
    assert summary.reliability == pytest.approx(kr20)
    assert summary.mean == pytest.approx(totals.mean())
    assert summary.stdev == pytest.approx(statistics.pstdev(totals.tolist()))
    assert sum(b.count for b in summary.distribution) == 30


def test_too_small_a_class_flags_no_check() -> None:
    """One learner's results would flag every check as passed by everybody or nobody."""
    from grader.classwork.views import summary_lines

    summary = summarize_class([_stored("alone", {"c0": True, "c1": False})])
    assert all(not check.flags for check in summary.checks)
    assert any(
        "item analysis needs at least 5 submissions" in line for line in summary_lines(summary)
    )


def test_submissions_that_need_a_human_are_listed_with_the_reason() -> None:
    results = [
        _stored("fine", {"c1": True, "c2": False}),
        _stored("late", {"c1": True, "c2": True}, days_late=2, submitted_at="x"),
        StoredResult("crashed", Path("crashed"), 0.0, 0.0, ()),
        _stored(
            "reviewed",
            {"c1": True},
            adjustments=(StoredAdjustment("override", "crit", 0.0, 1.0, ""),),
        ),
        # the fact (automatic.json's notice kind), not the notice's words
        dataclasses.replace(
            _stored("unreadable", {"c1": False}, notices=("Reworded: unread.",)),
            notice_kinds=(NoticeKind.UNREADABLE,),
        ),
        _stored("stubs", {"c1": False, "c2": False}),
    ]
    # a file that raised at import: its checks are skipped, said so in their output
    importing = _stored("importing", {"c1": True, "c2": False})
    skipped = dataclasses.replace(
        importing.tests[1],
        status=Status.SKIPPED,
        output="importing ex5.py raised KeyError",
        failure=FailureKind.IMPORT_ERROR,
        at_import=True,
    )
    results.append(dataclasses.replace(importing, tests=(importing.tests[0], skipped)))
    attention = {item.name: item.reasons for item in summarize_class(results).attention}
    assert "fine" not in attention
    assert attention["late"] == ("late: 2 day(s)",)
    assert "grader error" in attention["crashed"][0]
    assert attention["reviewed"] == ("overridden by the instructor",)
    # each reason says what to look at, after its kind
    assert attention["unreadable"] == ("unreadable submission: see the report's notes",)
    assert attention["stubs"] == ("scored 0: nothing written, or nothing that runs",)
    assert attention["importing"] == ("a file that does not import: the report names it",)


def test_similar_submissions_are_found_past_renamed_variables_but_not_the_stub(
    kit, tmp_path
) -> None:
    original = tmp_path / "ada"
    original.mkdir()
    renamed = tmp_path / "grace"
    renamed.mkdir()
    for path in kit.solutions.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        (original / path.name).write_text(text, encoding="utf-8")
        (renamed / path.name).write_text(re.sub(r"\bw\b", "weights", text), encoding="utf-8")
    stub_only = tmp_path / "stub"
    shutil.copytree(kit.exercises, stub_only, ignore=shutil.ignore_patterns("data"))
    other_stub = tmp_path / "stub2"
    shutil.copytree(kit.exercises, other_stub, ignore=shutil.ignore_patterns("data"))
    folders = {"ada": original, "grace": renamed, "stub": stub_only, "stub2": other_stub}
    pairs = find_similar(folders, kit.exercises)
    assert [(p.first, p.second) for p in pairs] == [("ada", "grace")]
    assert pairs[0].similarity > 0.9
    # the fragments shown leave the stub's own lines out (its docstrings, TODOs, signatures)
    stub_lines = {
        line.strip()
        for path in kit.exercises.glob("*.py")
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    }
    for fragment in pairs[0].fragments:
        assert not {line.strip() for line in fragment.first.splitlines()} & stub_lines
    # without the stub as boilerplate, two untouched stubs would be "similar"
    assert ("stub", "stub2") in {(p.first, p.second) for p in find_similar(folders, None)}


def test_identical_copies_are_found_as_identical(kit, tmp_path) -> None:
    """Identical files share one fingerprint (fingerprinted once): both sides still count."""
    folders = {}
    for name in ("ada", "bob", "cy"):
        shutil.copytree(kit.solutions, tmp_path / name, ignore=shutil.ignore_patterns("data"))
        folders[name] = tmp_path / name
    pairs = find_similar(folders, kit.exercises)
    assert [(p.first, p.second) for p in pairs] == [("ada", "bob"), ("ada", "cy"), ("bob", "cy")]
    assert all(p.similarity == 1.0 for p in pairs)
    assert len({p.shared_tokens for p in pairs}) == 1


# --- the instructor's inputs, read as people save them ------------------------------------


def test_timestamps_and_roster_from_excel_are_read(tmp_path) -> None:
    times = tmp_path / "times.csv"
    times.write_bytes(b"\xef\xbb\xbfname;submitted_at\r\nalice;2026-12-02T10:00:00+01:00\r\n")
    assert load_timestamps(times) == (("alice", "2026-12-02T10:00:00+01:00"),)
    roster = tmp_path / "roster.csv"
    roster.write_bytes("\ufeffName,Student,ID\r\nzoé,Zoé Durand,17\r\n".encode())
    assert load_roster(roster)["zoé"].student == "Zoé Durand"


@pytest.mark.parametrize(
    ("content", "loader", "error", "words"),
    [
        (b"name,submitted_at\nalice,yesterday\n", load_timestamps, LatePolicyError, ["line 2"]),
        (b"name,when\nalice,2026-12-02T10:00:00+00:00\n", load_timestamps, LatePolicyError,
         ["line 1", "submitted_at"]),
        (b"name,submitted_at\nal\xe9,2026-12-02T10:00:00+00:00\n", load_timestamps,
         LatePolicyError, ["line 2", "byte 20", "UTF-8"]),
        (b"student,id\nZoe,17\n", load_roster, RosterError, ["line 1", "'name'"]),
    ],
)  # fmt: skip
def test_a_bad_instructor_csv_is_one_line_naming_file_and_line(
    tmp_path, content, loader, error, words
) -> None:
    path = tmp_path / "given.csv"
    path.write_bytes(content)
    with pytest.raises(error) as caught:
        loader(path)
    message = str(caught.value)
    assert "given.csv" in message and "\n" not in message
    for word in words:
        assert word in message


def test_a_cp1252_overrides_file_is_exit_2_with_line_and_byte(kit, tmp_path, capsys) -> None:
    overrides = tmp_path / "overrides.yaml"
    overrides.write_bytes(b"# r\xe9vision\n- submission: alice\n  criterion: diagnosis\n")
    context = GradingContext.build(GradingOptions(kit_root=kit.root))
    with pytest.raises(OverrideError, match=r"line 1, byte 3"):
        load_overrides(overrides, context.rubric)
    out = tmp_path / "out"
    (out / "alice").mkdir(parents=True)
    (out / "alice" / "results.json").write_text('{"score": 0, "tests": []}')
    assert main(["regrade", str(out), "--overrides", str(overrides)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "byte 3" in err and "Traceback" not in err


def test_names_that_match_nothing_are_warnings(kit, tmp_path) -> None:
    times = tmp_path / "times.csv"
    times.write_text(
        "name,submitted_at\nalice,2026-12-02T10:00:00+00:00\nzed,2026-12-02T10:00:00Z\n"
    )
    roster = tmp_path / "roster.csv"
    roster.write_text("name,student\nalice,Alice\nyves,Yves\n")
    context = GradingContext.build(GradingOptions(kit_root=kit.root))
    inputs = read_instructor_inputs(
        context.options, context.rubric, ["alice", "bob"], None, times, roster
    )
    assert len(inputs.warnings) == 3
    assert any("'zed' matches no submission" in line for line in inputs.warnings)
    assert any("'yves' matches no submission" in line for line in inputs.warnings)
    assert any("'bob' matches no row" in line for line in inputs.warnings)


def test_a_submission_without_a_timestamp_row_is_a_warning(kit, tmp_path) -> None:
    """With a late policy, a missing row falls back to the newest file's time: that may
    cost points, so it is said once per submission (it was silent)."""
    import dataclasses

    from grader.instructor.late import LatePolicy, parse_time

    times = tmp_path / "times.csv"
    times.write_text("name,submitted_at\nalice,2026-12-02T10:00:00+00:00\n")
    context = GradingContext.build(GradingOptions(kit_root=kit.root))
    deadline = parse_time("2026-12-01T23:59:00+00:00")
    late = dataclasses.replace(context.rubric, late_policy=LatePolicy(deadline, 10))
    names = ["alice", "bob", "carol"]
    inputs = read_instructor_inputs(context.options, late, names, None, times)
    assert inputs.warnings == tuple(
        f"warning: {times}: no row for '{name}': its hand-in time is its newest file's"
        for name in ("bob", "carol")
    )
    # only the submissions being graded: a folder already in OUT keeps its adjustments
    inputs = read_instructor_inputs(context.options, late, names, None, times, graded=["bob"])
    assert len(inputs.warnings) == 1 and "'bob'" in inputs.warnings[0]
    # without a late policy, the time only ever shows: no warning
    assert not read_instructor_inputs(context.options, context.rubric, names, None, times).warnings


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        (["--junit", "{tmp}"], "is a folder"),
        (["--canvas", "{tmp}/no/such/dir/c.csv"], "does not exist"),
        (["--out", "{tmp}/a-file"], "is a file"),
    ],
)
def test_outputs_that_cannot_be_written_stop_before_grading(kit, tmp_path, capsys, extra, words):
    (tmp_path / "a-file").write_text("")
    submission = _learner(tmp_path, "alice", kit)
    argv = ["grade", str(submission), "--out", str(tmp_path / "out")]
    argv += [part.format(tmp=tmp_path) for part in extra]
    assert main(argv) == 2
    assert words in capsys.readouterr().err
    assert not (tmp_path / "out").exists() and not (tmp_path / "no").exists()


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux's /proc")
@pytest.mark.parametrize(
    "argv",
    [
        ["grade", "{sub}", "--out", "/proc/grader-out"],
        ["grade", "{sub}", "--out", "/proc"],
        ["grade", "{sub}", "--out", "{tmp}/out", "--junit", "/proc/junit.xml"],
        ["grade", "{sub}", "--out", "{tmp}/out", "--canvas", "/proc/canvas.csv"],
        ["regrade", "{tmp}/graded", "--junit", "/proc/junit.xml"],
        ["regrade", "{tmp}/graded", "--canvas", "/proc/canvas.csv"],
        ["regrade", "/proc/grader-out"],
        ["regrade", "/proc"],
    ],
)
def test_outputs_under_proc_are_one_line_and_exit_2(kit, tmp_path, capsys, argv) -> None:
    """Folders that cannot be made (the permission bits of /proc say 'writable' to root):
    a traceback and exit status 1 before, after grading the whole class for --junit."""
    submission = _learner(tmp_path, "alice", kit)
    (tmp_path / "graded" / "alice").mkdir(parents=True)
    (tmp_path / "graded" / "alice" / "results.json").write_text('{"score": 0, "tests": []}')
    args = [part.format(sub=submission, tmp=tmp_path) for part in argv]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert not (tmp_path / "out").exists()


def test_the_late_columns_are_there_whenever_a_policy_is(tmp_path) -> None:
    out = tmp_path / "out"
    _golden_class(out, GOLDEN[:2])
    rebuild_views(out, ViewRequest(similarity=False, late_policy=True))
    header = _gradebook(out)[0].keys()
    assert {"submitted_at", "late_days", "penalty", "overrides", "late_waived"} <= set(header)
    rebuild_views(out, ViewRequest(similarity=False))
    assert "late_days" not in _gradebook(out)[0]


def test_read_class_counts_an_unreadable_stored_record_as_a_grader_error(tmp_path) -> None:
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "adjusted.json").write_text("{not json")
    (stored,) = read_class(tmp_path)
    assert stored.grader_errors and not stored.tests
    assert math.isclose(stored.score, 0.0)


def test_the_rubric_is_read_as_people_save_it(kit, tmp_path) -> None:
    from grader.checks.catalog import discover_checks
    from grader.instructor.rubric import RubricError, load_rubric

    text = kit.rubric.read_text(encoding="utf-8")
    saved = tmp_path / "rubric.yaml"
    saved.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    assert load_rubric(saved, discover_checks()).total_points == 100
    saved.write_bytes(b"# bar\xe8me\n" + text.encode())
    with pytest.raises(RubricError, match=r"line 1, byte 5"):
        load_rubric(saved, discover_checks())


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _outcome(name: str, skipped: bool = False) -> batch.BatchOutcome:
    from grader.classwork.gradebook import GradebookRow

    item = batch.BatchItem(Path(name), name)
    return batch.BatchOutcome(item, GradebookRow(name, 50.0, 100.0), 1.5, skipped=skipped)


def test_progress_is_a_bar_on_a_terminal_and_lines_in_a_log() -> None:
    from grader.classwork.progress import Progress

    terminal = _Terminal()
    bar = Progress(2, terminal)
    bar(_outcome("alice"), 1, 2)
    bar(_outcome("bob", skipped=True), 2, 2)
    bar.close()
    shown = terminal.getvalue()
    assert "2/2" in shown and "submission" in shown and "\r" in shown  # tqdm's bar
    log = io.StringIO()
    lines = Progress(2, log)
    lines(_outcome("alice"), 1, 2)
    lines(_outcome("bob", skipped=True), 2, 2)
    assert log.getvalue().splitlines() == [
        "[1/2] alice: 50.00/100 in 1.5 s",
        "[2/2] bob: 50.00/100, unchanged since its results (not run again; --force to regrade)",
    ]


def test_the_demo_leaves_nothing_in_the_temporary_folder(kit, tmp_path, monkeypatch) -> None:
    import tempfile

    from grader.commands import demo

    def fake_batch(folders, out, options, jobs=1):
        out.mkdir(parents=True)
        (out / "written.txt").write_text("a report")
        return [_outcome(folder.name) for folder in folders]

    monkeypatch.setattr(demo, "grade_batch", fake_batch)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    assert demo.demo_command(kit, None) == 0
    assert list(tmp_path.iterdir()) == []


def test_the_input_hash_follows_content_but_never_links(tmp_path) -> None:
    options = GradingOptions(kit_root=tmp_path, base_seed=1)
    folder = tmp_path / "alice"
    folder.mkdir()
    (folder / "ex7_diagnosis.py").write_text("ANSWERS = {}\n")
    (folder / "everything").symlink_to("/")  # hashing must not walk the file system
    first = batch.input_hash(folder, options)
    assert batch.input_hash(folder, options) == first
    (folder / "ex7_diagnosis.py").write_text("ANSWERS = {'Q1': 'b'}\n")
    assert batch.input_hash(folder, options) != first
    other_seed = GradingOptions(kit_root=tmp_path, base_seed=2)
    assert batch.input_hash(folder, other_seed) != batch.input_hash(folder, options)


def test_a_bad_override_names_its_line(kit, tmp_path) -> None:
    overrides = tmp_path / "overrides.yaml"
    overrides.write_bytes(
        b"# week 3\r\n- submission: alice\r\n  criterion: diagnosis\r\n  points: 5\r\n"
        b"- submission: bob\r\n  criterion: diagnosis\r\n  points: 500\r\n"
    )
    context = GradingContext.build(GradingOptions(kit_root=kit.root))
    with pytest.raises(OverrideError) as caught:
        load_overrides(overrides, context.rubric)
    assert str(caught.value) == f"{overrides}: line 5: entry 2: points 500 outside 0..20"


def test_learner_names_and_code_are_shown_literally(tmp_path) -> None:
    from grader.classwork.class_html import render_class_html
    from grader.classwork.class_markdown import render_class_markdown
    from grader.classwork.similarity import SharedFragment, SimilarPair

    name = "<img src=x onerror=alert(1)>|*x*"
    results = [_stored(name, {"c1": True}), _stored("b", {"c1": False})]
    code = "x = '</pre><script>alert(1)</script>'\n```\nprint(1)"
    pair = SimilarPair(name, "b", 0.9, 200, (SharedFragment("ex1_hand_gradient.py", code, code),))
    summary = summarize_class(results, [pair])
    page = render_class_html(summary)
    # (the page's own sorting script is the only script)
    assert "<img" not in page and "<script>alert" not in page and "&lt;img" in page
    markdown = render_class_markdown(summary)
    assert "\\<img" in markdown and "\\|" in markdown
    assert "````python" in markdown  # a fence longer than the code's own ```


def test_a_submission_name_never_leaves_out_or_takes_a_class_file(kit, tmp_path, capsys) -> None:
    """Zips named '...zip', '..zip' or 'gradebook.csv.zip' are graded under safe names
    inside --out, each renaming said in one line; the class's own files stay files."""
    empty_zip = b"PK\x05\x06" + b"\0" * 18
    learners = tmp_path / "class"
    learners.mkdir()
    for name in ("...zip", "..zip", "gradebook.csv.zip", ".grader.lock.zip"):
        (learners / name).write_bytes(empty_zip)
    (learners / "alice").mkdir()
    (learners / "alice.zip").write_bytes(empty_zip)
    above = tmp_path / "report.md"
    above.write_text("the instructor's own file", encoding="utf-8")
    out = tmp_path / "out"
    args = ["grade", str(learners), "--out", str(out), "--no-similarity"]
    assert main(args) == 0
    err = capsys.readouterr().err
    assert above.read_text(encoding="utf-8") == "the instructor's own file"
    assert (out / "gradebook.csv").is_file() and not (out / "results.json").exists()
    folders = {path.name for path in out.iterdir() if path.is_dir()}
    assert {"submission", "submission-2", "gradebook.csv-submission", "alice-2"} <= folders
    assert "'..' is not a safe folder name" in err and "'alice' is taken" in err
    assert len(_gradebook(out)) == 6


def test_a_class_of_copies_keeps_only_the_top_pairs(kit, tmp_path, monkeypatch) -> None:
    """n copies make n(n-1)/2 similar pairs: only the MAX_PAIRS first (most similar, then
    alphabetical) are kept, and only they get their code fragments cut (cut and kept for
    every pair, they held gigabytes in a class of 1,000)."""
    from grader.classwork import similarity

    monkeypatch.setattr(similarity, "MAX_PAIRS", 4)
    calls = []
    original_fragments = similarity._fragments

    def counting(*args):
        calls.append(args[0])
        return original_fragments(*args)

    monkeypatch.setattr(similarity, "_fragments", counting)
    folders = {}
    for name in ("fay", "ada", "eve", "bob", "cy", "dan"):
        shutil.copytree(kit.solutions, tmp_path / name, ignore=shutil.ignore_patterns("data"))
        folders[name] = tmp_path / name
    pairs = similarity.find_similar(folders, kit.exercises)
    assert [(p.first, p.second) for p in pairs] == [
        ("ada", "bob"),
        ("ada", "cy"),
        ("ada", "dan"),
        ("ada", "eve"),
    ]
    assert all(p.similarity == 1.0 and p.fragments for p in pairs)
    assert len(calls) <= 4 * len(similarity.EXERCISE_ORDER)  # 15 pairs are similar


def test_a_batch_keeps_the_graded_files_from_its_one_copy_of_the_submission(
    kit, tmp_path, monkeypatch
) -> None:
    from grader.checks.catalog import Category
    from grader.paths import EXERCISE_FILES
    from grader.pipeline import grade as grade_module

    source = tmp_path / "class" / "ann"
    shutil.copytree(kit.solutions, source, ignore=shutil.ignore_patterns("__pycache__"))
    (source / "notes.txt").write_text("not an exercise file\n", encoding="utf-8")
    options = GradingOptions(kit_root=kit.root, categories=(Category.VISIBLE,), base_seed=1)
    monkeypatch.setattr(batch, "_process_context", GradingContext.build(options))
    loads: list[Path] = []
    load = grade_module.load_submission

    def counting(path, *args, **kwargs):  # type: ignore[no-untyped-def]
        loads.append(path)
        return load(path, *args, **kwargs)

    monkeypatch.setattr(grade_module, "load_submission", counting)
    monkeypatch.setattr(batch, "load_submission", counting, raising=False)
    out = tmp_path / "out"
    (item,) = batch.plan_batch([source])

    outcome = batch._grade_and_write(item, out, "digest")

    assert not outcome.grader_error
    assert loads == [source]  # copied once, for grading; the kept files come from that copy
    kept = {path.name: path.read_bytes() for path in (out / "ann" / "code").iterdir()}
    assert kept == {
        name: (source / name).read_bytes() for name in EXERCISE_FILES if (source / name).is_file()
    }


def test_names_that_are_not_utf8_cost_nobody_their_results(kit, tmp_path, capsys) -> None:
    """A file, or a whole submission folder, named in bytes that are not UTF-8 (an archive
    from an old Windows tool, a Latin-1 file system): the batch grades every learner, says
    the name as best it can, and a second run skips what did not change."""
    import os

    root = tmp_path / "class"
    _learner(root, "alice", kit)
    odd_file = _learner(root, "bob", kit)
    (odd_file / os.fsdecode(b"notes-caf\xe9.txt")).write_bytes(b"bonjour")
    odd_folder = _learner(root, os.fsdecode(b"chlo\xe9"), kit)
    out = tmp_path / "out"
    argv = ["grade", str(root / "alice"), str(odd_file), str(odd_folder), "--out", str(out)]
    assert main([*argv, "--seed", "4"]) == 0
    rows = _gradebook(out)
    assert len(rows) == 3 and all(float(row["max_score"]) > 0 for row in rows)
    assert len(list(out.glob("*/results.json"))) == 3
    capsys.readouterr()
    assert main([*argv, "--seed", "4"]) == 0  # the second run skips all three
    assert "unchanged" in capsys.readouterr().err.lower()


def test_a_regrade_rewrites_the_exports_the_last_grade_wrote(kit, tmp_path, capsys) -> None:
    """grade --junit --canvas --roster, then regrade with an override only: the Canvas and
    JUnit files follow the new score (they were left stale), with the same roster."""
    _learner(tmp_path / "class", "alice", kit)
    out, junit, canvas = tmp_path / "out", tmp_path / "junit.xml", tmp_path / "canvas.csv"
    roster = tmp_path / "roster.csv"
    roster.write_text("name,student\nalice,Alice Martin\n", encoding="utf-8")
    exports = ["--junit", str(junit), "--canvas", str(canvas), "--roster", str(roster)]
    alice = str(tmp_path / "class" / "alice")
    assert main(["grade", alice, "--out", str(out), "--seed", "4", *exports]) == 0
    roster.unlink()  # the copy OUT keeps is what counts now
    before = canvas.read_text(encoding="utf-8")
    overrides = tmp_path / "overrides.yaml"
    overrides.write_text("- submission: alice\n  criterion: diagnosis\n  points: 3\n")
    capsys.readouterr()
    assert main(["regrade", str(out), "--overrides", str(overrides)]) == 0
    err = capsys.readouterr().err
    assert "rewriting the Canvas export" in err and "rewriting the JUnit XML" in err
    after = canvas.read_text(encoding="utf-8")
    score = float(_gradebook(out)[0]["score"])
    assert after != before and f"{score:.2f}" in after and "Alice Martin" in after
    assert 'name="alice"' in junit.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("name", "text", "option"),
    [
        (
            "overrides.yaml",
            "- submission: alice\n  check: check_flip_label\n  points: 0.1\n  points: 0.5\n",
            "--overrides",
        ),
    ],
)
def test_a_key_given_twice_in_an_instructors_yaml_is_one_line_naming_both(
    kit, tmp_path, capsys, name, text, option
) -> None:
    """YAML keeps the last of two equal keys without a word: an override's points (or a
    rubric's weight) would silently change. It is refused, naming the key and lines."""
    _learner(tmp_path / "class", "alice", kit)
    given = tmp_path / name
    given.write_text(text, encoding="utf-8")
    argv = ["grade", str(tmp_path / "class" / "alice"), "--out", str(tmp_path / "out")]
    assert main([*argv, option, str(given)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert "the key 'points' is given twice (lines 3 and 4)" in err[-1], err


def test_a_rubric_with_a_check_listed_twice_is_refused(kit, tmp_path) -> None:
    from grader.checks.catalog import discover_checks
    from grader.instructor.rubric import RubricError, load_rubric

    text = kit.rubric.read_text(encoding="utf-8")
    line = next(row for row in text.splitlines() if "check_add_intercept:" in row)
    rubric = tmp_path / "rubric.yaml"
    rubric.write_text(text.replace(line, f"{line}\n{line}", 1), encoding="utf-8")
    with pytest.raises(RubricError, match="'check_add_intercept' is given twice"):
        load_rubric(rubric, discover_checks())
