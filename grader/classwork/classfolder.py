"""The class's folder (`grade --out OUT`): one OUT/NAME/ per submission, each holding the
typed adjusted.json (grader/classwork/stored.py) that every class-wide view (gradebook,
Canvas, JUnit, class report) is rebuilt from; results.json is Gradescope's export and is
never read back. Nothing class-wide is kept anywhere else.

Runs that share OUT (two sections, a re-run, two terminals) take the folder's lock while
they rebuild the views, so the last writer's views hold every results.json.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock

from grader.classwork.stored import ADJUSTED, StoredResultError, StoredSubmission, read_adjusted
from grader.identity import Identity
from grader.instructor.files import InstructorInputError
from grader.render.fallback import RESULTS_JSON
from grader.render.gradescope import _test_output as test_output  # the text results.json holds
from grader.results import NoticeKind, Status
from grader.sandbox.errors import FailureKind

LOCK = ".grader.lock"
#: Files the kit writes at OUT's top; their presence marks OUT as a results folder.
CLASS_FILES = ("gradebook.csv", "class.html", "class.md", "class.json")


# One FileLock object per folder and process: a FileLock is reentrant, two objects on one
# file in one process would wait for each other.
_LOCKS: dict[Path, FileLock] = {}


@contextlib.contextmanager
def class_lock(out: Path) -> Iterator[None]:
    """Hold OUT's lock (a file lock, released when the process dies); reentrant."""
    out.mkdir(parents=True, exist_ok=True)
    path = (out / LOCK).resolve()
    lock = _LOCKS.setdefault(path, FileLock(str(path)))
    with lock:
        yield


@dataclass(frozen=True)
class StoredTest:
    """One check of a stored result, as the class views need it (from its typed outcome)."""

    name: str
    score: float
    max_score: float
    status: Status
    output: str  # the learner-facing text results.json carries for it
    exercise: str = ""  # the exercise file's stem
    criterion: str = ""  # the rubric criterion it feeds
    hidden: bool = False
    manual: bool = False
    misconceptions: tuple[str, ...] = ()
    failure: FailureKind | None = None  # how the learner's code (or its file) failed
    at_import: bool = False  # while its file was being imported
    answer: str = ""  # answer checks: the learner's own answer as short text

    @property
    def passed(self) -> bool:
        return self.status is Status.PASSED

    @property
    def adjustment(self) -> bool:
        """Never: adjustments are StoredResult.adjustments, not tests."""
        return False

    @property
    def tags(self) -> tuple[str, ...]:
        """The facts results.json states as tags, for views that still ask that way."""
        return tuple(
            tag for tag, present in (("hidden", self.hidden), ("manual", self.manual)) if present
        )


@dataclass(frozen=True)
class StoredCriterion:
    criterion_id: str
    title: str
    points: float
    max_points: float


@dataclass(frozen=True)
class StoredAdjustment:
    kind: str  # "override", "late" or "waived"
    target: str  # a check id, a criterion id, or "score"
    points_before: float
    points_after: float
    comment: str


@dataclass(frozen=True)
class StoredResult:
    """One OUT/NAME/adjusted.json, as the class views read it (grader/classwork/stored.py
    holds the typed record; this is its class-view projection, never decoded from
    results.json)."""

    name: str  # the folder's name
    folder: Path
    score: float
    max_score: float
    tests: tuple[StoredTest, ...]  # the checks; none where grading failed
    criteria: tuple[StoredCriterion, ...] = ()
    seed: int | None = None
    isolation: str = ""  # the level, e.g. "namespaces"
    isolation_missing: tuple[str, ...] = ()  # what that level lacked, in the report's words
    grader_version: str = ""
    graded_at: str = ""
    adjustments: tuple[StoredAdjustment, ...] = ()
    submitted_at: str = ""
    days_late: int = 0
    grader_errors: tuple[str, ...] = ()  # whole-run problems (a failed grading has one)
    check_errors: tuple[str, ...] = ()  # check ids the grader failed on
    notices: tuple[str, ...] = ()
    notice_kinds: tuple[NoticeKind, ...] = ()  # what the notices are about (typed)
    input_hash: str = ""
    execution_time: float = 0.0  # seconds
    identity: Identity | None = None  # None only where adjusted.json could not be read

    @property
    def checks(self) -> tuple[StoredTest, ...]:
        """The tests that are checks (every test is)."""
        return self.tests

    @property
    def who(self) -> Identity:
        return self.identity or Identity(self.name, self.name)


class ClassFolderError(InstructorInputError):
    """A folder of OUT the views cannot read (graded by an older grader): one line."""


def _number(value: float) -> float:
    """As results.json writes a number: finite, 4 decimals (so every view reads the same)."""
    return round(value, 4) if math.isfinite(value) else 0.0


