"""The notebook bundle in a real Jupyter kernel (issue 20, items 1 and 2).

`release --notebooks`, filled in with the solutions, runs top to bottom in a fresh kernel
started in exercises/; `check()` inside a notebook grades in the sandbox (a child process),
shows HTML, and names M06 for a gradient without 1/n. One bundle is made per module.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from grader.authoring.notebooks import module_to_notebook
from grader.commands.release import write_release
from grader.paths import EXERCISE_ORDER
from grader.pipeline.notebooks import convert_notebook

pytest.importorskip("ipykernel")

STEMS = [Path(name).stem for name in EXERCISE_ORDER]
CORRECT_GRADIENT = "g = X.T @ (sigmoid(X @ w) - y) / X.shape[0]"


@pytest.fixture(scope="module")
def bundle(kit, tmp_path_factory) -> Path:
    """The notebook bundle, every notebook filled in with the solutions."""
    out = tmp_path_factory.mktemp("nb") / "bundle"
    steps: list[str] = []
    write_release(kit, out, notebooks=True, say=steps.append)
    (out / "release-steps.txt").write_text("\n".join(steps), encoding="utf-8")
    for stem in STEMS:
        solved = module_to_notebook((kit.solutions / f"{stem}.py").read_text("utf-8"))
        (out / "exercises" / f"{stem}.ipynb").write_text(solved, encoding="utf-8")
    return out


def _execute(notebook: nbformat.NotebookNode, folder: Path) -> nbformat.NotebookNode:
    client = NotebookClient(
        notebook, timeout=240, kernel_name="python3", resources={"metadata": {"path": str(folder)}}
    )
    return client.execute()


def _outputs(notebook: nbformat.NotebookNode) -> list[dict]:
    return [output for cell in notebook.cells for output in cell.get("outputs", [])]


@pytest.mark.parametrize("stem", STEMS)
def test_every_filled_in_notebook_runs_top_to_bottom(bundle, stem):
    exercises = bundle / "exercises"
    notebook = nbformat.read(str(exercises / f"{stem}.ipynb"), as_version=4)
    assert notebook.cells[2].source == "%load_ext grader.notebook"  # after the intro
    executed = _execute(notebook, exercises)  # raises CellExecutionError on any error
    assert not [o for o in _outputs(executed) if o.get("output_type") == "error"]


def _check_notebook(*cells: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])


def test_check_in_a_notebook_shows_html_full_points_then_names_m06(bundle, monkeypatch):
    exercises = bundle / "exercises"
    cells = (
        "from grader.notebook import check",
        'result = check("logistic_scratch")',
        "print(result.points, result.max_points, list(result.misconceptions))",
    )
    executed = _execute(_check_notebook(*cells), exercises)
    html = [o["data"]["text/html"] for o in _outputs(executed) if "text/html" in o.get("data", {})]
    assert len(html) == 1 and "Self-check of logistic_scratch" in html[0]
    assert "<pre" in html[0] and "Fix first" not in html[0]
    points, max_points, misconceptions = executed.cells[2].outputs[0]["text"].split(" ", 2)
    assert float(points) == float(max_points) > 0 and misconceptions.strip() == "[]"

    # A gradient without 1/n: fewer points, M06 named, in the HTML too.
    scratch = exercises / "logistic_scratch.ipynb"
    correct = scratch.read_text(encoding="utf-8")
    assert CORRECT_GRADIENT in json.loads(correct)["cells"].__repr__()
    try:
        broken = nbformat.reads(correct, as_version=4)
        for cell in broken.cells:
            cell.source = cell.source.replace(CORRECT_GRADIENT, "g = X.T @ (sigmoid(X @ w) - y)")
        nbformat.write(broken, str(scratch))
        executed = _execute(_check_notebook(*cells), exercises)
    finally:
        scratch.write_text(correct, encoding="utf-8")
    text = executed.cells[2].outputs[0]["text"]
    points, max_points, _ = text.split(" ", 2)
    assert float(points) < float(max_points) and "'M06'" in text
    html = next(o["data"]["text/html"] for o in _outputs(executed) if "data" in o)
    assert "M06" in html and "FAIL" in html


def test_check_says_when_the_kernel_ran_cells_the_saved_notebook_lacks(bundle, monkeypatch):
    exercises = bundle / "exercises"
    saved = _check_notebook("x = 1", "from grader.notebook import check")
    path = exercises / "scratchpad.ipynb"
    nbformat.write(saved, str(path))
    # The kernel runs an edited copy (as before Ctrl+S); JupyterLab names the saved file.
    monkeypatch.setenv("JPY_SESSION_NAME", str(path))
    edited = _check_notebook(
        "x = 2",
        "from grader.notebook import check",
        'r = check("ex7_diagnosis")\nprint(r.stale)',
    )
    try:
        executed = _execute(edited, exercises)
    finally:
        path.unlink()
    printed = executed.cells[2].outputs[-1]["text"]
    # The kernel's own In [n] (nbclient's execution counts are the kernel's) and first line;
    # no save is claimed: the learner is told to save.
    note = (
        "The cell you ran is not in the saved scratchpad.ipynb (In [1] `x = 2`): check() "
        "graded the saved file. Save (Ctrl+S) and run check() again."
    )
    assert executed.cells[0].execution_count == 1
    assert note in printed, printed
    assert "saved it" not in printed.lower() and "was saved" not in printed.lower()
    html = next(o["data"]["text/html"] for o in _outputs(executed) if "data" in o)
    assert "Save (Ctrl+S) and run check() again." in html and "In [1] `x = 2`" in html


def test_check_of_one_exercise_shows_the_learners_words_and_what_the_code_printed(bundle):
    import re

    exercises = bundle / "exercises"
    path = exercises / "ex3_threshold_sweep.ipynb"
    solved = path.read_text(encoding="utf-8")
    head = "def expected_cost(y, p, t, cost_fn=120.0, cost_fp=18.0):\n"
    prints = (
        '    print("debug: about to fail")\n'
        '    print("debug: the last line")\n'
        '    raise ValueError("costs went wrong")\n'
    )
    notebook = nbformat.reads(solved, as_version=4)
    assert sum(head in cell.source for cell in notebook.cells) == 1
    for cell in notebook.cells:
        cell.source = cell.source.replace(head, head + prints)
    cells = (
        "from grader.notebook import check",
        'r = check("ex3_threshold_sweep")',
        "print(r.points < r.max_points, len(r.failed))",
    )
    try:
        nbformat.write(notebook, str(path))
        executed = _execute(_check_notebook(*cells), exercises)
    finally:
        path.write_text(solved, encoding="utf-8")
    lower, failed = executed.cells[2].outputs[0]["text"].split()
    assert lower == "True" and int(failed) >= 1
    html = next(o["data"]["text/html"] for o in _outputs(executed) if "data" in o)
    # Only this exercise ran (check --only): no other file's block; named as the learner's
    # notebook, never a .py they do not have.
    assert "ex3_threshold_sweep.ipynb: 2 of 4 checks pass" in html
    assert not re.search(
        r"(logistic_scratch|ex\d_\w+)\.(py|ipynb): (all|\d+ of)",
        html.replace("ex3_threshold_sweep.ipynb: 2 of", ""),
    )
    # What the code printed, once per failing check, as in the terminal.
    assert html.count("Your code printed:") == html.count("debug: the last line") == int(failed)
    assert "(the end of it)" not in html
    # The learner's one sentence about the sandbox, and no sandbox internals.
    assert "Your code ran in a sandbox" in html
    internals = r"landlock|seccomp|\buid\b|namespace|cgroup|solutions|other submissions"
    assert not re.search(internals, html, re.IGNORECASE), html


def test_run_of_the_scratch_notebook_is_graded_as_jupyter_runs_it():
    # `%run logistic_scratch.ipynb` puts every name of that notebook in this one.
    notebook = _check_notebook(
        "%load_ext grader.notebook",
        "%run logistic_scratch.ipynb",
        "from grader.notebook import check",
        "def f():\n    return precision_recall_f1\ncheck()",
    )
    converted = convert_notebook(nbformat.writes(notebook).encode(), "ex3_threshold_sweep.ipynb")
    assert converted.dropped == ()  # nothing said to the learner: these lines mean the same
    namespace: dict = {}
    import sys
    import types

    fake = types.ModuleType("logistic_scratch")
    fake.precision_recall_f1 = "the learner's"  # type: ignore[attr-defined]
    fake._helper = 1  # type: ignore[attr-defined]
    sys.modules["logistic_scratch"] = fake
    try:
        exec(compile(converted.source, "ex3_threshold_sweep.py", "exec"), namespace)
    finally:
        del sys.modules["logistic_scratch"]
    assert namespace["f"]() == "the learner's" and namespace["_helper"] == 1
    assert namespace["check"]() is None  # the self-check is a no-op where grading runs it


def test_release_says_its_steps_and_the_readme_speaks_notebooks(bundle):
    steps = (bundle / "release-steps.txt").read_text(encoding="utf-8")
    assert "grading the solutions" in steps and "as a Jupyter notebook" in steps
    readme = (bundle / "README.md").read_text(encoding="utf-8")
    for words in ('pip install -e ".[notebook]"', "jupyter lab", "%load_ext grader.notebook",
                  "from grader.notebook import check", "Kernel > Restart"):  # fmt: skip
        assert words in readme, words
    assert "logistic_scratch.py" not in readme  # the learner has notebooks only


def test_check_refuses_a_name_that_is_no_exercise_in_one_line():
    from grader.notebook import CheckError, check

    with pytest.raises(CheckError, match=r"^'ex9' is not an exercise; use one of logistic"):
        check("ex9")
