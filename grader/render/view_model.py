"""The report's view model: what the Markdown and HTML reports share, a format-free
view of a result. File writing and how points read are in grader/files.py and
grader/numbers.py.

The view does the decisions once (which mark a check gets, how points read, which
misconceptions are explained) so that the two templates only lay it out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from grader.checks.dependencies import CORE_MODULE
from grader.checks.misconceptions import CATALOG
from grader.numbers import points_text
from grader.pipeline.upstream import upstream_sentence
from grader.results import (
    Adjustment,
    AdjustmentKind,
    Cause,
    CauseKind,
    CheckOutcome,
    GradedSubmission,
    Isolation,
    ScoredCheck,
    Status,
)

TEMPLATES = Path(__file__).parent / "templates"

# Said wherever the grader itself failed: learners must never read a grader bug as theirs.
GRADER_ERROR_TEXT = (
    "The grader itself failed on this check. This is not your fault: your instructor has "
    "been told, and the check will be regraded."
)


# Characters that Markdown could read as syntax (or GitHub as HTML); CommonMark lets any
# ASCII punctuation be backslash-escaped, so learner text always renders literally.
_MARKDOWN_SPECIAL = frozenset("\\`*_[]|~#<>&!")


def markdown_escape(text: str) -> str:
    return "".join(f"\\{char}" if char in _MARKDOWN_SPECIAL else char for char in text)


def duration_text(seconds: float) -> str:
    return f"{seconds:.1f} s" if math.isfinite(seconds) else "n/a"


@dataclass(frozen=True)
class MisconceptionView:
    misconception_id: str
    title: str  # "" when the id is not in the catalog
    symptom: str
    cause: str
    fix: str


def misconception_view(misconception_id: str) -> MisconceptionView:
    entry = CATALOG.get(misconception_id)
    if entry is None:  # a check named an id the catalog lacks: still say it, explain nothing
        return MisconceptionView(misconception_id, "", "", "", "")
    return MisconceptionView(misconception_id, entry.title, entry.symptom, entry.cause, entry.fix)


def explain_misconception(misconception_id: str) -> str:
    """One paragraph, symptom -> cause -> fix, as plain text."""
    view = misconception_view(misconception_id)
    if not view.title:
        return f"Recognized mistake {misconception_id}."
    return (
        f"Recognized mistake {view.misconception_id}: {view.title}. Symptom: {view.symptom}. "
        f"Cause: {view.cause}. Fix: {view.fix}."
    )


def count_grader_errors(result: GradedSubmission) -> int:
    return sum(1 for item in result.checks if item.outcome.status is Status.ERROR)


def grader_error_notice(result: GradedSubmission) -> str:
    """The learner-facing sentence about grader failures, or "" when there were none."""
    errors = count_grader_errors(result)
    if errors:
        checks, them = ("check", "it") if errors == 1 else ("checks", "them")
        return (
            f"The grader itself failed on {errors} {checks}. This is not your fault: your "
            f"instructor has been told and will regrade {them}."
        )
    if result.grader_errors:
        return (
            "The grader reported a problem of its own while grading this submission. This is "
            "not your fault: your instructor has been told."
        )
    return ""


@dataclass(frozen=True)
class CheckView:
    check_id: str
    kind: str  # passed | failed | error | review | not-run: the CSS class and the test hook
    mark: str  # an emoji for Markdown, always next to `label`: never colour or icon alone
    label: str
    points: str  # "1.2 / 1.2 points", "instructor-graded", or "" when not scored yet
    hidden: bool
    manual: bool
    message: str
    misconceptions: tuple[MisconceptionView, ...]
    anchor: str = ""  # the element id in the HTML report: "check-<id>"
    printed: str = ""  # what the learner's code printed (failing visible checks only)
    cause_anchor: str = ""  # said under a shared cause (CauseView): the block's element id


@dataclass(frozen=True)
class CauseView:
    """Wrong functions that several failed checks of one file build on, said once: the
    checks' typed `blamed` (grader/checks/probes.py), the checks affected, and the
    misconceptions they share (each box once, not once per check)."""

    functions: tuple[str, ...]  # "predict_with_threshold()"
    sentence: str  # "predict_with_threshold() in logistic_scratch.py is wrong: fix it first..."
    check_ids: tuple[str, ...]
    misconceptions: tuple[MisconceptionView, ...]
    anchor: str = ""  # the element id in the HTML report: "cause-<exercise>-<n>"


@dataclass(frozen=True)
class StubView:
    """A function not written yet, and the checks that wait for it: said once."""

    function: str  # "sigmoid()"
    where: str  # "logistic_scratch.py, line 34" (where the stub raises)
    check_ids: tuple[str, ...]
    anchor: str = ""  # the element id in the HTML report: "stub-<module>-<function>"


@dataclass(frozen=True)
class ExerciseView:
    exercise: str
    file: str  # as the learner has it: "ex3_threshold_sweep.py" or "....ipynb" (headings)
    checks: tuple[CheckView, ...]  # every check not listed under a stub, in order
    stubs: tuple[StubView, ...] = ()
    file_note: str = ""  # the file does not parse or import: file, line and message
    upstream_note: str = ""  # failed core functions this file uses, once for the file
    causes: tuple[CauseView, ...] = ()  # wrong functions its failed checks build on, once
    passed: int = 0
    total: int = 0  # automatic checks (manual items are not counted)

    @property
    def untouched(self) -> bool:
        """Nothing written yet: every automatic check waits for a stub."""
        return (
            bool(self.stubs)
            and not self.passed
            and not any(check.kind in {"failed", "not-run"} for check in self.checks)
        )


@dataclass(frozen=True)
class CriterionView:
    criterion_id: str
    title: str
    description: str
    points: str
    max_points: str
    passed: int
    total: int


@dataclass(frozen=True)
class ReportView:
    name: str
    score: str
    max_score: str
    notices: tuple[str, ...]
    error_notice: str
    criteria: tuple[CriterionView, ...]
    exercises: tuple[ExerciseView, ...]
    isolation_level: str
    in_force: tuple[str, ...]
    missing: tuple[str, ...]
    grader_version: str
    seed: str
    graded_at: str
    duration: str
    adjustments: tuple[str, ...] = ()  # overrides and late penalties, as sentences
    fix_first: str = ""  # the earliest failing function in dependency order, as a sentence
    fix_first_anchor: str = ""  # where the report explains it
    # the other root causes after the first, in dependency order: (sentence, anchor)
    fix_then: tuple[tuple[str, str], ...] = ()
    sandbox: str = ""  # "About this run" for learners: one plain sentence
    passed: int = 0
    total: int = 0


#: The words before what the learner's code printed, the same in every report.
PRINTED_HEADING = "Your code printed:"


def _check_view(item: ScoredCheck | CheckOutcome) -> CheckView:
    outcome = item.outcome if isinstance(item, ScoredCheck) else item
    if outcome.status is Status.ERROR:
        kind, mark, label = "error", "⚠️", "grader error"
        message = f"{GRADER_ERROR_TEXT}\n{outcome.message}".strip()
    elif outcome.status is Status.REVIEW and isinstance(item, ScoredCheck) and not item.max_points:
        # the rubric gives it no points: no review is coming, so none is promised
        kind, mark, label, message = "review", "📝", "not graded (no points)", outcome.message
    elif outcome.status is Status.REVIEW:
        kind, mark, label, message = "review", "⏳", "awaiting instructor review", outcome.message
    elif outcome.status is Status.PASSED:
        kind, mark, label, message = "passed", "✅", "passed", outcome.message
    elif outcome.status is Status.SKIPPED:
        # A broken file's checks: its note says why, once (exercise_view).
        broken = outcome.cause is not None and outcome.cause.kind is CauseKind.BROKEN_FILE
        kind, mark, label = "not-run", "⏸️", "not run"
        message = "" if broken else outcome.message
    else:
        kind, mark, label, message = "failed", "❌", "failed", outcome.message
    if not isinstance(item, ScoredCheck):
        points = ""
    elif outcome.manual:
        points = "instructor-graded"
    else:
        points = f"{points_text(item.points)} / {points_text(item.max_points)} points"
    return CheckView(
        check_id=outcome.check_id,
        kind=kind,
        mark=mark,
        label=label,
        points=points,
        hidden=outcome.hidden,
        manual=outcome.manual,
        message=message,
        misconceptions=()
        if outcome.status is Status.SKIPPED  # not judged: nothing to recognize
        else tuple(misconception_view(m) for m in outcome.misconceptions),
        anchor=f"check-{outcome.check_id}",
        printed="" if outcome.hidden else outcome.printed,
    )


def exercise_view(
    exercise: str,
    items: Sequence[ScoredCheck | CheckOutcome],
    outcomes: Sequence[CheckOutcome] = (),
) -> ExerciseView:
    """One exercise file's checks, each cause said once: a file that does not parse or
    import (a note; its checks "not run"), a function not written yet (one entry, its
    checks under it), failed core functions this file builds on (one note).

    `outcomes` are all the submission's outcomes so far (the core module's included)."""
    mine = [item.outcome if isinstance(item, ScoredCheck) else item for item in items]
    broken = next(
        (
            o.cause
            for o in mine
            if o.status is Status.SKIPPED and o.cause and o.cause.kind is CauseKind.BROKEN_FILE
        ),
        None,
    )
    # Named as the learner has it: a notebook's checks know it (pipeline/grade.py).
    file = next((o.file for o in mine if o.notebook), f"{exercise}.py")
    file_note = ""
    if broken:
        file_note = (broken.detail or f"{file} could not be imported").rstrip(".") + "."
    stubs: dict[tuple[str, str], list[str]] = {}
    where: dict[tuple[str, str], Cause] = {}
    checks = []
    for item, outcome in zip(items, mine, strict=True):
        cause = outcome.cause
        if outcome.status is Status.SKIPPED and cause and cause.kind is CauseKind.NOT_WRITTEN:
            key = (cause.module, cause.function)
            stubs.setdefault(key, []).append(outcome.check_id)
            where[key] = cause
            continue
        checks.append(_check_view(item))
    causes, grouped = shared_causes(exercise, mine, list(outcomes) or mine)
    # a grouped check keeps its own view (its points) and says its cause under the block
    checks = [
        replace(check, message=g.message, misconceptions=(), cause_anchor=g.cause_anchor)
        if (g := grouped.get(check.check_id))
        else check
        for check in checks
    ]
    flagged = [o for o in mine if o.upstream_failures]
    if all(_names_its_upstream(o) for o in flagged):  # the checks' own messages say it
        flagged = []
    upstream = ""
    # a wrong function a CAUSE block already names is not said again in the file's note
    caused = {name for o in mine if o.check_id in grouped for name in o.blamed}
    names = tuple(
        dict.fromkeys(name for o in flagged for name in o.upstream_failures if name not in caused)
    )
    if names:
        upstream = upstream_sentence(
            replace(flagged[0], upstream_failures=names), list(outcomes) or mine
        )
    automatic = [o for o in mine if not o.manual]
    return ExerciseView(
        exercise=exercise,
        file=file,
        checks=tuple(checks),
        stubs=tuple(
            StubView(
                f"{function}()",
                stub_place(where[(module, function)]),
                tuple(ids),
                f"stub-{module}-{function}",
            )
            for (module, function), ids in sorted(stubs.items(), key=lambda kv: _line(where[kv[0]]))
        ),
        file_note=file_note,
        upstream_note=upstream,
        causes=causes,
        passed=sum(1 for o in automatic if o.status is Status.PASSED),
        total=len(automatic),
    )


def blame_groups(outcomes: Sequence[CheckOutcome]) -> dict[tuple[str, ...], list[CheckOutcome]]:
    """The failed checks that blamed wrong functions they use (the typed `blamed`, set as
    they ran), grouped by those functions, in the checks' order."""
    groups: dict[tuple[str, ...], list[CheckOutcome]] = {}
    for outcome in outcomes:
        if outcome.status is Status.FAILED and outcome.blamed:
            groups.setdefault(tuple(sorted(outcome.blamed)), []).append(outcome)
    return groups


