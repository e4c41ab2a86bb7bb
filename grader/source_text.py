"""Learner files as Python reads them: read, decoded and parsed once, here.

Decoding follows Python's own rules for source (PEP 263, `tokenize.detect_encoding`): a
UTF-8 byte order mark (what Windows editors write) is dropped, a `# -*- coding: ... -*-`
line is honoured, anything else is UTF-8; line endings become "\\n". Where Python would
refuse a file, the message names the file, the line and the byte.

Every static analysis of a learner's file in the grading process (the from-scratch scan,
which functions a function uses, the dependency notes and blame) works on the one
`LearnerSource` made here at load (grader/pipeline/load.py), never on a file read again.
Parsing runs outside the sandbox, so it is bounded: a file over the size cap (rubric.yaml
`limits: source_kb`) is not parsed at all, and a parse that runs out of memory or
recursion (a 300,000-deep unary minus) is the learner's broken file, never a grader error.
"""

from __future__ import annotations

import ast
import enum
import io
import tokenize
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path


class SourceDecodeError(ValueError):
    """A learner file that Python could not read as source.

    `learner_message` names the file, the line (1-based) and the offending byte."""

    def __init__(self, file: str, line: int, byte: int | None, encoding: str, reason: str = ""):
        self.file, self.line, self.byte, self.encoding = file, line, byte, encoding
        if byte is None:
            what = reason or f"cannot be read as {encoding}"
            message = f"{file} cannot be read as Python source: {what}"
        else:
            message = (
                f"{file} cannot be read as {encoding} text: line {line} holds the byte "
                f"0x{byte:02X}. Save the file as UTF-8 (most editors: Save with Encoding, "
                "UTF-8), or name its encoding in a '# -*- coding: ... -*-' first line."
            )
        self.learner_message = message
        super().__init__(message)


