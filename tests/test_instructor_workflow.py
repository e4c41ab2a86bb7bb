"""The instructor's additions: overrides, the late policy, JUnit and Canvas exports, and
`grade` on a folder of submissions (issue 5)."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import shutil
import xml.etree.ElementTree as ET
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml

from grader.classwork.batch import expand_class_folders
from grader.classwork.canvas import canvas_text
from grader.classwork.classfolder import stored_view
from grader.classwork.gradebook import GradebookRow, gradebook_text
from grader.classwork.junit import junit_suite, junit_text
from grader.classwork.stored import StoredSubmission
from grader.cli import main
from grader.identity import Identity
from grader.instructor.late import LatePolicy, parse_late_policy
from grader.instructor.overrides import OverrideError, parse_overrides
from grader.instructor.rubric import Rubric, RubricError, parse_rubric
from grader.numbers import points_text
from grader.pipeline.adjust import adjust
from grader.pipeline.grade import GradingContext, GradingOptions, grade_submission
from grader.render.gradescope import to_gradescope
from grader.render.markdown import render_markdown
from grader.results import AdjustmentKind, Status

MANUAL = "check_why_lr_2_misbehaves"
DEADLINE = datetime(2026, 12, 1, 23, 59, tzinfo=timezone.utc)


def rubric_with_manual_points(context: GradingContext, points: float) -> Rubric:
    """The kit's rubric with the manual item worth `points` of the diagnosis criterion."""
    raw = yaml.safe_load(context.kit.rubric.read_text(encoding="utf-8"))
    diagnosis = next(c for c in raw["criteria"] if c["id"] == "diagnosis")
    diagnosis["checks"][MANUAL] = points
    return parse_rubric(raw, {spec.check_id: spec for spec in context.specs})


@pytest.fixture(scope="module")
def graded(kit):
    """The solutions graded under a rubric that gives the manual item 4 of its 20 points."""
    context = GradingContext.build(GradingOptions(kit_root=kit.root, base_seed=5))
    context.rubric = rubric_with_manual_points(context, 4)
    return context, grade_submission(kit.solutions, context, name="alice")


def _tests_sum(result) -> float:
    return sum(test["score"] for test in to_gradescope(result)["tests"])


def test_overrides_are_checked_against_the_rubric(graded) -> None:
    context, _ = graded
    rubric = context.rubric
    good = parse_overrides(
        [{"submission": "alice", "check": MANUAL, "points": 4, "comment": "clear"}], rubric
    )
    assert good[0].points == 4.0
    bad = [
        ({"submission": "alice", "check": "check_nothing", "points": 1}, "no check"),
        ({"submission": "alice", "criterion": "nothing", "points": 1}, "no criterion"),
        ({"submission": "alice", "check": MANUAL, "criterion": "diagnosis", "points": 1}, "either"),
        ({"submission": "alice", "criterion": "diagnosis", "points": 999}, "outside 0.."),
        ({"check": MANUAL, "points": 1}, "'submission' is missing"),
        ({"submission": "alice", "late_penalty": "maybe"}, "late_penalty"),
    ]
    for entry, problem in bad:
        with pytest.raises(OverrideError, match=problem) as caught:
            parse_overrides([entry], rubric, "overrides.yaml")
        assert "entry 1" in str(caught.value) and "\n" not in str(caught.value)


def test_a_manual_item_has_its_own_points_inside_its_criterion(graded) -> None:
    _, result = graded
    # Correct code earns every automatic point; the 4 manual points await review.
    assert result.score == pytest.approx(96)
    item = next(i for i in result.checks if i.outcome.check_id == MANUAL)
    assert (item.points, item.max_points) == (0, 4)
    assert sum(i.max_points for i in result.checks) == pytest.approx(result.max_score)
    diagnosis = next(c for c in result.criteria if c.criterion_id == "diagnosis")
    assert (diagnosis.points, diagnosis.max_points) == (pytest.approx(16), 20)