def blame_sentence(
    blamed: Sequence[str], check_ids: Sequence[str], outcomes: Sequence[CheckOutcome]
) -> str:
    """One cause said once: the wrong functions (each with its file as the learner has
    it), and the checks that fail with them."""
    files = {o.exercise: o.file for o in outcomes}
    for outcome in outcomes:  # the blamed functions' files, as the checks knew them
        files.update(
            (name.split(".")[0], file)
            for name, file in zip(outcome.blamed, outcome.blamed_files, strict=False)
        )
    names = []
    for name in blamed:
        module, _, function = name.partition(".")
        names.append(f"{function}() in {files.get(module, f'{module}.py')}")
    one = len(names) == 1
    return (
        f"{' and '.join(names)} {'is' if one else 'are'} wrong (see {'its' if one else 'their'} "
        f"own checks): fix {' and '.join(n.split(' in ')[0] for n in names)} first. "
        f"{'This check uses' if len(check_ids) == 1 else 'These checks use'} "
        f"{'it' if one else 'them'} and may pass once {'it is' if one else 'they are'} "
        f"fixed: {', '.join(check_ids)}."
    )


def message_body(outcome: CheckOutcome) -> str:
    """The check's own words without its closing advice: the body the check joined its
    message from (a fact carried with it; an outcome stored without one says its message)."""
    return (outcome.body or outcome.message).rstrip()


