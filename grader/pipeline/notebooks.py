"""Notebooks handed in for .py files: their code cells become the module that is graded.

`logistic_scratch.ipynb` is parsed with nbformat in the grading process (never run there:
the worker imports the .py written from it, like any other submission). IPython's magics
(`%matplotlib inline`, `%%time`) and shell escapes (`!pip install ...`) are not Python:
each such line becomes a comment (or `pass` inside a block), so the cells keep their line
numbers, and the learner is told. The cell map (`places`) is given to whatever writes a
sentence naming a file or a line, so the learner reads the notebook's cell as Jupyter shows it
(its `In [n]`, else its place among the code cells and its first line), written so at once.
"""

from __future__ import annotations

import re
import warnings
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath

from grader.places import CodeCell, NotebookCells, Places
from grader.source_text import SourceDecodeError, decode_source

#: Cell magics whose body is still Python (timed or captured): only their first line goes.
_PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "debug"})
# `%name ...`, `!cmd`, `x = !cmd`, `x = %who`, `name?` and `?name` (IPython help)
_IPYTHON_LINE = re.compile(
    r"^\s*(?:[%!?]|[A-Za-z_][\w.]*(?:\s*,\s*[A-Za-z_][\w.]*)*\s*=\s*[%!]\w|[A-Za-z_][\w.]*\?\??\s*$)"
)
_TRIPLE_QUOTE = re.compile(r'"""|\'\'\'')


class NotebookError(ValueError):
    """A .ipynb file that is not a readable notebook (the message is learner-facing)."""


@dataclass(frozen=True)
class ConvertedNotebook:
    """A notebook turned into a module: the .py text and the map back to its cells."""

    notebook: str  # the .ipynb's path relative to the submission, e.g. "logistic_scratch.ipynb"
    module_file: str  # the .py written beside it, e.g. "logistic_scratch.py"
    source: str
    cells: tuple[CodeCell, ...]
    dropped: tuple[tuple[CodeCell, str], ...] = ()  # (cell, line) of IPython lines left out

    @property
    def cell_map(self) -> NotebookCells:
        return NotebookCells(self.notebook, self.module_file, self.cells)

    def notices(self) -> tuple[str, ...]:
        """The learner-facing line about left-out IPython lines, if any."""
        if not self.dropped:
            return ()
        shown = "; ".join(
            f"{cell_label(cell, start=False)}: {text.strip()[:60]}"
            for cell, text in self.dropped[:4]
        )
        more = f" and {len(self.dropped) - 4} more" if len(self.dropped) > 4 else ""
        return (
            f"Left out {len(self.dropped)} IPython line(s) of {self.notebook} ({shown}{more}): "
            "magics and shell commands are not Python, and the grader runs plain Python.",
        )


def cell_label(cell: CodeCell, start: bool = True) -> str:
    """A code cell as the learner finds it: "cell In [7]", or 'code cell 3 ("def f():")'
    (without its first line when `start` is False)."""
    if cell.run_count:
        return f"cell In [{cell.run_count}]"
    if start and cell.start:
        return f'code cell {cell.position} ("{cell.start}")'
    return f"code cell {cell.position}"


def places(
    notebooks: Iterable[ConvertedNotebook],
    unreadable: Mapping[str, str] | None = None,
    set_aside: Mapping[str, str] | None = None,
) -> Places:
    """The submission's files as the learner has them: the notebooks' cell maps, the
    reasons notebooks could not be read and the reasons files were set aside at load
    (module file -> learner-facing why)."""
    return Places(
        tuple(notebook.cell_map for notebook in notebooks),
        tuple((unreadable or {}).items()),
        tuple((set_aside or {}).items()),
    )


def convert_notebook(data: bytes, notebook: str) -> ConvertedNotebook:
    """The module written from a notebook's bytes; raises NotebookError when they are not
    a notebook. Only parses: nothing in the notebook runs here."""
    import nbformat  # only where a notebook was handed in

    try:
        text = decode_source(data, notebook)
    except SourceDecodeError as error:
        raise NotebookError(error.learner_message) from None
    try:
        with warnings.catch_warnings():  # old notebooks' missing cell ids: not the learner's
            warnings.simplefilter("ignore")
            document = nbformat.reads(text, as_version=4)
    except Exception as error:  # nbformat raises JSON, validation and version errors alike
        raise NotebookError(
            f"{notebook} is not a readable Jupyter notebook ({type(error).__name__}: "
            f"{str(error).splitlines()[0][:200] if str(error) else 'no detail'})"
        ) from None
    language = _kernel_language(document)
    if language and language.lower() != "python":
        # An R or Julia notebook is no Python with a syntax error: say what it is.
        raise NotebookError(
            f"{notebook} is a notebook in {language} (its kernel), not Python: the exercise "
            "is written in Python; choose a Python kernel and hand it in again."
        )
    # Jupyter shows no cell numbers: a code cell is its `In [n]` where it has one (unique:
    # a notebook run out of order may show one twice), else its place among the code cells.
    cells = [cell for cell in document.get("cells", []) if cell.get("cell_type") == "code"]
    counts = Counter(_run_count(cell) for cell in cells)
    out: list[str] = []
    spans: list[CodeCell] = []
    dropped: list[tuple[CodeCell, str]] = []
    for position, cell in enumerate(cells, start=1):
        source = cell.get("source", "")
        lines = ("".join(source) if isinstance(source, list) else str(source)).splitlines()
        kept, left_out = _python_lines(lines)
        run = _run_count(cell)
        start = next((line.strip() for line in lines if line.strip()), "")
        span = CodeCell(
            position,
            len(out) + 1,
            len(kept),
            run_count=run if run and counts[run] == 1 else 0,
            start=start if len(start) <= 40 else f"{start[:37]}...",
        )
        dropped.extend((span, line) for line in left_out)
        spans.append(span)
        out.extend(kept)
        out.append("")  # a blank line between cells, as Jupyter's own export writes
    module_file = str(PurePosixPath(notebook).with_suffix(".py"))
    return ConvertedNotebook(notebook, module_file, "\n".join(out), tuple(spans), tuple(dropped))