def test_an_override_of_a_manual_item_never_vanishes_under_a_cap(graded) -> None:
    """The issue's case: 4 points to two learners both showed 100/100 before."""
    context, result = graded
    for points in (4, 2.5, 0):
        overrides = parse_overrides(
            [{"submission": "alice", "check": MANUAL, "points": points}], context.rubric
        )
        adjusted = adjust(result, overrides)
        assert adjusted.score == pytest.approx(96 + points)
        assert _tests_sum(adjusted) == pytest.approx(adjusted.score, abs=0.01)
    # a learner who lost diagnosis points elsewhere gets the 4 in full too
    weaker = adjust(
        result,
        parse_overrides(
            [{"submission": "alice", "check": "check_lr_2_behaviour", "points": 0}],
            context.rubric,
        ),
    )
    both = adjust(
        result,
        parse_overrides(
            [
                {"submission": "alice", "check": "check_lr_2_behaviour", "points": 0},
                {"submission": "alice", "check": MANUAL, "points": 4},
            ],
            context.rubric,
        ),
    )
    assert both.score == pytest.approx(weaker.score + 4)


def test_the_tests_of_results_json_always_add_up_to_its_score(graded) -> None:
    context, result = graded
    policy = LatePolicy(DEADLINE, percent_per_day=10)
    late = DEADLINE + timedelta(hours=30)
    cases = {
        "automatic": ((), None, None),
        "criterion override": (
            [{"submission": "alice", "criterion": "diagnosis", "points": 7.5}],
            None,
            None,
        ),
        "late": ((), policy, late),
        "everything": (
            [
                {"submission": "alice", "check": MANUAL, "points": 3},
                {"submission": "alice", "criterion": "by_hand", "points": 12},
            ],
            policy,
            late,
        ),
        "waived": ([{"submission": "alice", "late_penalty": "waive"}], policy, late),
    }
    rubric = dataclasses.replace(context.rubric, late_policy=policy)
    for label, (entries, late_policy, submitted) in cases.items():
        overrides = parse_overrides(list(entries), rubric)
        adjusted = adjust(result, overrides, late_policy, submitted)
        document = to_gradescope(adjusted)
        total = sum(test["score"] for test in document["tests"])
        assert total == pytest.approx(document["score"], abs=0.01), label
        assert sum(t["max_score"] for t in document["tests"]) == pytest.approx(100, abs=0.01), label


def test_an_override_of_a_manual_item_without_points_is_a_one_line_error(kit) -> None:
    context = GradingContext.build(GradingOptions(kit_root=kit.root))
    zero = rubric_with_manual_points(context, 0)
    with pytest.raises(OverrideError, match="no points of its own") as caught:
        parse_overrides([{"submission": "alice", "check": MANUAL, "points": 1}], zero)
    assert "\n" not in str(caught.value)
    too_many = yaml.safe_load(kit.rubric.read_text(encoding="utf-8"))
    next(c for c in too_many["criteria"] if c["id"] == "diagnosis")["checks"][MANUAL] = 21
    with pytest.raises(RubricError, match="exceed"):
        parse_rubric(too_many, {spec.check_id: spec for spec in context.specs})


def test_a_manual_item_graded_by_the_instructor_counts_everywhere(graded) -> None:
    context, result = graded
    overrides = parse_overrides(
        [{"submission": "alice", "check": MANUAL, "points": 0, "comment": "too vague"}],
        context.rubric,
    )
    adjusted = adjust(result, overrides)
    item = next(i for i in adjusted.checks if i.outcome.check_id == MANUAL)
    assert item.points == 0 and "Instructor: too vague" in item.outcome.message
    assert adjusted.adjustments[0].kind is AdjustmentKind.OVERRIDE
    assert "Set by the instructor" in render_markdown(adjusted)
    document = to_gradescope(adjusted)
    assert document["extra_data"]["adjustments"][0]["comment"] == "too vague"
    # a criterion override sets that criterion, and the score follows
    overrides = parse_overrides(
        [{"submission": "alice", "criterion": "diagnosis", "points": 10}], context.rubric
    )
    lowered = adjust(result, overrides)
    assert lowered.score == pytest.approx(result.score - 16 + 10)
    assert GradebookRow.from_result(lowered).criteria["diagnosis"] == 10
    # someone else's override changes nothing
    other = parse_overrides(
        [{"submission": "bob", "criterion": "diagnosis", "points": 0}], context.rubric
    )
    assert adjust(result, other) == result


