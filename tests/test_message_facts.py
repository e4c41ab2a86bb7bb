"""The facts of a check travel as fields, never as its words (issue 19, part 1).

Every learner-facing sentence is reworded through a test-only substitution of its sources
(the sandbox's failure sentences, every CheckFailure's message and hint, the blame's closing
words); class triage, the notebook cell pointers, blame and the class view stay the same.
"""

from __future__ import annotations

import ast
import dataclasses
import json
from pathlib import Path

import pytest
from conftest import build_submission

from grader.checks import framework, probes
from grader.classwork.class_summary import summarize_class
from grader.classwork.classfolder import read_class
from grader.classwork.stored import StoredSubmission, write_adjusted, write_automatic
from grader.classwork.views import ViewRequest, rebuild_views
from grader.identity import Identity
from grader.paths import KitPaths
from grader.pipeline.grade import GradingContext, GradingOptions, grade_automatic
from grader.render import write_submission_reports
from grader.render.view_model import build_view
from grader.results import GradedSubmission
from grader.sandbox import FailureKind, worker

FIXTURES = Path(__file__).parent / "fixtures"
#: a broken file, an import error, a hang, a run-time blame, an exception inside a function
SCENARIOS = (
    "syntax-error",
    "infinite-loop",
    "misconception-M06-gradient-without-mean",
    "exception-in-call",
)
# Every phrase an earlier version matched on, and then some.
SWAPS = (
    ("syntax error", "parse problem"),
    ("did not return within", "kept running past"),
    ("time limit", "allowance"),
    ("importing ", "loading "),
    ("when imported", "on load"),
    ("line", "row"),
    (".py", " file"),
    ("not written yet", "still to do"),
    ("from logistic_scratch", "in the core file"),
)


def reworded(text: str) -> str:
    for old, new in SWAPS:
        text = text.replace(old, new)
    return f"Reworded: {text}" if text else text


@pytest.fixture(scope="module")
def context() -> GradingContext:
    return GradingContext.build(GradingOptions(kit_root=KitPaths.discover().root, base_seed=3))


def _notebook(cells: list[str]) -> bytes:
    return json.dumps(
        {
            "nbformat": 4,
            "nbformat_minor": 5,
            "metadata": {},
            "cells": [
                {"cell_type": "code", "metadata": {}, "source": text, "id": f"c{n}"}
                | {"outputs": [], "execution_count": None}
                for n, text in enumerate(cells)
            ],
        }
    ).encode()


def _class(context: GradingContext, kit: KitPaths, root: Path) -> tuple[list, dict]:
    """Grade the scenarios and a notebook that fails at import into root/out, in this
    process; (the automatic results, class.json and the class triage)."""
    out = root / "out"
    folders: dict[str, Path] = {}
    for scenario in SCENARIOS:
        folders[scenario] = build_submission(FIXTURES / scenario, kit, root / scenario)
    notebook = root / "notebook"
    notebook.mkdir()
    solved = (kit.solutions / "logistic_scratch.py").read_text(encoding="utf-8")
    (notebook / "logistic_scratch.ipynb").write_bytes(_notebook([solved, "undefined_name + 1"]))
    folders["notebook"] = notebook
    results: list[GradedSubmission] = []
    for name, folder in folders.items():
        scenario = FIXTURES / name
        limits = {"call_timeout_s": 1.5} if name == "infinite-loop" else {}
        graded_with = context
        if limits:
            rubric = dataclasses.replace(
                context.rubric, limits=dataclasses.replace(context.rubric.limits, **limits)
            )
            graded_with = dataclasses.replace(context, rubric=rubric)
        assert name == "notebook" or scenario.is_dir()
        automatic = grade_automatic(folder, graded_with, name)
        write_automatic(automatic, out / name)
        write_adjusted(StoredSubmission(Identity(name, name), result=automatic), out / name)
        write_submission_reports(automatic, out / name)
        results.append(automatic)
    rebuild_views(out, ViewRequest(similarity=False))
    view = json.loads((out / "class.json").read_text(encoding="utf-8"))
    triage = {item.name: item.reasons for item in summarize_class(read_class(out)).attention}
    return results, {"class": _without_words(view), "triage": triage}


def _without_words(value: object) -> object:
    """class.json with every learner-facing sentence left out (the data stays)."""
    if isinstance(value, dict):
        return {
            key: _without_words(item)
            for key, item in value.items()
            if key not in ("message", "output", "detail", "text")
        }
    if isinstance(value, list):
        return [_without_words(item) for item in value]
    return value