def decode_source(data: bytes, file: str) -> str:
    """`data` as Python would read it; raises SourceDecodeError naming `file`, and for a
    byte Python cannot decode, its line and value."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as error:
        # detect_encoding decodes the first two lines as UTF-8 to look for a coding line;
        # a byte that is not UTF-8 there is the same mistake as one further down, and is
        # said the same way (the bare "invalid or missing encoding declaration" named
        # neither line nor byte).
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as bad:
            line = data.count(b"\n", 0, bad.start) + 1
            raise SourceDecodeError(file, line, data[bad.start], "UTF-8") from None
        # An unknown coding cookie, or a BOM with another cookie.
        line = error.lineno if isinstance(error.lineno, int) else 1
        raise SourceDecodeError(file, line, None, "", str(error.msg or error)) from None
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise SourceDecodeError(file, line, data[error.start], _plain(encoding)) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _plain(encoding: str) -> str:
    return "UTF-8" if encoding in {"utf-8", "utf-8-sig"} else encoding


# --- one learner file, read once -----------------------------------------------------------


class SourceProblemKind(enum.Enum):
    """Why a learner file has no syntax tree."""

    UNREADABLE = "unreadable"  # the file system refused it (OSError)
    UNDECODABLE = "undecodable"  # Python could not decode it (line and byte named)
    TOO_LARGE = "too-large"  # over the source size cap: not parsed, its checks not run
    SYNTAX = "syntax"  # a SyntaxError (or a NUL byte): the worker's import says it too
    TOO_COMPLEX = "too-complex"  # the parser ran out of memory or recursion

    @property
    def sets_file_aside(self) -> bool:
        """Whether the file's checks are not run at all (the worker never imports it): a
        file the grading process would not parse could not be imported either, or only at
        a cost the rest of the submission would pay."""
        return self in (SourceProblemKind.TOO_LARGE, SourceProblemKind.TOO_COMPLEX)


@dataclass(frozen=True)
class SourceProblem:
    """What went wrong reading a learner file; `message` is for the learner (it names the
    file, and the line and byte where Python could not decode it)."""

    kind: SourceProblemKind
    file: str  # relative path in the submission, e.g. "logistic_scratch.py"
    message: str
    line: int = 0  # 1-based; 0 when no line applies
    byte: int | None = None  # the undecodable byte's value


@dataclass(frozen=True, eq=False)  # eq=False: a syntax tree compares by identity anyway
class LearnerSource:
    """One learner .py file as read at load: its size in bytes, its text as Python decodes
    it (None when it could not be read or decoded, or is over the cap) and its syntax tree
    (None when it does not parse), with `problem` saying why either is missing."""

    file: str  # relative path in the submission, "/"-separated: "logistic_scratch.py"
    size: int  # bytes on disk
    text: str | None
    tree: ast.Module | None
    problem: SourceProblem | None = None

    @property
    def module(self) -> str:
        """The module name it is imported by: "logistic_scratch", "helpers" for
        helpers/__init__.py; "" for a file no top-level import reaches."""
        parts = self.file.split("/")
        if len(parts) == 1 and parts[0].endswith(".py"):
            return parts[0][: -len(".py")]
        if len(parts) == 2 and parts[1] == "__init__.py":
            return parts[0]
        return ""


def read_learner_source(path: Path, file: str, max_bytes: int) -> LearnerSource:
    """The learner file at `path` (named `file` in messages), read, decoded and parsed
    once. Never raises for anything in the file: every failure is its `problem`. A file
    over `max_bytes` is neither read nor parsed (parsing 1 MB of `a=1` lines takes the
    grading process to 600 MB and 4 s)."""
    try:
        size = Path(path).stat().st_size
        if size > max_bytes:
            return LearnerSource(file, size, None, None, _too_large(file, size, max_bytes))
        data = Path(path).read_bytes()
    except OSError:
        message = f"{file} could not be read."
        return LearnerSource(file, 0, None, None, SourceProblem(_K.UNREADABLE, file, message))
    return parse_learner_source(data, file)


def parse_learner_source(data: bytes, file: str) -> LearnerSource:
    """`data` (a file's bytes, under the cap) parsed by Python's own parser from the bytes,
    so that it accepts exactly what the worker's import accepts (Python 3.11 lets a
    cp1252 byte stand in a comment); see read_learner_source. `text` is the strict
    decoding, or where only a comment holds a stray byte, that byte replaced (U+FFFD)."""
    try:
        tree = ast.parse(data, filename=file)
    except SyntaxError as error:
        try:
            text = decode_source(data, file)
        except SourceDecodeError as undecodable:  # what Python refused: line and byte
            problem = SourceProblem(
                _K.UNDECODABLE,
                file,
                undecodable.learner_message,
                undecodable.line,
                undecodable.byte,
            )
            return LearnerSource(file, len(data), None, None, problem)
        line = error.lineno if isinstance(error.lineno, int) else 0
        if not line and b"\0" in data:  # a NUL byte: Python 3.11 names no line
            line = data.count(b"\n", 0, data.index(b"\0")) + 1
        message = f"{file} has a syntax error on line {line}: {error.msg}"
        problem = SourceProblem(_K.SYNTAX, file, message, line)
        return LearnerSource(file, len(data), text, None, problem)
    except ValueError:  # a NUL byte: Python's import refuses it too
        message = f"{file} holds a NUL byte, which Python source cannot hold."
        problem = SourceProblem(_K.SYNTAX, file, message)
        return LearnerSource(file, len(data), _lenient(data), None, problem)
    except (MemoryError, RecursionError):
        # CPython's parser says MemoryError when its stack overflows on deep nesting: the
        # file is what is broken, not the grader.
        message = (
            f"{file} is nested too deeply for Python to parse (an expression or block "
            "inside hundreds of others); its checks were not run. Split it into smaller "
            "expressions."
        )
        problem = SourceProblem(_K.TOO_COMPLEX, file, message)
        return LearnerSource(file, len(data), None, None, problem)
    return LearnerSource(file, len(data), _lenient(data), tree)


def _lenient(data: bytes) -> str:
    """The text of bytes Python parsed: strict where it can be, a stray byte in a comment
    replaced."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError:
        encoding = "utf-8"
    text = data.decode(encoding, errors="replace").removeprefix("\ufeff")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _too_large(file: str, size: int, max_bytes: int) -> SourceProblem:
    message = (
        f"{file} is {_kilobytes(size)}, over the {_kilobytes(max_bytes)} a graded Python "
        "file may have; its checks were not run. Hand in your own code only (no data or "
        "generated code pasted into the file)."
    )
    return SourceProblem(_K.TOO_LARGE, file, message)


