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
import re
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum

from grader.checks.misconceptions import CATALOG, Misconception
from grader.classwork.classfolder import StoredResult, StoredTest
from grader.classwork.similarity import SimilarPair
from grader.numbers import two_decimals
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


class ReasonKind(str, Enum):
    """Why a submission needs a person, as a fact: the class views group and order by it,
    never by a reason's words. The value is the group's name on the page."""

    GRADER_ERROR = "grader error"
    UNREADABLE = "unreadable submission"
    EMPTY = "empty"
    SYNTAX_ERROR = "syntax error"
    DOES_NOT_IMPORT = "a file that does not import"
    SCORED_ZERO = "scored 0"
    LOW_SCORE = "low score"
    TIMEOUT = "timeout"
    RARE_MISCONCEPTION = "rare misconception"
    LATE = "late"
    OVERRIDDEN = "overridden by the instructor"
    WAIVED = "late penalty waived"
    MANUAL_PENDING = "manual item pending"

    @property
    def bookkeeping(self) -> bool:
        """Listed last, and not named first in the terminal: nothing is wrong, a person
        only has something to do or to know (grade the manual item, see the lateness)."""
        return self in _BOOKKEEPING


_BOOKKEEPING = frozenset(
    {ReasonKind.LATE, ReasonKind.OVERRIDDEN, ReasonKind.WAIVED, ReasonKind.MANUAL_PENDING}
)


@dataclass(frozen=True)
class Attention:
    """A submission a person should look at, and why (each reason says what to look at);
    `kinds[i]` is what `reasons[i]` is about."""

    name: str
    reasons: tuple[str, ...]
    kinds: tuple[ReasonKind, ...] = ()


@dataclass(frozen=True)
class LearnerRow:
    """One row of class.html's learners' table."""

    name: str
    score: float  # points, after overrides and the late policy
    max_score: float
    criteria: tuple[float | None, ...]  # points per ClassSummary.criteria entry; None: absent
    days_late: int
    flags: tuple[str, ...]  # FLAGS' words that apply, in FLAGS' order


#: The status flags of the learners' table, in the order they are shown.
FLAGS = (
    "empty",
    "does not run",
    "timeout",
    "grader error",
    "overridden",
    "manual item pending",
    "low score",
)


@dataclass(frozen=True)
class LetterCount:
    letter: str  # "A".."D", or what was given instead (e.g. "'...'")
    count: int
    key: bool  # the reference's answer


@dataclass(frozen=True)
class QuizQuestion:
    """How the class answered one quiz question (ex7's ANSWERS)."""

    check_id: str
    question: str  # "Q1"
    key: str  # the reference's letter, upper case; "" when unknown
    letters: tuple[LetterCount, ...]  # A..D always, then anything else given
    answered: int


@dataclass(frozen=True)
class WrongValue:
    text: str  # e.g. "HAND_ECE = 0.1375"
    count: int
    misconceptions: tuple[str, ...]  # ids the value matched, e.g. ("M07",)


@dataclass(frozen=True)
class HandAnswers:
    """The most common wrong values of one hand-worked check (ex1, ex4)."""

    check_id: str
    exercise: str
    wrong: tuple[WrongValue, ...]  # most given first, at most TOP_WRONG
    failed: int  # submissions that gave a wrong value


@dataclass(frozen=True)
class ManualAnswer:
    name: str
    answer: str  # the learner's text ("" when none was given)
    points: float | None  # the instructor's points, None while pending


@dataclass(frozen=True)
class ManualItem:
    """An instructor-graded item and every learner's answer to it (manual.html)."""

    check_id: str
    exercise: str
    criterion: str
    max_points: float  # the rubric's points for it (0: nothing to grade)
    answers: tuple[ManualAnswer, ...]  # in name order


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
    learners: tuple[LearnerRow, ...] = ()  # in name order
    low_score: float = 0.0  # points: below this a score is "low"
    quiz: tuple[QuizQuestion, ...] = ()
    hand: tuple[HandAnswers, ...] = ()  # only checks some learner got wrong
    manual: tuple[ManualItem, ...] = ()