def _facts(results: list[GradedSubmission]) -> dict:
    """Per check: status, cell pointers (where, the cause's where), blame and its failure."""
    return {
        (result.name, item.outcome.check_id): (
            item.outcome.status,
            item.outcome.failure,
            item.outcome.at_import,
            item.outcome.where,
            item.outcome.cause and dataclasses.replace(item.outcome.cause, detail=""),
            item.outcome.upstream_failures,
            item.outcome.blamed,
            item.outcome.misconceptions,
        )
        for result in results
        for item in result.checks
    }


def test_rewording_every_message_changes_no_fact_no_triage_and_no_class_view(
    context, kit, tmp_path, monkeypatch
) -> None:
    plain, plain_views = _class(context, kit, tmp_path / "plain")

    sentence = worker.failure_message
    monkeypatch.setattr(worker, "failure_message", lambda *a: reworded(sentence(*a)))
    made = framework.CheckFailure.__init__

    def reworded_failure(self, message, misconceptions=(), *, fix="", body=None, **kw) -> None:
        body = message if body is None else body
        made(
            self,
            reworded(message),
            misconceptions,
            fix=reworded(fix),
            body=reworded(body),
            **kw,
        )

    monkeypatch.setattr(framework.CheckFailure, "__init__", reworded_failure)
    skipped = framework.CheckSkipped.__init__

    def reworded_skip(self, reason, cause=None) -> None:
        if cause is not None:
            cause = dataclasses.replace(cause, detail=reworded(cause.detail))
        skipped(self, reworded(reason), cause)

    monkeypatch.setattr(framework.CheckSkipped, "__init__", reworded_skip)
    monkeypatch.setattr(probes, "BLAMED_AT_RUN", "might be fine.")
    again, again_views = _class(context, kit, tmp_path / "reworded")

    # The substitution took: the learner reads other words ...
    said = [i.outcome.message for r in again for i in r.checks if i.outcome.message]
    assert said and any(m.startswith("Reworded: ") for m in said)
    left = [m for m in said if "syntax error" in m or "did not return within" in m]
    assert not left, left
    # ... and every fact, the triage and the class view are the same.
    assert _facts(again) == _facts(plain)
    assert again_views == plain_views
    # What the facts say, so that "unchanged" is not "empty".
    facts = _facts(plain)
    triage = plain_views["triage"]
    assert any(r.startswith("syntax error") for r in triage["syntax-error"])
    assert any(r.startswith("timeout: code that did not finish") for r in triage["infinite-loop"])
    assert any(r.startswith("a file that does not import") for r in triage["notebook"])
    cells = {f[3].cell for (name, _), f in facts.items() if name == "notebook" and f[3]}
    assert cells == {2}  # the notebook's failing line, in the cell the learner sees
    assert any(f[6] for (name, _), f in facts.items() if name.startswith("misconception-M06"))
    assert any(
        f[1] is FailureKind.EXCEPTION and f[3] and f[3].function
        for (name, _), f in facts.items()
        if name == "exception-in-call"
    )


def _run_notebook(cells: list[tuple[str, int | None]]) -> bytes:
    """A notebook of code cells with their execution counts, and a markdown cell first."""
    data = json.loads(_notebook([text for text, _ in cells]))
    for cell, (_, count) in zip(data["cells"], cells, strict=True):
        cell["execution_count"] = count
    data["cells"].insert(0, {"cell_type": "markdown", "metadata": {}, "source": "# Notes"})
    return json.dumps(data).encode()