def shared_causes(
    exercise: str, mine: Sequence[CheckOutcome], outcomes: Sequence[CheckOutcome]
) -> tuple[tuple[CauseView, ...], dict[str, CheckView]]:
    """The file's blamed checks, one CauseView per wrong function (or set of them) that
    two or more of them blame, and those checks' views without the repeated blame and
    boxes (their own words, the body, stay: what came back differs from check to check)."""
    causes, grouped = [], {}
    for blamed, group in blame_groups(mine).items():
        if len(group) < 2:
            continue  # one check: its own message says it
        ids = tuple(o.check_id for o in group)
        anchor = f"cause-{exercise}-{len(causes) + 1}"
        tags = tuple(dict.fromkeys(m for o in group for m in o.misconceptions))
        causes.append(
            CauseView(
                functions=tuple(f"{name.split('.', 1)[1]}()" for name in blamed),
                sentence=blame_sentence(blamed, ids, outcomes),
                check_ids=ids,
                misconceptions=tuple(misconception_view(m) for m in tags),
                anchor=anchor,
            )
        )
        for outcome in group:
            view = _check_view(outcome)
            grouped[outcome.check_id] = replace(
                view, message=message_body(outcome), misconceptions=(), cause_anchor=anchor
            )
    return tuple(causes), grouped


