"""Stage "class summary": every results.json of a class in, one typed ClassSummary out.

Item analysis uses the field's terms (as PrairieLearn's question statistics and Moodle's
quiz statistics do): a check's difficulty is p, the share of submissions that passed it;
its discrimination is the point-biserial correlation of passing it with the rest of the
score (the other checks' points, so that a check is not correlated with itself); the
whole assessment's reliability is KR-20 (Cronbach's alpha for pass/fail items). A check
is flagged when p > 0.95, p < 0.05 or discrimination < 0.1, once at least MIN_FOR_FLAGS
submissions were graded (one learner's results flag every check). Only results with checks
count in the item analysis: a submission whose grading failed has none.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from grader.checks.misconceptions import CATALOG, Misconception
from grader.instructor.classfolder import StoredResult, StoredTest
from grader.instructor.similarity import SimilarPair
from grader.results import NoticeKind, Status
from grader.sandbox.errors import FailureKind

EASY, HARD, WEAK = 0.95, 0.05, 0.1  # the flags' thresholds on p and discrimination
# Below this many graded submissions p and the correlation say nothing: no flags.
MIN_FOR_FLAGS = 5
BINS = 10  # score histogram: tenths of the maximum


@dataclass(frozen=True)
class ScoreBin:
    low: float  # points, inclusive
    high: float  # points, exclusive (the last bin includes the maximum)
    count: int


@dataclass(frozen=True)
class CriterionMean:
    criterion_id: str
    title: str
    mean: float  # points
    max_points: float


@dataclass(frozen=True)
class CheckStatistics:
    check_id: str
    exercise: str
    criterion: str
    hidden: bool
    manual: bool
    submissions: int  # results holding this check
    passed: int
    difficulty: float  # p, the pass rate in [0, 1]
    discrimination: float | None  # point-biserial r with the rest of the score; None: undefined
    flags: tuple[str, ...]  # "everybody passes", "nobody passes", "does not discriminate"


@dataclass(frozen=True)
class MisconceptionCount:
    misconception_id: str
    title: str
    symptom: str
    cause: str
    fix: str
    learners: tuple[str, ...]  # submission names, sorted

    @property
    def count(self) -> int:
        return len(self.learners)


@dataclass(frozen=True)
class Attention:
    """A submission a person should look at, and why."""

    name: str
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class ClassSummary:
    submissions: int
    max_score: float
    scores: tuple[tuple[str, float], ...]  # (name, score) in name order
    mean: float
    median: float
    stdev: float  # population standard deviation; 0 for fewer than two
    distribution: tuple[ScoreBin, ...]
    criteria: tuple[CriterionMean, ...]
    checks: tuple[CheckStatistics, ...]  # in the results' check order
    reliability: float | None  # KR-20; None when it is undefined (n < 2, no variance)
    misconceptions: tuple[MisconceptionCount, ...]  # most frequent first
    attention: tuple[Attention, ...]
    isolation: tuple[tuple[str, int], ...]  # (level, submissions), most used first
    seeds: tuple[tuple[str, int | None], ...]  # (name, seed of its held-out data)
    grader_versions: tuple[str, ...]
    similarity_checked: bool
    similar: tuple[SimilarPair, ...] = ()
    # (level, what it lacked): each level's missing layers, as the results say, deduplicated
    isolation_missing: tuple[tuple[str, tuple[str, ...]], ...] = ()


def summarize_class(
    results: Sequence[StoredResult],
    similar: Sequence[SimilarPair] | None = None,
    has_code: dict[str, bool] | None = None,
) -> ClassSummary:
    """The class at a glance. `similar` is None when the similarity search was off;
    `has_code` tells, per name, whether any exercise file was found (for "empty")."""
    results = sorted(results, key=lambda r: r.name.lower())
    scores = [r.score for r in results]
    maximum = max((r.max_score for r in results), default=0.0)
    return ClassSummary(
        submissions=len(results),
        max_score=maximum,
        scores=tuple((r.name, r.score) for r in results),
        mean=statistics.fmean(scores) if scores else 0.0,
        median=statistics.median(scores) if scores else 0.0,
        stdev=statistics.pstdev(scores) if len(scores) > 1 else 0.0,
        distribution=_distribution(scores, maximum),
        criteria=_criteria(results),
        checks=_item_analysis(results),
        reliability=_kr20(results),
        misconceptions=_misconceptions(results),
        attention=tuple(
            Attention(r.name, reasons)
            for r in results
            if (reasons := _reasons(r, (has_code or {}).get(r.name)))
        ),
        isolation=_counted(r.isolation or "unknown" for r in results),
        seeds=tuple((r.name, r.seed) for r in results),
        grader_versions=tuple(sorted({r.grader_version for r in results if r.grader_version})),
        similarity_checked=similar is not None,
        similar=tuple(similar or ()),
        isolation_missing=_missing_by_level(results),
    )


def _distribution(scores: Sequence[float], maximum: float) -> tuple[ScoreBin, ...]:
    if maximum <= 0:
        return ()
    width = maximum / BINS
    counts = [0] * BINS
    for value in scores:
        counts[min(BINS - 1, max(0, int(value / width)))] += 1
    return tuple(ScoreBin(i * width, (i + 1) * width, counts[i]) for i in range(BINS))


def _criteria(results: Sequence[StoredResult]) -> tuple[CriterionMean, ...]:
    order: dict[str, tuple[str, float]] = {}
    points: dict[str, list[float]] = {}
    for result in results:
        for criterion in result.criteria:
            order.setdefault(criterion.criterion_id, (criterion.title, criterion.max_points))
            points.setdefault(criterion.criterion_id, []).append(criterion.points)
    return tuple(
        CriterionMean(cid, title, statistics.fmean(points[cid]), top)
        for cid, (title, top) in order.items()
    )


def _graded(results: Sequence[StoredResult]) -> list[StoredResult]:
    return [r for r in results if r.checks]


def _item_analysis(results: Sequence[StoredResult]) -> tuple[CheckStatistics, ...]:
    graded = _graded(results)
    order: dict[str, StoredTest] = {}
    for result in graded:
        for test in result.checks:
            order.setdefault(test.name, test)
    statistics_ = []
    for check_id, first in order.items():
        # The rest of the score: the other checks' points (no late penalty, no criterion
        # override: those say nothing about this check).
        rows = [
            (test.passed, sum(t.score for t in result.checks) - test.score)
            for result in graded
            for test in result.checks
            if test.name == check_id
        ]
        passed = sum(1 for ok, _ in rows if ok)
        p = passed / len(rows)
        manual = first.manual
        r = None if manual else _point_biserial(rows)
        flags = []
        if not manual and len(rows) >= MIN_FOR_FLAGS:
            if p > EASY:
                flags.append("everybody passes")
            elif p < HARD:
                flags.append("nobody passes")
            if r is not None and r < WEAK:
                flags.append("does not discriminate")
        statistics_.append(
            CheckStatistics(
                check_id=check_id,
                exercise=first.exercise,
                criterion=first.criterion,
                hidden="hidden" in first.tags,
                manual=manual,
                submissions=len(rows),
                passed=passed,
                difficulty=p,
                discrimination=r,
                flags=tuple(flags),
            )
        )
    return tuple(statistics_)


def _point_biserial(rows: Sequence[tuple[bool, float]]) -> float | None:
    """Pearson's r between passing (0/1) and the rest of the score; None if undefined."""
    if len(rows) < 2:
        return None
    xs = [1.0 if ok else 0.0 for ok, _ in rows]
    ys = [rest for _, rest in rows]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx <= 0 or syy <= 1e-12:
        return None
    return sxy / math.sqrt(sxx * syy)


