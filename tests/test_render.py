"""The render stage: results.json (Gradescope), report.md, report.html and gradebook.csv."""

from __future__ import annotations

import csv
import json
import math
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from grader.checks.misconceptions import CATALOG
from grader.render import write_submission_reports
from grader.render.gradebook import GradebookRow, write_gradebook
from grader.render.gradescope import to_gradescope, write_fallback_results, write_results_json
from grader.render.html import render_html
from grader.render.markdown import render_markdown
from grader.results import (
    CheckOutcome,
    CriterionScore,
    GradedSubmission,
    Isolation,
    ScoredCheck,
    Status,
)

INJECTION = '<script>alert("x")</script> & <img src=x onerror=alert(1)>'
HIDDEN_MESSAGE = "fit_logistic does not reach the loss it should on other data."
CRITERIA = (
    ("by_hand", "Computation by hand", 20.0),
    ("numpy_implementation", "NumPy implementation, metrics, ECE and scikit-learn", 60.0),
    ("diagnosis", "Diagnosis of failure modes", 20.0),
)


def scored(
    check_id: str,
    exercise: str,
    criterion: str,
    status: Status,
    max_points: float,
    **outcome: Any,
) -> ScoredCheck:
    """A scored check, scored as the rubric does: full points for a passed automatic check."""
    manual = outcome.get("manual", False)
    points = max_points if status is Status.PASSED and not manual else 0.0
    return ScoredCheck(
        CheckOutcome(check_id, exercise, status, **outcome), criterion, points, max_points
    )


def make_result(*checks: ScoredCheck, **changes: Any) -> GradedSubmission:
    """A submission with the given checks; criteria totals follow from them."""
    if not checks:
        checks = default_checks()
    criteria = tuple(
        CriterionScore(
            cid,
            title,
            f"What {cid} covers.",
            sum(item.points for item in checks if item.criterion_id == cid),
            maximum,
        )
        for cid, title, maximum in CRITERIA
    )
    fields: dict[str, Any] = {
        "name": "alice",
        "score": sum(item.points for item in checks),
        "max_score": 100.0,
        "checks": checks,
        "criteria": criteria,
        "seed": 271828182845,
        "isolation": Isolation("namespaces", ("no network", "read-only kit"), ("seccomp filter",)),
        "grader_version": "9.8.7",
        "graded_at": "2026-03-01T12:00:00+00:00",
        "duration_s": 12.345,
        "notices": ("Ignored notes.txt: not an exercise file.",),
    }
    fields.update(changes)
    return GradedSubmission(**fields)


def default_checks() -> tuple[ScoredCheck, ...]:
    return (
        scored("check_hand_ece", "ex4_manual_ece", "by_hand", Status.PASSED, 20.0 / 3),
        scored(
            "check_first_batch_gradient",
            "ex1_hand_gradient",
            "by_hand",
            Status.FAILED,
            20.0 / 3,
            message="Your gradient is [1, 2, 3].\nExpected within 0.002 of the exact value.",
        ),
        scored(
            "check_threshold_is_inclusive",
            "logistic_scratch",
            "numpy_implementation",
            Status.FAILED,
            1.2121,
            message="A ticket at p == t was predicted calm.",
            misconceptions=("M09", "M99"),
        ),
        scored(
            "check_fit_logistic_held_out",
            "logistic_scratch",
            "numpy_implementation",
            Status.FAILED,
            1.5,
            message=HIDDEN_MESSAGE,
            hidden=True,
        ),
        scored(
            "check_roc_points",
            "logistic_scratch",
            "numpy_implementation",
            Status.ERROR,
            1.0,
            message="The grader could not run this check; your instructor has been told.",
            grader_error="Traceback: KeyError('expected_auc')",
        ),
        scored(
            "check_diagnosis_essay",
            "ex7_diagnosis",
            "diagnosis",
            Status.PASSED,
            0.0,
            message="Awaiting instructor review.",
            manual=True,
        ),
        scored(
            "check_sigmoid_values",
            "logistic_scratch",
            "numpy_implementation",
            Status.FAILED,
            1.0,
            message=INJECTION,
        ),
    )


def strict_loads(text: str) -> Any:
    def refuse(constant: str) -> None:
        raise ValueError(f"non-standard JSON constant {constant}")

    return json.loads(text, parse_constant=refuse)