def _kernel_language(document: object) -> str:
    """The notebook's language as its metadata says it ("" when unsaid)."""
    metadata = document.get("metadata") if isinstance(document, dict) else None
    if not isinstance(metadata, dict):
        return ""
    for key, field_name in (("kernelspec", "language"), ("language_info", "name")):
        value = metadata.get(key)
        if isinstance(value, dict) and isinstance(value.get(field_name), str):
            return value[field_name].strip()
    return ""


def _run_count(cell: Mapping) -> int:
    count = cell.get("execution_count")
    return count if type(count) is int and count > 0 else 0


def _python_lines(lines: list[str]) -> tuple[list[str], list[str]]:
    """The cell's lines with IPython syntax left out (same count, same indentation)."""
    first = next((line.strip() for line in lines if line.strip()), "")
    if first.startswith("%%"):
        magic = first[2:].split(maxsplit=1)[0] if first[2:].strip() else ""
        if magic not in _PYTHON_CELL_MAGICS:  # %%bash, %%html, %%writefile: not Python
            return [f"# {line}" if line.strip() else "" for line in lines], [first]
    kept, dropped = [], []
    in_string = False
    for line in lines:
        if not in_string:
            stand_in = _kernel_only_line(line)
            if stand_in is not None:  # what Jupyter runs, said in plain Python (no notice)
                kept.append(stand_in)
                continue
        if not in_string and _IPYTHON_LINE.match(line):
            # At the top level a comment (a `from __future__` import may follow); inside a
            # block `pass`, which keeps the block's body a statement.
            indent = line[: len(line) - len(line.lstrip())]
            kept.append(f"{indent}pass" if indent else f"# {line}")
            dropped.append(line)
            continue
        kept.append(line)
        if len(_TRIPLE_QUOTE.findall(line)) % 2:
            in_string = not in_string
    return kept, dropped


def _kernel_only_line(line: str) -> str | None:
    """The plain-Python stand-in for a line that only means something in a Jupyter kernel,
    or None for any other line. Same indentation, one line, so the cells keep their lines.

    - `%load_ext grader.notebook` (the bundle's first cell: sibling notebooks importable)
      becomes a comment: the graded copy has every exercise notebook written as its .py.
    - `%run logistic_scratch.ipynb` (or .py) runs that file's code in the notebook's
      namespace; here it becomes an import of the module written from it whose names
      all land in this module, as %run's do.
    - `from grader.notebook import check` (the self-check, run in the learner's kernel)
      binds each name to a function doing nothing: the grader runs the code, not its check.
    """
    indent = line[: len(line) - len(line.lstrip())]
    stripped = line.strip()
    if _LOAD_EXT.match(stripped):
        return f"{indent}pass" if indent else f"# {stripped}"
    run = _RUN_FILE.match(stripped)
    if run:
        module = run["stem"]
        return (
            f"{indent}globals().update({{_k: _v for _k, _v in vars(__import__({module!r}))"
            f'.items() if not _k.startswith("__")}})'
        )
    imported = _GRADER_NOTEBOOK_IMPORT.match(stripped)
    if imported:
        names = [part.split(" as ")[-1].strip() for part in imported["names"].split(",")]
        names = [name for name in names if name.isidentifier()]
        if names:
            targets = ", ".join(names) + ("," if len(names) == 1 else "")
            return f"{indent}{targets} = ({_NOOP},) * {len(names)}"
    return None


_LOAD_EXT = re.compile(r"^%load_ext\s+grader\.notebook\s*$")
# `%run [-i] name.ipynb` of a sibling file whose stem is a module name
_RUN_FILE = re.compile(
    r"^%run(?:\s+-[a-z]+)*\s+[\"']?(?:\./)?(?P<stem>[A-Za-z_]\w*)\.(?:ipynb|py)[\"']?\s*$"
)
_GRADER_NOTEBOOK_IMPORT = re.compile(
    r"^from\s+grader\.notebook\s+import\s+\(?(?P<names>[\w\s,]+?)\)?\s*(?:#.*)?$"
)
_NOOP = "lambda *args, **kwargs: None"