def _kr20(results: Sequence[StoredResult]) -> float | None:
    graded = _graded(results)
    items = sorted({t.name for r in graded for t in r.checks if not t.manual})
    if len(graded) < 2 or len(items) < 2:
        return None
    matrix = []
    for result in graded:
        passed = {t.name for t in result.checks if t.passed}
        matrix.append([1.0 if item in passed else 0.0 for item in items])
    totals = [sum(row) for row in matrix]
    variance = statistics.pvariance(totals)
    if variance <= 0:
        return None
    n = len(matrix)
    pq = 0.0
    for j in range(len(items)):
        p = sum(row[j] for row in matrix) / n
        pq += p * (1 - p)
    k = len(items)
    return k / (k - 1) * (1 - pq / variance)


def _misconceptions(results: Sequence[StoredResult]) -> tuple[MisconceptionCount, ...]:
    learners: dict[str, set[str]] = {}
    for result in results:
        for test in result.checks:
            for misconception in test.misconceptions:
                learners.setdefault(misconception, set()).add(result.name)
    counts = []
    for misconception_id, names in learners.items():
        # an id the catalog lacks is still counted, with nothing to explain
        entry = CATALOG.get(misconception_id) or Misconception(misconception_id, "", "", "", "")
        counts.append(
            MisconceptionCount(
                misconception_id,
                entry.title,
                entry.symptom,
                entry.cause,
                entry.fix,
                tuple(sorted(names, key=str.lower)),
            )
        )
    counts.sort(key=lambda item: (-item.count, item.misconception_id))
    return tuple(counts)


