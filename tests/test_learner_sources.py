"""One reading of the learner's source (grader/source_text.py) and one answer to "which
learner functions does this function use" (grader/checks/dependencies.py), for every
consumer: the hang policy, the probes' blame and the upstream notes."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.checks.dependencies import learner_functions_used
from grader.checks.framework import CheckSkipped, Learner
from grader.checks.probes import dependencies as probe_dependencies
from grader.pipeline.load import load_submission
from grader.pipeline.upstream import note_upstream_failures
from grader.results import CheckOutcome, Status
from grader.source_text import (
    LearnerSources,
    SourceProblemKind,
    parse_learner_source,
    read_learner_source,
    read_learner_sources,
)

EX3 = "ex3_threshold_sweep"
CORE = "logistic_scratch"
EX3_ALIASED = (
    "import logistic_scratch as ls\n"
    "from logistic_scratch import fit_logistic\n\n"
    "fit = fit_logistic\n\n"
    "def train(X, y):\n    return fit(X, y)\n\n"
    "def scores(X, w):\n    return ls.sigmoid(X @ w)\n"
)
CORE_TEXT = (
    "def gradient(X, y, w):\n    return X\n\n"
    "step = gradient\n\n"
    "def fit_logistic(X, y):\n    return step(X, y, 0)\n\n"
    "def sigmoid(z):\n    return z\n"
)


def _sources(**texts: str) -> LearnerSources:
    return LearnerSources.of_texts({f"{stem}.py": text for stem, text in texts.items()})


# --- the one reader ------------------------------------------------------------------------


def test_a_file_is_read_as_python_reads_it() -> None:
    # A stray cp1252 byte in a comment: Python imports the file, so the grader reads it too.
    stray = parse_learner_source(b"# the learner\x92s own\nX = 1\n", "a.py")
    assert stray.problem is None and stray.tree is not None
    bom = parse_learner_source(b"\xef\xbb\xbfX = 1\r\n", "a.py")
    assert bom.text == "X = 1\n" and bom.tree is not None
    cookie = parse_learner_source("# -*- coding: latin-1 -*-\nS = 'é'\n".encode("latin-1"), "a.py")
    assert cookie.problem is None and cookie.text.endswith("S = 'é'\n")


@pytest.mark.parametrize(
    ("data", "line", "byte"),
    [
        (b"S = 'caf\xe9'\n", 1, 0xE9),  # a Latin-1 string: Python refuses it
        (b"X = 1\nY = 2\nS = 'it\x92s'\n", 3, 0x92),
    ],
)
def test_a_file_python_refuses_is_named_by_file_line_and_byte(data, line, byte) -> None:
    source = parse_learner_source(data, "ex4_manual_ece.py")
    problem = source.problem
    assert problem is not None and problem.kind is SourceProblemKind.UNDECODABLE
    assert (problem.line, problem.byte) == (line, byte)
    assert problem.message.startswith("ex4_manual_ece.py cannot be read as UTF-8 text:")
    assert f"line {line} holds the byte 0x{byte:02X}" in problem.message


def test_a_non_utf8_byte_in_the_first_two_lines_is_named_too() -> None:
    """tokenize refuses it while looking for a coding line ("invalid or missing encoding
    declaration", no line, no byte): said like any other line."""
    from grader.source_text import SourceDecodeError, decode_source

    with pytest.raises(SourceDecodeError) as raised:
        decode_source(b"S = 'caf\x92'\n", "a.py")
    assert (raised.value.line, raised.value.byte) == (1, 0x92)
    assert "line 1 holds the byte 0x92" in raised.value.learner_message


def test_a_file_over_the_cap_is_neither_read_nor_parsed(tmp_path: Path) -> None:
    path = tmp_path / "ex5_label_flip.py"
    path.write_text("a=1\n" * 50_000, encoding="utf-8")  # 200 KB
    source = read_learner_source(path, path.name, 128 * 1024)
    assert source.problem is not None and source.problem.kind is SourceProblemKind.TOO_LARGE
    assert source.tree is None and source.size == 200_000
    assert "ex5_label_flip.py is 195 KB, over the 128 KB" in source.problem.message


@pytest.mark.parametrize("depth", [10_000, 300_000])
def test_a_deep_expression_is_the_learners_broken_file(depth: int) -> None:
    source = parse_learner_source(("X = " + "-" * depth + "1\n").encode(), "ex5_label_flip.py")
    assert source.problem is not None and source.problem.kind is SourceProblemKind.TOO_COMPLEX
    assert source.problem.message.startswith("ex5_label_flip.py is nested too deeply")


def test_files_together_over_the_budget_are_set_aside_exercise_files_last(tmp_path) -> None:
    for name in ("a.py", "b.py", "c.py", "ex2_learning_rate.py"):
        (tmp_path / name).write_text("x = 1\n" * 200, encoding="utf-8")  # 1200 bytes each
    sources = read_learner_sources(
        tmp_path,
        ["a.py", "b.py", "c.py", "ex2_learning_rate.py"],
        1200,
        first={"ex2_learning_rate.py"},
    )
    kinds = {source.file: source.problem and source.problem.kind for source in sources}
    assert kinds["ex2_learning_rate.py"] is None  # read first
    assert list(kinds.values()).count(None) == 4  # 4 x the cap fit exactly
    sources = read_learner_sources(tmp_path, ["a.py", "b.py", "c.py", "ex2_learning_rate.py"], 1000)
    assert all(s.problem.kind is SourceProblemKind.TOO_LARGE for s in sources)


def test_load_reads_each_file_once_and_sets_aside_what_it_will_not_parse(tmp_path) -> None:
    folder = tmp_path / "alice"
    folder.mkdir()
    (folder / "ex2_learning_rate.py").write_text("X = " + "-" * 20_000 + "1\n", encoding="utf-8")
    (folder / "ex3_threshold_sweep.py").write_text(EX3_ALIASED, encoding="utf-8")
    loaded = load_submission(folder, None, {"ex2_learning_rate.py", "ex3_threshold_sweep.py"})
    try:
        assert loaded.sources.tree(EX3) is not None
        assert (
            loaded.sources.module("ex2_learning_rate").problem.kind is SourceProblemKind.TOO_COMPLEX
        )
        # Set aside: its checks say why instead of "missing", and the worker never sees it.
        assert not (loaded.workdir / "ex2_learning_rate.py").exists()
        assert "nested too deeply" in loaded.unreadable_files["ex2_learning_rate.py"]
        assert any("nested too deeply" in notice for notice in loaded.notices)
        learner = Learner(worker=None, submission_dir=loaded.workdir, sources=loaded.sources)
        with pytest.raises(CheckSkipped, match="nested too deeply"):
            learner.source("ex2_learning_rate")
    finally:
        loaded.close()


# --- the one dependency function ------------------------------------------------------------


def test_an_alias_counts_for_every_consumer() -> None:
    """`fit = fit_logistic` (and `step = gradient` inside logistic_scratch.py) counts the
    same for the hang policy, the probes and the upstream notes: they ask one function."""
    sources = _sources(ex3_threshold_sweep=EX3_ALIASED, logistic_scratch=CORE_TEXT)
    assert learner_functions_used(sources, EX3, "train") == (
        "logistic_scratch.fit_logistic",
        "logistic_scratch.gradient",
    )
    assert learner_functions_used(sources, EX3, "scores") == ("logistic_scratch.sigmoid",)
    assert learner_functions_used(sources, CORE, "fit_logistic") == ("logistic_scratch.gradient",)
    assert learner_functions_used(sources, EX3, "not_there") is None  # cannot tell

    # The hang policy: train() is not called once fit_logistic never returned.
    class GaveUp:
        def given_up(self) -> set[str]:
            return {"logistic_scratch.fit_logistic"}

    learner = Learner(worker=GaveUp(), submission_dir=Path("."), sources=sources)
    assert learner._hung_dependencies(EX3, "train") == {"logistic_scratch.fit_logistic"}
    assert learner._hung_dependencies(EX3, "scores") == set()

    # ... and inside logistic_scratch.py too: fit_logistic() is not called once the
    # gradient() it steps with never returned (each call would cost another time limit).
    class GradientGaveUp:
        def given_up(self) -> set[str]:
            return {"logistic_scratch.gradient"}

    same_file = Learner(worker=GradientGaveUp(), submission_dir=Path("."), sources=sources)
    assert same_file._hung_dependencies(CORE, "fit_logistic") == {"logistic_scratch.gradient"}
    assert same_file._hung_dependencies(CORE, "gradient") == set()  # itself: the worker's

    # The probes: what train() uses, to find the first wrong one.
    assert probe_dependencies(learner, EX3, "train") == ["fit_logistic", "gradient"]

    # The upstream notes: a failed ex3 check is pointed at the failed fit_logistic, and
    # inside logistic_scratch.py at gradient through `step = gradient`.
    outcomes = [
        CheckOutcome(
            "check_gradient", CORE, Status.FAILED, "wrong", learner_calls=(f"{CORE}.gradient",)
        ),
        CheckOutcome(
            "check_fit", CORE, Status.FAILED, "wrong", learner_calls=(f"{CORE}.fit_logistic",)
        ),
        CheckOutcome("check_train", EX3, Status.FAILED, "wrong", learner_calls=(f"{EX3}.train",)),
    ]
    noted = {item.check_id: item for item in note_upstream_failures(outcomes, sources)}
    assert noted["check_train"].upstream_failures == (
        "logistic_scratch.fit_logistic",
        "logistic_scratch.gradient",
    )
    assert noted["check_fit"].upstream_failures == ("logistic_scratch.gradient",)


def test_a_star_import_and_an_import_inside_a_function_count() -> None:
    sources = _sources(
        ex3_threshold_sweep=(
            "from logistic_scratch import *\n\n"
            "def a(X, w):\n    return sigmoid(X @ w)\n\n"
            "def b(X, y):\n    from logistic_scratch import fit_logistic as f\n    return f(X, y)\n"
        ),
        logistic_scratch=CORE_TEXT,
    )
    assert learner_functions_used(sources, EX3, "a") == ("logistic_scratch.sigmoid",)
    assert learner_functions_used(sources, EX3, "b")[0] == "logistic_scratch.fit_logistic"
