"""The render stage: results.json (Gradescope), report.md, report.html and gradebook.csv."""

from __future__ import annotations

import csv
import dataclasses
import json
import math
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from grader.checks.misconceptions import CATALOG
from grader.classwork.gradebook import GradebookRow, write_gradebook
from grader.render import write_submission_reports
from grader.render.gradescope import to_gradescope, write_fallback_results, write_results_json
from grader.render.html import render_html
from grader.render.markdown import render_markdown
from grader.render.terminal import render_self_check
from grader.render.view_model import fix_first
from grader.results import (
    Cause,
    CauseKind,
    CheckOutcome,
    CriterionScore,
    GradedSubmission,
    Isolation,
    ScoredCheck,
    Status,
    Where,
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
            Status.REVIEW,
            0.0,
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
    for expected in ["/ 100", "271828182845", "9.8.7", "Ignored notes.txt"]:
        assert expected in output
    # learners read this output: the sandbox in one sentence (extra_data has the detail)
    assert "Your code ran in a sandbox without network." in output
    assert "seccomp filter" not in output


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
    assert document["score"] == pytest.approx(sum(t["score"] for t in document["tests"]), abs=0.01)
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
    assert "Your code ran in a sandbox without network." in text
    assert "(held-out data)" in text
    # the fixture's manual item has no points in the rubric: no review is promised
    assert "not graded (no points)" in text and "awaiting instructor review" not in text
    assert "not your fault" in text
    assert CATALOG["M09"].fix in text.replace("&gt;", ">").replace("\\>", ">")
    assert "Traceback" not in text  # grader errors are for the instructor
    # The instructor's copy has the isolation in full, and what reproduces the run.
    detailed = render(make_result(), detail=True)
    for expected in ["namespaces", "no network", "seccomp filter", "271828182845", "9.8.7"]:
        assert expected in detailed
    assert "2026-03-01T12:00:00+00:00" in detailed and "12.3 s" in detailed


def test_markdown_layout() -> None:
    text = render_markdown(make_result())
    assert text.startswith("# Grading report: alice\n")
    assert "| Computation by hand (`by_hand`) | 6.67 / 20 | 1 of 2 |" in text
    assert "## `logistic_scratch.py`" in text
    assert "- ✅ **passed**: `check_hand_ece`" in text
    assert "- ⚠️ **grader error**: `check_roc_points`" in text
    # a manual item without points in the rubric: no review is promised (issue 23)
    assert "- 📝 **not graded (no points)**: `check_diagnosis_essay`" in text
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
    # Each status has words next to its colour and its icon, an inline SVG (no emoji font).
    for label in ["passed", "failed", "grader error", "not graded (no points)"]:
        assert re.search(
            rf'<span class="status"><svg class="icon"[^>]*>.*?</svg> {re.escape(label)}</span>',
            page,
            re.DOTALL,
        ), label
    assert not any(emoji in page for emoji in "✅❌⚠⏳⏸✏")


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


# --- one cause said once; what to fix first; the page at a glance --------------------------

REAL_ISOLATION = Isolation(
    "namespaces",
    (
        "a wall-clock limit of 10 s per call, enforced with SIGKILL",
        "resource limits: 2048 MB of address space, 256 processes, no core dumps",
        "a pids cgroup: at most 256 processes, whoever runs them",
        "network namespace: no network at all, not even the machine's own loopback",
    ),
    (
        "unprivileged user: the learner's code runs as uid 0; the kernel does not apply "
        "RLIMIT_NPROC to uid 0 (the pids cgroup does)",
    ),
    # the sandbox writes it (isolation.learner_sentence); no renderer reads in_force's words
    summary="Your code ran in a sandbox without network, with a 10 s limit per call.",
)


def _stub(check_id: str, function: str, line: int, exercise: str = "logistic_scratch"):
    where = Where(exercise, line, function)
    cause = Cause(CauseKind.NOT_WRITTEN, exercise, function, where.text, where)
    return scored(
        check_id,
        exercise,
        "numpy_implementation",
        Status.SKIPPED,
        1.0,
        message=f"{function}() raised NotImplementedError",
        cause=cause,
    )


def causes_result() -> GradedSubmission:
    broken = Cause(
        CauseKind.BROKEN_FILE,
        "ex2_learning_rate",
        detail="ex2_learning_rate.py has a syntax error on line 7: invalid syntax",
    )
    return make_result(
        _stub("check_scratch_imports_numpy_only", "sigmoid", 34),
        _stub("check_add_intercept", "add_intercept", 23),
        _stub("check_sigmoid_values", "sigmoid", 34),
        scored(
            "check_log_loss_values", "logistic_scratch", "numpy_implementation", Status.PASSED, 1.0
        ),
        *(
            scored(
                check_id,
                "ex2_learning_rate",
                "numpy_implementation",
                Status.SKIPPED,
                1.0,
                message=broken.detail,
                cause=broken,
            )
            for check_id in ("check_loss_history_stable", "check_classify_run")
        ),
        isolation=REAL_ISOLATION,
    )


def test_the_learners_about_is_one_plain_sentence() -> None:
    for text in (render_html(causes_result()), render_markdown(causes_result())):
        about = text.split("About this run")[-1] if "About this run" in text else text
        assert "Your code ran in a sandbox without network, with a 10 s limit per call." in text
        for jargon in ("RLIMIT_NPROC", "uid 0", "cgroup", "SIGKILL", "namespace"):
            assert jargon not in about, jargon
    detailed = render_html(causes_result(), detail=True)
    assert "RLIMIT_NPROC" in detailed and "pids cgroup" in detailed


@pytest.mark.parametrize("render", [render_markdown, render_html, render_self_check])
def test_a_stub_is_one_entry_with_its_checks_under_it(render: Any) -> None:
    text = render(causes_result())
    assert text.count("sigmoid()") == 1
    assert "NotImplementedError" not in text  # the entry says it; no message per check
    if render is render_self_check:
        assert "TODO  add_intercept() is not written yet (logistic_scratch.py, line 23)" in text
        assert "check_scratch_imports_numpy_only, check_sigmoid_values" in text
    # the stubs come in file order, whatever order their checks ran in
    assert text.index("add_intercept()") < text.index("sigmoid()")


@pytest.mark.parametrize("render", [render_markdown, render_html, render_self_check])
def test_a_broken_file_is_noted_once_and_its_checks_not_run(render: Any) -> None:
    text = render(causes_result())
    assert text.count("syntax error on line 7") == 1  # the file's note, not once per check
    assert "not run" in text.lower()


def test_fix_first_names_the_earliest_failing_function_and_links_to_it() -> None:
    page = render_html(causes_result())
    summary = re.search(r'<nav class="summary".*?</nav>', page, re.DOTALL).group(0)
    assert "Fix first:" in summary and "write add_intercept() in logistic_scratch.py" in summary
    anchor = re.search(r'href="#([^"]+)"', summary).group(1)
    assert f'id="{anchor}"' in page
    assert re.search(r"\.summary \{[^}]*position: sticky; top: 0", page)
    text = render_self_check(causes_result())
    assert (
        "Fix first: write add_intercept() in logistic_scratch.py (see its TODO, line 23)." in text
    )


def test_the_terminal_block_of_an_untouched_file_is_one_line() -> None:
    result = make_result(
        _stub("check_flip_label", "flip_label", 15, "ex5_label_flip"),
        _stub("check_label_flip_experiment", "label_flip_experiment", 26, "ex5_label_flip"),
    )
    block = [line for line in render_self_check(result).splitlines() if line.startswith("ex5")]
    assert block == [
        "ex5_label_flip.py: not started: flip_label(), label_flip_experiment() not written "
        "yet (2 checks wait)"
    ]


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two #rrggbb colours."""
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_contrast_helper_can_fail() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") < 4.5  # a grey that fails AA


def test_status_colours_differ_and_meet_wcag_aa() -> None:
    page = render_html(causes_result())
    colours = dict(re.findall(r"--([a-z-]+): (#[0-9a-f]{6})", page))
    kinds = ("passed", "failed", "error", "review", "not-run", "todo")
    for kind in kinds:
        for background in ("#ffffff", colours[f"{kind}-tint"]):
            assert contrast(colours[kind], background) >= 4.5, (kind, background)
        # the page's ordinary and muted text on each row's tint
        assert contrast("#1f2328", colours[f"{kind}-tint"]) >= 4.5, kind
        assert contrast("#57606a", colours[f"{kind}-tint"]) >= 4.5, kind
    assert len({colours[kind] for kind in kinds}) == len(kinds)
    # the rows' colours win over the generic row rule (the old bug: both bars grey)
    for kind in kinds:
        assert f"ul.checks > li.{kind} {{ border-left-color: var(--{kind})" in page


def test_the_sentence_reads_the_isolation_the_sandbox_reports() -> None:
    from grader.render.view_model import sandbox_sentence
    from grader.sandbox import Limits, isolation_report, probe
    from grader.sandbox.confine import Confinement, Stack

    for stack in (probe.best().stack, Stack("process")):
        isolation = isolation_report(Limits(call_timeout_s=7), Confinement(stack=stack))
        sentence = sandbox_sentence(isolation)
        assert sentence.endswith(", with a 7 s limit per call."), sentence
        if isolation.level in ("namespaces", "landlock"):
            assert "without network" in sentence
        else:
            assert "network" not in sentence


def test_fix_first_names_the_check_that_recognized_the_mistake() -> None:
    """A flipped sigmoid fails the import rule (gated on sigmoid) first in file order; the
    summary names the check that recognized M02, which says what to change."""
    from grader.render.view_model import fix_first

    def failed(check_id: str, misconceptions: tuple[str, ...] = ()) -> CheckOutcome:
        return CheckOutcome(
            check_id,
            "logistic_scratch",
            Status.FAILED,
            message="wrong",
            misconceptions=misconceptions,
            learner_calls=("logistic_scratch.sigmoid",),
        )

    outcomes = [
        failed("check_scratch_imports_numpy_only"),
        failed("check_sigmoid_values", ("M02",)),
    ]
    sentence, anchor = fix_first(outcomes)
    assert sentence.startswith("sigmoid() in logistic_scratch.py: check_sigmoid_values fails")
    assert "M02" in sentence and anchor == "check-check_sigmoid_values"


def test_a_skipped_check_is_failed_with_a_tag_in_results_json_and_skipped_in_the_views() -> None:
    """Gradescope knows only passed/failed: a check that could not run (a stub, a broken
    file) is "failed" with no points and the tag "skipped"; the class views read the typed
    record, where it is SKIPPED (JUnit's <skipped>, never a <failure>)."""
    from grader.classwork.classfolder import stored_view
    from grader.classwork.stored import StoredSubmission
    from grader.identity import Identity

    document = to_gradescope(causes_result())
    tests = {test["name"]: test for test in document["tests"]}
    stub = tests["check_add_intercept"]
    assert stub["status"] == "failed" and stub["score"] == 0 and "skipped" in stub["tags"]
    assert "skipped" not in tests["check_log_loss_values"]["tags"]
    record = StoredSubmission(Identity("alice", "alice"), result=causes_result())
    stored = {t.name: t.status for t in stored_view(record, Path("alice")).tests}
    assert stored["check_add_intercept"] is Status.SKIPPED
    assert stored["check_classify_run"] is Status.SKIPPED  # a broken file's check
    assert stored["check_log_loss_values"] is Status.PASSED


def test_a_passed_test_carries_its_max_score_and_tests_add_up_within_a_cent() -> None:
    """Points such as 100/103 per check: each passed test carries exactly its max_score
    (rounded together to add up to the 4th decimal, one carried 0.9708 of 0.9709 and
    Gradescope showed a deduction that is not there); the tests add up to the score
    within 0.01 (Gradescope shows the top-level score)."""
    statuses = [Status.PASSED if i % 3 else Status.FAILED for i in range(103)]
    checks = tuple(
        scored(f"check_{i}", "logistic_scratch", "numpy_implementation", status, 100 / 103)
        for i, status in enumerate(statuses)
    )
    document = to_gradescope(make_result(*checks, max_score=100.0))
    tests = document["tests"]
    for test in tests:
        assert test["max_score"] == 0.9709
        assert test["score"] == (test["max_score"] if test["status"] == "passed" else 0)
    assert abs(sum(test["score"] for test in tests) - document["score"]) <= 0.01
    assert abs(sum(test["max_score"] for test in tests) - document["max_score"]) <= 0.01


def test_one_score_reads_the_same_in_every_output() -> None:
    """results.json keeps 37.165; the report had the unrounded sum: the gradebook said
    37.16 (Python's round of the binary 37.1649...), the report 37.17."""
    from grader.classwork.batch import BatchItem, BatchOutcome
    from grader.classwork.gradebook import number_cell
    from grader.classwork.progress import describe
    from grader.numbers import points_text

    for value in (37.165, 37.1650000001, 37.16499999999):
        assert number_cell(value) == "37.17" and points_text(value) == "37.17"
    # The terminal too: grade's progress line said 93.83 where the reports say 93.84.
    row = GradebookRow("alice", 93.835, 100.0)
    line = describe(BatchOutcome(BatchItem(Path("alice"), "alice"), row, 1.0))
    assert line.startswith("alice: 93.84/100 ") and points_text(93.835) == "93.84"


def test_a_broken_files_note_goes_once_the_instructor_has_judged_its_checks() -> None:
    """After an override passes every check of a file that did not import, no "not run"
    note stays above the passed checks."""
    result = causes_result()
    judged = tuple(
        dataclasses.replace(item, outcome=dataclasses.replace(item.outcome, status=Status.PASSED))
        if item.outcome.exercise == "ex2_learning_rate"
        else item
        for item in result.checks
    )
    text = render_markdown(dataclasses.replace(result, checks=judged))
    assert "did not run; fix this first" not in text
    assert "did not run; fix this first" in render_markdown(result)


def test_gradescope_output_says_what_to_fix_first(document: dict[str, Any]) -> None:
    # The same line the self-check ends with: the earliest failing function.
    first = next(line for line in document["output"].splitlines() if line.startswith("Fix"))
    expected, _ = fix_first([item.outcome for item in make_result().checks])
    assert expected and first == f"Fix first: {expected}"


def test_gradescope_output_has_no_fix_first_at_full_marks(tmp_path: Path) -> None:
    passed = tuple(
        replace(item, outcome=replace(item.outcome, status=Status.PASSED))
        for item in default_checks()
    )
    path = tmp_path / "results.json"
    write_results_json(make_result(*passed), path)
    assert "Fix first" not in strict_loads(path.read_text(encoding="utf-8"))["output"]
