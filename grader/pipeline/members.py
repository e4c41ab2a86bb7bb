"""Which submissions `grade` was given: a path is a submission, or a class of them.

A folder is a submission when the layout rule (grader/pipeline/layout.py) finds exercise
files in it. Otherwise, when it holds folders or archives (any mix of them), it is a
class: each of those is one learner's submission (an archive that is not a .zip is
graded as one that cannot be read, its notice says so: it still has its row). Symbolic
links the instructor names, or that are entries of a class, count as what they point
to. Nothing given or found in a class is dropped without a line saying so, except OS
litter (.DS_Store, __MACOSX/, ...); the output folder, and folders the grader wrote (a
gradebook, a results.json), are never taken for a learner.

Two readings of one folder are both likely when its only learner-like entry is one folder
or one zip (`late/alice/`, `week3/alice.zip`): one learner's submission handed in inside a
folder, or a class of one. Without `as_class` it is read as one submission (the layout
rule's single inner folder or zip) and `Submissions.readings` says so and how to get the
other reading; with `as_class` (`grade --class`) every entry is a learner whatever it holds.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from grader.paths import EXERCISE_FILES
from grader.pipeline.layout import Placement, SubmissionError, find_layout, is_litter

#: Files only the grader writes together: in --out, and in each submission's results.
_GRADER_OUTPUT = (("gradebook.csv",), ("class.json",), ("results.json", "report.html"))


@dataclass(frozen=True)
class Skipped:
    path: Path
    reason: str  # e.g. "not a folder or a .zip file"


@dataclass(frozen=True)
class Submissions:
    """What `grade` grades, in the order given (a class's members sorted by name)."""

    paths: tuple[Path, ...]
    skipped: tuple[Skipped, ...] = ()
    readings: tuple[str, ...] = ()  # for stderr: how an ambiguous folder was read, and why

    def skipped_lines(self) -> list[str]:
        return [f"skipped {item.path}: {item.reason}" for item in self.skipped]


def find_submissions(
    paths: Iterable[Path], out: Path | None = None, single: bool = False, as_class: bool = False
) -> Submissions:
    """Expand class folders into their members (unless `single`: each path is one
    submission; with `as_class` each folder given is a class, every entry a learner);
    `out` (the results folder) is never taken for one."""
    found: list[Path] = []
    skipped: list[Skipped] = []
    readings: list[str] = []
    for path in paths:
        reason = _not_a_learner(path, out)
        if reason:
            skipped.append(Skipped(path, reason))
        elif path.is_dir() and as_class:
            members, others = _class_members(path, out)
            found.extend(members)
            skipped.extend(others)
            readings.append(f"{path} read as a class (--class): {len(members)} learner(s)")
            if not members:
                skipped.append(Skipped(path, "a class (--class) without a folder or .zip in it"))
        elif path.is_dir() and not single and not _is_a_submission(path):
            members, others = _class_members(path, out)
            if members:
                found.extend(members)
                skipped.extend(others)
            else:
                found.append(path)  # graded all the same: its notice says what it holds
        else:
            found.append(path)
            only = _only_member(path, out) if path.is_dir() and not single else None
            if only is not None:
                readings.append(
                    f"{path} holds only {only.name}: graded as one submission named "
                    f"'{path.name}'; if {only.name} is a learner of a class, grade it with "
                    f"--class {path}"
                )
    return Submissions(tuple(found), tuple(skipped), tuple(readings))


def _only_member(folder: Path, out: Path | None) -> Path | None:
    """The one folder or archive in `folder` when there is exactly one (loose files and
    litter aside): the folder could be a class of one."""
    try:
        layout = find_layout(folder, EXERCISE_FILES)
        if not (layout.placement is Placement.FOLDER or layout.inner is not None):
            return None  # files at its top or in exercises/: one learner's, no doubt
        members, _ = _class_members(folder, out)
    except (SubmissionError, OSError):
        return None
    return members[0] if len(members) == 1 else None


ARCHIVES = (
    ".zip",
    ".tar",
    ".tar.gz",
    ".tgz",
    ".tar.bz2",
    ".tbz2",
    ".tar.xz",
    ".txz",
    ".7z",
    ".rar",
)


def _is_archive(path: Path) -> bool:
    return path.is_file() and path.name.lower().endswith(ARCHIVES)


def _is_a_submission(folder: Path) -> bool:
    try:
        layout = find_layout(folder, EXERCISE_FILES)
    except (SubmissionError, OSError):
        return False  # a class, if it holds members; else graded, and its notice says why
    if layout.found and layout.root and not layout.inner:
        # Files found down one inner folder beside archives: a class of one folder and
        # archives (bob/, alice.tar.gz), never bob's submission named after the class.
        try:
            return not any(_is_archive(entry) for entry in folder.iterdir())
        except OSError:
            return True
    return layout.found


def _class_members(folder: Path, out: Path | None) -> tuple[list[Path], list[Skipped]]:
    members: list[Path] = []
    others: list[Skipped] = []
    for entry in sorted(folder.iterdir()):
        if is_litter(entry.name):
            continue
        reason = _not_a_learner(entry, out)
        if reason:
            others.append(Skipped(entry, reason))
        elif entry.is_dir() or _is_archive(entry):
            # Another kind of archive is a learner too: graded, its notice says to hand in
            # a .zip, and it has its row in the gradebook.
            members.append(entry)
        elif entry.is_symlink() and not entry.exists():
            others.append(Skipped(entry, "a symbolic link to nothing"))
        else:
            others.append(Skipped(entry, "not a folder or a .zip file"))
    return members, others


def _not_a_learner(path: Path, out: Path | None) -> str:
    if out is not None and _same(path, out):
        return "the output folder (--out)"
    if path.is_dir() and any(all((path / n).is_file() for n in names) for names in _GRADER_OUTPUT):
        return "written by the grader (it holds a gradebook or results)"
    return ""


def _same(path: Path, other: Path) -> bool:
    try:
        return path.resolve() == other.resolve()
    except OSError:
        return False
