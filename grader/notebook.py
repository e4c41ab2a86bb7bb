"""The self-check inside a Jupyter notebook, and notebooks importable as modules.

In a notebook of the learner's `exercises/` folder:

    %load_ext grader.notebook          # first cell: `from logistic_scratch import ...`
                                       # then reads logistic_scratch.ipynb
    from grader.notebook import check
    check("ex3_threshold_sweep")       # or check() for every exercise

`check` runs `python -m grader check` on the saved notebooks in a separate process: the
same visible checks in the same sandbox as the terminal's self-check, never in the
learner's kernel. The result shows inline (HTML in Jupyter, text elsewhere) and is
returned as a `NotebookCheck` with `points`, `max_points` and `misconceptions`.

The importer reads a sibling notebook exactly as grading does
(grader/pipeline/notebooks.py: its code cells in order, IPython lines left out), so what
runs in the kernel is what is graded.
"""

from __future__ import annotations

import dataclasses
import importlib.abc
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from grader.paths import EXERCISE_ORDER

__all__ = ["NotebookCheck", "check", "load_ipython_extension"]

#: Exercise stems a learner may name (ex3_threshold_sweep, logistic_scratch, ...).
EXERCISES = tuple(Path(name).stem for name in EXERCISE_ORDER)


# --- notebooks importable as modules -------------------------------------------------


class NotebookFinder(importlib.abc.MetaPathFinder):
    """Finds `NAME.ipynb` on sys.path for a top-level `import NAME` that nothing else
    found (it is appended after the usual finders: a NAME.py always wins)."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if path is not None or "." in fullname:
            return None
        for entry in sys.path:
            folder = Path(entry or os.getcwd())
            candidate = folder / f"{fullname}.ipynb"
            if candidate.is_file():
                return importlib.util.spec_from_loader(
                    fullname, NotebookLoader(candidate), origin=str(candidate)
                )
        return None


class NotebookLoader(importlib.abc.Loader):
    """Runs a notebook's code cells as a module, read as grading reads them."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def create_module(self, spec: Any) -> None:
        return None  # the default module

    def exec_module(self, module: ModuleType) -> None:
        from grader.pipeline.notebooks import convert_notebook

        converted = convert_notebook(self.path.read_bytes(), self.path.name)
        module.__file__ = str(self.path)
        code = compile(converted.source, str(self.path), "exec")
        exec(code, module.__dict__)


def install_notebook_importer() -> None:
    """Make sibling notebooks importable (once per process)."""
    if not any(isinstance(finder, NotebookFinder) for finder in sys.meta_path):
        sys.meta_path.append(NotebookFinder())


def load_ipython_extension(ipython: Any) -> None:
    """`%load_ext grader.notebook`: sibling notebooks become importable."""
    install_notebook_importer()


# --- the self-check ------------------------------------------------------------------


@dataclass(frozen=True)
class NotebookCheck:
    """The result of `check()`: what the terminal's self-check printed, and its numbers.

    points, max_points: the visible checks' points (of the exercise asked, or of all);
    misconceptions: IDs such as "M06" recognized in failing checks;
    text: the terminal's self-check, as printed; graded: the folder graded;
    stale: notes that the graded copy differs from what the kernel ran (empty if none).
    """

    points: float
    max_points: float
    misconceptions: tuple[str, ...]
    text: str
    exercise: str | None = None
    graded: str = ""
    stale: tuple[str, ...] = ()
    failed: tuple[str, ...] = field(default=())  # check ids that did not pass

    def __repr__(self) -> str:
        head = "".join(f"note: {line}\n" for line in self.stale)
        return head + self.text.rstrip("\n")

    def _repr_html_(self) -> str:
        from grader.render.notebook_html import render_notebook_check

        return render_notebook_check(self)


class CheckError(RuntimeError):
    """check() could not run (a name that is no exercise, no exercises folder)."""


def check(exercise: str | None = None, folder: str | os.PathLike[str] | None = None) -> Any:
    """Run the visible checks on the saved exercise files and show the result inline.

    exercise: a stem such as "ex3_threshold_sweep" (a ".ipynb"/".py" suffix is ignored),
    or None for every exercise. folder: the exercises folder (default: the running
    notebook's folder, else the current one). Returns a NotebookCheck; raises CheckError
    with one line for a name that is not an exercise.
    """
    if exercise is not None:
        exercise = Path(str(exercise)).stem
        if exercise not in EXERCISES:
            raise CheckError(f"{exercise!r} is not an exercise; use one of {', '.join(EXERCISES)}")
    notebook = _running_notebook()
    where = Path(folder) if folder is not None else (notebook.parent if notebook else Path.cwd())
    stale = _unsaved_changes(notebook) if notebook is not None else ()
    result = _run_self_check(where.resolve(), exercise)
    result = dataclasses.replace(result, stale=stale)
    _show(result)
    return result


