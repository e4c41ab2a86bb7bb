"""The class's folder (`grade --out OUT`): one OUT/NAME/ per submission, each holding the
results.json that every class-wide view (gradebook, Canvas, JUnit, class report) is
rebuilt from. Nothing class-wide is kept anywhere else.

Runs that share OUT (two sections, a re-run, two terminals) take the folder's lock while
they rebuild the views, so the last writer's views hold every results.json.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from filelock import FileLock

from grader.instructor.stored import StoredResultError, read_automatic
from grader.paths import EXERCISE_ORDER
from grader.render.fallback import RESULTS_JSON
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
    """One test of a results.json, as the class views need it."""

    name: str
    score: float
    max_score: float
    status: Status  # read back from Gradescope's passed/failed and the kit's tags
    tags: tuple[str, ...]
    output: str
    exercise: str = ""  # the tag that is an exercise file's stem
    criterion: str = ""  # the tag that is one of the result's criteria
    # Facts of the check, from automatic.json beside results.json (never from `output`):
    failure: FailureKind | None = None  # how the learner's code failed (or its file)
    at_import: bool = False  # while its file was being imported

    @property
    def passed(self) -> bool:
        return self.status is Status.PASSED

    @property
    def manual(self) -> bool:
        return "manual" in self.tags

    @property
    def adjustment(self) -> bool:
        """A test that stands for a criterion override or a late penalty, not a check."""
        return "adjustment" in self.tags

    @property
    def misconceptions(self) -> tuple[str, ...]:
        return tuple(t.split(":", 1)[1] for t in self.tags if t.startswith("misconception:"))


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
    """One OUT/NAME/results.json, read back (Gradescope's schema plus our extra_data)."""

    name: str  # the folder's name
    folder: Path
    score: float
    max_score: float
    tests: tuple[StoredTest, ...]
    criteria: tuple[StoredCriterion, ...] = ()
    seed: int | None = None
    isolation: str = ""  # the level, e.g. "namespaces"
    isolation_missing: tuple[str, ...] = ()  # what that level lacked, in the report's words
    grader_version: str = ""
    graded_at: str = ""
    adjustments: tuple[StoredAdjustment, ...] = ()
    submitted_at: str = ""
    days_late: int = 0
    grader_errors: tuple[str, ...] = ()  # whole-run problems (a fallback result has one)
    check_errors: tuple[str, ...] = ()  # check ids the grader failed on
    notices: tuple[str, ...] = ()
    notice_kinds: tuple[NoticeKind, ...] = ()  # from automatic.json (with_facts)
    input_hash: str = ""
    execution_time: float = 0.0  # seconds

    @property
    def checks(self) -> tuple[StoredTest, ...]:
        """The tests that are checks (not adjustments)."""
        return tuple(test for test in self.tests if not test.adjustment)


def _number(value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return 0.0
    return number if math.isfinite(number) else 0.0


#: The tags by which results.json (render/gradescope.py) says what its two statuses cannot.
_STATUS_TAGS = {"review": Status.REVIEW, "skipped": Status.SKIPPED}


def _status(test: dict[str, Any], tags: tuple[str, ...], check_errors: set[str]) -> Status:
    """The typed status of one test: Gradescope's "passed"/"failed" with the kit's tags."""
    if str(test.get("name", "")) in check_errors:
        return Status.ERROR
    tagged = [status for tag, status in _STATUS_TAGS.items() if tag in tags]
    if tagged:
        return tagged[0]
    return Status.PASSED if test.get("status") == "passed" else Status.FAILED


def parse_results(name: str, folder: Path, document: dict[str, Any]) -> StoredResult:
    """A results.json document as a StoredResult; missing keys read as empty."""
    extra = document.get("extra_data") or {}
    check_errors = tuple(str(c) for c in (extra.get("check_errors") or {}))
    criterion_ids = {
        str(c.get("id", "")) for c in extra.get("criteria") or () if isinstance(c, dict)
    }
    tests = []
    for test in document.get("tests") or ():
        if not isinstance(test, dict):
            continue
        tags = tuple(str(tag) for tag in test.get("tags") or ())
        tests.append(
            StoredTest(
                name=str(test.get("name", "")),
                score=_number(test.get("score")),
                max_score=_number(test.get("max_score")),
                status=_status(test, tags, set(check_errors)),
                tags=tags,
                output=str(test.get("output", "")),
                # Found by what they are, not where they stand among the tags.
                exercise=next((tag for tag in tags if f"{tag}.py" in EXERCISE_ORDER), ""),
                criterion=next((tag for tag in tags if tag in criterion_ids), ""),
            )
        )
    criteria = tuple(
        StoredCriterion(
            str(c.get("id", "")),
            str(c.get("title", "")),
            _number(c.get("points")),
            _number(c.get("max_points")),
        )
        for c in extra.get("criteria") or ()
        if isinstance(c, dict)
    )
    adjustments = tuple(
        StoredAdjustment(
            str(a.get("kind", "")),
            str(a.get("target", "")),
            _number(a.get("points_before")),
            _number(a.get("points_after")),
            str(a.get("comment", "")),
        )
        for a in extra.get("adjustments") or ()
        if isinstance(a, dict)
    )
    seed = extra.get("seed")
    isolation = extra.get("isolation") if isinstance(extra.get("isolation"), dict) else {}
    return StoredResult(
        name=name,
        folder=folder,
        score=_number(document.get("score")),
        max_score=_number(document.get("max_score")),
        tests=tuple(tests),
        criteria=criteria,
        seed=seed if isinstance(seed, int) and not isinstance(seed, bool) else None,
        isolation=str(isolation.get("level", "")),
        isolation_missing=tuple(
            str(item) for item in isolation.get("missing") or () if isinstance(item, str)
        ),
        grader_version=str(extra.get("grader_version", "")),
        graded_at=str(extra.get("graded_at", "")),
        adjustments=adjustments,
        submitted_at=str(extra.get("submitted_at") or ""),
        days_late=int(_number(extra.get("days_late"))),
        grader_errors=tuple(str(e) for e in extra.get("grader_errors") or ()),
        check_errors=check_errors,
        notices=tuple(str(n) for n in extra.get("notices") or ()),
        input_hash=str(extra.get("input_hash") or ""),
        execution_time=_number(document.get("execution_time")),
    )


def result_folders(out: Path) -> list[Path]:
    """OUT's submission folders (those holding a results.json), sorted by name."""
    if not out.is_dir():
        return []
    return sorted(
        (entry for entry in out.iterdir() if (entry / RESULTS_JSON).is_file()),
        key=lambda entry: entry.name.lower(),
    )


def read_class(out: Path) -> tuple[StoredResult, ...]:
    """Every results.json in OUT, read back; an unreadable one counts as a grader error."""
    results = []
    for folder in result_folders(out):
        try:
            document = json.loads((folder / RESULTS_JSON).read_text(encoding="utf-8"))
            if not isinstance(document, dict):
                raise ValueError("not a JSON object")
        except (OSError, ValueError) as error:
            document = {"extra_data": {"grader_errors": [f"results.json unreadable: {error}"]}}
        results.append(with_facts(parse_results(folder.name, folder, document)))
    return tuple(results)


def with_facts(result: StoredResult) -> StoredResult:
    """The result with each check's typed facts (failure kind, at import) taken from the
    automatic.json beside it; unchanged when there is none (a fallback result) or it
    cannot be read (regrade says so)."""
    try:
        automatic = read_automatic(result.folder)
    except StoredResultError:
        return result
    facts = {}
    for item in automatic.checks:
        outcome = item.outcome
        cause_failure = outcome.cause.failure if outcome.cause is not None else None
        facts[outcome.check_id] = (outcome.failure or cause_failure, outcome.at_import)
    tests = tuple(
        dataclasses.replace(test, failure=facts[test.name][0], at_import=facts[test.name][1])
        if test.name in facts
        else test
        for test in result.tests
    )
    return dataclasses.replace(result, tests=tests, notice_kinds=automatic.notice_kinds)


__all__ = [
    "CLASS_FILES",
    "LOCK",
    "StoredAdjustment",
    "StoredCriterion",
    "StoredResult",
    "StoredTest",
    "class_lock",
    "parse_results",
    "read_class",
    "result_folders",
    "with_facts",
]
