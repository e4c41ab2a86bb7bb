"""Stage "load": a submission folder or .zip becomes a private working copy.

The submission itself is only read, never changed. Which of its files are graded is the
layout rule's decision (grader/pipeline/layout.py); the copy holds those regular files
only: symlinks, devices and zip entries that would land outside the folder are refused
and reported. Notebooks handed in for exercise files are written out as their .py
(grader/pipeline/notebooks.py). The kit's own support files (the data loader and the
data) are then laid over the copy, so every submission runs against the same data
whatever it shipped.
"""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from grader.pipeline.layout import (
    MAX_FILES,
    MAX_TOTAL_BYTES,
    Entry,
    SubmissionError,
    SubmissionLayout,
    find_layout,
    open_inner_zip,
)
from grader.pipeline.notebooks import ConvertedNotebook, NotebookError, convert_notebook
from grader.sandbox.limits import Limits
from grader.source_text import LearnerSources, SourceProblemKind, read_learner_sources

__all__ = [
    "MAX_FILES",
    "MAX_TOTAL_BYTES",
    "LoadedSubmission",
    "SubmissionError",
    "keep_exercise_files",
    "load_submission",
    "submission_name",
]


@dataclass
class LoadedSubmission:
    name: str
    source: Path  # what was given; never written to
    workdir: Path  # a private copy; removed by close()
    files: list[str] = field(default_factory=list)  # the learner's files, relative paths
    notices: list[str] = field(default_factory=list)  # learner-facing remarks on the copy
    layout: SubmissionLayout | None = None  # where the files were found, what was skipped
    notebooks: tuple[ConvertedNotebook, ...] = ()  # exercise files written from notebooks
    # module file ("ex3_threshold_sweep.py") -> why its notebook could not be read
    unreadable_notebooks: dict[str, str] = field(default_factory=dict)
    # Every learner .py file (notebooks' written ones too), read, decoded and parsed once
    # here; every static analysis of the grading process reads these, never the disk.
    sources: LearnerSources = field(default_factory=LearnerSources)
    # module file -> why it was set aside (over the source size cap, or too deeply nested
    # to parse): taken out of the working copy, so no learner code of it runs
    set_aside: dict[str, str] = field(default_factory=dict)

    @property
    def unreadable_files(self) -> dict[str, str]:
        """Module file -> why its checks say so instead of "missing" (a notebook that
        could not be read, a file set aside)."""
        return {**self.unreadable_notebooks, **self.set_aside}

    def close(self) -> None:
        shutil.rmtree(self.workdir.parent, ignore_errors=True)


ARCHIVE_SUFFIXES = (".tar.gz", ".tar.bz2", ".tar.xz", ".zip", ".tar", ".tgz", ".tbz2", ".txz")


def submission_name(path: Path) -> str:
    """The folder's name or the archive's name without its suffix (alice.zip and
    alice.tar.gz are both 'alice'): the name of the results folder."""
    if path.is_file():
        for suffix in ARCHIVE_SUFFIXES:
            if path.name.lower().endswith(suffix) and len(path.name) > len(suffix):
                return path.name[: -len(suffix)]
    return path.name


def load_submission(
    path: Path,
    support: Path | None,
    exercise_files: set[str],
    max_source_bytes: int = Limits().source_kb * 1024,
) -> LoadedSubmission:
    """Copy the graded files of `path` (folder or .zip, or a symbolic link to one) into a
    fresh private folder, read each learner .py file once (`sources`; a file over
    `max_source_bytes`, or too deeply nested to parse, is set aside with a note), then add
    the kit's support files from `support` (a folder laid out like exercises/). Raises
    SubmissionError when nothing can be read."""
    layout = find_layout(path, exercise_files)
    scratch = Path(tempfile.mkdtemp(prefix="grader-"))
    workdir = scratch / "submission"
    workdir.mkdir()
    loaded = LoadedSubmission(submission_name(path), path, workdir, layout=layout)
    try:
        _copy(layout, workdir)
        loaded.files = [entry.path for entry in layout.files]
        loaded.notices.extend(layout.notices())
        # Files the learner has but that are not graded (too large, several near misses of
        # one name): their checks say why, never that the file is missing.
        loaded.unreadable_notebooks.update(dict(layout.not_graded))
        _convert_notebooks(layout, workdir, loaded)
        if support is not None:
            _lay_support_files(support, workdir, exercise_files, loaded)
        _read_sources(workdir, exercise_files, loaded, max_source_bytes)
    except BaseException:
        loaded.close()
        raise
    return loaded


