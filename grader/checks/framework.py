"""What a check works with: the learner's code behind a proxy, the reference, and failures.

A check is a pytest test function named ``check_*`` whose name is its id everywhere. It
asks the learner's code for values through ``learner`` (every call runs in a worker
process; only plain data comes back), asks ``reference`` for the values the contract
expects, compares them here in the grading process, and raises CheckFailure with a message
for the learner when they differ.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar

import numpy as np

from grader.checks.dependencies import learner_functions_used
from grader.checks.source import imported_modules
from grader.paths import EXERCISE_FILES
from grader.places import NO_NOTEBOOKS, Places
from grader.results import Cause, CauseKind
from grader.sandbox import CallResult, FailureKind, StudentCodeError
from grader.sandbox.limits import Limits
from grader.source_text import (
    LearnerSource,
    LearnerSources,
    SourceProblemKind,
    read_learner_sources,
)

#: The check running now (its id and whether it is hidden), set by the pytest plugin
#: (grader/pipeline/run.py) around each check: hidden-ness belongs to the check, so no
#: comparison inside a hidden check can show its inputs or expected values, whatever it
#: passes as `hidden`.
RUNNING_CHECK: ContextVar[tuple[str, bool]] = ContextVar("running_check", default=("", False))


class CheckFailure(AssertionError):
    """The learner's code ran but gave a wrong answer; the message is for the learner.

    `body` is the message without its closing hint `fix` (the whole message when there is
    none): a later stage that drops the hint takes the body, never cuts the message. A
    failure with a hint is made by `joined` (or given its body), so that the two agree.
    `blamed` names the wrong functions (function, why) of the check's module this one uses;
    `blamed_module` is the module they are in.
    """

    def __init__(
        self,
        message: str,
        misconceptions: tuple[str, ...] = (),
        *,
        fix: str = "",
        body: str | None = None,
        blamed: list[tuple[str, str]] | tuple = (),
        blamed_module: str = "",
    ) -> None:
        super().__init__(message)
        self.message = message
        self.misconceptions = misconceptions
        self.fix = fix  # the hint at the end of the message, dropped when another is blamed
        self.body = message if body is None else body
        self.blamed = tuple(blamed)  # (function, why) of wrong functions this one uses
        self.blamed_module = blamed_module

    @classmethod
    def joined(
        cls, body: str, misconceptions: tuple[str, ...] = (), *, fix: str = ""
    ) -> CheckFailure:
        """The failure whose message is `body` then the hint `fix`, joined once here."""
        return cls(f"{body} {fix}".rstrip(), misconceptions, fix=fix, body=body)


class CheckSkipped(Exception):
    """The check cannot judge the answer: it cannot run in this mode (answers are graded
    only on submission), or the file it reads does not parse (`cause`, a BROKEN_FILE). The
    check ends SKIPPED, never FAILED."""

    def __init__(self, reason: str, cause: Cause | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.cause = cause


#: The most of an answer kept (characters): an explanation is a few sentences.
ANSWER_CHARS = 4000

CheckFunction = TypeVar("CheckFunction", bound=Callable[..., None])


def manual(check: CheckFunction) -> CheckFunction:
    """Mark a check as an item an instructor grades: listed for review, never auto-scored."""
    check.manual = True  # type: ignore[attr-defined]
    return check


@dataclass(frozen=True)
class SeenCall:
    """One call of the learner's code whose answer the learner may have seen: a visible
    check's call (or one the chapter works through). Hidden checks name answers
    hard-coded for these (misconception M19, grader/checks/hidden/_hardcoded.py)."""

    module: str
    function: str
    args: tuple
    kwargs: dict


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
    (misconception M18), so no check has to remember to. A visible check's calls are kept
    in `seen` (what the learner has seen answers for, M19), so no table has to list them.
    """

    worker: Worker
    submission_dir: Any  # Path of the private copy; read as text only, never executed here
    calls: list[str] = field(default_factory=list)
    probed: dict[str, str | None] = field(default_factory=dict)  # see grader/checks/probes.py
    seen: list[SeenCall] = field(default_factory=list)
    # The learner's files as read once at load (grader/pipeline/load.py); None: read from
    # submission_dir on first use (tests that make a Learner of a folder).
    sources: LearnerSources | None = None
    # What each call of a visible check printed (never a hidden check's: its inputs could
    # be printed); the run's plugin takes a failing check's share (pipeline/run.py).
    printed: list[str] = field(default_factory=list)

    @property
    def places(self) -> Places:
        """The learner's files as they have them (a notebook's cells): every sentence a
        check writes naming a file or a line says it so (grader/places.py)."""
        return getattr(self.worker, "places", NO_NOTEBOOKS)

    answers: dict[str, str] = field(default_factory=dict)  # check id -> the learner's answer

    def record_answer(self, text: str) -> None:
        """Keep the learner's own answer (short text) as the running check's `answer` fact,
        for the class views (quiz letters, hand-worked numbers, the manual item's text).
        Called before the answer is judged, so a wrong answer is kept too; several calls
        in one check are joined with "; "."""
        check_id, _ = RUNNING_CHECK.get()
        if not check_id:
            return
        text = str(text)[:ANSWER_CHARS]
        earlier = self.answers.get(check_id)
        self.answers[check_id] = f"{earlier}; {text}" if earlier else text

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
        check_id, hidden = RUNNING_CHECK.get()
        if check_id and not hidden:
            self.seen.append(SeenCall(module, function, args, dict(kwargs)))
        hung = self._hung_dependencies(module, function)
        if hung:
            # It uses a function that never returned: it would hang too, most likely, and
            # cost another time limit. It is not called; the hung one is the cause.
            names = ", ".join(f"{name.split('.')[-1]}()" for name in sorted(hung))
            files = ", ".join(
                sorted({self.places.module_file(name.split(".")[0]) for name in hung})
            )
            raise CheckFailure(
                f"{function}() was not called: it uses {names} from {files}, "
                "which never returned in its own checks. Fix that first.",
                blamed=[(name.split(".")[-1], "it never returned") for name in sorted(hung)],
                blamed_module=sorted(hung)[0].split(".")[0],
            )
        try:
            result = self.worker.call(module, function, *args, timeout_s=timeout_s, **kwargs)
        except StudentCodeError as error:
            if hidden:  # every way out of a hidden check, whatever catches it on the way
                raise error.hidden() from None
            if check_id and error.output:  # a failing call's print-debugging too
                self.printed.append(error.output)
            raise
        if check_id and not hidden and result.output:
            self.printed.append(result.output)
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
        """The functions `function` uses (in its own file too: gradient() on a sigmoid()
        that hung) that never returned: it would hang as well, and cost another limit."""
        given_up = self.worker.given_up()
        if not given_up:
            return set()
        reached = learner_functions_used(self.learner_sources, module, function)
        # Unreadable from the text: assume nothing, call it (with the full limit).
        return set() if reached is None else set(reached) & given_up

    @property
    def call_timeout_s(self) -> float:
        """The time limit per call in force for this submission."""
        return self.worker.limits.call_timeout_s

    @property
    def learner_sources(self) -> LearnerSources:
        """Every learner .py file, read, decoded and parsed once."""
        if self.sources is None:
            folder = Path(self.submission_dir)
            # The files an import of the folder can reach: name.py and name/__init__.py.
            found = [*folder.glob("*.py"), *folder.glob("*/__init__.py")]
            files = [path.relative_to(folder).as_posix() for path in sorted(found)]
            self.sources = read_learner_sources(
                folder, files, Limits().source_kb * 1024, first=EXERCISE_FILES
            )
        return self.sources

    def source(self, module: str) -> LearnerSource | None:
        """A learner file as read at load, or None when it is missing; CheckSkipped (the
        file is broken) when Python could not decode it (the message names the line and
        byte) or it was set aside, over the size cap or too deeply nested to parse."""
        found = self.learner_sources.module(module)
        problem = found.problem if found is not None else None
        if problem is not None and (
            problem.kind is SourceProblemKind.UNDECODABLE or problem.kind.sets_file_aside
        ):
            raise CheckSkipped(
                problem.message, Cause(CauseKind.BROKEN_FILE, module, detail=problem.message)
            )
        return found


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
    """Whether `after` holds the values of `before` (NaN equal to NaN in float arrays).
    The very object sent (the worker said the call left it unchanged) or equal bytes of
    the same dtype answer without np.array_equal (about 20 us a call, 200 calls a
    grading); for booleans, integers and floats equal bytes mean equal values, NaN or not."""
    if after is before:
        return True
    after_array = np.asarray(after)
    if (
        after_array.dtype == before.dtype
        and before.dtype.kind in "biuf"
        and after_array.shape == before.shape
        and after_array.tobytes() == before.tobytes()
    ):
        return True
    return after_array.shape == before.shape and bool(
        np.array_equal(after_array, before, equal_nan=before.dtype.kind == "f")
    )


class Reference(Protocol):
    """The values the contract expects, computed by the trusted reference solutions, and
    `variants`: what the known wrong implementations return (grader/checks/variants.py's
    functions by name), which checks get as their `variants` fixture."""

    variants: Any

    def call(self, module: str, function: str, *args: Any, **kwargs: Any) -> Any: ...

    def get(self, module: str, name: str) -> Any: ...


def seed_for(base_seed: int, check_id: str) -> int:
    """A seed per check, so each hidden check draws its own data, reproducibly."""
    # surrogateescape: a submission named in bytes that are not UTF-8 hashes as those bytes.
    digest = hashlib.sha256(f"{base_seed}:{check_id}".encode("utf-8", "surrogateescape")).digest()
    return int.from_bytes(digest[:8], "big")


__all__ = [
    "RUNNING_CHECK",
    "CheckFailure",
    "CheckSkipped",
    "FailureKind",
    "Learner",
    "Reference",
    "SeenCall",
    "StudentCodeError",
    "imported_modules",
    "manual",
    "seed_for",
]
