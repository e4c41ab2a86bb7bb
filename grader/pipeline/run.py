"""Stage "run + check": pytest runs the checks against one submission's worker.

pytest runs in the grading process; the checks reach the learner's code only through the
`learner` fixture (a worker process per submission). A plugin turns each check's ending
into a typed CheckOutcome: a CheckFailure or a failure of the learner's code is the
learner's; any other exception is the grader's own error and is kept apart.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import io
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from types import ModuleType
from typing import Any, ClassVar

import numpy as np
import pytest
from _pytest.config import _prepareconfig  # what pytest.main uses; see CheckSession

from grader.checks.catalog import Category, CheckSpec, category_folder
from grader.checks.dependencies import CORE_MODULE
from grader.checks.framework import (
    RUNNING_CHECK,
    CheckFailure,
    CheckSkipped,
    Learner,
    Reference,
    seed_for,
)
from grader.paths import EXERCISE_ORDER
from grader.places import NO_NOTEBOOKS, Places
from grader.results import Cause, CauseKind, CheckOutcome, Status, Where
from grader.sandbox import BudgetSpent, FailureKind, Limits, StudentCodeError, Worker
from grader.sandbox.confine import Confinement
from grader.sandbox.zygote import Zygote
from grader.source_text import LearnerSources
from grader.tickets import TicketData

NOT_WRITTEN = "not written yet"


class Progress:
    """What a caller may want to hear while the checks run (the self-check streams it).

    Every method is optional to override; the default hears nothing. Called from the
    grading thread, so an implementation must be quick and must not raise."""

    def call_started(self, module: str, function: str) -> None:
        """A call into the learner's code begins."""

    def call_ended(self) -> None:
        """That call returned, raised or ran out of time."""

    def exercise_done(self, outcomes: list[CheckOutcome]) -> None:
        """Every check of one exercise file has ended (in the chapter's order)."""


class _WatchedWorker:
    """The worker as the checks reach it, noting each failure of the learner's code (to
    find a shared cause) and telling `progress` when a call starts and ends."""

    def __init__(self, worker: Worker, progress: Progress) -> None:
        self.worker = worker
        self.progress = progress
        self.errors: list[tuple[str, str, StudentCodeError]] = []

    @property
    def limits(self) -> Limits:
        return self.worker.limits

    @property
    def places(self) -> Places:
        """The learner's files as they have them (a notebook's cells), for sentences."""
        return self.worker.places

    @property
    def printed_too_much(self) -> dict[str, int]:
        """What the worker cut from the learner's output (grade.py's notice reads it)."""
        return self.worker.printed_too_much

    def call(self, module: str, function: str, *args: Any, **kwargs: Any) -> Any:
        return self._watch(module, function, self.worker.call, *args, **kwargs)

    def get(self, module: str, name: str) -> Any:
        return self._watch(module, name, self.worker.get)

    def given_up(self) -> set[str]:
        return self.worker.given_up()

    def _watch(self, module: str, name: str, ask: Callable[..., Any], *args: Any, **kwargs: Any):
        self.progress.call_started(module, name)
        try:
            return ask(module, name, *args, **kwargs)
        except StudentCodeError as error:
            self.errors.append((module, name, error))
            raise
        finally:
            self.progress.call_ended()


def shared_cause(
    errors: list[tuple[str, str, StudentCodeError]], places: Places = NO_NOTEBOOKS
) -> Cause | None:
    """The cause several checks share, from the learner's failures during one check: a
    file that does not parse or import, else the first function that is still a stub
    (its place said as `places` says the learner's files)."""
    for module, _, error in errors:
        if error.breaks_file:
            detail = error.learner_message.splitlines()[0] if error.learner_message else ""
            return Cause(
                CauseKind.BROKEN_FILE,
                module,
                detail=detail,
                where=where_of(error, places),
                failure=error.kind,
            )
    for module, function, error in errors:
        if error.kind is FailureKind.EXCEPTION and error.exception_type == "NotImplementedError":
            where = where_of(error, places)
            if where is not None and where.function:
                # The innermost frame: the stub itself, even when reached through another
                # function the learner did write. The place, file included (a notebook's
                # is said as its cell: grader/places.py).
                return Cause(CauseKind.NOT_WRITTEN, where.module, where.function, where.text, where)
            return Cause(CauseKind.NOT_WRITTEN, module, function, places.module_file(module))
    return None


