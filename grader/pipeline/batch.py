"""A class at once: grade many submissions in parallel and write every output.

Each grading process builds its context once and then grades submission after
submission; each submission has its own learner worker. Whatever happens, every
submission gets a results folder and a gradebook row.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from grader.pipeline.grade import GradingContext, GradingOptions, grade_submission
from grader.pipeline.load import submission_name
from grader.pipeline.members import find_submissions
from grader.render import write_submission_reports
from grader.render.gradebook import GradebookRow, write_gradebook
from grader.render.gradescope import write_fallback_results

GRADEBOOK = "gradebook.csv"


@dataclass(frozen=True)
class BatchItem:
    source: Path
    name: str  # unique within the batch: the results folder's name


@dataclass(frozen=True)
class BatchOutcome:
    item: BatchItem
    row: GradebookRow
    duration_s: float
    grader_error: str = ""


def expand_class_folders(paths: list[Path]) -> list[Path]:
    """The submissions among `paths`, class folders expanded (grader/pipeline/members.py)."""
    return list(find_submissions(paths).paths)


def plan_batch(sources: list[Path]) -> list[BatchItem]:
    """One item per submission, with names made unique (alice, alice-2, ...)."""
    items, taken = [], set()
    for source in sources:
        base = submission_name(source) or "submission"
        name, counter = base, 2
        while name.lower() in taken:
            name, counter = f"{base}-{counter}", counter + 1
        taken.add(name.lower())
        items.append(BatchItem(source, name))
    return items


# Per-process state of the pool's workers: built by the initializer, read by the task.
_process_context: GradingContext | None = None


def _init_process(options: GradingOptions) -> None:
    global _process_context
    # One BLAS thread per grading process: the pool already uses every core, and
    # oversubscribed BLAS threads slow the small reference computations down.
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)
    _process_context = GradingContext.build(options)


def _grade_and_write(item: BatchItem, out: Path, options: GradingOptions) -> BatchOutcome:
    started = time.perf_counter()
    folder = out / item.name
    try:
        context = _process_context or GradingContext.build(options)
        result = grade_submission(item.source, context, name=item.name)
        write_submission_reports(result, folder)
        return BatchOutcome(item, GradebookRow.from_result(result), time.perf_counter() - started)
    except Exception:  # the outermost boundary: still write a valid result
        detail = traceback.format_exc()
        write_fallback_results(folder, item.name, detail)
        return BatchOutcome(
            item, GradebookRow.empty(item.name), time.perf_counter() - started, detail
        )


def grade_batch(
    sources: list[Path],
    out: Path,
    options: GradingOptions,
    jobs: int = 1,
    progress: Callable[[str], None] | None = None,
) -> list[BatchOutcome]:
    """Grade every source into out/NAME/ and write out/gradebook.csv; rows in input order."""
    out.mkdir(parents=True, exist_ok=True)
    # Learner code must not learn the output folder, let alone read other results there.
    options = dataclasses.replace(options, private_paths=(*options.private_paths, out))
    items = plan_batch(sources)
    report = progress or (lambda line: print(line, file=sys.stderr, flush=True))
    outcomes: dict[str, BatchOutcome] = {}
    for done, outcome in enumerate(_run(items, out, options, jobs), start=1):
        outcomes[outcome.item.name] = outcome
        status = " (grader error)" if outcome.grader_error else ""
        report(
            f"[{done}/{len(items)}] {outcome.item.name}: {outcome.row.score:.2f}/"
            f"{outcome.row.max_score:g} in {outcome.duration_s:.1f} s{status}"
        )
    ordered = [outcomes[item.name] for item in items]
    write_gradebook([outcome.row for outcome in ordered], out / GRADEBOOK)
    return ordered


def _run(
    items: list[BatchItem], out: Path, options: GradingOptions, jobs: int
) -> Iterator[BatchOutcome]:
    if jobs <= 1 or len(items) <= 1:
        _init_process(options)
        try:
            for item in items:
                yield _grade_and_write(item, out, options)
        finally:
            if _process_context is not None:
                _process_context.warm.close()
        return
    # forkserver: pool processes start clean, without the parent's threads or state.
    context = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(
        max_workers=jobs, mp_context=context, initializer=_init_process, initargs=(options,)
    ) as pool:
        futures = [pool.submit(_grade_and_write, item, out, options) for item in items]
        for future in as_completed(futures):
            yield future.result()