def test_the_late_policy_takes_its_percent_per_started_day(graded) -> None:
    _, result = graded
    policy = LatePolicy(DEADLINE, percent_per_day=10, max_days=3, grace_minutes=15)
    assert policy.days_late(DEADLINE + timedelta(minutes=10)) == 0
    assert policy.days_late(DEADLINE + timedelta(hours=25)) == 2
    assert policy.days_late(DEADLINE + timedelta(days=30)) == 3
    late = adjust(result, (), policy, DEADLINE + timedelta(hours=25))
    assert late.score == pytest.approx(result.score * 0.8) and late.days_late == 2
    row = GradebookRow.from_result(late)
    assert (row.late_days, round(row.penalty, 6)) == (2, round(result.score * 0.2, 6))
    header = gradebook_text([row]).splitlines()[0]
    assert "late_days,penalty" in header
    waived = adjust(
        result,
        parse_overrides(
            [{"submission": "alice", "late_penalty": "waive"}],
            dataclasses.replace(_rubric(graded), late_policy=policy),
        ),
        policy,
        DEADLINE + timedelta(hours=25),
    )
    assert waived.score == pytest.approx(result.score)
    assert waived.adjustments[0].kind is AdjustmentKind.WAIVED


def _rubric(graded):
    return graded[0].rubric


def test_two_overrides_of_one_check_are_a_one_line_error(graded) -> None:
    """Two entries for one submission and target: the last one won silently before, and
    the gradebook showed both."""
    rubric = _rubric(graded)
    entries = [
        {"submission": "alice", "check": MANUAL, "points": 4},
        {"submission": "bob", "check": MANUAL, "points": 1},
        {"submission": "alice", "check": MANUAL, "points": 2},
    ]
    with pytest.raises(OverrideError) as caught:
        parse_overrides(entries, rubric, "ov.yaml", (2, 5, 8))
    message = str(caught.value)
    assert message.startswith("ov.yaml: lines 2 and 8: ") and "\n" not in message
    assert MANUAL in message and "'alice'" in message
    for twice in (
        [{"submission": "alice", "criterion": "diagnosis", "points": p} for p in (1, 2)],
        [{"submission": "alice", "late_penalty": "waive"}] * 2,
    ):
        late = dataclasses.replace(rubric, late_policy=LatePolicy(DEADLINE, 10))
        with pytest.raises(OverrideError, match="entries 1 and 2"):
            parse_overrides(twice, late, "ov.yaml")
    # one check and one criterion of one submission, or one check of two: both fine
    assert len(parse_overrides(entries[:2], rubric)) == 2


def test_waiving_a_late_penalty_needs_a_late_policy(graded) -> None:
    """A waiver under a rubric without late_policy was accepted and showed nowhere."""
    rubric = _rubric(graded)
    assert rubric.late_policy is None  # the kit's rubric has none
    entry = [{"submission": "alice", "late_penalty": "waive", "comment": "ill"}]
    with pytest.raises(OverrideError) as caught:
        parse_overrides(entry, rubric, "ov.yaml", (3,))
    assert str(caught.value) == (
        "ov.yaml: line 3: entry 1: the rubric has no late_policy, so there is no late "
        "penalty to waive"
    )
    with_policy = dataclasses.replace(rubric, late_policy=LatePolicy(DEADLINE, 10))
    assert parse_overrides(entry, with_policy)[0].waive_late