def where_of(error: StudentCodeError, places: Places = NO_NOTEBOOKS) -> Where | None:
    """The place of a failure of the learner's code, from its facts (a notebook's cell
    filled in by `places`); None when unknown."""
    if not error.file:
        return None
    where = places.where(error.file, error.line, error.function)
    name = PurePosixPath(where.module).name  # the stem, as the checks name modules
    return dataclasses.replace(where, module=name) if name != where.module else where


@dataclass(frozen=True)
class RunSettings:
    categories: tuple[Category, ...]
    seed: int
    limits: Limits
    confinement: Confinement | None = field(default_factory=Confinement)  # None: plain
    places: Places = NO_NOTEBOOKS  # the learner's files as they have them (notebooks)


class CheckPlugin:
    """Gives the checks their fixtures and collects one outcome per check."""

    def __init__(
        self,
        learner: Learner,
        reference: Reference,
        tickets: TicketData,
        specs: dict[str, CheckSpec],
        seed: int,
        watched: _WatchedWorker | None = None,
    ) -> None:
        self.start(learner, reference, tickets, specs, seed, watched)
        #: The fixtures the same for every check of a submission, to register with this
        #: plugin (a plugin of their own: see _submission_fixtures).
        self.submission_fixtures = _submission_fixtures(self)

    def start(
        self,
        learner: Learner,
        reference: Reference,
        tickets: TicketData,
        specs: dict[str, CheckSpec],
        seed: int,
        watched: _WatchedWorker | None = None,
    ) -> None:
        """Begin a submission: its fixtures' values, and no outcome yet (one plugin serves
        every submission of a process-wide session)."""
        self._learner = learner
        self._watched = watched
        self._reference = reference
        self._tickets = tickets
        self._specs = specs
        self._seed = seed
        self.outcomes: dict[str, CheckOutcome] = {}
        self._running: contextvars.Token | None = None  # RUNNING_CHECK, set per check

    @pytest.fixture
    def rng(self) -> np.random.Generator:
        """The check's own generator, seeded by the submission's seed and the check's
        name. The name is the running check's (set by pytest_runtest_protocol before its
        set-up), not `request.node.name`: asking for `request` makes pytest build a
        fixture definition for it, with a signature inspected, for every check (about
        50 a grading)."""
        check_id, _ = RUNNING_CHECK.get()
        return np.random.default_rng(seed_for(self._seed, check_id))

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_protocol(self, item: pytest.Item, nextitem: pytest.Item | None) -> bool:
        """One check, set up, called and torn down by pytest's own machinery (its set-up
        state and fixtures; the check called through pytest_pyfunc_call), its outcome
        made from the exception the check raised.

        Taken over from pytest's protocol (True: pytest's does not run) for the hooks
        and reports each check paid for and nobody here reads: three phases, each with
        its capture, skip-mark and report hooks, a TestReport built and logged, about
        0.4 ms a check. What pytest's protocol does that matters is done the same way:
        phases as CallInfo (pytest.exit and KeyboardInterrupt go through), no call after
        a failed set-up, a set-up that pytest.skip()s reports nothing, teardown errors
        are not an outcome, the fixture request reset afterwards."""
        spec = self._specs.get(item.name)
        setupstate = item.session._setupstate
        reraise = (pytest.exit.Exception, KeyboardInterrupt)
        if hasattr(item, "_request") and not item._request:  # type: ignore[attr-defined]
            item._initrequest()  # type: ignore[attr-defined]  # a re-run item, as pytest does
        self._running = RUNNING_CHECK.set((item.name, bool(spec and spec.hidden)))
        self._fill_own_fixtures(item)
        started = time.perf_counter()
        first_call = len(self._learner.calls)
        first_printed = len(self._learner.printed)
        first_error = len(self._watched.errors) if self._watched else 0
        try:
            phase = pytest.CallInfo.from_call(lambda: setupstate.setup(item), "setup", reraise)
            if phase.excinfo is None:
                phase = pytest.CallInfo.from_call(item.runtest, "call", reraise)
            if spec is not None and not (
                phase.when == "setup" and isinstance(phase.excinfo.value, pytest.skip.Exception)
            ):
                elapsed = time.perf_counter() - started
                self._record(spec, phase, elapsed, first_call, first_printed, first_error)
            if item.session.shouldfail or item.session.shouldstop:
                nextitem = None  # tear everything down, as pytest does
            pytest.CallInfo.from_call(
                lambda: setupstate.teardown_exact(nextitem), "teardown", reraise
            )
        finally:
            RUNNING_CHECK.reset(self._running)
            self._running = None
            if hasattr(item, "_request"):
                item._request = False  # type: ignore[attr-defined]
                item.funcargs = None  # type: ignore[attr-defined]
        following = self._specs.get(getattr(nextitem, "name", ""))
        if self._watched is not None and spec is not None:
            if following is None or following.exercise != spec.exercise:
                done = [o for o in self.outcomes.values() if o.exercise == spec.exercise]
                self._watched.progress.exercise_done(done)
        return True

    def _fill_own_fixtures(self, item: pytest.Item) -> None:
        """The check's arguments that are this plugin's own fixtures, given their values
        before pytest's set-up, which then fills only the others (item.funcargs first, as
        pytest's _fillfixtures reads it). Through pytest's fixture manager each costs a
        lookup, a request and its bookkeeping: over 200 a grading, about 5 % of the
        grading process's CPU. The values are the fixtures' own (the same objects)."""
        funcargs = getattr(item, "funcargs", None)
        if funcargs is None:
            return
        own = {
            "learner": lambda: self._learner,
            "reference": lambda: self._reference,
            "tickets": lambda: self._tickets,
            "variants": lambda: self._reference.variants,
            "rng": lambda: np.random.default_rng(seed_for(self._seed, item.name)),
        }
        for name in getattr(item, "fixturenames", ()):
            if name in own and name not in funcargs:
                funcargs[name] = own[name]()

    def _record(
        self,
        spec: CheckSpec,
        phase: pytest.CallInfo,
        elapsed: float,
        first_call: int,
        first_printed: int,
        first_error: int,
    ) -> None:
        """The outcome of one check from its call (or its failed set-up): the learner's
        calls, printed output and failures since the check began (list positions)."""
        calls = self._learner.calls[first_call:]
        if phase.excinfo is None:  # passed (most checks): made once, not made and replaced
            facts = {
                "learner_calls": tuple(dict.fromkeys(calls)),
                "answer": self._learner.answers.get(spec.check_id, ""),
            }
            self.outcomes[spec.check_id] = _outcome(spec, phase, elapsed, NO_NOTEBOOKS, facts)
            return
        places = self._watched.worker.places if self._watched else NO_NOTEBOOKS
        outcome = _outcome(spec, phase, elapsed, places)
        if outcome.status is Status.FAILED and self._watched is not None:
            # A stub or a broken file on the way: the answer could not be judged.
            cause = shared_cause(self._watched.errors[first_error:], places)
            if cause is not None:
                outcome = dataclasses.replace(outcome, status=Status.SKIPPED, cause=cause)
        printed = ""
        if outcome.status is Status.FAILED and not outcome.hidden:
            printed = printed_excerpt("".join(self._learner.printed[first_printed:]))
        self.outcomes[spec.check_id] = dataclasses.replace(
            outcome,
            learner_calls=tuple(dict.fromkeys(calls)),
            printed=printed,
            answer=self._learner.answers.get(spec.check_id, ""),
        )


