"""Turn the master solutions into learner stubs.

solutions/ is the one source of truth; exercises/ is what this transform makes of it, so
the two cannot drift apart. Two markers, in the spirit of otter-grader and nbgrader:

* A block between ``# BEGIN SOLUTION`` and ``# END SOLUTION`` (each alone on its line, at
  the same indentation) becomes ``raise NotImplementedError(...)`` naming the function.
  Keep the learner's TODO comment just above the block: it stays in the stub.
* A line ending in ``# SOLUTION`` that starts an assignment keeps its target and gets
  ``...`` as its value (``X = 0.5  # SOLUTION`` -> ``X = ...``); one that holds a dict
  entry keeps the key (``"Q1": "B",  # SOLUTION`` -> ``"Q1": ...,``).

Anything malformed (nested, unclosed or stray markers, a ``# SOLUTION`` on a line that is
neither, a stub that no longer parses) raises MarkerError naming the file and line.
"""

from __future__ import annotations

import ast
import io
import re
import shutil
import tokenize
from pathlib import Path

from grader.paths import shipped_files

BEGIN = "# BEGIN SOLUTION"
END = "# END SOLUTION"
LINE_MARKER = "# SOLUTION"

_DEF = re.compile(r"^(\s*)(?:async\s+)?def\s+(\w+)")
_IGNORED_NAMES = {"__pycache__", ".pytest_cache", ".DS_Store"}


class MarkerError(ValueError):
    """A solution file whose markers cannot be turned into a stub."""

    def __init__(self, filename: str, line: int, problem: str) -> None:
        super().__init__(f"{filename}:{line}: {problem}")
        self.filename = filename
        self.line = line
        self.problem = problem


def make_stub(source: str, filename: str = "<solution>") -> str:
    """The learner stub of one solution file's source text."""
    lines = source.splitlines(keepends=True)
    lines = _replace_marked_values(lines, filename)
    lines = _replace_solution_blocks(lines, filename)
    stub = "".join(lines)
    try:
        ast.parse(stub, filename=filename)
    except SyntaxError as error:
        raise MarkerError(
            filename, error.lineno or 0, f"the stub does not parse: {error.msg}"
        ) from None
    return stub


def _replace_solution_blocks(lines: list[str], filename: str) -> list[str]:
    out: list[str] = []
    open_at: int | None = None
    open_indent = ""
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        indent = line[: len(line) - len(line.lstrip())]
        if text == BEGIN:
            if open_at is not None:
                raise MarkerError(
                    filename, number, f"nested {BEGIN} (one is open since line {open_at})"
                )
            open_at, open_indent = number, indent
            function = _enclosing_function(lines, number - 1)
            out.append(f'{indent}raise NotImplementedError("{_todo_message(function)}")\n')
        elif text == END:
            if open_at is None:
                raise MarkerError(filename, number, f"{END} without a {BEGIN} before it")
            if indent != open_indent:
                raise MarkerError(
                    filename, number, f"{END} is not indented like its {BEGIN} on line {open_at}"
                )
            open_at = None
        elif open_at is None:
            if BEGIN in line or END in line:
                raise MarkerError(
                    filename, number, "a solution marker must stand alone on its line"
                )
            out.append(line)
    if open_at is not None:
        raise MarkerError(filename, open_at, f"{BEGIN} is never closed by {END}")
    return out


def _enclosing_function(lines: list[str], index: int) -> str | None:
    marker_indent = len(lines[index]) - len(lines[index].lstrip())
    for line in reversed(lines[:index]):
        match = _DEF.match(line)
        if match and len(match.group(1)) < marker_indent:
            return match.group(2)
    return None


def _todo_message(function: str | None) -> str:
    where = f"{function}()" if function else "this part"
    return f"{where} is not written yet (see its TODO)"


def _replace_marked_values(lines: list[str], filename: str) -> list[str]:
    """Replace the value on every `# SOLUTION` line by `...`, bottom-up."""
    source = "".join(lines)
    marked = _marked_lines(source, filename)
    if not marked:
        return lines
    try:
        tree = ast.parse(source, filename=filename)
    except SyntaxError as error:
        raise MarkerError(filename, error.lineno or 0, f"does not parse: {error.msg}") from None
    edits = [_edit_for(tree, line, lines, filename) for line in marked]
    result = list(lines)
    for first, last, replacement in sorted(edits, reverse=True):
        result[first - 1 : last] = [replacement]
    return result