def test_a_bad_late_policy_is_a_one_line_rubric_error() -> None:
    def fail(key: str, problem: str) -> RubricError:
        return RubricError(f"rubric.yaml: {key}: {problem}")

    for raw, key in [
        ({"deadline": "tomorrow", "percent_per_day": 10}, "deadline"),
        ({"deadline": "2026-12-01T23:59:00", "percent_per_day": 10}, "deadline"),  # no offset
        ({"deadline": "2026-12-01T23:59:00+00:00", "percent_per_day": 150}, "percent_per_day"),
        ({"deadline": "2026-12-01T23:59:00+00:00", "percent_per_day": 5, "when": 1}, "when"),
    ]:
        with pytest.raises(RubricError, match=key):
            parse_late_policy(raw, fail)
    assert parse_late_policy(None, fail) is None


def _view(result):
    """The class views' reading of a result (grader/classwork/classfolder.py)."""
    record = StoredSubmission(Identity(result.name, result.name), result=result)
    return stored_view(record, Path(result.name))


def test_junit_has_a_testcase_per_check_and_survives_any_output(graded) -> None:
    _, result = graded
    checks = list(result.checks)
    first, second = checks[0].outcome, checks[1].outcome
    checks[0] = dataclasses.replace(
        checks[0],
        outcome=dataclasses.replace(
            first, status=Status.FAILED, message="bad \x00\x1b[31m bytes <script>"
        ),
    )
    # A check that could not run (its function is a stub).
    checks[1] = dataclasses.replace(
        checks[1],
        outcome=dataclasses.replace(
            second, status=Status.SKIPPED, message="sigmoid is not written yet"
        ),
    )
    changed = dataclasses.replace(result, checks=tuple(checks))
    document = to_gradescope(changed)
    text = junit_text([junit_suite(_view(changed))])
    root = ET.fromstring(text.encode())
    suite = root.find("testsuite")
    assert len(suite.findall("testcase")) == len(result.checks) == int(suite.get("tests"))
    assert root.get("failures") == "1" and suite.find("testcase/failure") is not None
    skipped = {case.get("name"): case.find("skipped") for case in suite.iter("testcase")}
    skipped = {
        name: element.get("message") for name, element in skipped.items() if element is not None
    }
    assert skipped[document["tests"][1]["name"]] == "not run: sigmoid is not written yet"
    assert "awaiting instructor review" in skipped.values()  # the manual item