def _submission_fixtures(plugin: CheckPlugin) -> ModuleType:
    """`learner`, `reference`, `tickets` and `variants`, as a plugin: session-scoped, so
    pytest sets each up once per submission, not once per check (about 200 set-ups a
    grading, 0.1 ms each). A check's own arguments are given before its set-up
    (CheckPlugin._fill_own_fixtures): these definitions serve what pytest still resolves
    itself, a fixture of a check module's own that asks for one of them. The session's
    scope ends with each submission's run-test loop (its last check tears the whole set-up
    stack down), so no value outlives its submission. Functions of a module object, not
    methods of CheckPlugin: pytest deprecates session-scoped fixtures bound to an
    instance, and finds fixtures on a class, not on its instances."""
    holder = ModuleType("grader_submission_fixtures")

    @pytest.fixture(scope="session", name="learner")
    def learner() -> Learner:
        return plugin._learner

    @pytest.fixture(scope="session", name="reference")
    def reference() -> Reference:
        return plugin._reference

    @pytest.fixture(scope="session", name="tickets")
    def tickets() -> TicketData:
        return plugin._tickets

    @pytest.fixture(scope="session", name="variants")
    def variants() -> Any:
        """The known wrong variants, live or replayed like the reference."""
        return plugin._reference.variants

    holder.learner, holder.reference = learner, reference
    holder.tickets, holder.variants = tickets, variants
    return holder