def _kilobytes(size: int) -> str:
    return f"{size / 2**20:.1f} MB" if size >= 2**20 else f"{size / 1024:.0f} KB"


_K = SourceProblemKind

#: How many files of the cap's size a submission may have parsed in all.
PARSED_FILES_OF_CAP = 4


@dataclass(frozen=True)
class LearnerSources:
    """Every learner .py file of a loaded submission, each read once (LearnerSource)."""

    files: tuple[LearnerSource, ...] = ()

    @classmethod
    def of_texts(cls, texts: Mapping[str, str | bytes]) -> LearnerSources:
        """Files given as text or bytes by relative path ({"ex2_learning_rate.py": ...}),
        read as if from disk: for analyses of code that never was a submission."""
        return cls(
            tuple(
                parse_learner_source(data.encode() if isinstance(data, str) else data, file)
                for file, data in texts.items()
            )
        )

    def __iter__(self) -> Iterator[LearnerSource]:
        return iter(self.files)

    def file(self, file: str) -> LearnerSource | None:
        """The file at this relative path ("logistic_scratch.py"), None if not handed in."""
        return next((source for source in self.files if source.file == file), None)

    def module(self, name: str) -> LearnerSource | None:
        """The learner's top-level module `name` (name.py, else name/__init__.py)."""
        return self.file(f"{name}.py") or self.file(f"{name}/__init__.py")

    def text(self, name: str) -> str | None:
        """Module `name`'s text, None when missing or unreadable."""
        found = self.module(name)
        return found.text if found is not None else None

    def tree(self, name: str) -> ast.Module | None:
        """Module `name`'s syntax tree, None when missing, unreadable or not parsed."""
        found = self.module(name)
        return found.tree if found is not None else None

    def modules(self) -> frozenset[str]:
        """The names of the learner's own top-level modules."""
        return frozenset(source.module for source in self.files if source.module)


def read_learner_sources(
    folder: Path, files: Iterable[str], max_bytes: int, first: Iterable[str] = ()
) -> LearnerSources:
    """Each .py among `files` (relative paths under `folder`) read once, none over
    `max_bytes`. The learner's files are parsed up to PARSED_FILES_OF_CAP x `max_bytes` in
    all (a hundred files just under the cap would otherwise be parsed, at up to 600 bytes
    of the grading process's memory per byte of source); beyond it a file is set aside like
    one over the cap. Files named in `first` (the exercise files) are read first, so they
    are the last to be set aside."""
    wanted = [name for name in dict.fromkeys(files) if name.endswith(".py")]
    preferred = set(first)
    wanted.sort(key=lambda name: (name not in preferred, name))
    budget = PARSED_FILES_OF_CAP * max_bytes
    read = []
    for name in wanted:
        source = read_learner_source(folder / name, name, max(0, min(max_bytes, budget)))
        if (
            source.problem is not None
            and source.problem.kind is _K.TOO_LARGE
            and source.size <= max_bytes
        ):
            message = (
                f"{name} was not graded: the submission's Python files are together over "
                f"{_kilobytes(PARSED_FILES_OF_CAP * max_bytes)}. Hand in your own code only."
            )
            source = LearnerSource(
                name, source.size, None, None, SourceProblem(_K.TOO_LARGE, name, message)
            )
        budget -= source.size if source.text is not None else 0
        read.append(source)
    return LearnerSources(tuple(read))
