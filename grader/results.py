"""Typed results passed between the grading stages (load -> run -> check -> score -> render).

These know nothing of HTML, Markdown or Gradescope: the renderers turn them into formats.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class Status(str, Enum):
    """How one check ended.

    ERROR is the grader's own failure (a bug or a broken kit), never the learner's: it is
    kept apart so that instructors see it and learners are not blamed for it. REVIEW is a
    manual item awaiting an instructor: no automatic points, not a failure. SKIPPED is a
    check that could not judge the answer: a function it needs is not written yet or its
    file does not parse or import (its `cause` says which, and renderers group the checks
    under it), or it cannot run here (a learner's self-check has no hidden reference). It
    earns no points, like FAILED; Gradescope's schema knows only "passed" and "failed", so
    results.json says "failed" with the tag "skipped".
    """

    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    REVIEW = "review"
    SKIPPED = "skipped"

    @property
    def earns_nothing(self) -> bool:
        """The learner's answer lost this check's points (judged wrong, or not judgeable)."""
        return self in (Status.FAILED, Status.SKIPPED)


class CauseKind(str, Enum):
    """Why a check was SKIPPED (could not judge the learner's answer): said once, where it is."""

    NOT_WRITTEN = "not-written"  # the learner's function still raises NotImplementedError
    BROKEN_FILE = "broken-file"  # the learner's file is missing, or does not parse or import


@dataclass(frozen=True)
class Cause:
    """One cause shared by several skipped checks (renderers group the checks under it)."""

    kind: CauseKind
    module: str  # the exercise file's stem the failing call went to, e.g. "logistic_scratch"
    function: str = ""  # NOT_WRITTEN: the function, e.g. "sigmoid"
    detail: str = ""  # learner-facing: "logistic_scratch.py has a syntax error on line 31: ..."
    where: Where | None = None  # NOT_WRITTEN: the stub's line; BROKEN_FILE: the bad line
    failure: FailureKind | None = None  # BROKEN_FILE: missing, syntax error, import error


@dataclass(frozen=True)
class Where:
    """A place in the learner's code, as a fact (never read back from a message).

    `module` and `line` are the graded .py's (its stem, 1-based line); for a module written
    from a notebook, `notebook` names it and `cell` (1-based among its CODE cells: Jupyter
    numbers no cells), `cell_line`, `run_count` (its `In [n]`, 0 if none) and `cell_start`
    (its first line) say the same place as the learner sees it (grader/places.py)."""

    module: str  # the file's stem, e.g. "logistic_scratch"
    line: int = 0  # 0: the file as a whole (a missing file, a value it returned)
    function: str = ""  # the innermost learner function, "" at the module's top level
    notebook: str = ""  # e.g. "logistic_scratch.ipynb", when the module came from one
    cell: int = 0
    cell_line: int = 0
    run_count: int = 0
    cell_start: str = ""

    @property
    def file(self) -> str:
        """The learner's file: "logistic_scratch.py" or "logistic_scratch.ipynb"."""
        return self.notebook or f"{self.module}.py"

    @property
    def spot(self) -> str:
        """The place inside the file: "line 54", "cell In [7], line 2", or
        'code cell 3 ("def sigmoid(z):"), line 2'; "" for the file as a whole."""
        if self.notebook and self.cell:
            if self.run_count:
                return f"cell In [{self.run_count}], line {self.cell_line}"
            start = f' ("{self.cell_start}")' if self.cell_start else ""
            return f"code cell {self.cell}{start}, line {self.cell_line}"
        if self.notebook:
            return ""  # a line outside every cell: the notebook as a whole
        return f"line {self.line}" if self.line else ""

    @property
    def text(self) -> str:
        """ "logistic_scratch.py, line 54", or "logistic_scratch.ipynb, cell In [7], line 2"."""
        return f"{self.file}, {self.spot}" if self.spot else self.file


@dataclass(frozen=True)
class CheckOutcome:
    """What one check found, before any points are attached."""

    check_id: str
    exercise: str  # the exercise file's stem, e.g. "ex3_threshold_sweep"
    status: Status
    message: str = ""  # learner-facing; for hidden checks, no inputs and no expected values
    hidden: bool = False  # run on data the learner never saw
    manual: bool = False  # an item an instructor grades; never scored automatically
    misconceptions: tuple[str, ...] = ()  # e.g. ("M09",)
    grader_error: str = ""  # instructor-facing detail when status is ERROR
    duration_s: float = 0.0
    learner_calls: tuple[str, ...] = ()  # "module.function" the check called, in order
    # "module.function"s this check's exercise uses that failed their own checks
    upstream_failures: tuple[str, ...] = ()
    cause: Cause | None = None  # SKIPPED: the stub or the broken file it could not get past
    # The facts known where the check ended, kept apart from the message so that no later
    # stage reads them back from its words (triage, cell pointers, blame, renderers).
    failure: FailureKind | None = None  # how the learner's code failed, if it did
    at_import: bool = False  # that failure happened while its file was imported
    exception_type: str = ""  # FailureKind.EXCEPTION / IMPORT_ERROR: e.g. "ValueError"
    where: Where | None = None  # where it failed (innermost learner frame, or syntax error)
    hint: str = ""  # the message's closing advice ("Average over the tickets."), if any
    # the message without that advice, as the check joined them (CheckFailure.body): a
    # renderer that says the advice once for several checks shows this
    body: str = ""
    # "module.function"s a check blamed at run time (checks/probes.py): the upstream cause
    blamed: tuple[str, ...] = ()
    # each blamed function's file as the learner has it ("logistic_scratch.ipynb"), in order
    blamed_files: tuple[str, ...] = ()
    # What the learner's code printed during a failing VISIBLE check: its first and last
    # lines, capped (pipeline/run.py printed_excerpt); always "" for hidden checks.
    printed: str = ""
    # the notebook the exercise was graded from ("ex3_threshold_sweep.ipynb"), "" for a .py:
    # every heading, note and "Fix first" names the file the learner has
    notebook: str = ""

    @property
    def file(self) -> str:
        """The exercise's file as the learner has it."""
        return self.notebook or f"{self.exercise}.py"

    # Answer checks (grader/checks/answers/): the learner's own answer as short text (the
    # explanation, the quiz letter, the hand-worked numbers), for the instructor's views.
    answer: str = ""


@dataclass(frozen=True)
class ScoredCheck:
    """A check outcome with the points the rubric gives it."""

    outcome: CheckOutcome
    criterion_id: str
    points: float
    max_points: float


@dataclass(frozen=True)
class CriterionScore:
    criterion_id: str
    title: str
    description: str
    points: float
    max_points: float


@dataclass(frozen=True)
class Isolation:
    """What kept the learner's code apart from the grader, as stated in every report."""

    level: str  # "namespaces", "landlock" or "process" (grader/sandbox/probe.py)
    in_force: tuple[str, ...]  # the protections that held for this run (instructors)
    missing: tuple[str, ...] = ()  # protections the platform did not allow (instructors)
    summary: str = ""  # one plain sentence for learners; never what their code could reach


class FigureKind(str, Enum):
    ROC = "roc"  # on the shipped ticket queue
    RELIABILITY = "reliability"  # on the shipped ticket queue
    LOSS = "loss"  # on the eight tickets


@dataclass(frozen=True)
class Series:
    """One curve as plain numbers, from the learner's code or from the reference."""

    from_learner: bool
    label: str  # written by the grader, e.g. "lr = 2.0"; never learner text
    x: tuple[float, ...]
    y: tuple[float, ...]
    summary: float | None = None  # AUC of a ROC curve, ECE of a reliability diagram


@dataclass(frozen=True)
class Figure:
    """One plot's data: only data the learner has (the queue, the eight tickets)."""

    kind: FigureKind
    series: tuple[Series, ...]
    notes: tuple[str, ...] = ()  # written by the grader: why a series is missing
    lr_bound: float | None = None  # LOSS: the reference's 2/L on the eight tickets


@dataclass(frozen=True)
class FeedbackFigures:
    figures: tuple[Figure, ...] = ()


class NoticeKind(str, Enum):
    """What a notice about the whole submission says, as a fact (the class triage reads
    this, never the notice's words)."""

    UNREADABLE = "unreadable"  # the submission could not be read at all
    NO_EXERCISE_FILE = "no-exercise-file"  # it holds no file named like an exercise


class AdjustmentKind(str, Enum):
    OVERRIDE = "override"  # an instructor's points for a check or a criterion
    LATE = "late"  # the late policy's penalty
    WAIVED = "waived"  # a late penalty the instructor waived


@dataclass(frozen=True)
class Adjustment:
    """A change to the automatic score, made after scoring and shown in every report."""

    kind: AdjustmentKind
    target: str  # a check id, a criterion id, or "score"
    points_before: float
    points_after: float
    comment: str = ""  # the instructor's words, or the policy's


@dataclass(frozen=True)
class GradedSubmission:
    """Everything the renderers need about one graded submission."""

    name: str
    score: float
    max_score: float
    checks: tuple[ScoredCheck, ...]
    criteria: tuple[CriterionScore, ...]
    seed: int
    isolation: Isolation
    grader_version: str
    graded_at: str  # ISO 8601, UTC
    duration_s: float
    notices: tuple[str, ...] = ()  # learner-facing notes about the submission as a whole
    notice_kinds: tuple[NoticeKind, ...] = ()  # the facts among them the triage needs
    grader_errors: tuple[str, ...] = field(default=())  # instructor-facing, whole-run problems
    learner_time_s: float = 0.0  # time spent inside the learner's functions (worker-side)
    figures: FeedbackFigures = field(default_factory=FeedbackFigures)  # the report's plots
    adjustments: tuple[Adjustment, ...] = ()  # overrides and late penalties, in order
    submitted_at: str = ""  # ISO 8601 hand-in time (--timestamps, else the newest file)
    days_late: int = 0
    # sha256 of what the grading read (the submission's bytes, the rubric, the grader's
    # version, a fixed seed): a re-run skips a submission whose hash is unchanged
    input_hash: str = ""
    # the sandbox limits (rubric.yaml's `limits:`) the checks ran under: a regrade under
    # other limits must run the learner's code again; None in an older grader's results
    limits: Limits | None = None


# Last: grader.sandbox reads Isolation from here as it loads, so this module is complete
# before the sandbox's package runs (the annotations above name FailureKind lazily).
from grader.sandbox.errors import FailureKind  # noqa: E402
from grader.sandbox.limits import Limits  # noqa: E402
