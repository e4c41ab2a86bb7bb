"""A class at once: grade many submissions in parallel into OUT/NAME/ folders.

Grading runs in pool processes (one for --jobs 1 too), each building its context once;
each submission has its own learner worker. The parent only plans, shows progress and
waits, so Ctrl-C and SIGTERM are always heard: the parent kills every process below it,
removes the batch's temporary folder (every grading process writes its temporary files
there) and raises BatchInterrupted; what finished is on disk. Whatever happens to a
submission, it gets a results folder.

A submission whose inputs (its bytes, the rubric, the grader's version, a fixed seed) are
unchanged since its stored result is not graded again unless `force`: its stored
automatic result gets the current overrides and late policy (no learner code runs).
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import multiprocessing
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from types import FrameType

from grader import __version__
from grader.checks.reference import SolutionReference
from grader.classwork.classfolder import CLASS_FILES, LOCK
from grader.classwork.gradebook import GradebookRow
from grader.classwork.stored import (
    AUTOMATIC,
    CODE,
    GradingFailure,
    StoredResultError,
    StoredSubmission,
    read_adjusted,
    read_automatic,
    stored_identities,
    write_adjusted,
    write_automatic,
)
from grader.files import dumps_strict, printable
from grader.identity import Identity, assign_identities
from grader.instructor.rubric import Rubric
from grader.pipeline.grade import (
    GradingContext,
    GradingOptions,
    adjust_with,
    apply_adjustments,
    grade_automatic,
)
from grader.pipeline.load import submission_name
from grader.pipeline.members import find_submissions
from grader.pipeline.run import closing_in_background
from grader.pipeline.score import RubricChangedError, rescore
from grader.render import write_submission_reports
from grader.render.fallback import RESULTS_JSON
from grader.render.gradescope import to_gradescope, write_fallback_results
from grader.results import GradedSubmission
from grader.sandbox import cgroups
from grader.sandbox._process import descendants

GRADEBOOK = "gradebook.csv"


@dataclass(frozen=True)
class BatchItem:
    source: Path
    name: str  # unique within the batch and safe: the results folder's name
    renamed: str = ""  # one line for the instructor where the submission's own name changed
    identity: Identity | None = None  # the name handed in, the folder's, how it was made

    @property
    def who(self) -> Identity:
        return self.identity or Identity(self.name, self.name)


@dataclass(frozen=True)
class BatchOutcome:
    item: BatchItem
    row: GradebookRow
    duration_s: float
    grader_error: str = ""
    skipped: bool = False  # inputs unchanged since its results: not graded again


class BatchInterrupted(BaseException):
    """Ctrl-C or SIGTERM stopped the batch; `signal_number` says which. What finished
    before is in OUT. A BaseException, like KeyboardInterrupt, so that no `except
    Exception` on the way swallows it."""

    def __init__(self, signal_number: int, finished: int = 0) -> None:
        super().__init__(signal_number)
        self.signal_number = signal_number
        self.finished = finished

    @property
    def exit_status(self) -> int:
        return 128 + self.signal_number  # the shell's convention: 130 for SIGINT, 143 TERM


def expand_class_folders(paths: list[Path]) -> list[Path]:
    """The submissions among `paths`, class folders expanded (grader/pipeline/members.py)."""
    return list(find_submissions(paths).paths)


def plan_batch(sources: list[Path], existing: Iterable[Identity] = ()) -> list[BatchItem]:
    """One item per submission, its name safe as a folder of --out (no path separators,
    no leading dot, none of the class files' names) and unique after case folding and
    Unicode compatibility mapping (alice, alice-2, ...; grader/identity.py): a name made
    safe never takes a name another entry (or a folder of `existing`, the identities
    already in OUT) has as it is. An item whose name had to change says so in one line
    (BatchItem.renamed)."""
    pairs = [(submission_name(source), _safe_name(submission_name(source))) for source in sources]
    items = []
    for source, identity in zip(sources, assign_identities(pairs, existing), strict=True):
        given, name = identity.given, identity.folder
        if _safe_name(given) == given:
            why = "is taken by another submission"
        elif _not_utf8(given):
            why = "is not UTF-8: read as Windows-1252"
        else:
            why = "is not a safe folder name"
        shown = printable(given)
        renamed = (
            f"{printable(source.name)} is graded as '{name}' ('{shown}' {why})"
            if identity.renamed
            else ""
        )
        items.append(BatchItem(source, name, renamed, identity))
    return items


# Names a learner's results folder may not take in --out: the class's own files.
RESERVED_NAMES = frozenset(
    name.lower() for name in (*CLASS_FILES, LOCK, "code", "automatic.json", "adjusted.json")
)


def _not_utf8(name: str) -> bool:
    return any(0xDC80 <= ord(ch) <= 0xDCFF for ch in name)


def _safe_name(given: str) -> str:
    """`given` as one folder name inside --out: a name in bytes that are not UTF-8 read as
    Windows-1252 (the likeliest: an old Windows archive), path separators and control
    characters replaced, leading dots dropped (never "." or ".."), the class files' names
    avoided."""
    if _not_utf8(given):
        given = os.fsencode(given).decode("cp1252", errors="replace")
    name = "".join("_" if ch in "/\\" or ord(ch) < 32 else ch for ch in given).strip()
    name = name.lstrip(".").strip() or "submission"
    if name.lower() in RESERVED_NAMES:
        name = f"{name}-submission"
    return name


def input_hash(source: Path, options: GradingOptions, rubric: Rubric | None = None) -> str:
    """sha256 of everything the checks' outcomes depend on besides the kit's code: the
    submission's files (names and bytes; a zip's bytes), the grader's version, a fixed
    seed, the categories of checks, and of `rubric` its checks and limits (its points
    and late policy are applied to a skipped submission's stored outcomes: rescore);
    without `rubric`, the whole of rubric.yaml. Unreadable parts hash as such (the result
    says why)."""
    digest = hashlib.sha256()
    for part in (__version__, repr(options.base_seed), repr([c.value for c in options.categories])):
        digest.update(part.encode() + b"\0")
    if rubric is not None:
        checks = [check_id for criterion in rubric.criteria for check_id in criterion.weights]
        digest.update(repr((sorted(checks), rubric.limits)).encode() + b"\0")
    else:
        with contextlib.suppress(OSError):
            digest.update((Path(options.kit_root) / "rubric.yaml").read_bytes())
    source = Path(source)
    for path in _walk(source) if source.is_dir() and not source.is_symlink() else [source]:
        # os.fsencode: a name in bytes that are not UTF-8 hashes as those bytes.
        digest.update(b"\0" + os.fsencode(path.relative_to(source).as_posix()) + b"\0")
        try:
            if path.is_symlink():  # never followed: a link may point anywhere
                digest.update(b"link:" + os.fsencode(os.readlink(path)))
                continue
            with path.open("rb") as handle:
                for block in iter(lambda h=handle: h.read(1 << 20), b""):
                    digest.update(block)
        except OSError as error:
            digest.update(f"unreadable {error.errno}".encode())
    return digest.hexdigest()


def _walk(folder: Path) -> list[Path]:
    """Every file and symbolic link below folder, sorted; links to folders not followed."""
    found = []
    for root, folders, files in os.walk(folder, followlinks=False):
        base = Path(root)
        found += [base / name for name in files]
        found += [base / name for name in folders if (base / name).is_symlink()]
    return sorted(found)


def stored_hash(folder: Path) -> str:
    """The input hash of the automatic result stored in folder ("" when there is none)."""
    import json

    try:
        stored = json.loads((folder / AUTOMATIC).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ""
    return str(stored.get("input_hash") or "") if isinstance(stored, dict) else ""


# Per-process state of the pool's workers: built by the initializer, read by the task.
_process_context: GradingContext | None = None


def one_thread_each() -> None:
    """One thread for each numerical library of this grading process: the pool already
    uses every core, and oversubscribed BLAS threads slow the small reference
    computations down (and their idle threads spin on another grading process's core)."""
    # The variables reach the libraries loaded later: SciPy's OpenBLAS and scikit-learn's
    # OpenMP come with the reference's imports, where threadpool_limits cannot reach.
    for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[variable] = "1"
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)


def _init_process(options: GradingOptions, scratch: str) -> None:
    global _process_context
    # The parent handles Ctrl-C for the whole batch (the terminal sends it to us too).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Every temporary folder of this process lands in the batch's, which the parent
    # removes whatever happens (a killed process cannot clean up after itself).
    os.environ["TMPDIR"] = scratch
    tempfile.tempdir = scratch
    one_thread_each()
    _process_context = GradingContext.build(options)
    # The reference's imports (scikit-learn, 1 s) in a thread while the zygote starts (1 s,
    # its own process): both ready before the first submission, not one after the other
    # inside it.
    if isinstance(_process_context.reference, SolutionReference):
        _process_context.reference.preload()
    _process_context.warm.zygote()


def _code_folder(folder: Path) -> Path:
    """OUT/NAME/code/, emptied: grading keeps the graded exercise files (and notebooks)
    there, from the copy it loads, for the similarity search of later runs. An
    unreadable submission leaves it empty."""
    target = folder / CODE
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    return target


def _grade_and_write(item: BatchItem, out: Path, digest: str) -> BatchOutcome:
    started = time.perf_counter()
    folder = out / item.name
    with closing_in_background():  # the worker's clean-up overlaps the reports
        outcome = _grade_and_write_now(item, out, digest, folder, started)
    # Its time includes whatever was left of the clean-up.
    return dataclasses.replace(outcome, duration_s=time.perf_counter() - started)


def _grade_and_write_now(
    item: BatchItem, out: Path, digest: str, folder: Path, started: float
) -> BatchOutcome:
    try:
        context = _process_context
        assert context is not None, "the pool's initializer builds the context"
        code = _code_folder(folder)
        automatic = grade_automatic(item.source, context, name=item.name, keep_code=code)
        automatic = dataclasses.replace(automatic, input_hash=digest)
        result = apply_adjustments(automatic, context)
        write_automatic(automatic, folder)
        write_adjusted(StoredSubmission(item.who, result=result), folder)
        write_submission_reports(result, folder)  # results.json last: it marks "graded"
        return BatchOutcome(item, GradebookRow.from_result(result), time.perf_counter() - started)
    except Exception:  # the outermost boundary: still write a valid result
        detail = traceback.format_exc()
        with contextlib.suppress(OSError):
            (folder / AUTOMATIC).unlink()  # the next run grades it again
        write_failure(folder, item, detail)
        return BatchOutcome(
            item, GradebookRow.empty(item.name), time.perf_counter() - started, detail
        )


def write_failure(folder: Path, item: BatchItem, detail: str) -> None:
    """A crashed grading's typed record (adjusted.json, what the views read) and its
    fallback reports (results.json, report.md, report.html)."""
    folder.mkdir(parents=True, exist_ok=True)
    failure = GradingFailure(
        detail=detail[-4000:],
        grader_version=__version__,
        graded_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
    )
    write_adjusted(StoredSubmission(item.who, failure=failure), folder)
    write_fallback_results(folder, item.name, detail)


def rescored_stored(folder: Path, rubric: Rubric) -> GradedSubmission:
    """Folder's stored automatic result with `rubric`'s points (weights, criteria' and
    manual items' points); reads only. Raises StoredResultError (no usable automatic.json)
    and RubricChangedError (the rubric changed its checks or limits: one line)."""
    return rescore(read_automatic(folder), rubric)


def readjust_stored(
    folder: Path,
    options: GradingOptions,
    rubric: Rubric,
    automatic: GradedSubmission | None = None,
) -> GradedSubmission:
    """Folder's stored automatic result with the current rubric's points, overrides and
    late policy, its reports rewritten where that changed them; no learner code runs.
    `automatic`, if given, is that result already re-scored (rescored_stored). Raises
    StoredResultError and RubricChangedError before writing anything. adjusted.json is
    rewritten with the new result (a folder of an older grader gets one), the identity
    kept."""
    if automatic is None:
        automatic = rescored_stored(folder, rubric)
    result = adjust_with(automatic, options, rubric.late_policy)
    try:
        identity = read_adjusted(folder).identity
    except StoredResultError:  # an older grader's folder: its name is all there is
        identity = Identity(folder.name, folder.name)
    write_adjusted(StoredSubmission(identity, result=result), folder)
    # The reports are a function of the result: rewritten only where it changed (drawing
    # report.html's plots is most of a regrade's time).
    try:
        current = (folder / RESULTS_JSON).read_text(encoding="utf-8")
    except OSError:
        current = ""
    if current != dumps_strict(to_gradescope(result)):
        write_submission_reports(result, folder)
    return result


def kill_descendants() -> None:
    """SIGKILL every process below this one (pool processes, zygotes, learner workers),
    except multiprocessing's resource tracker, which must outlive them to clean up."""
    if not sys.platform.startswith("linux"):
        return
    for pid in descendants(os.getpid()):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                if b"multiprocessing.resource_tracker" in handle.read():
                    continue
        except OSError:
            continue
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)