def _outcome(
    spec: CheckSpec,
    call: pytest.CallInfo,
    elapsed: float,
    places: Places = NO_NOTEBOOKS,
    passed_facts: dict[str, Any] | None = None,
) -> CheckOutcome:
    """The check's outcome from its call; `passed_facts`: more fields of a passed one."""
    base: dict[str, Any] = {
        "check_id": spec.check_id,
        "exercise": spec.exercise,
        "hidden": spec.hidden,
        "manual": spec.manual,
        "duration_s": elapsed,
    }
    if call.excinfo is None:
        status = Status.REVIEW if spec.manual else Status.PASSED
        return CheckOutcome(status=status, **base, **(passed_facts or {}))
    error = call.excinfo.value
    if isinstance(error, CheckFailure):
        module = error.blamed_module
        blamed = tuple(f"{module}.{name}" if module else name for name, _ in error.blamed)
        return CheckOutcome(
            status=Status.FAILED,
            message=error.message,
            misconceptions=error.misconceptions,
            hint=error.fix,
            body=error.body,
            blamed=blamed,
            blamed_files=tuple(places.module_file(name.split(".")[0]) for name in blamed),
            **base,
        )
    if isinstance(error, StudentCodeError):
        return CheckOutcome(
            status=Status.FAILED,
            # What it printed is the outcome's `printed` (visible checks), shown once.
            message=learner_message(error, with_output=False),
            failure=error.kind,
            at_import=error.at_import,
            exception_type=error.exception_type,
            where=where_of(error, places),
            printed=error.output,
            **base,
        )
    if isinstance(error, BudgetSpent):  # not judged: the submission's time ran out first
        return CheckOutcome(status=Status.SKIPPED, message=str(error), **base)
    if isinstance(error, CheckSkipped):
        if error.cause is not None:  # a file Python cannot read: the cause says it
            return CheckOutcome(
                status=Status.SKIPPED, message=error.reason, cause=error.cause, **base
            )
        return CheckOutcome(
            status=Status.SKIPPED, message=f"Not checked here: {error.reason}", **base
        )
    detail = "".join(traceback.format_exception(error)).strip()
    return CheckOutcome(
        status=Status.ERROR,
        message="",  # every renderer says the one grader-error text (render/view_model.py)
        grader_error=detail[-4000:],
        **base,
    )


