"""How a place in the learner's code is said, as the learner sees their files.

The worker runs a .py; a learner who handed in `logistic_scratch.ipynb` has no such file. A
`Places`, built once per submission from the notebooks' cell maps (grader/pipeline/
notebooks.py), is given to every piece of code that writes a sentence naming a file or a
line (the sandbox's failure sentences and tracebacks, the causes, the checks): each sentence
is joined once from facts, with the notebook's cell as Jupyter shows it, and nothing later
reads or rewrites its words.
"""

from __future__ import annotations

from dataclasses import dataclass

from grader.results import Where


@dataclass(frozen=True)
class CodeCell:
    """One code cell of a notebook and where it landed in the .py written from it."""

    position: int  # 1-based among the notebook's CODE cells (Jupyter numbers no cells)
    first_line: int  # the written .py's line of the cell's first line
    lines: int
    run_count: int = 0  # its `In [n]`; 0 when never run, or when n is not unique
    start: str = ""  # its first non-blank line, stripped and cut (what the learner sees)


@dataclass(frozen=True)
class NotebookCells:
    """The cell map of one notebook graded as the .py of the same stem."""

    notebook: str  # e.g. "logistic_scratch.ipynb", relative to the submission
    module_file: str  # e.g. "logistic_scratch.py"
    cells: tuple[CodeCell, ...]

    def locate(self, line: int) -> tuple[CodeCell, int] | None:
        """(the cell, line in that cell) of a line of the written .py; None between cells."""
        for cell in self.cells:
            if cell.first_line <= line < cell.first_line + cell.lines:
                return cell, line - cell.first_line + 1
        return None


@dataclass(frozen=True)
class Places:
    """The submission's files as the learner has them. Empty: every file is its .py."""

    notebooks: tuple[NotebookCells, ...] = ()
    # (module file, learner-facing why) of notebooks that could not be read: their module
    # is "missing" to the worker, and the learner is told why instead
    unreadable: tuple[tuple[str, str], ...] = ()
    # (file, learner-facing why) of files set aside at load (over the source size cap, too
    # deeply nested to parse): "missing" to the worker, and the learner is told why instead
    set_aside: tuple[tuple[str, str], ...] = ()

    def _notebook(self, file: str) -> NotebookCells | None:
        return next((nb for nb in self.notebooks if nb.module_file == file), None)

    def file(self, file: str) -> str:
        """The learner's name of a graded file: "logistic_scratch.ipynb" for the .py
        written from that notebook, else `file` itself (relative to the submission)."""
        notebook = self._notebook(file)
        if notebook is None:
            notebook_file = dict(self.unreadable).get(file) and _as_notebook(file)
            return notebook_file or file
        return notebook.notebook

    def module_file(self, module: str) -> str:
        """The learner's file of an exercise stem, e.g. "ex3_threshold_sweep.ipynb"."""
        return self.file(f"{module}.py")

    def missing(self, file: str) -> str:
        """Why the worker found no `file`: its notebook could not be read (the reason), or
        it is missing."""
        reasons = {**dict(self.set_aside), **dict(self.unreadable)}
        return reasons.get(file) or f"{file} is missing from the submission"

    def where(self, file: str, line: int = 0, function: str = "") -> Where:
        """The place as a fact, with its cell filled in when `file` was written from a
        notebook and the line falls in a code cell. `file` is relative to the submission."""
        stem = file[: -len(".py")] if file.endswith(".py") else file
        notebook = self._notebook(file)
        found = notebook.locate(line) if notebook is not None and line else None
        if notebook is None or found is None:
            return Where(stem, line, function, notebook=notebook.notebook if notebook else "")
        cell, cell_line = found
        return Where(
            stem,
            line,
            function,
            notebook=notebook.notebook,
            cell=cell.position,
            cell_line=cell_line,
            run_count=cell.run_count,
            cell_start=cell.start,
        )

    def at(self, file: str, line: int) -> str:
        """ "logistic_scratch.py, line 54", or "logistic_scratch.ipynb, cell In [7], line 2"."""
        where = self.where(file, line)
        return where.text if where.cell else f"{self.file(file)}, line {line}"

    def frame(self, file: str, line: int, function: str) -> str:
        """One traceback line: Python's own for a .py, the cell for a notebook's."""
        where = self.where(file, line)
        if where.cell:
            return f"  {where.text}, in {function}"
        return f'  File "{self.file(file)}", line {line}, in {function}'


def _as_notebook(file: str) -> str:
    return file[: -len(".py")] + ".ipynb" if file.endswith(".py") else file


NO_NOTEBOOKS = Places()