def _marked_lines(source: str, filename: str) -> list[int]:
    """Lines whose comment is exactly `# SOLUTION` (strings that contain it do not count)."""
    marked = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.COMMENT and token.string.strip() == LINE_MARKER:
                marked.append(token.start[0])
    except (tokenize.TokenError, SyntaxError) as error:
        raise MarkerError(filename, 0, f"cannot be tokenized: {error}") from None
    return marked


def _edit_for(tree: ast.Module, line: int, lines: list[str], filename: str) -> tuple[int, int, str]:
    """(first line, last line, replacement text) for one `# SOLUTION` line."""
    source = "".join(lines)
    for node in ast.walk(tree):
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.lineno == line:
            indent = lines[line - 1][: len(lines[line - 1]) - len(lines[line - 1].lstrip())]
            if isinstance(node, ast.Assign):
                head = " = ".join(ast.get_source_segment(source, t) or "" for t in node.targets)
            else:
                target = ast.get_source_segment(source, node.target)
                head = f"{target}: {ast.get_source_segment(source, node.annotation)}"
            return (line, _statement_end(node, lines), f"{indent}{head} = ...\n")
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if key is not None and key.lineno == line:
                    if value.end_lineno != line:
                        raise MarkerError(
                            filename, line, "a marked dict entry must fit on one line"
                        )
                    text = lines[line - 1]
                    start = _char_offset(text, value.col_offset)
                    end = _char_offset(text, value.end_col_offset or 0)
                    return (line, line, f"{text[:start]}...{_strip_marker(text[end:])}")
    raise MarkerError(
        filename, line, f"'{LINE_MARKER}' marks neither an assignment nor a dict entry"
    )


def _statement_end(node: ast.stmt, lines: list[str]) -> int:
    """The last line of a statement, counting a closing bracket that ast leaves out."""
    last = node.end_lineno or node.lineno
    while last < len(lines) and lines[last].strip() in {")", "]", "}"}:
        last += 1
    return last


def _strip_marker(text: str) -> str:
    return re.sub(r"\s*#\s*SOLUTION\s*$", "", text.rstrip("\n")) + "\n"


def _char_offset(text: str, byte_offset: int) -> int:
    """ast counts columns in UTF-8 bytes; slicing needs characters."""
    return len(text.encode("utf-8")[:byte_offset].decode("utf-8", errors="ignore"))


def stub_tree(solutions: Path) -> dict[Path, bytes]:
    """What exercises/ must hold: relative path -> content, for every file of solutions/."""
    tree: dict[Path, bytes] = {}
    tracked = shipped_files(solutions)
    for path in tracked if tracked is not None else sorted(solutions.rglob("*")):
        relative = path.relative_to(solutions)
        if not path.is_file() or _IGNORED_NAMES.intersection(relative.parts):
            continue
        if path.suffix == ".py":
            source = path.read_text(encoding="utf-8")
            tree[relative] = make_stub(source, str(relative)).encode("utf-8")
        else:
            tree[relative] = path.read_bytes()
    return tree


def write_exercises(solutions: Path, exercises: Path) -> list[Path]:
    """Regenerate exercises/ from solutions/: every stub rewritten, strays removed."""
    wanted = stub_tree(solutions)  # computed first: a MarkerError leaves exercises/ as it was
    if exercises.exists():
        shutil.rmtree(exercises)
    written = []
    for relative, content in wanted.items():
        target = exercises / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        written.append(target)
    return written


def stale_exercises(solutions: Path, exercises: Path) -> list[str]:
    """How exercises/ differs from what the transform makes today (empty when in sync)."""
    wanted = stub_tree(solutions)
    present = (
        {
            path.relative_to(exercises)
            for path in exercises.rglob("*")
            if path.is_file() and not _IGNORED_NAMES.intersection(path.relative_to(exercises).parts)
        }
        if exercises.exists()
        else set()
    )
    problems = [f"missing: {p}" for p in sorted(set(wanted) - present)]
    problems += [f"not made from solutions/: {p}" for p in sorted(present - set(wanted))]
    for relative in sorted(set(wanted) & present):
        if (exercises / relative).read_bytes() != wanted[relative]:
            problems.append(f"out of date: {relative}")
    return problems


__all__ = [
    "MarkerError",
    "make_stub",
    "stale_exercises",
    "stub_tree",
    "write_exercises",
]