def _reasons(result: StoredResult, has_code: bool | None) -> tuple[str, ...]:
    reasons: list[str] = []
    failures = {test.failure for test in result.checks}
    if not result.tests:
        reasons.append("grading failed (grader error): see results.json's extra_data")
    elif result.check_errors or result.grader_errors:
        reasons.append(f"grader error in {len(result.check_errors) or 'the run'} check(s)")
    if NoticeKind.UNREADABLE in result.notice_kinds:
        reasons.append("unreadable submission")
    elif has_code is False or NoticeKind.NO_EXERCISE_FILE in result.notice_kinds:
        reasons.append("empty: no exercise file found")
    if FailureKind.SYNTAX_ERROR in failures:
        reasons.append("syntax error")
    skipped = [t for t in result.checks if t.status is Status.SKIPPED]
    if any(_not_importing(t) for t in skipped):
        reasons.append("a file that does not import")
    if not reasons and result.tests and result.max_score > 0 and result.score == 0:
        reasons.append("scored 0: nothing written, or nothing that runs")
    if FailureKind.TIMEOUT in failures:
        reasons.append("timeout: code that did not finish")
    if result.days_late:
        reasons.append(f"late: {result.days_late} day(s)")
    kinds = {a.kind for a in result.adjustments}
    if "override" in kinds:
        reasons.append("overridden by the instructor")
    if "waived" in kinds:
        reasons.append("late penalty waived")
    overridden = {a.target for a in result.adjustments if a.kind == "override"}
    pending = [
        t.name
        for t in result.checks
        if t.manual and t.max_score > 0 and t.name not in overridden and t.passed
    ]
    if pending:
        reasons.append(f"manual item pending: {', '.join(pending)}")
    return tuple(reasons)


def _not_importing(test: StoredTest) -> bool:
    """The check was skipped because its file, present and parsed, failed as it was
    imported (it raised, hung or exited), as the check's facts say."""
    return test.failure is FailureKind.IMPORT_ERROR or (
        test.at_import
        and test.failure is not None
        and test.failure not in (FailureKind.MISSING_MODULE, FailureKind.SYNTAX_ERROR)
    )


def _missing_by_level(results: Sequence[StoredResult]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    missing: dict[str, dict[str, None]] = {}
    for result in results:
        level = missing.setdefault(result.isolation or "unknown", {})
        level.update(dict.fromkeys(result.isolation_missing))
    return tuple((level, tuple(items)) for level, items in sorted(missing.items()))


def _counted(values: Iterable[str]) -> tuple[tuple[str, int], ...]:
    counts: dict[str, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return tuple(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


__all__ = [
    "Attention",
    "CheckStatistics",
    "ClassSummary",
    "CriterionMean",
    "MisconceptionCount",
    "ScoreBin",
    "summarize_class",
]