def summarize_class(
    results: Sequence[StoredResult],
    similar: Sequence[SimilarPair] | None = None,
    has_code: dict[str, bool] | None = None,
    *,
    low_score_fraction: float = 0.5,
    answer_key: Mapping[str, str] | None = None,
) -> ClassSummary:
    """The class at a glance. `similar` is None when the similarity search was off;
    `has_code` tells, per name, whether any exercise file was found (for "empty");
    a score below `low_score_fraction` of the maximum is low; `answer_key` maps quiz
    questions ("Q1") to the reference's letters."""
    results = sorted(results, key=lambda r: r.name.lower())
    scores = [r.score for r in results]
    maximum = max((r.max_score for r in results), default=0.0)
    low = low_score_fraction * maximum
    criteria = _criteria(results)
    misconceptions = _misconceptions(results)
    rare = _rare(misconceptions, len(results))
    reasons = {r.name: _reasons(r, (has_code or {}).get(r.name), low, rare) for r in results}
    return ClassSummary(
        submissions=len(results),
        max_score=maximum,
        scores=tuple((r.name, r.score) for r in results),
        mean=statistics.fmean(scores) if scores else 0.0,
        median=statistics.median(scores) if scores else 0.0,
        stdev=statistics.pstdev(scores) if len(scores) > 1 else 0.0,
        distribution=_distribution(scores, maximum),
        criteria=criteria,
        checks=_item_analysis(results),
        reliability=_kr20(results),
        misconceptions=misconceptions,
        attention=tuple(
            Attention(
                r.name, tuple(t for _, t in reasons[r.name]), tuple(k for k, _ in reasons[r.name])
            )
            for r in results
            if reasons[r.name]
        ),
        isolation=_counted(r.isolation or "unknown" for r in results),
        seeds=tuple((r.name, r.seed) for r in results),
        grader_versions=tuple(sorted({r.grader_version for r in results if r.grader_version})),
        similarity_checked=similar is not None,
        similar=tuple(similar or ()),
        isolation_missing=_missing_by_level(results),
        learners=tuple(_row(r, criteria, (has_code or {}).get(r.name), low) for r in results),
        low_score=low,
        quiz=_quiz(results, answer_key or {}),
        hand=_hand(results),
        manual=_manual(results),
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


def _reasons(
    result: StoredResult,
    has_code: bool | None,
    low: float,
    rare: Mapping[str, MisconceptionCount],
) -> tuple[tuple[ReasonKind, str], ...]:
    """Why a person should look at this submission, each saying what to look at."""
    reasons: list[tuple[ReasonKind, str]] = []
    failures = {test.failure for test in result.checks}
    if not result.tests:
        reasons.append(
            (
                ReasonKind.GRADER_ERROR,
                "grading failed (grader error): see its adjusted.json's failure detail",
            )
        )
    elif result.check_errors or result.grader_errors:
        reasons.append(
            (
                ReasonKind.GRADER_ERROR,
                f"grader error in {len(result.check_errors) or 'the run'} check(s): "
                "see the report's grader-error checks",
            )
        )
    if NoticeKind.UNREADABLE in result.notice_kinds:
        reasons.append((ReasonKind.UNREADABLE, "unreadable submission: see the report's notes"))
    elif has_code is False or NoticeKind.NO_EXERCISE_FILE in result.notice_kinds:
        reasons.append(
            (ReasonKind.EMPTY, "empty: no exercise file found; check what was handed in")
        )
    if FailureKind.SYNTAX_ERROR in failures:
        reasons.append(
            (ReasonKind.SYNTAX_ERROR, "syntax error: the report names the file and line")
        )
    skipped = [t for t in result.checks if t.status is Status.SKIPPED]
    if any(_not_importing(t) for t in skipped):
        reasons.append(
            (ReasonKind.DOES_NOT_IMPORT, "a file that does not import: the report names it")
        )
    if not reasons and result.tests and result.max_score > 0 and result.score == 0:
        reasons.append((ReasonKind.SCORED_ZERO, "scored 0: nothing written, or nothing that runs"))
    elif not reasons and result.tests and result.max_score > 0 and result.score < low:
        # (after a technical reason a low score is its consequence, not news)
        reasons.append(
            (
                ReasonKind.LOW_SCORE,
                f"low score: {two_decimals(result.score)} of {result.max_score:g} "
                f"(below {two_decimals(low)}): "
                "read the failed checks in the report",
            )
        )
    if FailureKind.TIMEOUT in failures:
        reasons.append(
            (ReasonKind.TIMEOUT, "timeout: code that did not finish; the report says which check")
        )
    for mid in sorted({m for t in result.checks for m in t.misconceptions if m in rare}):
        entry = rare[mid]
        reasons.append(
            (
                ReasonKind.RARE_MISCONCEPTION,
                f"rare misconception {mid} ({entry.title or 'unlisted'}): only {entry.count} "
                "learner(s) of the class made it; read the check's message in the report",
            )
        )
    if result.days_late:
        reasons.append((ReasonKind.LATE, f"late: {result.days_late} day(s)"))
    kinds = {a.kind for a in result.adjustments}
    if "override" in kinds:
        reasons.append((ReasonKind.OVERRIDDEN, "overridden by the instructor"))
    if "waived" in kinds:
        reasons.append((ReasonKind.WAIVED, "late penalty waived"))
    pending = _pending(result)
    if pending:
        reasons.append(
            (ReasonKind.MANUAL_PENDING, f"manual item pending: {', '.join(pending)} (manual.html)")
        )
    return tuple(reasons)


def _pending(result: StoredResult) -> list[str]:
    """Manual items with points that no instructor has graded yet."""
    overridden = {a.target for a in result.adjustments if a.kind == "override"}
    return [
        t.name
        for t in result.checks
        if t.manual and t.max_score > 0 and t.name not in overridden and t.status is Status.REVIEW
    ]


#: A misconception is rare when at most this share of the class made it (and at least one,
#: in a class of MIN_FOR_FLAGS or more): one learner's odd mistake is worth a look.
RARE_SHARE = 0.1


def _rare(counts: Sequence[MisconceptionCount], size: int) -> dict[str, MisconceptionCount]:
    if size < MIN_FOR_FLAGS:
        return {}
    limit = max(1, math.floor(RARE_SHARE * size))
    return {m.misconception_id: m for m in counts if m.count <= limit}


def _row(
    result: StoredResult, criteria: Sequence[CriterionMean], has_code: bool | None, low: float
) -> LearnerRow:
    points = {c.criterion_id: c.points for c in result.criteria}
    failures = {t.failure for t in result.checks}
    present = {
        "empty": has_code is False or NoticeKind.NO_EXERCISE_FILE in result.notice_kinds,
        "does not run": FailureKind.SYNTAX_ERROR in failures
        or any(_not_importing(t) for t in result.checks if t.status is Status.SKIPPED),
        "timeout": FailureKind.TIMEOUT in failures,
        "grader error": not result.tests or bool(result.check_errors or result.grader_errors),
        "overridden": any(a.kind == "override" for a in result.adjustments),
        "manual item pending": bool(_pending(result)),
        "low score": bool(result.tests) and result.max_score > 0 and result.score < low,
    }
    return LearnerRow(
        name=result.name,
        score=result.score,
        max_score=result.max_score,
        criteria=tuple(points.get(c.criterion_id) for c in criteria),
        days_late=result.days_late,
        flags=tuple(flag for flag in FLAGS if present[flag]),
    )


_QUESTION = re.compile(r"_q(\d+)_")
LETTERS = ("A", "B", "C", "D")
TOP_WRONG = 5  # wrong hand-worked values shown per check
HAND_EXERCISES = ("ex1_hand_gradient", "ex4_manual_ece")
QUIZ_EXERCISE = "ex7_diagnosis"


def _quiz(results: Sequence[StoredResult], key: Mapping[str, str]) -> tuple[QuizQuestion, ...]:
    order: dict[str, list[str]] = {}
    for result in results:
        for test in result.checks:
            if test.exercise == QUIZ_EXERCISE and _QUESTION.search(test.name):
                order.setdefault(test.name, [])
                if test.answer:
                    order[test.name].append(test.answer)
    questions = []
    for check_id, given in order.items():
        question = f"Q{_QUESTION.search(check_id).group(1)}"  # type: ignore[union-attr]
        right = str(key.get(question, "")).strip().upper()
        counts = {letter: 0 for letter in LETTERS}
        for answer in given:
            counts[answer] = counts.get(answer, 0) + 1
        questions.append(
            QuizQuestion(
                check_id,
                question,
                right,
                tuple(LetterCount(x, n, x == right) for x, n in counts.items()),
                len(given),
            )
        )
    return tuple(questions)


def _hand(results: Sequence[StoredResult]) -> tuple[HandAnswers, ...]:
    wrong: dict[str, dict[str, list[tuple[str, ...]]]] = {}
    exercises: dict[str, str] = {}
    for result in results:
        for test in result.checks:
            if test.exercise not in HAND_EXERCISES:
                continue
            exercises.setdefault(test.name, test.exercise)
            given = wrong.setdefault(test.name, {})
            if test.status is Status.FAILED and test.answer and "..." not in test.answer:
                given.setdefault(test.answer, []).append(test.misconceptions)
    found = []
    for check_id, given in wrong.items():
        if not given:
            continue
        values = sorted(given.items(), key=lambda item: (-len(item[1]), item[0]))
        found.append(
            HandAnswers(
                check_id,
                exercises[check_id],
                tuple(
                    WrongValue(text, len(tags), tuple(sorted({m for t in tags for m in t})))
                    for text, tags in values[:TOP_WRONG]
                ),
                sum(len(tags) for tags in given.values()),
            )
        )
    return tuple(found)


def _manual(results: Sequence[StoredResult]) -> tuple[ManualItem, ...]:
    items: dict[str, ManualItem] = {}
    answers: dict[str, list[ManualAnswer]] = {}
    for result in results:
        overridden = {a.target: a.points_after for a in result.adjustments if a.kind == "override"}
        for test in result.checks:
            if not test.manual:
                continue
            if test.name not in items:
                items[test.name] = ManualItem(
                    test.name, test.exercise, test.criterion, test.max_score, ()
                )
            graded = test.status is not Status.REVIEW or test.name in overridden
            answers.setdefault(test.name, []).append(
                ManualAnswer(
                    result.name,
                    test.answer,
                    overridden.get(test.name, test.score) if graded else None,
                )
            )
    return tuple(
        ManualItem(i.check_id, i.exercise, i.criterion, i.max_points, tuple(answers[i.check_id]))
        for i in items.values()
    )


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
    "FLAGS",
    "Attention",
    "CheckStatistics",
    "ClassSummary",
    "CriterionMean",
    "HandAnswers",
    "LearnerRow",
    "LetterCount",
    "ManualAnswer",
    "ManualItem",
    "MisconceptionCount",
    "QuizQuestion",
    "ScoreBin",
    "WrongValue",
    "summarize_class",
]