def stub_place(cause: Cause) -> str:
    """Where a function not written yet is: "logistic_scratch.py, line 34", or in a
    notebook "logistic_scratch.ipynb, cell 2, line 5" (the cause's `where`; without one,
    the detail is taken as a place in the module's .py, e.g. "line 34")."""
    if cause.where is not None:
        return cause.where.text
    return f"{cause.module}.py" + (f", {cause.detail}" if cause.detail else "")


def _line(cause: Cause) -> tuple[int, int]:
    """(cell, line in it) or (0, line of the .py): stubs in file order."""
    where = cause.where
    if where is None:
        return (0, 0)
    return (where.cell, where.cell_line) if where.cell else (0, where.line)


def _names_its_upstream(outcome: CheckOutcome) -> bool:
    """The check's own message already blamed every function it depends on (at run)."""
    return set(outcome.upstream_failures) <= set(outcome.blamed)


def fix_first(outcomes: Sequence[CheckOutcome]) -> tuple[str, str]:
    """The earliest root cause in dependency order (the core file first, then the chapter's
    order), as a sentence, and the report's anchor for it; ("", "") when none."""
    order = fix_order(outcomes)
    return order[0] if order else ("", "")


def fix_order(outcomes: Sequence[CheckOutcome]) -> tuple[tuple[str, str], ...]:
    """Every root cause, in dependency order, each as (sentence, anchor): a failed check
    that blamed a wrong function it uses (its typed `blamed`) or builds on a failed
    function of another file (`upstream_failures`) is not one; its cause is listed as the
    check that failed on it. One entry per broken file, per file's first stub, and per
    function that fails its own checks."""
    failed = [o for o in outcomes if o.status.earns_nothing and not o.manual]
    failed.sort(key=lambda o: o.exercise != CORE_MODULE)  # stable: keeps the chapter's order
    roots = [o for o in failed if not o.blamed and not o.upstream_failures] or failed[:1]
    listed: set[tuple[str, str]] = set()
    order = []
    for outcome in roots:
        key = _root_key(outcome, failed)
        if key not in listed:
            listed.add(key)
            order.append(_root_sentence(outcome, failed, brief=bool(order)))
    return tuple(order)