def test_canvas_export_has_points_possible_and_uses_the_roster() -> None:
    rows = [GradebookRow("alice", 91.5, 100), GradebookRow("bob", 40, 100)]
    from grader.instructor.roster import Student

    text = canvas_text(rows, {"alice": Student("Alice A", "17", "s17", "alice", "A1")})
    table = list(csv.reader(io.StringIO(text)))
    assert table[0][:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assert table[1] == ["Points Possible", "", "", "", "", "100.00"]
    assert table[2] == ["Alice A", "17", "s17", "alice", "A1", "91.50"]
    assert table[3][3] == "bob" and table[3][5] == "40.00"


def test_a_class_folder_holds_one_submission_per_folder_or_zip(tmp_path: Path, kit) -> None:
    class_folder = tmp_path / "class"
    (class_folder / "alice").mkdir(parents=True)
    shutil.copy(kit.solutions / "logistic_scratch.py", class_folder / "alice")
    (class_folder / "bob" / "exercises").mkdir(parents=True)
    shutil.copy(kit.solutions / "ex1_hand_gradient.py", class_folder / "bob" / "exercises")
    with zipfile.ZipFile(class_folder / "carol.zip", "w") as archive:
        archive.write(kit.solutions / "ex1_hand_gradient.py", "ex1_hand_gradient.py")
    (class_folder / "README.txt").write_text("submissions of week 3")
    (class_folder / ".DS_Store").write_text("")
    found = expand_class_folders([class_folder])
    assert [path.name for path in found] == ["alice", "bob", "carol.zip"]
    assert expand_class_folders([class_folder / "alice"]) == [class_folder / "alice"]


def test_grade_a_class_with_overrides_junit_and_canvas(tmp_path: Path, kit) -> None:
    class_folder = tmp_path / "week 3"
    shutil.copytree(kit.solutions, class_folder / "alice")
    (class_folder / "bob").mkdir()
    (tmp_path / "overrides.yaml").write_text(
        "- submission: alice\n  criterion: diagnosis\n  points: 18\n  comment: partly right\n"
    )
    out = tmp_path / "out"
    code = main(
        [
            "grade", str(class_folder), "--out", str(out), "--seed", "3",
            "--overrides", str(tmp_path / "overrides.yaml"),
            "--junit", str(tmp_path / "junit.xml"), "--canvas", str(tmp_path / "canvas.csv"),
        ]
    )  # fmt: skip
    assert code == 0
    alice = json.loads((out / "alice" / "results.json").read_text())
    assert alice["extra_data"]["adjustments"][0]["comment"] == "partly right"
    suites = ET.parse(tmp_path / "junit.xml").getroot().findall("testsuite")
    assert [suite.get("name") for suite in suites] == ["alice", "bob"]
    canvas = list(csv.reader((tmp_path / "canvas.csv").open(encoding="utf-8-sig")))
    assert [row[3] for row in canvas[2:]] == ["alice", "bob"]
    # a bad overrides file stops before grading, with one line and exit status 2
    (tmp_path / "bad.yaml").write_text("- submission: zed\n  criterion: diagnosis\n  points: 1\n")
    assert main(["grade", str(class_folder), "--out", str(tmp_path / "o2"),
                 "--overrides", str(tmp_path / "bad.yaml")]) == 2  # fmt: skip
    assert not (tmp_path / "o2").exists()


def test_validate_counts_only_automatic_points_as_due(graded) -> None:
    from grader.commands.validate import _not_full

    _, result = graded  # the solutions, with 4 manual points pending
    assert _not_full(result, "solutions") == []
    short = dataclasses.replace(result, score=result.score - 1)
    assert "automatic points" in _not_full(short, "solutions")[0]


def test_the_class_folder_reads_a_checks_exercise_and_criterion_from_the_typed_record(
    graded,
) -> None:
    _, result = graded
    stored = _view(result)
    by_name = {test.name: test for test in stored.checks}
    for item in result.checks:
        assert by_name[item.outcome.check_id].exercise == item.outcome.exercise
        assert by_name[item.outcome.check_id].criterion == item.criterion_id


def test_an_override_judges_the_check_so_no_status_contradicts_its_points(graded) -> None:
    """Full points by the instructor pass a check (a skipped or failed one too), fewer fail
    it: results.json and JUnit never show "not run" or "failed" beside full points."""
    context, result = graded
    checks = [dataclasses.replace(item) for item in result.checks]
    index = next(i for i, item in enumerate(checks) if item.outcome.check_id == "check_flip_label")
    skipped = dataclasses.replace(checks[index].outcome, status=Status.SKIPPED, message="stub")
    checks[index] = dataclasses.replace(checks[index], outcome=skipped, points=0.0)
    unjudged = dataclasses.replace(result, checks=tuple(checks))
    full = checks[index].max_points
    shown = round(full, 4)  # what results.json shows, and an instructor copies
    reported = float(points_text(full))  # what the reports show (2 decimals: 1.17)
    assert reported != shown
    for points, status in (
        (full, Status.PASSED),
        (shown, Status.PASSED),
        (reported, Status.PASSED),
        (full / 2, Status.FAILED),
    ):
        overrides = parse_overrides(
            [{"submission": "alice", "check": "check_flip_label", "points": points}],
            context.rubric,
        )
        adjusted = adjust(unjudged, overrides)
        item = next(i for i in adjusted.checks if i.outcome.check_id == "check_flip_label")
        assert item.outcome.status is status
        assert item.points == (full if status is Status.PASSED else pytest.approx(points))
        test = next(t for t in to_gradescope(adjusted)["tests"] if t["name"] == "check_flip_label")
        if status is Status.PASSED:  # Gradescope draws no deduction that is not there
            assert test["score"] == test["max_score"] == shown
        assert "skipped" not in test["tags"]
        assert test["status"] == ("passed" if status is Status.PASSED else "failed")
