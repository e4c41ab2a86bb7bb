"""What a batch keeps in each OUT/NAME/ besides the reports, so that later runs need no
learner code: the automatic result (before any instructor adjustment) for `regrade`, and
a copy of the graded exercise files for the similarity search.

    OUT/NAME/automatic.json   the typed GradedSubmission, as plain JSON (never pickle)
    OUT/NAME/adjusted.json    the typed StoredSubmission: the learner's identity and the
                              result after overrides and the late policy, or the typed
                              failure of a grading that crashed; every class view and
                              export reads this (results.json is only Gradescope's export)
    OUT/NAME/code/*.py        the exercise files that were graded

Reading checks every field's type against the dataclasses, so a hand-edited or foreign
file is refused (StoredResultError) rather than half-read.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import types
import typing
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

from grader.files import atomic_write_text
from grader.identity import Identity
from grader.results import GradedSubmission

AUTOMATIC = "automatic.json"
ADJUSTED = "adjusted.json"
CODE = "code"


@dataclass(frozen=True)
class GradingFailure:
    """A submission whose grading crashed: what the class views need, and why (instructors)."""

    detail: str  # the traceback's end, instructor-facing
    grader_version: str
    graded_at: str  # ISO 8601, UTC
    max_score: float = 0.0


@dataclass(frozen=True)
class StoredSubmission:
    """One OUT/NAME/adjusted.json: exactly one of `result` and `failure` is set."""

    identity: Identity
    result: GradedSubmission | None = None  # after overrides and the late policy
    failure: GradingFailure | None = None

    @property
    def name(self) -> str:
        return self.identity.folder


class StoredResultError(ValueError):
    """An automatic.json that does not hold a GradedSubmission of this grader: one line."""


_LEAVES = frozenset({str, int, float, bool, type(None)})


def to_plain(value: Any) -> Any:
    """A dataclass tree as JSON-ready values: dataclasses to dicts, enums to their values,
    tuples to lists."""
    kind = type(value)
    if kind in _LEAVES:  # most of a result: tested first
        return value
    names = _field_names(kind)
    if names is not None:
        return {name: to_plain(getattr(value, name)) for name in names}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (list, tuple)):
        return [to_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): to_plain(item) for key, item in value.items()}
    return value


@functools.cache
def _field_names(kind: type) -> tuple[str, ...] | None:
    """The field names of a dataclass type, else None (dataclasses.fields per object was
    most of writing a result)."""
    if dataclasses.is_dataclass(kind):
        return tuple(field.name for field in dataclasses.fields(kind))
    return None


@functools.cache
def _field_types(kind: type) -> dict[str, Any]:
    """A dataclass's fields and their resolved annotations (typing.get_type_hints evaluates
    every annotation afresh: 60 ms a stored result when called per object)."""
    hints = typing.get_type_hints(kind)
    return {field.name: hints[field.name] for field in dataclasses.fields(kind)}


def from_plain(kind: Any, value: Any, where: str = "") -> Any:
    """The inverse of to_plain for the annotation `kind`; StoredResultError on a mismatch."""
    origin = typing.get_origin(kind)
    if dataclasses.is_dataclass(kind):
        if not isinstance(value, dict):
            raise StoredResultError(f"{where or kind.__name__}: expected an object")
        hints = _field_types(kind)
        return kind(
            **{
                name: from_plain(hints[name], item, f"{where}.{name}")
                for name, item in value.items()
                if name in hints
            }
        )
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(kind)
        if value is None and type(None) in options:
            return None
        for option in (o for o in options if o is not type(None)):
            return from_plain(option, value, where)
    if origin is tuple:
        args = typing.get_args(kind)
        if not isinstance(value, list):
            raise StoredResultError(f"{where}: expected a list")
        item_kind = args[0] if len(args) == 2 and args[1] is Ellipsis else None
        if item_kind is None:
            return tuple(from_plain(a, v, where) for a, v in zip(args, value, strict=True))
        return tuple(from_plain(item_kind, v, where) for v in value)
    if origin is dict:
        _, item_kind = typing.get_args(kind)
        if not isinstance(value, dict):
            raise StoredResultError(f"{where}: expected an object")
        return {str(k): from_plain(item_kind, v, where) for k, v in value.items()}
    if isinstance(kind, type) and issubclass(kind, Enum):
        try:
            return kind(value)
        except ValueError:
            raise StoredResultError(f"{where}: unknown value {value!r}") from None
    if kind is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise StoredResultError(f"{where}: expected a number")
        return float(value)
    if kind in (int, str, bool):
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise StoredResultError(f"{where}: expected {kind.__name__}")
        return value
    return value


def write_automatic(result: GradedSubmission, folder: Path) -> None:
    """Write OUT/NAME/automatic.json atomically."""
    # Compact: the grader's own record, read by programs (report.html is the readable
    # one); json's indented form runs in pure Python, three times slower.
    text = json.dumps(to_plain(result), ensure_ascii=False, separators=(",", ":"))
    atomic_write_text(Path(folder) / AUTOMATIC, text + "\n")


def read_automatic(folder: Path) -> GradedSubmission:
    """The automatic result stored in folder; StoredResultError if missing or foreign."""
    return _read_checked(Path(folder) / AUTOMATIC, GradedSubmission, "automatic")


def write_adjusted(stored: StoredSubmission, folder: Path) -> None:
    """Write OUT/NAME/adjusted.json atomically (the same compact JSON as automatic.json)."""
    if (stored.result is None) == (stored.failure is None):
        raise ValueError("a stored submission holds a result or a failure, not both")
    # ASCII escapes: a name handed in in bytes that are not UTF-8 (lone surrogates) is
    # kept exactly, where UTF-8 text could not hold it.
    text = json.dumps(to_plain(stored), ensure_ascii=True, separators=(",", ":"))
    atomic_write_text(Path(folder) / ADJUSTED, text + "\n")


def read_adjusted(folder: Path) -> StoredSubmission:
    """The stored submission of folder, read by the same checked reader as automatic.json;
    StoredResultError (one line) if missing, foreign or holding neither result nor failure."""
    path = Path(folder) / ADJUSTED
    stored = _read_checked(path, StoredSubmission, "adjusted")
    if (stored.result is None) == (stored.failure is None):
        raise StoredResultError(f"{path}: holds neither a result nor a failure")
    return stored


def _read_checked(path: Path, kind: Any, where: str) -> Any:
    try:
        plain = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise StoredResultError(f"{path}: cannot be read ({error})") from None
    try:
        return from_plain(kind, plain, where)
    except (TypeError, ValueError) as error:
        raise StoredResultError(f"{path}: {error}") from None


def stored_identities(out: Path) -> list[Identity]:
    """The identities of the submissions already graded into OUT: each adjusted.json's,
    else (an older grader's folder) the folder's name as handed in."""
    if not Path(out).is_dir():
        return []
    found = []
    for folder in sorted(Path(out).iterdir()):
        if (folder / ADJUSTED).is_file():
            try:
                found.append(read_adjusted(folder).identity)
                continue
            except StoredResultError:
                pass
        if (folder / AUTOMATIC).is_file() or (folder / "results.json").is_file():
            found.append(Identity(folder.name, folder.name))
    return found


__all__ = [
    "ADJUSTED",
    "AUTOMATIC",
    "CODE",
    "GradingFailure",
    "StoredResultError",
    "StoredSubmission",
    "from_plain",
    "read_adjusted",
    "read_automatic",
    "stored_identities",
    "to_plain",
    "write_adjusted",
    "write_automatic",
]