def _root_key(outcome: CheckOutcome, failed: Sequence[CheckOutcome]) -> tuple[str, str]:
    """What a root cause is one of: a broken file, a file's stubs, or a function."""
    if any(
        o.exercise == outcome.exercise and o.cause and o.cause.kind is CauseKind.BROKEN_FILE
        for o in failed
    ):
        return (outcome.exercise, "")  # the file first: its checks cannot say more
    cause = outcome.cause
    if cause and cause.kind is CauseKind.NOT_WRITTEN:
        return (cause.module, "\0stub")
    return (outcome.exercise, _own_function(outcome))


def _own_function(outcome: CheckOutcome) -> str:
    return next(
        (
            name.split(".")[-1]
            for name in outcome.learner_calls
            if name.startswith(outcome.exercise)
        ),
        "",
    )


def _root_sentence(
    first: CheckOutcome, failed: Sequence[CheckOutcome], brief: bool = False
) -> tuple[str, str]:
    """One root cause, the failed check `first` stands for, as (sentence, anchor). `brief`:
    a broken file after the first cause is named, its detail left to its note (said once)."""
    # A file that does not parse comes before any check of it (some read the file itself).
    first = next(
        (
            o
            for o in failed
            if o.exercise == first.exercise and o.cause and o.cause.kind is CauseKind.BROKEN_FILE
        ),
        first,
    )
    cause = first.cause
    if cause and cause.kind is CauseKind.BROKEN_FILE:
        if brief:
            return f"{first.file} does not run (see its note).", f"exercise-{first.exercise}"
        detail = cause.detail or f"{first.file} could not be imported"
        return f"{detail.rstrip('.')}.", f"exercise-{first.exercise}"
    if cause and cause.kind is CauseKind.NOT_WRITTEN:
        # The stub that comes first in its file (the file's order is the chapter's).
        cause = min(
            (
                o.cause
                for o in failed
                if o.cause
                and o.cause.kind is CauseKind.NOT_WRITTEN
                and o.cause.module == cause.module
            ),
            key=_line,
        )
        file, _, place = stub_place(cause).partition(", ")
        return (
            f"write {cause.function}() in {file} (see its TODO{f', {place}' if place else ''}).",
            f"stub-{cause.module}-{cause.function}",
        )
    function = _own_function(first)
    # Of the failed checks on that function, the one that recognized the mistake explains
    # it best (a rule gated on the function, such as the import rule, explains nothing).
    qualified = f"{first.exercise}.{function}"
    first = next(
        (
            o
            for o in failed
            if o.misconceptions and o.learner_calls[:1] == (qualified,) and function
        ),
        first,
    )
    subject = f"{function}() in {first.file}" if function else first.file
    text = f"{subject}: {first.check_id} fails"
    known = [CATALOG[m] for m in first.misconceptions if m in CATALOG]
    if known:
        text += f" (recognized mistake {known[0].misconception_id}: {known[0].title})"
    return f"{text}.", f"check-{first.check_id}"