def test_a_notebook_learner_is_pointed_to_cells_as_jupyter_shows_them(context, kit, tmp_path):
    """Issue 20, item 5: every message, heading, note and "Fix first" names the .ipynb and
    the cell by its In [n] (or its place among the code cells and its first line), never
    a .py the learner does not have, and never a number that counts markdown cells."""
    solved = (kit.solutions / "logistic_scratch.py").read_text(encoding="utf-8")
    broken_sigmoid = "def sigmoid(z):\n    return {}['missing']\n"
    folder = tmp_path / "nb"
    folder.mkdir()
    (folder / "logistic_scratch.ipynb").write_bytes(
        _run_notebook([(solved, 3), (broken_sigmoid, 5)])  # the later sigmoid wins
    )
    ex3 = (kit.solutions / "ex3_threshold_sweep.py").read_text(encoding="utf-8")
    (folder / "ex3_threshold_sweep.ipynb").write_bytes(_run_notebook([(ex3, None)]))
    result = grade_automatic(folder, context, "nb")
    core = [i.outcome for i in result.checks if i.outcome.exercise == "logistic_scratch"]
    said = [o.message for o in core if o.status.earns_nothing]
    assert any("logistic_scratch.ipynb, cell In [5], line 2, in sigmoid" in m for m in said), said
    where = next(o.where for o in core if o.where is not None)
    assert (where.cell, where.run_count, where.cell_line) == (2, 5, 2)  # code cell 2, not 3
    everything = "\n".join(
        [*(i.outcome.message for i in result.checks), *result.notices]
        + [i.outcome.cause.detail for i in result.checks if i.outcome.cause]
    )
    assert "logistic_scratch.py" not in everything and "ex3_threshold_sweep.py" not in everything
    out = tmp_path / "out"
    write_submission_reports(result, out)
    for report in ("report.md", "report.html"):
        text = (out / report).read_text(encoding="utf-8")
        for criterion in result.criteria:  # the instructor's rubric words, not a pointer
            text = text.replace(criterion.description, "")
        assert "logistic_scratch.ipynb" in text and "ex3_threshold_sweep.ipynb" in text
        assert "logistic_scratch.py" not in text and "ex3_threshold_sweep.py" not in text
    markdown = (out / "report.md").read_text(encoding="utf-8")
    assert "## `logistic_scratch.ipynb`" in markdown
    assert build_view(result).fix_first.startswith("sigmoid() in logistic_scratch.ipynb: ")
    # The ex3 checks that build on the wrong sigmoid say where it is: the notebook.
    upstream = [o.message for o in (i.outcome for i in result.checks) if o.upstream_failures]
    assert all("logistic_scratch.py" not in m for m in upstream)


def test_a_stub_in_a_fresh_notebook_is_its_code_cell_and_first_line(context, kit, tmp_path):
    stub = "def add_intercept(X_raw):\n    raise NotImplementedError('not written yet')\n"
    folder = tmp_path / "nb"
    folder.mkdir()
    solved = (kit.solutions / "logistic_scratch.py").read_text(encoding="utf-8")
    (folder / "logistic_scratch.ipynb").write_bytes(_run_notebook([(solved, None), (stub, None)]))
    result = grade_automatic(folder, context, "nb")
    view = build_view(result)
    assert view.fix_first == (
        "write add_intercept() in logistic_scratch.ipynb (see its TODO, code cell 2 "
        '("def add_intercept(X_raw):"), line 2).'
    ), view.fix_first
    assert view.exercises[0].file == "logistic_scratch.ipynb"


#: Names of learner-facing text that no grader module may read back or rewrite.
_TEXT_NAMES = {"message", "learner_message", "output", "notices", "notice", "detail", "said"}


def _text_read(node: ast.AST) -> bool:
    name = node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", "")
    return name in _TEXT_NAMES


def _functions(tree: ast.AST) -> dict[ast.AST, str]:
    """Every node's enclosing function ("<module>" at the top), by the function's name."""
    owner: dict[ast.AST, str] = {}

    def visit(node: ast.AST, name: str) -> None:
        for child in ast.iter_child_nodes(node):
            inner = (
                child.name if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) else name
            )
            owner[child] = inner
            visit(child, inner)

    visit(tree, "<module>")
    return owner


def test_no_grader_module_matches_or_rewrites_message_text() -> None:
    """`x in message`, `message.startswith(...)`, `message.replace(...)` and `re.*(...,
    message)` on learner-facing text: the facts travel as fields (issue 19, part 1). Found
    places are named by file and function, so that moving lines changes nothing."""
    root = Path(framework.__file__).parents[1]
    found = set()
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        owner = _functions(tree)
        for node in ast.walk(tree):
            hit = (
                isinstance(node, ast.Compare)
                and any(isinstance(op, ast.In | ast.NotIn) for op in node.ops)
                and any(_text_read(c) for c in node.comparators)
            ) or (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and (
                    (node.func.attr in {"startswith", "endswith", "replace", "find", "index"}
                     and _text_read(node.func.value))
                    or (node.func.attr in {"search", "match", "sub", "findall", "fullmatch"}
                        and any(_text_read(a) for a in node.args))
                )
            )  # fmt: skip
            if hit:
                found.add(f"{path.relative_to(root).as_posix()}:{owner.get(node, '<module>')}")
    assert sorted(found) == sorted(KNOWN_MATCHES), sorted(found)


#: Left, knowingly: both read the text of an exception the LEARNER's code raised (a value
#: from their code, like any other), never a sentence of the kit's: ex6 recognizes M01 from
#: NumPy's shape-error text, and a NotImplementedError whose text already says "not written
#: yet" (the kit's stubs raise it so) is not told so twice.
KNOWN_MATCHES = [
    "checks/visible/ex6_sklearn_match.py:check_scratch_vs_sklearn_gap",
    "pipeline/run.py:learner_message",
]
