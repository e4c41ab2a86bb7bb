"""Stage "load": a submission folder or .zip becomes a private working copy.

The submission itself is only read, never changed. The copy holds regular files only:
symlinks, devices and zip entries that would land outside the folder are refused and
reported. The kit's own support files (the data loader and the data) are then laid over
it, so every submission runs against the same data whatever it shipped.
"""

from __future__ import annotations

import shutil
import stat
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

MAX_FILES = 200
MAX_TOTAL_BYTES = 50 * 1024 * 1024


class SubmissionError(Exception):
    """The submission cannot be read at all (the learner's message says why)."""


@dataclass
class LoadedSubmission:
    name: str
    source: Path  # what was given; never written to
    workdir: Path  # a private copy; removed by close()
    files: list[str] = field(default_factory=list)  # the learner's files, relative paths
    notices: list[str] = field(default_factory=list)  # learner-facing remarks on the copy

    def close(self) -> None:
        shutil.rmtree(self.workdir.parent, ignore_errors=True)


def submission_name(path: Path) -> str:
    """The folder's name or the zip's stem: the name of the results folder."""
    return path.stem if path.suffix.lower() == ".zip" and path.is_file() else path.name


def load_submission(path: Path, support: Path | None, exercise_files: set[str]) -> LoadedSubmission:
    """Copy `path` (folder or .zip) into a fresh private folder, then add the kit's support
    files from `support` (a folder laid out like exercises/)."""
    scratch = Path(tempfile.mkdtemp(prefix="grader-"))
    workdir = scratch / "submission"
    workdir.mkdir()
    loaded = LoadedSubmission(submission_name(path), path, workdir)
    try:
        if path.is_dir() and not path.is_symlink():
            _copy_folder(path, workdir, loaded)
        elif path.is_file() and zipfile.is_zipfile(path):
            _extract_zip(path, workdir, loaded)
        elif path.is_file() and path.suffix.lower() == ".zip":
            raise SubmissionError(f"{path.name} is not a readable .zip file")
        else:
            raise SubmissionError(f"{path.name} is neither a folder nor a .zip file")
        _lift_single_folder(workdir, exercise_files, loaded)
        if support is not None:
            _lay_support_files(support, workdir, exercise_files, loaded)
    except BaseException:
        loaded.close()
        raise
    found = sorted(set(loaded.files) & exercise_files)
    if not found:
        loaded.notices.append(
            "No exercise file was found at the top of the submission (expected names like "
            "logistic_scratch.py); every check that needs one fails."
        )
    return loaded


def _copy_folder(source: Path, target: Path, loaded: LoadedSubmission) -> None:
    total = 0
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(source)
        if _ignored(relative):
            continue
        mode = path.lstat().st_mode
        if stat.S_ISLNK(mode):
            loaded.notices.append(f"Ignored {relative}: a symbolic link (only files are graded).")
            continue
        if stat.S_ISDIR(mode):
            continue
        if not stat.S_ISREG(mode):
            loaded.notices.append(f"Ignored {relative}: not a regular file.")
            continue
        total += path.stat().st_size
        _within_limits(len(loaded.files) + 1, total)
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, destination, follow_symlinks=False)
        loaded.files.append(relative.as_posix())


def _extract_zip(source: Path, target: Path, loaded: LoadedSubmission) -> None:
    total = 0
    with zipfile.ZipFile(source) as archive:
        for info in archive.infolist():
            name = PurePosixPath(info.filename.replace("\\", "/"))
            if info.is_dir() or _ignored(Path(*name.parts)):
                continue
            if name.is_absolute() or ".." in name.parts or not name.parts:
                loaded.notices.append(f"Refused zip entry {info.filename!r}: it leaves the folder.")
                continue
            if stat.S_ISLNK(info.external_attr >> 16):
                loaded.notices.append(f"Refused zip entry {info.filename!r}: a symbolic link.")
                continue
            total += info.file_size
            _within_limits(len(loaded.files) + 1, total)
            destination = target.joinpath(*name.parts)
            destination.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(info) as entry, destination.open("wb") as out:
                # Read at most the declared size plus one byte: a lying header cannot bomb us.
                data = entry.read(info.file_size + 1)
                if len(data) > info.file_size:
                    raise SubmissionError(f"zip entry {info.filename!r} is larger than declared")
                out.write(data)
            loaded.files.append(name.as_posix())


def _ignored(relative: Path) -> bool:
    return any(part in {"__pycache__", "__MACOSX", ".git"} for part in relative.parts)


def _within_limits(count: int, total: int) -> None:
    if count > MAX_FILES:
        raise SubmissionError(f"the submission has more than {MAX_FILES} files")
    if total > MAX_TOTAL_BYTES:
        raise SubmissionError(f"the submission is larger than {MAX_TOTAL_BYTES // 2**20} MB")


def _lift_single_folder(workdir: Path, exercise_files: set[str], loaded: LoadedSubmission) -> None:
    """A zip or folder holding one folder with the exercises: grade that folder's files."""
    top = {PurePosixPath(f).parts[0] for f in loaded.files}
    if top & exercise_files or len(top) != 1:
        return
    (inner,) = top
    inner_files = {PurePosixPath(f).relative_to(inner).as_posix() for f in loaded.files}
    if not inner_files & exercise_files:
        return
    lifted = workdir.parent / "lifted"
    (workdir / inner).rename(lifted)
    workdir.rmdir()
    lifted.rename(workdir)
    loaded.files = sorted(inner_files)
    loaded.notices.append(f"Graded the files inside the folder '{inner}'.")


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
        if not path.is_file() or _ignored(relative) or relative.as_posix() in exercise_files:
            continue
        destination = workdir / relative
        if relative.as_posix() in loaded.files and not _same_bytes(destination, path):
            loaded.notices.append(f"Your {relative} was replaced by the kit's copy.")
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, destination)