def sandbox_sentence(isolation: Isolation) -> str:
    """What a learner needs to know of the isolation, in one plain sentence; the full
    detail (what is in force, what is missing) is for the instructor's report. The sandbox
    writes it (Isolation.summary); older results are said from their level."""
    if isolation.summary:
        return isolation.summary
    # An older result without the sentence: said from its level (only the namespaces
    # level has a network namespace), never from the instructor's words.
    if isolation.level == "namespaces":
        return "Your code ran in a sandbox without network."
    return "Your code ran in a separate, limited process."


def build_view(result: GradedSubmission) -> ReportView:
    """The whole report, format-free, in the order of the result's checks. The last
    result's view is kept: report.html and report.md of one result are made from one
    view (both frozen, so either renderer sees the same), not built twice (1 ms)."""
    global _last_view
    last = _last_view  # one read, one write of a pair: threads see a matching pair
    if last is not None and last[0] is result:
        return last[1]
    view = _build_view(result)
    _last_view = (result, view)
    return view


#: build_view's last result and its view.
_last_view: tuple[GradedSubmission, ReportView] | None = None


def _build_view(result: GradedSubmission) -> ReportView:
    by_exercise: dict[str, list[ScoredCheck]] = {}
    for item in result.checks:
        by_exercise.setdefault(item.outcome.exercise, []).append(item)
    outcomes = [item.outcome for item in result.checks]
    criteria = []
    for criterion in result.criteria:
        mine = [
            item
            for item in result.checks
            if item.criterion_id == criterion.criterion_id and not item.outcome.manual
        ]
        criteria.append(
            CriterionView(
                criterion_id=criterion.criterion_id,
                title=criterion.title,
                description=criterion.description,
                points=points_text(criterion.points),
                max_points=points_text(criterion.max_points),
                passed=sum(1 for item in mine if item.outcome.status is Status.PASSED),
                total=len(mine),
            )
        )
    order = fix_order(outcomes)
    first, anchor = order[0] if order else ("", "")
    exercises = tuple(
        exercise_view(exercise, items, outcomes) for exercise, items in by_exercise.items()
    )
    return ReportView(
        name=result.name,
        score=points_text(result.score),
        max_score=points_text(result.max_score),
        notices=result.notices,
        error_notice=grader_error_notice(result),
        criteria=tuple(criteria),
        exercises=exercises,
        isolation_level=result.isolation.level,
        in_force=result.isolation.in_force,
        missing=result.isolation.missing,
        grader_version=result.grader_version,
        seed=str(result.seed),
        graded_at=result.graded_at,
        duration=duration_text(result.duration_s),
        adjustments=tuple(adjustment_text(item) for item in result.adjustments),
        fix_first=first,
        fix_first_anchor=anchor,
        fix_then=order[1:],
        sandbox=sandbox_sentence(result.isolation),
        passed=sum(view.passed for view in exercises),
        total=sum(view.total for view in exercises),
    )


def adjustment_text(item: Adjustment) -> str:
    """One change to the automatic score, as the learner and the instructor read it."""
    change = f"{points_text(item.points_before)} -> {points_text(item.points_after)} points"
    comment = f" ({item.comment})" if item.comment else ""
    if item.kind is AdjustmentKind.LATE:
        return f"Late penalty: {item.comment}; score {change}"
    if item.kind is AdjustmentKind.WAIVED:
        return f"Late penalty not applied: {item.comment}"
    return f"Set by the instructor: {item.target}, {change}{comment}"


def template_environment(folder: Path = TEMPLATES, **options: object) -> Environment:
    """A Jinja2 environment over `folder`'s templates (the reports' by default); a typo in
    a template fails loudly."""
    env = Environment(
        loader=FileSystemLoader(folder),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        **options,  # type: ignore[arg-type]
    )
    env.globals["printed_heading"] = PRINTED_HEADING
    return env
