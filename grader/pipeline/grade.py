"""One submission through every stage: load -> run + check -> score.

This is the boundary that always returns a valid GradedSubmission: an unreadable
submission fails every check with a learner-facing reason, and a grader bug marks every
check as a grader error, never as the learner's failure.
"""

from __future__ import annotations

import dataclasses
import secrets
import time
import traceback
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath

from grader import __version__
from grader.checks.catalog import Category, CheckSpec, discover_checks
from grader.checks.framework import Reference, seed_for
from grader.checks.reference import ReplayReference, SolutionReference
from grader.instructor.late import LatePolicy, newest_file_time, parse_time
from grader.instructor.overrides import Override
from grader.instructor.rubric import Rubric, load_rubric
from grader.paths import EXERCISE_FILES, KitPaths
from grader.pipeline.adjust import adjust
from grader.pipeline.figures import FigureCollector
from grader.pipeline.load import (
    LoadedSubmission,
    SubmissionError,
    keep_exercise_files,
    load_submission,
    submission_name,
)
from grader.pipeline.notebooks import places
from grader.pipeline.run import (
    Progress,
    RunSettings,
    judged_where_partly_written,
    run_checks,
)
from grader.pipeline.score import score
from grader.pipeline.upstream import note_upstream_failures
from grader.results import CheckOutcome, GradedSubmission, NoticeKind, Status
from grader.sandbox import isolation_report, probe
from grader.sandbox.confine import Confinement, Stack, hideable
from grader.sandbox.worker import bootstrap_source
from grader.sandbox.zygote import WarmWorkers
from grader.source_text import LearnerSources
from grader.tickets import TicketData

RECORDING = "visible_expected.json"  # the replayed reference of a learner bundle
VARIANTS_RECORDING = "visible_variants.json"  # and its known wrong variants' values


@dataclass(frozen=True)
class GradingOptions:
    """What a grading run needs to know; plain values, so it can go to worker processes."""

    kit_root: Path
    categories: tuple[Category, ...] = tuple(Category)
    base_seed: int | None = None  # None: a fresh random seed per submission
    # Hidden from learner code besides the kit and the submissions' own folders: the
    # output folder, say.
    private_paths: tuple[Path, ...] = ()
    # "best" (the strongest this machine gives) or a level of grader/sandbox/probe.py
    isolation: str = "best"
    warm_workers: bool = True  # fork workers from a zygote with NumPy and sklearn loaded
    overrides: tuple[Override, ...] = ()  # an instructor's points (overrides.yaml)
    # name -> ISO 8601 hand-in time, for the rubric's late policy; otherwise the time of
    # the submission's newest file
    submitted_at: tuple[tuple[str, str], ...] = ()


@dataclass
class GradingContext:
    """Built once per grading process from GradingOptions."""

    options: GradingOptions
    kit: KitPaths
    specs: list[CheckSpec]
    rubric: Rubric
    reference: Reference
    tickets: TicketData
    warm: WarmWorkers
    stack: Stack  # the isolation every worker of this process gets

    @classmethod
    def build(cls, options: GradingOptions) -> GradingContext:
        kit = KitPaths(options.kit_root)
        specs = discover_checks()
        rubric = load_rubric(kit.rubric, specs)
        if kit.solutions.is_dir():
            reference: Reference = SolutionReference(kit.solutions)
            loader = kit.solutions / "tickets.py"
        else:  # a learner bundle: visible checks replay the recorded reference values
            reference = ReplayReference.load(kit.root / RECORDING, kit.root / VARIANTS_RECORDING)
            loader = kit.exercises / "tickets.py"
        warm = WarmWorkers(bootstrap_source(), enabled=options.warm_workers)
        stack = probe.resolve(options.isolation).stack  # IsolationUnavailable: one line
        assert stack is not None
        tickets = TicketData.load(loader)
        return cls(options, kit, specs, rubric, reference, tickets, warm, stack)

    def seed_for(self, name: str) -> int:
        if self.options.base_seed is None:
            return secrets.randbits(62)
        return seed_for(self.options.base_seed, name) >> 2

    @property
    def support_dir(self) -> Path:
        return self.kit.exercises

    def confinement(self, submission: Path, workdir: Path) -> Confinement:
        """What this submission's worker must not see: the kit, the output folder, the
        submission as handed in and the folder beside it (the other submissions)."""
        submission = submission.absolute()
        wanted = [self.kit.root, *self.options.private_paths, submission, submission.parent]
        if submission.is_symlink():  # a class member given as a link: hide where it points
            wanted += [submission.resolve(), submission.resolve().parent]
        return Confinement(hideable(wanted, workdir), stack=self.stack)