def learner_message(error: StudentCodeError, with_output: bool = True) -> str:
    """The failure of the learner's code, as the learner should read it; with_output=False
    leaves out what the code printed (a check's outcome carries it apart, in `printed`)."""
    if error.kind is FailureKind.EXCEPTION and error.exception_type == "NotImplementedError":
        if NOT_WRITTEN in error.learner_message:  # the stub's own words already say it
            return error.learner_message
        return f"{error.learner_message} (this part is {NOT_WRITTEN})"
    message = error.learner_message
    if error.output and with_output:
        excerpt = error.output.strip()[-600:]
        # the worker kept only its first and last KB, and said how much was printed
        printed = f" {error.printed_size}" if error.printed_size else ""
        message += f"\nYour code printed{printed} (the end of it):\n{excerpt}"
    return message


#: What a failing visible check shows of what the learner's code printed.
PRINTED_LINES = 10
PRINTED_CHARS = 1000


def printed_excerpt(text: str, lines: int = PRINTED_LINES, chars: int = PRINTED_CHARS) -> str:
    """The first and last lines of `text` (at most `lines` lines and about `chars`
    characters in all), with a line saying how many were left out between them; "" for
    output that is only whitespace. Print-debugging needs the start (what came in) and the
    end (what went out), rarely the middle."""
    kept = text.strip("\n").splitlines()
    if not "".join(kept).strip():
        return ""
    half = max(1, lines // 2)
    budget = max(2, chars // 2)
    if len(kept) > lines:
        head, tail = kept[:half], kept[-half:]
        skipped = len(kept) - len(head) - len(tail)
    else:
        head, tail, skipped = kept, [], 0
    head = [line if len(line) < budget else line[: budget - 4] + "..." for line in head]
    tail = [line if len(line) < budget else line[: budget - 4] + "..." for line in tail]
    while head and sum(len(line) + 1 for line in head) > budget:  # long lines: fewer of them
        head.pop()
        skipped += 1
    while tail and sum(len(line) + 1 for line in tail) > budget:
        tail.pop(0)
        skipped += 1
    note = [f"[... {skipped} more line{'s' if skipped != 1 else ''} ...]"] if skipped else []
    return "\n".join([*head, *note, *tail])


class CheckSession:
    """One pytest session per grading process and set of categories: pytest configures
    itself and collects the checks once (0.1 s), then runs them for each submission
    through its own run-test loop, set-up state and fixtures, with the one CheckPlugin
    given that submission's learner, reference and seed.

    Per-submission state lives only in the plugin (started afresh for each submission)
    and in the items' fixture requests, which pytest's run-test protocol makes anew for
    each run, as it does when a plugin re-runs a test."""

    _sessions: ClassVar[dict[tuple[Category, ...], CheckSession]] = {}
    _lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, categories: tuple[Category, ...]) -> None:
        # File by file, in the chapter's order: logistic_scratch's checks run first, so a
        # core function known to hang spares the exercises built on it.
        paths = [
            str(category_folder(category) / file_name)
            for category in categories
            for file_name in EXERCISE_ORDER
            if (category_folder(category) / file_name).is_file()
        ]
        self.plugin = CheckPlugin(_Unset(), _Unset(), _Unset(), {}, 0)  # type: ignore[arg-type]
        with _quiet():
            plugins = [self.plugin, self.plugin.submission_fixtures]
            self.config = _prepareconfig([*paths, *PYTEST_ARGS], plugins)
            # A failed check's outcome comes from its exception (CheckPlugin); pytest's
            # report of it is read by no one. "native" is Python's own traceback text;
            # pytest's default reads and parses each frame's source (0.05 s a failure).
            # (--tb belongs to the terminal plugin, which is off: set the option itself.)
            self.config.option.tbstyle = "native"
            self.session = pytest.Session.from_config(self.config)
            self.config._do_configure()
            self.config.hook.pytest_sessionstart(session=self.session)
            self.config.hook.pytest_collection(session=self.session)
        self.collection_errors = self.session.testsfailed

    @classmethod
    def for_categories(cls, categories: tuple[Category, ...]) -> CheckSession:
        """This process's session for these categories, made on first use."""
        with cls._lock:
            if categories not in cls._sessions:
                cls._sessions[categories] = cls(categories)
            return cls._sessions[categories]

    def run(self, *submission: Any) -> dict[str, CheckOutcome]:
        """Every collected check once, for one submission (CheckPlugin.start's arguments):
        check id -> outcome. A check pytest could not collect is not in it."""
        with self._lock, _quiet():
            self.plugin.start(*submission)
            # Only the checks asked for (`check --only`): the others are not run at all.
            collected = self.session.items
            self.session.items = [item for item in collected if item.name in submission[3]]
            self.session.testsfailed = self.collection_errors
            self.session.shouldfail = self.session.shouldstop = False
            try:
                with contextlib.suppress(pytest.Session.Interrupted, pytest.Session.Failed):
                    # In a context of its own: the running check (RUNNING_CHECK) never
                    # outlives the loop, even when a grader bug skips a teardown.
                    contextvars.copy_context().run(
                        self.config.hook.pytest_runtestloop, session=self.session
                    )
            except BaseException:
                # A grader bug broke the loop midway, fixtures set up and not torn down:
                # the next submission gets a fresh session, not this one's leftovers.
                for key, session in list(self._sessions.items()):
                    if session is self:
                        del self._sessions[key]
                raise
            finally:
                self.session.items = collected
            return dict(self.plugin.outcomes)


class _Unset:
    """A fixture value before any submission has started."""


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    # pytest's own output (the terminal plugin is off; a collection warning, say)
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        yield


PYTEST_ARGS = [
    "-p",
    "no:cacheprovider",
    "-p",
    "no:terminal",
    "-p",
    "no:stepwise",
    # The session outlives each submission: nothing of pytest's may patch pdb meanwhile.
    "-p",
    "no:debugging",
    # Checks fail with CheckFailure, never a bare assert; and with python_files=*.py the
    # rewriting hook would recompile every module imported during the session
    # (scikit-learn and SciPy for the reference: 10 s for the first submission).
    "--assert=plain",
    # Per-check machinery nothing here reads: output capture (stdout is redirected around
    # the session), log capture, warning capture, and the two plugins that end a session
    # with gc.collect() passes.
    "--capture=no",
    *("-p", "no:logging", "-p", "no:warnings", "-p", "no:faulthandler"),
    *("-p", "no:unraisableexception", "-p", "no:threadexception"),
    "--import-mode=importlib",
    "-o",
    "python_files=*.py",
    "-o",
    "python_functions=check_*",
    "-o",
    "python_classes=",
    "-o",
    "addopts=",
    "-o",
    "testpaths=",
    "--rootdir",
    str(category_folder(Category.VISIBLE).parent),
    "-W",
    "ignore::pytest.PytestAssertRewriteWarning",
]


# Inside closing_in_background(): the workers' closes still waiting to finish.
_CLOSING: contextvars.ContextVar[list[threading.Thread] | None] = contextvars.ContextVar(
    "closing", default=None
)


@contextlib.contextmanager
def closing_in_background() -> Iterator[None]:
    """Inside, run_checks kills its worker's process tree as it ends, then leaves waiting
    for the tree to die, reaping it and removing its files (about 0.02 s) to a thread,
    so that they overlap what the caller does next (a batch writes the reports); leaving
    waits for those threads. Outside, run_checks closes its worker before it returns."""
    closing: list[threading.Thread] = []
    token = _CLOSING.set(closing)
    try:
        yield
    finally:
        _CLOSING.reset(token)
        for thread in closing:
            thread.join()


def _close(worker: Worker) -> None:
    closing = _CLOSING.get()
    if closing is None:
        worker.close()
        return
    thread = worker.close_soon()
    if thread is not None:
        closing.append(thread)


def run_checks(
    submission_dir: Path,
    reference: Reference,
    tickets: TicketData,
    specs: list[CheckSpec],
    settings: RunSettings,
    zygote: Zygote | None = None,
    after_checks: Callable[[Learner], None] | None = None,
    progress: Progress | None = None,
    sources: LearnerSources | None = None,
    from_scratch_zygote: Zygote | None = None,
) -> tuple[list[CheckOutcome], float]:
    """Run every check of settings.categories; return the outcomes in catalog order and the
    time spent inside learner code. after_checks, if given, then gets the learner while its
    worker is still alive (the report's figures); `progress` hears each learner call and
    each exercise file as its checks end; `sources`, the learner's files as read at load
    (None: read from submission_dir on first use). The from-scratch file runs in workers
    of `from_scratch_zygote` (None: started afresh), every other file in `zygote`'s."""
    wanted = [spec for spec in specs if spec.category in settings.categories]
    by_id = {spec.check_id: spec for spec in wanted}
    worker = Worker(
        submission_dir,
        settings.limits,
        settings.confinement,
        zygote,
        from_scratch=(CORE_MODULE,),
        places=settings.places,
        from_scratch_zygote=from_scratch_zygote,
    )
    try:
        worker.prestart()  # starts while pytest sets up the first check
        watched = _WatchedWorker(worker, progress or Progress())
        learner = Learner(worker=watched, submission_dir=submission_dir, sources=sources)
        session = CheckSession.for_categories(settings.categories)
        outcomes_by_id = session.run(learner, reference, tickets, by_id, settings.seed, watched)
        if after_checks is not None:
            after_checks(learner)
        in_learner_code = worker.time_in_student_code_s
    finally:
        _close(worker)
    outcomes_by_id = _from_scratch_enforced(outcomes_by_id, worker.from_scratch_reached)
    outcomes = [outcomes_by_id.get(spec.check_id) or _never_ran(spec) for spec in wanted]
    return outcomes, in_learner_code


#: The check of the from-scratch rule: its static scan is the learner's early warning; what
#: the functions reached while running (the worker's fence) decides it too.
FROM_SCRATCH_CHECK = "check_scratch_imports_numpy_only"


def _from_scratch_enforced(
    outcomes: dict[str, CheckOutcome], reached: dict[str, tuple[str, ...]]
) -> dict[str, CheckOutcome]:
    """The rule's check FAILED when a from-scratch function reached scikit-learn or SciPy
    while it ran (whatever the static scan saw), naming the functions and what they reached."""
    rule = outcomes.get(FROM_SCRATCH_CHECK)
    if rule is None or not reached or rule.status is Status.FAILED:
        return outcomes
    named = "; ".join(
        f"{key.rpartition('.')[2]}{'()' if '.' in key else ''} reached {', '.join(what[:3])}"
        for key, what in list(reached.items())[:4]
    )
    message = (
        f"While running, {named}. {CORE_MODULE}.py is written from scratch: NumPy and the "
        "standard library only, however scikit-learn or SciPy is reached (an import by a "
        "computed name or sys.modules count as much as an import statement)."
    )
    failed = dataclasses.replace(rule, status=Status.FAILED, message=message, cause=None)
    return {**outcomes, FROM_SCRATCH_CHECK: failed}


def judged_where_partly_written(outcomes: list[CheckOutcome]) -> list[CheckOutcome]:
    """A function that raises NotImplementedError for some inputs only (a passed check
    called it) is written, not a stub: the checks it failed are FAILED with their own
    message ("... this part is not written yet"), not skipped under "not written yet"."""
    worked = {call for o in outcomes if o.status is Status.PASSED for call in o.learner_calls}

    def partly(outcome: CheckOutcome) -> bool:
        cause = outcome.cause
        return (
            outcome.status is Status.SKIPPED
            and cause is not None
            and cause.kind is CauseKind.NOT_WRITTEN
            and f"{cause.module}.{cause.function}" in worked
        )

    return [
        dataclasses.replace(o, status=Status.FAILED, cause=None) if partly(o) else o
        for o in outcomes
    ]


def _never_ran(spec: CheckSpec) -> CheckOutcome:
    return CheckOutcome(
        check_id=spec.check_id,
        exercise=spec.exercise,
        status=Status.ERROR,
        hidden=spec.hidden,
        manual=spec.manual,
        message="The grader could not run this check; your instructor has been told.",
        grader_error="pytest did not report this check (collection error?)",
    )
