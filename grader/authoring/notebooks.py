"""Exercise files written as Jupyter notebooks (for `release --notebooks`).

One notebook per exercise file: the module's docstring becomes the first markdown cell;
then each top-level function (or run of top-level statements) gets a code cell, preceded
by a markdown cell with its TODOs, which leave the code. Every notebook starts with
`%load_ext grader.notebook`, which makes `from logistic_scratch import ...` read the
sibling logistic_scratch.ipynb as grading does (grader/notebook.py). The grader reads such a
notebook back as the .py (grader/pipeline/notebooks.py), so the code cells, in order,
are the module.
"""

from __future__ import annotations

import ast

import nbformat

_TODO = "# TODO"


def module_to_notebook(source: str) -> str:
    """The notebook (nbformat 4 JSON text) of a Python module's source."""
    tree = ast.parse(source)
    lines = source.splitlines()
    body = list(tree.body)
    cells = []
    start = 0
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        docstring = body.pop(0)
        cells.append(nbformat.v4.new_markdown_cell(_markdown_of(ast.get_docstring(tree) or "")))
        start = docstring.end_lineno or 0
    cells += _first_cells()
    for group in _groups(body):
        # From the end of the previous chunk: comments above a node stay with it.
        last = max(node.end_lineno or node.lineno for node in group)
        chunk = lines[start:last]
        start = max(start, last)
        code, todos = _split_todos(chunk)
        code_text = "\n".join(code).strip("\n")
        if todos:
            names = ", ".join(
                f"`{node.name}()`"
                for node in group
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            )
            heading = f"**To do** in {names}:" if names else "**To do:**"
            cells.append(nbformat.v4.new_markdown_cell("\n".join([heading, "", *todos])))
        if code_text:
            cells.append(nbformat.v4.new_code_cell(code_text))
    rest = "\n".join(lines[start:]).strip("\n")
    if rest:
        cells.append(nbformat.v4.new_code_cell(rest))
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {
        "display_name": "Python 3",
        "language": "python",
        "name": "python3",
    }
    return nbformat.writes(notebook)


#: Run first in every exercise notebook: `from logistic_scratch import ...` then reads the
#: sibling logistic_scratch.ipynb (grader/notebook.py). A magic: grading leaves it out.
LOAD_EXTENSION = "%load_ext grader.notebook"


def _first_cells() -> list:
    """The markdown saying how to run and check, and the cell making sibling notebooks
    importable."""
    return [
        nbformat.v4.new_markdown_cell(
            "Run the cells from the top (the next one first: it lets "
            "`from logistic_scratch import ...` read `logistic_scratch.ipynb`). "
            "After you change `logistic_scratch.ipynb`, save it and restart this kernel. "
            "To check your work, save, then run "
            "`from grader.notebook import check` and `check()` in a cell."
        ),
        nbformat.v4.new_code_cell(LOAD_EXTENSION),
    ]


def _groups(body: list[ast.stmt]) -> list[list[ast.stmt]]:
    """A function or class alone; consecutive other statements together."""
    groups: list[list[ast.stmt]] = []
    for node in body:
        alone = isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        if alone or not groups or _is_definition(groups[-1][-1]):
            groups.append([node])
        else:
            groups[-1].append(node)
    return groups


def _is_definition(node: ast.stmt) -> bool:
    return isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))


def _split_todos(chunk: list[str]) -> tuple[list[str], list[str]]:
    """The chunk without its TODO comments (and their continuation lines), and those
    comments as Markdown list items."""
    code: list[str] = []
    todos: list[str] = []
    in_todo = False
    for line in chunk:
        stripped = line.strip()
        if stripped.startswith(_TODO):
            todos.append("- " + stripped[len(_TODO) :].lstrip(":").strip())
            in_todo = True
        elif in_todo and stripped.startswith("#"):
            todos[-1] += " " + stripped.lstrip("#").strip()
        else:
            in_todo = False
            code.append(line)
    return code, todos


def _markdown_of(docstring: str) -> str:
    title, _, rest = docstring.partition("\n")
    return f"# {title.strip()}\n{rest}".rstrip()