def stored_view(stored: StoredSubmission, folder: Path) -> StoredResult:
    """The class views' projection of a typed stored submission."""
    if stored.result is None:
        failure = stored.failure
        assert failure is not None  # read_adjusted refuses a record holding neither
        return StoredResult(
            name=folder.name,
            folder=folder,
            score=0.0,
            max_score=_number(failure.max_score),
            tests=(),
            grader_version=failure.grader_version,
            graded_at=failure.graded_at,
            grader_errors=(failure.detail,),
            identity=stored.identity,
        )
    result = stored.result
    outcomes = [item.outcome for item in result.checks]
    tests = tuple(
        StoredTest(
            name=item.outcome.check_id,
            score=_number(item.points),
            max_score=_number(item.max_points),
            status=item.outcome.status,
            output=test_output(item, outcomes),
            exercise=item.outcome.exercise,
            criterion=item.criterion_id,
            hidden=item.outcome.hidden,
            manual=item.outcome.manual,
            misconceptions=item.outcome.misconceptions,
            failure=item.outcome.failure
            or (item.outcome.cause.failure if item.outcome.cause is not None else None),
            at_import=item.outcome.at_import,
            answer=item.outcome.answer,
        )
        for item in result.checks
    )
    return StoredResult(
        name=folder.name,
        folder=folder,
        score=_number(result.score),
        max_score=_number(result.max_score),
        tests=tests,
        criteria=tuple(
            StoredCriterion(c.criterion_id, c.title, _number(c.points), _number(c.max_points))
            for c in result.criteria
        ),
        seed=result.seed,
        isolation=result.isolation.level,
        isolation_missing=result.isolation.missing,
        grader_version=result.grader_version,
        graded_at=result.graded_at,
        adjustments=tuple(
            StoredAdjustment(
                a.kind.value,
                a.target,
                _number(a.points_before),
                _number(a.points_after),
                a.comment,
            )
            for a in result.adjustments
        ),
        submitted_at=result.submitted_at,
        days_late=result.days_late,
        grader_errors=result.grader_errors,
        check_errors=tuple(t.name for t in tests if t.status is Status.ERROR),
        notices=result.notices,
        notice_kinds=result.notice_kinds,
        input_hash=result.input_hash,
        execution_time=_number(result.duration_s),
        identity=stored.identity,
    )


def result_folders(out: Path) -> list[Path]:
    """OUT's submission folders (those holding adjusted.json or, from an older grader,
    results.json only), sorted by name."""
    if not out.is_dir():
        return []
    return sorted(
        (
            entry
            for entry in out.iterdir()
            if (entry / ADJUSTED).is_file() or (entry / RESULTS_JSON).is_file()
        ),
        key=lambda entry: entry.name.lower(),
    )


def older_folders(out: Path, except_names: Iterable[str] = ()) -> list[Path]:
    """OUT's folders graded by an older grader (results.json, no adjusted.json)."""
    skip = set(except_names)
    return [
        folder
        for folder in result_folders(out)
        if not (folder / ADJUSTED).is_file() and folder.name not in skip
    ]


def refuse_older_folders(out: Path, except_names: Iterable[str] = ()) -> None:
    """ClassFolderError (one line) when OUT holds folders no view can read: results.json
    is only Gradescope's export and is never read back."""
    older = older_folders(out, except_names)
    if older:
        names = ", ".join(folder.name for folder in older[:5]) + (", ..." if len(older) > 5 else "")
        raise ClassFolderError(
            f"{out}: {len(older)} folder(s) graded by an older grader ({names}): run `grade "
            "--force` on their submissions (or `regrade` where they hold automatic.json)"
        )


def read_class(out: Path) -> tuple[StoredResult, ...]:
    """Every adjusted.json in OUT, read back by the checked reader; an unreadable one counts
    as a grader error. Raises ClassFolderError where a folder holds only results.json."""
    refuse_older_folders(out)
    results = []
    for folder in result_folders(out):
        try:
            results.append(stored_view(read_adjusted(folder), folder))
        except StoredResultError as error:
            results.append(
                StoredResult(
                    name=folder.name,
                    folder=folder,
                    score=0.0,
                    max_score=0.0,
                    tests=(),
                    grader_errors=(f"adjusted.json unreadable: {error}",),
                )
            )
    return tuple(results)


__all__ = [
    "CLASS_FILES",
    "LOCK",
    "ClassFolderError",
    "StoredAdjustment",
    "StoredCriterion",
    "StoredResult",
    "StoredTest",
    "class_lock",
    "older_folders",
    "read_class",
    "refuse_older_folders",
    "result_folders",
    "stored_view",
]