def grade_submission(
    path: Path, context: GradingContext, name: str | None = None, progress: Progress | None = None
) -> GradedSubmission:
    """Grade one submission folder or zip; never raises for anything the submission does.

    `progress`, if given, hears each learner call and each exercise file's outcomes (upstream
    failures noted) as its checks end."""
    automatic = grade_automatic(path, context, name, progress)
    return apply_adjustments(automatic, context)


def apply_adjustments(automatic: GradedSubmission, context: GradingContext) -> GradedSubmission:
    """The instructor's overrides and the late policy on an automatic result."""
    return adjust_with(automatic, context.options, context.rubric.late_policy)


def adjust_with(
    automatic: GradedSubmission, options: GradingOptions, late: LatePolicy | None
) -> GradedSubmission:
    """options' overrides and hand-in times, and the late policy, on an automatic result
    (regrade calls this on stored results, without running any learner code). A hand-in
    time from --timestamps wins over the one recorded when grading."""
    submitted = parse_time(automatic.submitted_at) if automatic.submitted_at else None
    given = dict(options.submitted_at).get(automatic.name)
    if given is not None:
        submitted = parse_time(given)
    return adjust(automatic, options.overrides, late, submitted)


def grade_automatic(
    path: Path,
    context: GradingContext,
    name: str | None = None,
    progress: Progress | None = None,
    keep_code: Path | None = None,
) -> GradedSubmission:
    """The automatic result, before any instructor adjustment, with the hand-in time
    (the newest file's) recorded; never raises for anything the submission does.
    `keep_code`, an existing folder, gets a copy of the graded exercise files (and the
    notebooks handed in for them) as loaded, before any learner code runs."""
    started = time.perf_counter()
    name = name or submission_name(path)
    seed = context.seed_for(name)
    wanted = [spec for spec in context.specs if spec.category in context.options.categories]
    notices: list[str] = []
    grader_errors: list[str] = []
    confinement = Confinement(stack=context.stack)
    learner_time_s = 0.0
    figures = FigureCollector(context.reference, context.tickets)
    printed: dict[str, int] = {}  # what printed past the output cap -> bytes printed
    kinds: list[NoticeKind] = []
    try:
        loaded = load_submission(
            path,
            context.support_dir,
            set(EXERCISE_FILES),
            max_source_bytes=context.rubric.limits.source_kb * 1024,
        )
    except SubmissionError as error:
        outcomes = [
            _not_run(spec, f"The submission could not be read: {error}.") for spec in wanted
        ]
        notices.append(f"The submission could not be read: {error}.")
        kinds.append(NoticeKind.UNREADABLE)
    except OSError as error:
        outcomes = [
            _not_run(spec, f"The submission could not be read: {error}.") for spec in wanted
        ]
        notices.append(f"The submission could not be read ({error.strerror}).")
        kinds.append(NoticeKind.UNREADABLE)
    else:
        notices.extend(loaded.notices)
        if loaded.layout is not None and not loaded.layout.found:
            kinds.append(NoticeKind.NO_EXERCISE_FILE)
        if keep_code is not None:
            keep_exercise_files(loaded.workdir, keep_code, set(EXERCISE_FILES))
        confinement = context.confinement(path, loaded.workdir)
        try:
            settings = RunSettings(
                context.options.categories,
                seed,
                context.rubric.limits,
                confinement,
                places(loaded.notebooks, loaded.unreadable_notebooks, loaded.set_aside),
            )
            sources = loaded.sources
            outcomes, learner_time_s = run_checks(
                loaded.workdir,
                context.reference,
                context.tickets,
                context.specs,
                settings,
                context.warm.zygote(),
                after_checks=lambda learner: (figures(learner), printed.update(_printed(learner))),
                progress=progress and _AsReported(progress, sources, loaded),
                sources=sources,
                from_scratch_zygote=context.warm.from_scratch_zygote(),
            )
            grader_errors.extend(figures.problems)
            notices.extend(_printed_notice(printed))
            outcomes = as_reported(outcomes, sources, loaded)
        except Exception:  # a grader bug: keep the learner blameless, keep the detail
            detail = traceback.format_exc()
            grader_errors.append(detail[-4000:])
            outcomes = [_grader_error(spec, detail) for spec in wanted]
        finally:
            loaded.close()
    scored, criteria = score(outcomes, context.rubric)
    result = GradedSubmission(
        name=name,
        score=sum(item.points for item in scored),
        # A run of some categories only (the self-check: visible checks) is out of what
        # those checks are worth, as in the learners' bundle, whose rubric has no others.
        max_score=context.rubric.total_points
        if set(context.options.categories) == set(Category)
        else sum(item.max_points for item in scored),
        checks=scored,
        criteria=criteria,
        seed=seed,
        isolation=isolation_report(
            context.rubric.limits, confinement, warm=context.warm.zygote() is not None
        ),
        grader_version=__version__,
        graded_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        duration_s=time.perf_counter() - started,
        notices=tuple(notices),
        notice_kinds=tuple(kinds),
        grader_errors=tuple(grader_errors),
        learner_time_s=learner_time_s,
        figures=figures.figures,
        limits=context.rubric.limits,
    )
    handed_in = _newest_file_time(path)
    if handed_in is None:
        return result
    return dataclasses.replace(result, submitted_at=handed_in.isoformat(timespec="seconds"))