def by_name(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {test["name"]: test for test in document["tests"]}


# --- Gradescope -----------------------------------------------------------------------------


@pytest.fixture()
def document(tmp_path: Path) -> dict[str, Any]:
    path = tmp_path / "results.json"
    write_results_json(make_result(), path)
    return strict_loads(path.read_text(encoding="utf-8"))


def test_gradescope_top_level_schema(document: dict[str, Any]) -> None:
    for key, kind in [
        ("score", float),
        ("max_score", float),
        ("execution_time", float),
        ("output", str),
        ("tests", list),
        ("extra_data", dict),
    ]:
        assert isinstance(document[key], kind), key
    assert document["visibility"] == "visible"
    assert document["stdout_visibility"] == "hidden"
    assert document["execution_time"] == pytest.approx(12.345)
    output = document["output"]
    for expected in ["/ 100", "namespaces", "271828182845", "9.8.7", "Ignored notes.txt"]:
        assert expected in output


def test_gradescope_tests_schema(document: dict[str, Any]) -> None:
    assert len(document["tests"]) == len(default_checks())
    for test in document["tests"]:
        assert isinstance(test["name"], str)
        assert isinstance(test["score"], float | int)
        assert isinstance(test["max_score"], float | int)
        assert test["status"] in {"passed", "failed"}
        assert isinstance(test["output"], str)
        assert test["visibility"] == "visible"
        assert all(isinstance(tag, str) for tag in test["tags"])
        assert test["score"] == round(test["score"], 4)


def test_score_is_the_sum_of_the_tests(document: dict[str, Any]) -> None:
    assert document["score"] == pytest.approx(sum(t["score"] for t in document["tests"]), abs=1e-3)
    assert document["score"] == 6.6667  # rounded to 4 decimals


def test_gradescope_tags(document: dict[str, Any]) -> None:
    tests = by_name(document)
    assert tests["check_hand_ece"]["tags"] == ["ex4_manual_ece", "by_hand"]
    assert tests["check_threshold_is_inclusive"]["tags"] == [
        "logistic_scratch",
        "numpy_implementation",
        "misconception:M09",
        "misconception:M99",
    ]
    assert "hidden" in tests["check_fit_logistic_held_out"]["tags"]
    assert "manual" in tests["check_diagnosis_essay"]["tags"]
    assert "grader-error" in tests["check_roc_points"]["tags"]
    assert "hidden" not in tests["check_hand_ece"]["tags"]


def test_grader_error_is_failed_and_not_the_learners_fault(document: dict[str, Any]) -> None:
    test = by_name(document)["check_roc_points"]
    assert test["status"] == "failed"
    assert test["score"] == 0
    assert "not your fault" in test["output"]
    # The instructor-facing detail stays out of what the learner reads.
    assert "KeyError" not in test["output"]
    assert "KeyError" in document["extra_data"]["check_errors"]["check_roc_points"]


def test_misconceptions_are_explained(document: dict[str, Any]) -> None:
    output = by_name(document)["check_threshold_is_inclusive"]["output"]
    entry = CATALOG["M09"]
    assert output.startswith("A ticket at p == t was predicted calm.\n\n")
    assert f"Recognized mistake M09: {entry.title}." in output
    assert f"Symptom: {entry.symptom}. Cause: {entry.cause}. Fix: {entry.fix}." in output
    assert "Recognized mistake M99." in output  # not in the catalog: named, not explained


def test_hidden_check_output_is_its_message_only(document: dict[str, Any]) -> None:
    assert by_name(document)["check_fit_logistic_held_out"]["output"] == HIDDEN_MESSAGE


def test_extra_data(document: dict[str, Any]) -> None:
    extra = document["extra_data"]
    assert extra["seed"] == 271828182845
    assert extra["grader_version"] == "9.8.7"
    assert extra["graded_at"] == "2026-03-01T12:00:00+00:00"
    assert extra["isolation"] == {
        "level": "namespaces",
        "in_force": ["no network", "read-only kit"],
        "missing": ["seccomp filter"],
    }
    assert [c["id"] for c in extra["criteria"]] == [cid for cid, _, _ in CRITERIA]
    assert set(extra["criteria"][0]) == {"id", "title", "points", "max_points"}
    assert extra["grader_errors"] == []


def test_non_finite_numbers_never_reach_the_json(tmp_path: Path) -> None:
    checks = default_checks()
    broken = replace(checks[0], points=math.nan, max_points=math.inf)
    result = make_result(broken, *checks[1:], score=math.nan, duration_s=-math.inf)
    path = tmp_path / "results.json"
    write_results_json(result, path)
    document = strict_loads(path.read_text(encoding="utf-8"))
    assert document["score"] == 0
    assert document["execution_time"] == 0
    # Each replaced number is reported: 2 in the check, the score, the time, the criterion.
    assert len(document["extra_data"]["grader_errors"]) == 5


def test_to_gradescope_is_plain_json(tmp_path: Path) -> None:
    document = to_gradescope(make_result())
    assert strict_loads(json.dumps(document, allow_nan=False)) == document


def test_fallback_results_are_valid(tmp_path: Path) -> None:
    write_fallback_results(tmp_path / "bob", "<bob>", "Traceback: boom", max_score=100)
    document = strict_loads((tmp_path / "bob" / "results.json").read_text(encoding="utf-8"))
    assert document["score"] == 0 and document["max_score"] == 100
    assert document["tests"] == []
    assert "not your fault" in document["output"]
    assert document["extra_data"]["grader_errors"] == ["Traceback: boom"]
    assert "&lt;bob&gt;" in (tmp_path / "bob" / "report.html").read_text(encoding="utf-8")
    assert "boom" not in (tmp_path / "bob" / "report.md").read_text(encoding="utf-8")


# --- Markdown and HTML ----------------------------------------------------------------------


@pytest.mark.parametrize("render", [render_markdown, render_html])
def test_reports_state_score_criteria_and_run(render: Any) -> None:
    text = render(make_result())
    assert "6.67 / 100" in text
    for _, title, _ in CRITERIA:
        assert title in text
    for expected in ["namespaces", "no network", "seccomp filter", "271828182845", "9.8.7"]:
        assert expected in text
    assert "2026-03-01T12:00:00+00:00" in text and "12.3 s" in text
    assert "(held-out data)" in text
    assert "awaiting instructor review" in text
    assert "not your fault" in text
    assert CATALOG["M09"].fix in text.replace("&gt;", ">").replace("\\>", ">")
    assert "Traceback" not in text  # grader errors are for the instructor


def test_markdown_layout() -> None:
    text = render_markdown(make_result())
    assert text.startswith("# Grading report: alice\n")
    assert "| Computation by hand (`by_hand`) | 6.67 / 20 | 1 of 2 |" in text
    assert "## `logistic_scratch.py`" in text
    assert "- ✅ **passed**: `check_hand_ece`" in text
    assert "- ⚠️ **grader error**: `check_roc_points`" in text
    assert "- ⏳ **awaiting instructor review**: `check_diagnosis_essay`" in text
    # A multi-line message stays a block quote inside its list item, line breaks kept.
    assert "  > Your gradient is \\[1, 2, 3\\].  \n  > Expected within 0.002" in text


def test_markdown_escapes_learner_text() -> None:
    text = render_markdown(make_result(name="a_b*c"))
    assert re.search(r"(?<!\\)<", text) is None  # no unescaped "<" anywhere
    assert "\\<script\\>" in text
    assert "# Grading report: a\\_b\\*c" in text


def test_html_escapes_learner_text() -> None:
    result = make_result(name="<b>eve</b>", notices=("<script>alert(2)</script>",))
    page = render_html(result)
    assert "<script" not in page and "<img" not in page and "<b>eve" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    assert "&lt;b&gt;eve&lt;/b&gt;" in page


def test_html_is_self_contained_and_accessible() -> None:
    page = render_html(make_result())
    assert page.startswith('<!DOCTYPE html>\n<html lang="en">')
    assert "<caption>" in page and "<h1>" in page and "<h2" in page
    assert "http://" not in page and "https://" not in page and "<link" not in page
    assert "<script" not in page
    # Each status has words next to its colour and emoji.
    for label in ["passed", "failed", "grader error", "awaiting instructor review"]:
        assert f"</span> {label}</span>" in page


def test_write_submission_reports(tmp_path: Path) -> None:
    folder = tmp_path / "out" / "alice"
    paths = write_submission_reports(make_result(), folder)
    assert sorted(path.name for path in folder.iterdir()) == [
        "report.html",
        "report.md",
        "results.json",
    ]
    assert set(paths) == {"results.json", "report.html", "report.md"}
    strict_loads((folder / "results.json").read_text(encoding="utf-8"))


# --- Gradebook ------------------------------------------------------------------------------


def test_gradebook_round_trips(tmp_path: Path) -> None:
    names = ['Müller, Zoë "Z"', "Łukasz Żółć", "plain", "=HYPERLINK(1)"]
    rows = [GradebookRow.from_result(make_result(name=name)) for name in names[:3]]
    rows.append(GradebookRow.empty(names[3], max_score=100))
    path = tmp_path / "gradebook.csv"
    write_gradebook(rows, path)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # a BOM: Excel reads UTF-8
    with path.open(encoding="utf-8-sig", newline="") as handle:
        table = list(csv.reader(handle))
    assert table[0] == [
        "name",
        "score",
        "max_score",
        "by_hand",
        "numpy_implementation",
        "diagnosis",
        "submitted_at",
        "overrides",
        "late_waived",
    ]
    assert [row[0] for row in table[1:]] == [*names[:3], "'=HYPERLINK(1)"]
    assert table[1][1:6] == ["6.67", "100.00", "6.67", "0.00", "0.00"]
    assert table[4][1:6] == ["0.00", "100.00", "", "", ""]


def test_gradebook_accepts_results_and_a_column_order(tmp_path: Path) -> None:
    path = tmp_path / "gradebook.csv"
    write_gradebook([make_result()], path, criteria=["diagnosis", "by_hand"])
    with path.open(encoding="utf-8-sig", newline="") as handle:
        table = [row[:5] for row in csv.reader(handle)]
    assert table == [
        ["name", "score", "max_score", "diagnosis", "by_hand"],
        ["alice", "6.67", "100.00", "0.00", "6.67"],
    ]