def _run_self_check(folder: Path, exercise: str | None) -> NotebookCheck:
    """`python -m grader check FOLDER --report-dir TMP [--only EXERCISE]` in a child
    process: the text it printed and the numbers of its results.json. With an exercise
    named, only that exercise's checks run (its points only)."""
    with tempfile.TemporaryDirectory(prefix="grader-check-") as scratch:
        report = Path(scratch) / "report"
        env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
        for name in ("GITHUB_STEP_SUMMARY", "GITHUB_OUTPUT"):  # not a CI step
            env.pop(name, None)
        command = [sys.executable, "-m", "grader", "check", str(folder)]
        command += ["--report-dir", str(report)]
        if exercise is not None:
            command += ["--only", exercise]
        run = subprocess.run(
            command,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            env=env,
            cwd=_kit_of(folder) or scratch,  # never a learner's file named like the grader
            check=False,
        )
        results = report / "results.json"
        if run.returncode != 0 or not results.is_file():
            message = (run.stderr.strip().splitlines() or ["the self-check did not run"])[-1]
            return NotebookCheck(0.0, 0.0, (), f"The self-check could not run: {message}\n")
        data = json.loads(results.read_text(encoding="utf-8"))
    tests = data.get("tests", [])
    points, max_points = float(data.get("score", 0)), float(data.get("max_score", 0))
    misconceptions = tuple(
        dict.fromkeys(
            tag.split(":", 1)[1]
            for t in tests
            for tag in t.get("tags", [])
            if tag.startswith("misconception:")
        )
    )
    failed = tuple(t.get("name", "") for t in tests if t.get("status") != "passed")
    # The terminal's text less what speaks of the temporary report folder and the
    # Classroom line (the points are in the display's own heading).
    text = "\n".join(
        line
        for line in run.stdout.splitlines()
        if not line.startswith("Points ") and not line.startswith("Reports written to ")
    )
    return NotebookCheck(
        round(points, 4),
        round(max_points, 4),
        misconceptions,
        text + "\n",
        exercise=exercise,
        graded=str(folder),
        failed=failed,
    )


def _kit_of(folder: Path) -> Path | None:
    """The bundle holding this exercises folder (its own grader is then the one run)."""
    root = folder.parent
    if (root / "grader" / "__init__.py").is_file() and (root / "rubric.yaml").is_file():
        return root
    return None


def _show(result: NotebookCheck) -> None:
    """Display inline in IPython (HTML where the front end renders it); print elsewhere."""
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:
        get_ipython = None  # type: ignore[assignment]
    if get_ipython is not None and get_ipython() is not None:
        display(result)
    else:
        print(repr(result))


def _running_notebook() -> Path | None:
    """The .ipynb this kernel runs, where the front end tells: VS Code sets
    `__vsc_ipynb_file__`, JupyterLab and Notebook 7 JPY_SESSION_NAME (a path relative
    to the server's root, or absolute)."""
    namespace = _user_namespace()
    candidates = [namespace.get("__vsc_ipynb_file__"), os.environ.get("JPY_SESSION_NAME")]
    for candidate in candidates:
        if not candidate or not str(candidate).endswith(".ipynb"):
            continue
        path = Path(str(candidate))
        for guess in (path, Path.cwd() / path.name, Path.cwd() / path):
            if guess.is_file():
                return guess.resolve()
    return None


def _user_namespace() -> dict[str, Any]:
    try:
        from IPython import get_ipython
    except ImportError:
        return {}
    shell = get_ipython()
    return dict(shell.user_ns) if shell is not None else {}


def _unsaved_changes(notebook: Path) -> tuple[str, ...]:
    """Notes naming the cells the kernel ran that the saved notebook lacks (edited or new
    since the last save), by their `In [n]` and first line: check() grades the saved file.

    No save is attempted: JupyterLab and Notebook 7 run no Javascript sent from a kernel,
    and the ways that do (ipylab, a comm to `docmanager:save`) need a front-end extension
    the bundle does not install, and could not confirm the save. So the learner is told.
    """
    executed = _user_namespace().get("In", [])
    if not executed:
        return ()
    import nbformat

    try:
        saved = nbformat.read(str(notebook), as_version=4)
    except Exception:  # an unreadable file: grading says so itself
        return ()
    on_disk = {_normalized(cell.source) for cell in saved.cells if cell.cell_type == "code"}
    # In[0] is empty; the last is the cell calling check(), which may be unsaved harmlessly.
    differ = [
        (number, str(source))
        for number, source in enumerate(executed[:-1])
        if number > 0
        and _normalized(str(source))
        and _normalized(str(source)) not in on_disk
        and "check(" not in str(source)
    ]
    if not differ:
        return ()
    cells = "; ".join(f"In [{number}] {_first_line(source)}" for number, source in differ)
    which = "cell you ran is" if len(differ) == 1 else f"{len(differ)} cells you ran are"
    return (
        f"The {which} not in the saved {notebook.name} ({cells}): check() graded the saved "
        "file. Save (Ctrl+S) and run check() again.",
    )


def _first_line(source: str, width: int = 40) -> str:
    """A cell's first non-empty line, shortened, in backquotes."""
    line = next((text.strip() for text in source.splitlines() if text.strip()), "")
    return f"`{line if len(line) <= width else line[: width - 3] + '...'}`"


def _normalized(source: str) -> str:
    # IPython's In holds magics already translated (get_ipython().run_line_magic(...)).
    from IPython.core.inputtransformer2 import TransformerManager

    try:
        source = TransformerManager().transform_cell(source)
    except Exception:
        pass
    return "\n".join(line.rstrip() for line in source.strip().splitlines())