def as_reported(
    outcomes: list[CheckOutcome], sources: LearnerSources, loaded: LoadedSubmission
) -> list[CheckOutcome]:
    """The outcomes as every report says them, for the result and for the self-check's
    stream alike: a partly written function judged, upstream failures noted, each check
    knowing the notebook its exercise was graded from (headings, notes and "Fix first" name
    the file the learner has). Places in a notebook are said as its cells from the start
    (grader/places.py): nothing here reads or rewrites a message.

    `sources`: the learner's files as read once at load (loaded.sources)."""
    outcomes = judged_where_partly_written(outcomes)
    outcomes = note_upstream_failures(outcomes, sources)
    notebooks = {
        PurePosixPath(notebook.module_file).stem: notebook.notebook for notebook in loaded.notebooks
    }
    notebooks.update(
        (PurePosixPath(module_file).stem, str(PurePosixPath(module_file).with_suffix(".ipynb")))
        for module_file in loaded.unreadable_notebooks
    )
    return [
        dataclasses.replace(o, notebook=notebooks[o.exercise]) if o.exercise in notebooks else o
        for o in outcomes
    ]


class _AsReported(Progress):
    """Passes progress on, each exercise's outcomes as the report will have them (the core
    module's checks run first, so what the later ones need is known by then)."""

    def __init__(self, inner: Progress, sources: LearnerSources, loaded: LoadedSubmission) -> None:
        self.inner, self.sources, self.loaded = inner, sources, loaded
        self.seen: list[CheckOutcome] = []

    def call_started(self, module: str, function: str) -> None:
        self.inner.call_started(module, function)

    def call_ended(self) -> None:
        self.inner.call_ended()

    def exercise_done(self, outcomes: list[CheckOutcome]) -> None:
        self.seen.extend(outcomes)
        shown = as_reported(self.seen, self.sources, self.loaded)[-len(outcomes) :]
        self.inner.exercise_done(shown if outcomes else [])


def _newest_file_time(path: Path) -> datetime | None:
    try:
        return newest_file_time(path)
    except OSError:
        return None


def _printed(learner: object) -> dict[str, int]:
    return dict(getattr(getattr(learner, "worker", None), "printed_too_much", {}) or {})


def _printed_notice(printed: dict[str, int]) -> list[str]:
    """One line on output that was cut: noisy code is not wrong code."""
    if not printed:
        return []
    what = "; ".join(f"{_megabytes(size)} {doing}" for doing, size in list(printed.items())[:4])
    return [
        f"Your code printed a lot ({what}); the first and last 8 KB of each are shown where "
        "its output is quoted. Printing costs no points, but remove debugging loops: they "
        "slow your code down."
    ]


def _megabytes(size: int) -> str:
    return f"{size / 2**20:.1f} MB" if size >= 2**20 else f"{size / 1024:.0f} KB"


def _not_run(spec: CheckSpec, message: str) -> CheckOutcome:
    return CheckOutcome(
        check_id=spec.check_id,
        exercise=spec.exercise,
        status=Status.SKIPPED,
        message=message,
        hidden=spec.hidden,
        manual=spec.manual,
    )


def _grader_error(spec: CheckSpec, detail: str) -> CheckOutcome:
    return CheckOutcome(
        check_id=spec.check_id,
        exercise=spec.exercise,
        status=Status.ERROR,
        # No learner message of its own: every renderer says the one grader-error text.
        message="",
        hidden=spec.hidden,
        manual=spec.manual,
        grader_error=detail[-4000:],
    )