def keep_exercise_files(workdir: Path, target: Path, exercise_files: set[str]) -> None:
    """Copy the exercise files of a loaded copy (and the notebooks handed in for them)
    into the existing folder `target`; learner code is read here, never run."""
    for path in sorted(workdir.iterdir()):
        stem_known = path.with_suffix(".py").name in exercise_files
        if path.is_file() and stem_known and path.suffix in (".py", ".ipynb"):
            shutil.copyfile(path, target / path.name)


def _copy(layout: SubmissionLayout, target: Path) -> None:
    if layout.inner is not None:
        with open_inner_zip(layout.source, layout.is_zip, layout.inner) as archive:
            _extract(archive, layout.files, target)
    elif layout.is_zip:
        with zipfile.ZipFile(layout.source) as archive:
            _extract(archive, layout.files, target)
    else:
        for entry in layout.files:
            destination = target / entry.path
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(layout.source / entry.member, destination, follow_symlinks=False)


def _extract(archive: zipfile.ZipFile, entries: tuple[Entry, ...], target: Path) -> None:
    for entry in entries:
        info = archive.getinfo(entry.member)
        destination = target.joinpath(*entry.path.split("/"))
        destination.parent.mkdir(parents=True, exist_ok=True)
        with archive.open(info) as source, destination.open("wb") as out:
            # Read at most the declared size plus one byte: a lying header cannot bomb us.
            data = source.read(info.file_size + 1)
            if len(data) > info.file_size:
                raise SubmissionError(f"zip entry {info.filename!r} is larger than declared")
            out.write(data)


def _convert_notebooks(layout: SubmissionLayout, workdir: Path, loaded: LoadedSubmission) -> None:
    converted = []
    for name in layout.notebooks:
        try:
            notebook = convert_notebook((workdir / name).read_bytes(), name)
        except NotebookError as error:
            loaded.notices.append(f"{error} Its checks fail.")
            loaded.unreadable_notebooks[str(Path(name).with_suffix(".py"))] = str(error)
            continue
        (workdir / notebook.module_file).write_text(notebook.source, encoding="utf-8")
        loaded.files.append(notebook.module_file)
        loaded.notices.extend(notebook.notices())
        converted.append(notebook)
    loaded.notebooks = tuple(converted)
    if converted:
        names = ", ".join(notebook.notebook for notebook in converted)
        loaded.notices.insert(
            0,
            f"Graded the code cells of {names}, each as the .py of the same name (markdown "
            "cells and outputs are not graded).",
        )


def _read_sources(
    workdir: Path, exercise_files: set[str], loaded: LoadedSubmission, max_bytes: int
) -> None:
    """Each learner .py read once, as it will run: after the kit's files are laid over the
    copy (a learner's tickets.py reads as the kit's). An exercise file Python cannot decode
    gets a note naming the line and byte; a file the grading process will not parse is
    taken out of the copy with a note, so that the worker does not import it either."""
    loaded.sources = read_learner_sources(workdir, loaded.files, max_bytes, first=exercise_files)
    for source in loaded.sources:
        problem = source.problem
        if problem is None:
            continue
        if problem.kind.sets_file_aside:
            (workdir / source.file).unlink(missing_ok=True)
            loaded.set_aside[source.file] = problem.message.rstrip(".")
            loaded.notices.append(problem.message)
        elif problem.kind is SourceProblemKind.UNDECODABLE and source.file in exercise_files:
            loaded.notices.append(problem.message)


def _same_bytes(a: Path, b: Path) -> bool:
    """An unchanged copy of a kit file is not worth a note (the stubs folder has them all)."""
    try:
        return a.stat().st_size == b.stat().st_size and a.read_bytes() == b.read_bytes()
    except OSError:
        return False


def _lay_support_files(
    support: Path, workdir: Path, exercise_files: set[str], loaded: LoadedSubmission
) -> None:
    for path in sorted(support.rglob("*")):
        relative = path.relative_to(support)
        if (
            not path.is_file()
            or "__pycache__" in relative.parts
            or relative.with_suffix(".py").as_posix() in exercise_files  # .py or .ipynb
        ):
            continue
        destination = workdir / relative
        if relative.as_posix() in loaded.files and not _same_bytes(destination, path):
            loaded.notices.append(f"Your {relative} was replaced by the kit's copy.")
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, destination)