@contextlib.contextmanager
def stop_on_signals() -> Iterator[None]:
    """While inside: SIGINT or SIGTERM kills every process below this one and raises
    BatchInterrupted in the main thread. Outside the main thread: nothing is installed."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(number: int, frame: FrameType | None) -> None:
        kill_descendants()
        raise BatchInterrupted(number)

    previous = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM)}
    for number in previous:
        signal.signal(number, handler)
    try:
        yield
    finally:
        for number, old in previous.items():
            signal.signal(number, old)


def grade_batch(
    sources: list[Path],
    out: Path,
    options: GradingOptions,
    jobs: int = 1,
    progress: Callable[[BatchOutcome, int, int], None] | None = None,
    force: bool = False,
    rubric: Rubric | None = None,
) -> list[BatchOutcome]:
    """Grade every source into out/NAME/; outcomes in input order.

    `progress(outcome, done, total)` is called as each submission finishes. A source
    whose input hash matches its stored result is skipped (readjusted) unless `force`;
    `rubric` (the loaded Rubric) is needed for that. Raises BatchInterrupted on Ctrl-C or
    SIGTERM, after killing the workers and removing the batch's temporary folder. The
    class-wide views are the caller's (grader/classwork/views.py).
    """
    out.mkdir(parents=True, exist_ok=True)
    # Learner code must not learn the output folder, let alone read other results there.
    options = dataclasses.replace(options, private_paths=(*options.private_paths, out))
    items = plan_batch(sources, stored_identities(out))
    report = progress or (lambda outcome, done, total: None)
    outcomes: dict[str, BatchOutcome] = {}
    pending: list[tuple[BatchItem, str]] = []
    scratch = tempfile.mkdtemp(prefix="grader-batch-")
    try:
        with stop_on_signals():
            try:
                _skip_unchanged(items, out, options, force, rubric, outcomes, pending, report)
                for outcome in _run(pending, out, options, jobs, scratch):
                    outcomes[outcome.item.name] = outcome
                    report(outcome, len(outcomes), len(items))
            except BatchInterrupted as interrupted:
                interrupted.finished = len(outcomes)
                raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return [outcomes[item.name] for item in items]


def _skip_unchanged(
    items: list[BatchItem],
    out: Path,
    options: GradingOptions,
    force: bool,
    rubric: Rubric | None,
    outcomes: dict[str, BatchOutcome],
    pending: list[tuple[BatchItem, str]],
    report: Callable[[BatchOutcome, int, int], None],
) -> None:
    """Readjust the items whose stored result has their input hash; queue the others."""
    for item in items:
        digest = input_hash(item.source, options, rubric)
        folder = out / item.name
        if not force and rubric is not None and digest == stored_hash(folder):
            started = time.perf_counter()
            try:
                result = readjust_stored(folder, options, rubric)
            except (StoredResultError, RubricChangedError):
                # No stored result, or the rubric changed what grading runs (a check
                # added, say, under an unchanged grader version): graded again.
                pending.append((item, digest))
                continue
            row = GradebookRow.from_result(result)
            outcomes[item.name] = BatchOutcome(
                item, row, time.perf_counter() - started, skipped=True
            )
            report(outcomes[item.name], len(outcomes), len(items))
            continue
        pending.append((item, digest))


def _run(
    pending: list[tuple[BatchItem, str]],
    out: Path,
    options: GradingOptions,
    jobs: int,
    scratch: str,
) -> Iterator[BatchOutcome]:
    if not pending:
        return
    # forkserver: pool processes start clean, without the parent's threads or state.
    context = multiprocessing.get_context("forkserver")
    pool = ProcessPoolExecutor(
        max_workers=min(jobs, len(pending)),
        mp_context=context,
        initializer=_init_process,
        initargs=(options, scratch),
    )
    interrupted = False
    try:
        started = time.perf_counter()
        items = {pool.submit(_grade_and_write, item, out, digest): item for item, digest in pending}
        futures: set[Future[BatchOutcome]] = set(items)
        while futures:
            # A timeout, so that the main thread returns to Python now and then: a signal's
            # handler runs there and nowhere else.
            done, futures = wait(futures, timeout=0.2, return_when=FIRST_COMPLETED)
            for future in done:
                try:
                    yield future.result()
                except Exception:  # a grading process died (the OOM killer, say)
                    item, detail = items[future], traceback.format_exc()
                    write_failure(out / item.name, item, detail)
                    row = GradebookRow.empty(item.name)
                    yield BatchOutcome(item, row, time.perf_counter() - started, detail)
    except BaseException:
        interrupted = True
        raise
    finally:
        if interrupted:
            kill_descendants()
        pool.shutdown(wait=not interrupted, cancel_futures=True)
        # A grading process killed above could not remove its workers' cgroups.
        cgroups.remove_abandoned()


__all__ = [
    "GRADEBOOK",
    "BatchInterrupted",
    "BatchItem",
    "BatchOutcome",
    "expand_class_folders",
    "grade_batch",
    "input_hash",
    "plan_batch",
]
