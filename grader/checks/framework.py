"""What a check works with: the learner's code behind a proxy, the reference, and failures.

A check is a pytest test function named ``check_*`` whose name is its id everywhere. It
asks the learner's code for values through ``learner`` (every call runs in a worker
process; only plain data comes back), asks ``reference`` for the values the contract
expects, compares them here in the grading process, and raises CheckFailure with a message
for the learner when they differ.
"""

from __future__ import annotations

import ast
import contextlib
import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

import numpy as np

from grader.checks.dependencies import CORE_MODULE, core_names_reached
from grader.sandbox import CallResult, FailureKind, StudentCodeError
from grader.source_text import SourceDecodeError, read_source


class CheckFailure(AssertionError):
    """The learner's code ran but gave a wrong answer; the message is for the learner."""

    def __init__(self, message: str, misconceptions: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.misconceptions = misconceptions


class CheckSkipped(Exception):
    """The check cannot run in this mode (e.g. answers are graded only on submission)."""


CheckFunction = TypeVar("CheckFunction", bound=Callable[..., None])


def manual(check: CheckFunction) -> CheckFunction:
    """Mark a check as an item an instructor grades: listed for review, never auto-scored."""
    check.manual = True  # type: ignore[attr-defined]
    return check


class Worker(Protocol):
    def call(
        self, module: str, function: str, *args: Any, timeout_s: float | None = None, **kwargs: Any
    ) -> CallResult: ...

    def get(self, module: str, name: str) -> object: ...

    def given_up(self) -> set[str]: ...


@dataclass
class Learner:
    """The submission, as a check sees it: calls go to a worker, values come back as data.

    Every call also checks that the learner's function left its inputs unchanged
    (misconception M18), so no check has to remember to.
    """

    worker: Worker
    submission_dir: Any  # Path of the private copy; read as text only, never executed here
    calls: list[str] = field(default_factory=list)

    def call(self, module: str, function: str, *args: Any, **kwargs: Any) -> Any:
        return self.call_full(module, function, *args, **kwargs).value

    def call_full(
        self,
        module: str,
        function: str,
        *args: Any,
        timeout_s: float | None = None,
        **kwargs: Any,
    ) -> CallResult:
        self.calls.append(f"{module}.{function}")
        hung = self._hung_dependencies(module, function)
        if hung:
            # It uses a core function that never returned: it would hang too, most likely,
            # and cost another time limit. It is not called.
            names = ", ".join(f"{name.split('.')[-1]}()" for name in sorted(hung))
            raise CheckFailure(
                f"{function}() was not called: it uses {names} from logistic_scratch.py, "
                "which never returned in its own checks. Fix that first."
            )
        result = self.worker.call(module, function, *args, timeout_s=timeout_s, **kwargs)
        changed = _changed_arguments(function, args, kwargs, result)
        if changed:
            raise CheckFailure(
                f"{function}() changed its input {changed} in place. Callers keep using "
                "their arrays after the call: work on a copy (np.array(x, dtype=float) or "
                "x.copy()) instead of writing into the argument.",
                misconceptions=("M18",),
            )
        return result

    def get(self, module: str, name: str) -> Any:
        return self.worker.get(module, name)

    def _hung_dependencies(self, module: str, function: str) -> set[str]:
        if module == CORE_MODULE:
            return set()
        given_up = self.worker.given_up()
        if not given_up:
            return set()
        try:
            source = self.source(module)
        except CheckFailure:  # not decodable: its own checks say so
            return set()
        reached = core_names_reached(source, function)
        # Unreadable from the text: assume nothing, call it (with the full limit).
        return set() if reached is None else reached & given_up

    @property
    def call_timeout_s(self) -> float:
        """The time limit per call in force for this submission."""
        return self.worker.limits.call_timeout_s

    def source(self, module: str) -> str | None:
        """The text of a learner file, decoded as Python decodes source (BOM, coding line),
        or None when it is missing; CheckFailure naming the line and byte when Python
        could not decode it either."""
        path = self.submission_dir / f"{module}.py"
        try:
            return read_source(path)
        except OSError:
            return None
        except SourceDecodeError as error:
            raise CheckFailure(error.learner_message) from None


def _changed_arguments(function: str, args: tuple, kwargs: dict, result: CallResult) -> str | None:
    for index, (before, after) in enumerate(zip(args, result.args_after, strict=False)):
        if isinstance(before, np.ndarray) and not _same_value(before, after):
            return f"(argument {index + 1})"
    for name, before in kwargs.items():
        if isinstance(before, np.ndarray) and not _same_value(
            before, result.kwargs_after.get(name)
        ):
            return f"'{name}'"
    return None


def _same_value(before: np.ndarray, after: object) -> bool:
    after_array = np.asarray(after)
    return after_array.shape == before.shape and bool(
        np.array_equal(after_array, before, equal_nan=before.dtype.kind == "f")
    )


class Reference(Protocol):
    """The values the contract expects, computed by the trusted reference solutions."""

    def call(self, module: str, function: str, *args: Any, **kwargs: Any) -> Any: ...

    def get(self, module: str, name: str) -> Any: ...


# --- comparing ---------------------------------------------------------------------------


def as_array(value: Any, what: str, shape: tuple[int, ...] | None = None) -> np.ndarray:
    """The learner's value as a float array, or a CheckFailure saying why it is not one."""
    if value is Ellipsis:
        raise CheckFailure(f"{what} is still `...`: replace it with your answer.")
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise CheckFailure(
            f"{what} should be a number or an array of numbers, but it is {_describe(value)}."
        ) from None
    if shape is not None and array.shape != shape:
        raise CheckFailure(f"{what} should have shape {shape}, but it has shape {array.shape}.")
    return array


def as_number(value: Any, what: str) -> float:
    array = as_array(value, what)
    if array.size != 1:
        raise CheckFailure(f"{what} should be one number, but it has {array.size} values.")
    return float(array.reshape(()))


def close(actual: Any, expected: Any, *, rtol: float, atol: float) -> bool:
    actual_array = np.asarray(actual, dtype=float)
    expected_array = np.asarray(expected, dtype=float)
    return actual_array.shape == expected_array.shape and bool(
        np.allclose(actual_array, expected_array, rtol=rtol, atol=atol, equal_nan=False)
    )


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def show(value: Any, digits: int = 6) -> str:
    """A short, readable rendering of a number or array for a message."""
    if isinstance(value, np.ndarray) or isinstance(value, (list, tuple)):
        array = np.asarray(value, dtype=float)
        if array.size > 12:
            return f"an array of shape {array.shape}"
        if array.ndim == 0:  # "4518", not "4518." (a sentence's full stop follows)
            return show(float(array), digits)
        # Each number as a number reads ("3", "0.25", not "3." or "0.  "), on one line.
        text = np.array2string(
            array, separator=", ", formatter={"float_kind": lambda v: f"{v:.{digits}g}"}
        )
        return " ".join(text.split())
    if isinstance(value, float):
        return f"{value:.{digits}g}"
    return _describe(value)


def seed_for(base_seed: int, check_id: str) -> int:
    """A seed per check, so each hidden check draws its own data, reproducibly."""
    digest = hashlib.sha256(f"{base_seed}:{check_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def imported_modules(source: str) -> Iterator[str]:
    """Every module a source file imports, at any depth (import, from-import, __import__)."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, (ast.Name, ast.Attribute))
            and (getattr(node.func, "id", None) or getattr(node.func, "attr", None))
            in {"__import__", "import_module"}
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            yield node.args[0].value


__all__ = [
    "CheckFailure",
    "CheckSkipped",
    "FailureKind",
    "Learner",
    "Reference",
    "StudentCodeError",
    "as_array",
    "as_number",
    "close",
    "imported_modules",
    "manual",
    "seed_for",
    "show",
]


def expect_close(
    actual: Any,
    expected: Any,
    *,
    what: str,
    fix: str,
    rtol: float = 1e-6,
    atol: float = 1e-9,
    hidden: bool = False,
    variants: dict[str, Any] | None = None,
) -> None:
    """Pass when actual matches expected; otherwise fail naming any known wrong variant.

    `variants` maps a misconception id to what that wrong implementation would return on
    the same input: a learner result that matches one is tagged with its id. Hidden checks
    never show inputs or expected values, only the property that failed.
    """
    expected_array = np.asarray(expected, dtype=float)
    actual_array = as_array(actual, what)
    if actual_array.shape != expected_array.shape:
        raise CheckFailure(
            f"{what}: expected shape {expected_array.shape}, got shape {actual_array.shape}. {fix}",
            _matching(actual_array, variants, rtol, atol),
        )
    if close(actual_array, expected_array, rtol=rtol, atol=atol):
        return
    tags = _matching(actual_array, variants, rtol, atol)
    if hidden:
        detail = f"your result differs from the expected one (beyond rtol {rtol:g})"
    elif expected_array.size > 12:  # too long to show: where it differs, not "an array"
        detail = _first_difference(actual_array, expected_array, rtol, atol)
    else:
        detail = f"expected {show(expected_array)}, got {show(actual_array)}"
    raise CheckFailure(f"{what}: {detail}. {fix}", tags)


def _first_difference(actual: np.ndarray, expected: np.ndarray, rtol: float, atol: float) -> str:
    """Where a large array first differs, so the learner knows where to look."""
    differs = ~np.isclose(actual, expected, rtol=rtol, atol=atol)
    index = tuple(int(i) for i in np.argwhere(differs)[0])
    where = index[0] if len(index) == 1 else index
    return (
        f"{int(differs.sum())} of {differs.size} values differ, the first at index {where}: "
        f"expected {show(float(expected[index]))}, got {show(float(actual[index]))}"
    )


def _matching(
    actual: np.ndarray, variants: dict[str, Any] | None, rtol: float, atol: float
) -> tuple[str, ...]:
    tags = []
    for misconception, wrong in (variants or {}).items():
        with contextlib.suppress(TypeError, ValueError, CheckSkipped):
            wrong = _resolve(wrong)
            if wrong is not None and _close_or_both_nan(actual, wrong, rtol=rtol, atol=atol):
                tags.append(misconception)
    return misconception_ids(tags)


def _resolve(wrong: Any) -> Any:
    """A variant's value; a callable is one that is costly to compute, asked for only when
    the check has failed (e.g. the eight-ticket answers of M19)."""
    return wrong() if callable(wrong) else wrong


def _close_or_both_nan(actual: Any, wrong: Any, *, rtol: float, atol: float) -> bool:
    """Like close(), but a nan in a wrong variant matches a nan in the learner's result:
    a variant may say "nan here" (M04, M11), never the expected values."""
    actual_array = np.asarray(actual, dtype=float)
    wrong_array = np.asarray(wrong, dtype=float)
    return actual_array.shape == wrong_array.shape and bool(
        np.allclose(actual_array, wrong_array, rtol=rtol, atol=atol, equal_nan=True)
    )


def misconception_ids(keys: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """ "M10#2" -> "M10", without repeats, in order."""
    return tuple(dict.fromkeys(key.split("#")[0] for key in keys))


def expect_equal(
    actual: Any,
    expected: Any,
    *,
    what: str,
    fix: str,
    hidden: bool = False,
    variants: dict[str, Any] | None = None,
) -> None:
    """Exact comparison for integers, labels and words."""
    expected_array = np.asarray(expected)
    try:
        actual_array = np.asarray(actual)
        same = actual_array.shape == expected_array.shape and bool(
            np.array_equal(actual_array, expected_array)
        )
    except (TypeError, ValueError):
        same = False
    if same:
        return
    tags = misconception_ids(
        [m for m, wrong in (variants or {}).items() if _exactly(actual, _safely(wrong))]
    )
    if hidden:
        detail = "your result differs from the expected one"
    elif expected_array.size > 12 and _same_shape(actual, expected_array):
        got = np.asarray(actual)
        differs = got != expected_array
        index = tuple(int(i) for i in np.argwhere(differs)[0])
        where = index[0] if len(index) == 1 else index
        detail = (
            f"{int(differs.sum())} of {differs.size} values differ, the first at index {where}: "
            f"expected {show(expected_array[index].item())}, got {show(got[index].item())}"
        )
    else:
        detail = f"expected {show(expected)}, got {show(actual)}"
    raise CheckFailure(f"{what}: {detail}. {fix}", tags)


def _same_shape(actual: Any, expected: np.ndarray) -> bool:
    try:
        return np.asarray(actual).shape == expected.shape
    except (TypeError, ValueError):
        return False


def _exactly(actual: Any, wrong: Any) -> bool:
    if wrong is None:
        return False
    try:
        return bool(np.array_equal(np.asarray(actual), np.asarray(wrong)))
    except (TypeError, ValueError):
        return False


def _safely(wrong: Any) -> Any:
    try:
        return _resolve(wrong)
    except (TypeError, ValueError, CheckSkipped):
        return None


#: Exceptions that can only mean a division by zero (Python's /, np.seterr(all="raise")).
ZERO_DIVISION_ERRORS = frozenset({"ZeroDivisionError", "FloatingPointError"})


def call_where_zero_division(
    learner: Learner,
    module: str,
    function: str,
    *args: Any,
    what: str,
    fix: str,
    ran_before: bool = False,
    hidden: bool = False,
    **kwargs: Any,
) -> Any:
    """The learner's result on an input where some 0/0 must give 0 (misconception M11).

    An exception there is M11 when it is a division error, or when the same function has
    already returned on an ordinary input in this check (ran_before): then it is the 0/0
    that breaks it. Any other failure is reported as usual.
    """
    try:
        return learner.call(module, function, *args, **kwargs)
    except StudentCodeError as error:
        if error.kind is FailureKind.EXCEPTION and (
            ran_before or error.exception_type in ZERO_DIVISION_ERRORS
        ):
            lines = error.learner_message.splitlines() or [error.exception_type]
            detail = error.exception_type if hidden else lines[0]
            raise CheckFailure(
                f"{what} raised an error where a 0/0 should give 0.0 ({detail}). {fix}",
                misconceptions=("M11",),
            ) from None
        raise


def normalized_word(value: Any) -> str | None:
    """A quiz letter or a word, read case-insensitively with spaces ignored."""
    if not isinstance(value, str):
        return None
    return re.sub(r"\s+", "", value).lower()
