"""Notebooks handed in for .py files: their code cells become the module that is graded.

`logistic_scratch.ipynb` is parsed with nbformat in the grading process (never run there:
the worker imports the .py written from it, like any other submission). IPython's magics
(`%matplotlib inline`, `%%time`) and shell escapes (`!pip install ...`) are not Python:
each such line becomes a comment (or `pass` inside a block), so the cells keep their line
numbers, and the learner is told. Messages that name a line of the written .py are turned back
into the notebook's cell and line (`point_to_cells`).
"""

from __future__ import annotations

import dataclasses
import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath

from grader.results import CheckOutcome, Where
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
class CellSpan:
    """Where one code cell landed in the written .py."""

    cell: int  # 1-based, counting every cell from the top, markdown ones too (as seen)
    first_line: int  # the .py's line of the cell's first line
    lines: int


@dataclass(frozen=True)
class ConvertedNotebook:
    """A notebook turned into a module: the .py text and the map back to its cells."""

    notebook: str  # the .ipynb's path relative to the submission, e.g. "logistic_scratch.ipynb"
    module_file: str  # the .py written beside it, e.g. "logistic_scratch.py"
    source: str
    cells: tuple[CellSpan, ...]
    dropped: tuple[tuple[int, str], ...] = ()  # (cell, line) of IPython lines left out

    def locate(self, line: int) -> tuple[int, int] | None:
        """(cell, line in that cell) of a line of the written .py; None between cells."""
        for span in self.cells:
            if span.first_line <= line < span.first_line + span.lines:
                return span.cell, line - span.first_line + 1
        return None

    def notices(self) -> tuple[str, ...]:
        """The learner-facing line about left-out IPython lines, if any."""
        if not self.dropped:
            return ()
        shown = "; ".join(f"cell {c}: {text.strip()[:60]}" for c, text in self.dropped[:4])
        more = f" and {len(self.dropped) - 4} more" if len(self.dropped) > 4 else ""
        return (
            f"Left out {len(self.dropped)} IPython line(s) of {self.notebook} ({shown}{more}): "
            "magics and shell commands are not Python, and the grader runs plain Python.",
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
    # Numbered as the learner sees them, top to bottom, markdown cells included.
    cells = [
        (number, cell)
        for number, cell in enumerate(document.get("cells", []), start=1)
        if cell.get("cell_type") == "code"
    ]
    out: list[str] = []
    spans: list[CellSpan] = []
    dropped: list[tuple[int, str]] = []
    for number, cell in cells:
        source = cell.get("source", "")
        lines = ("".join(source) if isinstance(source, list) else str(source)).splitlines()
        kept, left_out = _python_lines(lines)
        dropped.extend((number, line) for line in left_out)
        spans.append(CellSpan(number, len(out) + 1, len(kept)))
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


def point_to_cells(
    outcomes: Iterable[CheckOutcome], notebooks: Iterable[ConvertedNotebook]
) -> list[CheckOutcome]:
    """The outcomes with every "<module>.py ... line N" of a converted notebook's module
    rewritten as "<notebook>.ipynb ... cell C, line L"."""
    notebooks = list(notebooks)
    rewrites = [(_line_pattern(nb.module_file), nb) for nb in notebooks]
    if not rewrites:
        return list(outcomes)
    by_module = {PurePosixPath(nb.module_file).stem: nb for nb in notebooks}
    result = []
    for outcome in outcomes:
        message = _rewritten(outcome.message, rewrites)
        cause = outcome.cause
        if cause is not None:
            detail = _rewritten(cause.detail, rewrites) if cause.detail else cause.detail
            cause = dataclasses.replace(
                cause, detail=detail, where=in_cells(cause.where, by_module)
            )
        where = in_cells(outcome.where, by_module)
        if message != outcome.message or cause != outcome.cause or where != outcome.where:
            outcome = dataclasses.replace(outcome, message=message, cause=cause, where=where)
        result.append(outcome)
    return result


def in_cells(where: Where | None, by_module: dict[str, ConvertedNotebook]) -> Where | None:
    """The place with its notebook's cell and line in the cell, when its module was written
    from a notebook (by_module: module stem -> notebook) and the line falls in a cell."""
    notebook = by_module.get(where.module) if where is not None else None
    if where is None or notebook is None or not where.line:
        return where
    found = notebook.locate(where.line)
    if found is None:
        return where
    cell, line = found
    return dataclasses.replace(where, notebook=notebook.notebook, cell=cell, cell_line=line)


def _rewritten(text: str, rewrites: list[tuple[re.Pattern[str], ConvertedNotebook]]) -> str:
    for pattern, notebook in rewrites:
        text = pattern.sub(lambda match, nb=notebook: _in_cell(match, nb), text)
    return text


def _line_pattern(module_file: str) -> re.Pattern[str]:
    return re.compile(
        rf"(?<![\w.]){re.escape(module_file)}(?P<mid>\"?,? | has a syntax error on )line (?P<n>\d+)"
    )


def _in_cell(match: re.Match[str], notebook: ConvertedNotebook) -> str:
    where = notebook.locate(int(match["n"]))
    if where is None:
        return match[0]
    cell, line = where
    mid = match["mid"].replace(" on ", " in ")
    return f"{notebook.notebook}{mid}cell {cell}, line {line}"
