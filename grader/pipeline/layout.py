"""Stage "layout": what a submission is, decided once for `grade`, `check` and Gradescope.

A submission (a folder or a .zip) is listed, not read, and this rule says where its
exercise files are. They are looked for

1. at the top;
2. in one inner folder, at any depth while each level holds a single folder (and no zip);
3. in an `exercises/` folder at the top or at any of those levels (a cloned repository);
4. inside a single inner .zip at any of those levels (laid out by the same rule).

A file is an exercise file by its name (`logistic_scratch.py`), or a notebook of the
same stem (`logistic_scratch.ipynb`) when no `.py` of that stem is beside it. A near miss
that a learner's tools make (`logistic_scratch (1).py`, `Logistic_Scratch.py`,
`logistic-scratch.py`, `logistic_scratch.py.txt`, `logistic_scratch.py.ipynb`) is graded
as that exercise file, with a note, when it is the only one and the exact name is absent;
several near misses of one name are graded as none, and the "missing" message names them.

OS litter (`__MACOSX/`, `.DS_Store`, `Thumbs.db`), caches and environments (`__pycache__`,
`.git`, `venv`, `.venv`, `env`, `site-packages`, `node_modules`, `.ipynb_checkpoints`,
any folder holding a `pyvenv.cfg`) are skipped before any limit is counted. When the rest
is still over a limit, only the exercise files are kept: a limit never throws them away.
Limits count what is graded: an exercise notebook counts nothing (only its code cells are
graded, never its outputs or attachments) up to MAX_NOTEBOOK_BYTES; an exercise file that
is too large on its own is left out with a note, and only its checks fail.
"""

from __future__ import annotations

import io
import os
import re
import stat
import zipfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path, PurePosixPath

MAX_FILES = 200
MAX_TOTAL_BYTES = 50 * 1024 * 1024
#: An exercise notebook is read up to this size (outputs, plots): it counts 0 toward the limits.
MAX_NOTEBOOK_BYTES = 4 * MAX_TOTAL_BYTES
#: A listing stops here: a folder of a million files costs a bounded walk, never a copy.
MAX_LISTED = 20_000
NOTEBOOK_SUFFIX = ".ipynb"
EXERCISES_FOLDER = "exercises"

#: Folder or file names that are never a learner's work, in whatever folder they are.
LITTER = frozenset(
    {"__MACOSX", ".DS_Store", "Thumbs.db", "desktop.ini", "__pycache__", ".git", "venv",
     ".venv", "env", "site-packages", "node_modules", ".ipynb_checkpoints", ".pytest_cache",
     ".mypy_cache", ".ruff_cache"}
)  # fmt: skip
#: Litter whose skipping is not worth a line to the learner (every macOS zip has some).
_QUIET_LITTER = frozenset(
    {"__MACOSX", ".DS_Store", "Thumbs.db", "desktop.ini", "__pycache__", ".git",
     ".ipynb_checkpoints", ".pytest_cache", ".mypy_cache", ".ruff_cache"}
)  # fmt: skip
#: What an operating system leaves in a folder or a zip: never graded, and said in one
#: short line (the learner did not put it there, but the notes say what was skipped).
#: Caches and tools' folders (`__pycache__`, `.git`, ...) stay unsaid: every run makes them.
_OS_LITTER = frozenset({"__MACOSX", ".DS_Store", "Thumbs.db", "desktop.ini"})
#: At most this many names are listed in a note about what was left out; the rest counted.
NAMES_SHOWN = 3
_VENV_MARKER = "pyvenv.cfg"


#: Archives people make that are not zips: refused with a message naming what to do.
OTHER_ARCHIVES = (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz", ".7z", ".rar")


class SubmissionError(Exception):
    """The submission cannot be read at all (the learner's message says why)."""


class Placement(str, Enum):
    """Where the exercise files were found."""

    TOP = "top"
    FOLDER = "inner folder"  # a chain of single folders
    EXERCISES = "exercises folder"
    NOWHERE = "nowhere"


@dataclass(frozen=True)
class Entry:
    """One regular file of a submission, as listed."""

    path: str  # POSIX, relative to the graded root: where it lands in the working copy
    member: str  # where it is in the source: a path below the folder, or a zip entry name
    size: int  # bytes, as the file system or the zip's directory states it


@dataclass(frozen=True)
class Listing:
    """A submission's (or an inner zip's) files before any decision; paths relative to it."""

    files: tuple[Entry, ...]
    skipped: tuple[tuple[str, int], ...] = ()  # (top-most litter path, files in it)
    refused: tuple[str, ...] = ()  # learner-facing: symbolic links, escaping zip entries
    folders: tuple[str, ...] = ()  # every folder, empty ones too (a level's count)


@dataclass(frozen=True)
class SubmissionLayout:
    """The decision about one submission: where its files are and what is left out.

    `root` is relative to the submission, or to `inner_zip` when that is set; `files`
    are the files to grade, with paths relative to root.
    """

    source: Path  # the folder or zip read (a symbolic link given is resolved)
    is_zip: bool
    placement: Placement
    root: str = ""  # "" for the top, else e.g. "hw1/hw1" or "repo/exercises"
    inner: Entry | None = None  # the .zip inside the submission that holds the files
    files: tuple[Entry, ...] = ()
    exercise_files: tuple[str, ...] = ()  # the exercise names found at root, .py or .ipynb
    notebooks: tuple[str, ...] = ()  # .ipynb files graded as their .py
    ignored_notebooks: tuple[str, ...] = ()  # .ipynb files a .py of the same stem replaces
    skipped: tuple[tuple[str, int], ...] = ()  # litter: (top-most litter path, files in it)
    left_out: tuple[str, ...] = ()  # files beyond the limits, not graded
    over_limits: str = ""  # e.g. "has more than 200 files", when files were left out
    refused: tuple[str, ...] = ()  # learner-facing: symbolic links, escaping zip entries
    seen: tuple[str, ...] = ()  # what the submission holds, for the notice when NOWHERE
    near_misses: tuple[tuple[str, str], ...] = ()  # (graded as, the learner's name)
    # (exercise .py, why it is not graded) for a file the learner has but that is not
    # graded: too large, or one of several near misses. Said instead of "missing".
    not_graded: tuple[tuple[str, str], ...] = ()
    too_large: tuple[str, ...] = ()  # learner-facing lines: exercise files left out
    # files not graded because they are outside the graded folder (or beside the inner
    # zip): paths relative to the submission, an inner zip's prefixed with its path
    outside: tuple[str, ...] = ()

    @property
    def found(self) -> bool:
        return self.placement is not Placement.NOWHERE

    @property
    def inner_zip(self) -> str:
        return self.inner.path if self.inner is not None else ""

    def notices(self) -> tuple[str, ...]:
        """The learner-facing lines about the layout, most important last."""
        lines = list(self.refused)
        where = "/".join(part for part in (self.inner_zip, self.root) if part)
        if self.found and where:
            lines.append(f"Graded the files inside '{where}'{_outside_text(self.outside)}.")
        os_litter = _os_litter_text(self.skipped)
        if os_litter:
            lines.append(os_litter)
        loud = [(path, n) for path, n in self.skipped if not _quiet(PurePosixPath(path).name)]
        if loud:
            listed = ", ".join(f"{path}/ ({n} files)" for path, n in loud[:5])
            lines.append(
                f"Skipped {listed}: environments and caches are never graded; hand in only "
                "your own files."
            )
        if self.over_limits:
            lines.append(
                f"The submission {self.over_limits}, so only the exercise files were graded "
                f"({len(self.left_out)} other files left out)."
            )
        for name in self.ignored_notebooks:
            lines.append(f"{name} was not graded: {PurePosixPath(name).stem}.py beside it was.")
        for graded_as, given in self.near_misses:
            lines.append(
                f"Graded {given} as {graded_as}: the grader looks for that name; rename the "
                "file to it next time."
            )
        lines.extend(self.too_large)
        lines.extend(why for _, why in self.not_graded if why not in self.too_large)
        if not self.found:
            lines.append(_nothing_found(self.seen))
        return tuple(lines)


def find_layout(path: Path, exercise_files: Iterable[str]) -> SubmissionLayout:
    """Decide what the submission at `path` (a folder, a .zip, or a symbolic link to one)
    is. Raises SubmissionError when it is neither or cannot be listed."""
    wanted = frozenset(exercise_files)
    source = path.resolve() if path.is_symlink() else path
    if source.is_dir():
        listing, is_zip = list_folder(source), False
    elif source.is_file() and zipfile.is_zipfile(source):
        with zipfile.ZipFile(source) as archive:
            listing, is_zip = list_zip(archive), True
    elif source.is_file() and source.suffix.lower() == ".zip":
        raise SubmissionError(f"{path.name} is not a readable .zip file")
    elif source.is_file() and any(source.name.lower().endswith(kind) for kind in OTHER_ARCHIVES):
        raise SubmissionError(
            f"{path.name} is an archive the grader does not open: hand in a folder or a .zip"
        )
    else:
        raise SubmissionError(f"{path.name} is neither a folder nor a .zip file")
    placement, root, inner_zip = decide(listing, wanted)
    inner_entry = None
    if inner_zip:
        inner_entry = next(entry for entry in listing.files if entry.path == inner_zip)
        with open_inner_zip(source, is_zip, inner_entry) as archive:
            inner = list_zip(archive)
        placement, root, _ = decide(inner, wanted, zips=False)
        if placement is Placement.NOWHERE:
            inner_entry = None
        else:
            skipped = listing.skipped + inner.skipped
            refused = listing.refused + inner.refused
            # the files beside the inner zip are not graded either: the notes say so
            beside = tuple(entry.path for entry in listing.files if entry.path != inner_zip)
            listing = Listing(inner.files, skipped, refused, inner.folders)
            return _finish(source, is_zip, listing, wanted, placement, root, inner_entry, beside)
    return _finish(source, is_zip, listing, wanted, placement, root, inner_entry)


def decide(
    listing: Listing, exercise_files: frozenset[str], zips: bool = True
) -> tuple[Placement, str, str]:
    """The rule on names only: (placement, root, inner zip's path or "")."""
    known = exercise_files | {_notebook_name(name) for name in exercise_files}
    tree = _tree(listing.files, listing.folders)
    level, placement = "", Placement.TOP
    while True:
        files, folders = tree.get(level, (set(), set()))
        if _any_known(files, known):
            return placement, level, ""
        inner = _join(level, EXERCISES_FOLDER)
        if EXERCISES_FOLDER in folders and _any_known(tree.get(inner, (set(), set()))[0], known):
            return Placement.EXERCISES, inner, ""
        archives = sorted(name for name in files if name.lower().endswith(".zip"))
        if len(folders) == 1 and not archives:
            level, placement = _join(level, next(iter(folders))), Placement.FOLDER
            continue
        if zips and len(archives) == 1 and not folders:
            return Placement.NOWHERE, "", _join(level, archives[0])
        return Placement.NOWHERE, "", ""


def list_folder(folder: Path) -> Listing:
    """Every regular file below `folder`, litter skipped and counted, links refused."""
    files: list[Entry] = []
    skipped: Counter[str] = Counter()
    refused: list[str] = []
    seen_folders: list[str] = []
    for current, folders, names in os.walk(folder):
        here = Path(current)
        relative = here.relative_to(folder)
        kept = []
        for name in sorted(folders):
            path = here / name
            rel = (relative / name).as_posix()
            if path.is_symlink():
                refused.append(f"Ignored {rel}: a symbolic link (only files are graded).")
            elif is_litter(name) or (path / _VENV_MARKER).is_file():
                skipped[rel] += _count_files(path)
            else:
                kept.append(name)
                seen_folders.append(rel)
        folders[:] = kept
        for name in sorted(names):
            path = here / name
            rel = (relative / name).as_posix()
            if is_litter(name):
                skipped[rel] += 1
                continue
            mode = path.lstat().st_mode
            if stat.S_ISLNK(mode):
                refused.append(f"Ignored {rel}: a symbolic link (only files are graded).")
            elif not stat.S_ISREG(mode):
                refused.append(f"Ignored {rel}: not a regular file.")
            else:
                files.append(Entry(rel, rel, path.lstat().st_size))
        if len(files) > MAX_LISTED:
            raise SubmissionError(f"the submission has more than {MAX_LISTED} files")
    return Listing(tuple(files), tuple(skipped.items()), tuple(refused), tuple(seen_folders))


def list_zip(archive: zipfile.ZipFile) -> Listing:
    """Every file entry of `archive`, litter skipped and counted, unsafe entries refused."""
    infos = archive.infolist()
    if len(infos) > MAX_LISTED:
        raise SubmissionError(f"the zip has more than {MAX_LISTED} entries")
    names = [PurePosixPath(info.filename.replace("\\", "/")) for info in infos]
    venvs = {name.parent.parts for name in names if name.name == _VENV_MARKER}
    files: list[Entry] = []
    skipped: Counter[str] = Counter()
    refused: list[str] = []
    folders: list[str] = []
    for info, name in zip(infos, names, strict=True):
        litter = _litter_prefix(name.parts, venvs) or (name.parts if name.parts in venvs else ())
        if info.is_dir():
            if not litter and not name.is_absolute() and ".." not in name.parts and name.parts:
                folders.append(name.as_posix())
            continue
        if litter:
            skipped["/".join(litter)] += 1
        elif name.is_absolute() or ".." in name.parts or not name.parts:
            refused.append(f"Refused zip entry {info.filename!r}: it leaves the folder.")
        elif stat.S_ISLNK(info.external_attr >> 16):
            refused.append(f"Refused zip entry {info.filename!r}: a symbolic link.")
        else:
            files.append(Entry(name.as_posix(), info.filename, info.file_size))
    return Listing(tuple(files), tuple(skipped.items()), tuple(refused), tuple(folders))


def open_inner_zip(source: Path, is_zip: bool, entry: Entry) -> zipfile.ZipFile:
    """The zip inside the submission, read into memory (at most the size limit)."""
    if entry.size > MAX_TOTAL_BYTES:
        raise SubmissionError(f"{entry.path} is larger than {MAX_TOTAL_BYTES // 2**20} MB")
    if is_zip:
        with zipfile.ZipFile(source) as outer, outer.open(entry.member) as handle:
            data = handle.read(MAX_TOTAL_BYTES + 1)
    else:
        with (source / entry.member).open("rb") as handle:
            data = handle.read(MAX_TOTAL_BYTES + 1)
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise SubmissionError(f"{entry.path} is not a readable .zip file") from None


def _finish(
    source: Path,
    is_zip: bool,
    listing: Listing,
    wanted: frozenset[str],
    placement: Placement,
    root: str,
    inner: Entry | None,
    beside: tuple[str, ...] = (),
) -> SubmissionLayout:
    common = {"skipped": listing.skipped, "refused": listing.refused}
    if placement is Placement.NOWHERE:
        return SubmissionLayout(source, is_zip, placement, seen=_seen(listing), **common)
    prefix = f"{root}/" if root else ""
    inside_zip = f"{inner.path}/" if inner is not None else ""
    outside = beside + tuple(
        inside_zip + entry.path for entry in listing.files if not entry.path.startswith(prefix)
    )
    graded = [
        Entry(entry.path[len(prefix) :], entry.member, entry.size)
        for entry in listing.files
        if entry.path.startswith(prefix)
    ]
    graded, near_misses, ambiguous = _near_misses(graded, wanted)
    top = {entry.path for entry in graded if "/" not in entry.path}
    python = sorted(top & wanted)
    notebooks = sorted(_notebook_name(name) for name in wanted - top if _notebook_name(name) in top)
    ignored = sorted(_notebook_name(name) for name in python if _notebook_name(name) in top)
    exercise = set(python) | set(notebooks)
    graded, too_large = _within_size(graded, exercise)
    exercise -= {name for name, _ in too_large}
    notebooks = [name for name in notebooks if name in exercise]
    over = ""
    counted = sum(_counted_size(entry, exercise) for entry in graded)
    if len(graded) > MAX_FILES:
        over = f"has more than {MAX_FILES} files"
    elif counted > MAX_TOTAL_BYTES:
        over = f"is larger than {MAX_TOTAL_BYTES // 2**20} MB"
    left_out: list[str] = []
    if over:
        left_out = [entry.path for entry in graded if entry.path not in exercise]
        graded = [entry for entry in graded if entry.path in exercise]
    not_graded = [(str(PurePosixPath(name).with_suffix(".py")), why) for name, why in too_large]
    not_graded += ambiguous
    return SubmissionLayout(
        source,
        is_zip,
        placement,
        root=root,
        inner=inner,
        files=tuple(graded),
        exercise_files=tuple(sorted(exercise)),
        notebooks=tuple(notebooks),
        ignored_notebooks=tuple(ignored),
        left_out=tuple(left_out),
        over_limits=over,
        near_misses=tuple(near_misses),
        not_graded=tuple(not_graded),
        too_large=tuple(why for _, why in too_large),
        outside=outside,
        **common,
    )


def _quiet(name: str) -> bool:
    """Litter not said as an environment or a cache: OS litter (said in its own line,
    macOS's ._name resource forks too) and the caches every run makes."""
    return name in _QUIET_LITTER or name.startswith("._")


def _kind(path: str) -> str:
    """A file's kind for a count: its suffix (".md"), or "without a suffix"."""
    suffix = PurePosixPath(path).suffix.lower()
    return suffix if suffix else "without a suffix"


def _files(n: int) -> str:
    return f"{n} file" if n == 1 else f"{n} files"


def _outside_text(outside: tuple[str, ...]) -> str:
    """ "; not graded, outside it: 3 files (2 .md, 1 .csv): README.md, ..." (one kind:
    "2 .md files: ..."), or "" when nothing was outside."""
    if not outside:
        return ""
    kinds = Counter(_kind(path) for path in outside)
    if len(kinds) == 1:
        kind, n = next(iter(kinds.items()))
        # "2 .md files", "1 file without a suffix"
        counted = f"{_files(n)} {kind}" if kind[0] != "." else _files(n).replace(" ", f" {kind} ")
    else:
        by_kind = ", ".join(
            f"{n} {kind}" for kind, n in sorted(kinds.items(), key=lambda item: (-item[1], item[0]))
        )
        counted = f"{_files(len(outside))} ({by_kind})"
    names = ", ".join(f"'{name}'" for name in outside[:NAMES_SHOWN])
    more = f" and {len(outside) - NAMES_SHOWN} more" if len(outside) > NAMES_SHOWN else ""
    return f"; not graded, outside it: {counted}: {names}{more}"


def _os_litter_text(skipped: tuple[tuple[str, int], ...]) -> str:
    """One line counting the OS litter left out, by kind ("'__MACOSX/' (2 files),
    '.DS_Store' (1 file)"), or "" when there was none. Names are quoted: a bare ", .DS_Store"
    reads as doubled punctuation."""
    kinds: Counter[str] = Counter()
    for path, n in skipped:
        name = PurePosixPath(path).name
        if name in _OS_LITTER:
            kinds["'" + name + ("/'" if name == "__MACOSX" else "'")] += n
        elif name.startswith("._"):
            kinds["macOS resource forks '._*'"] += n
    if not kinds:
        return ""
    listed = ", ".join(
        f"{kind} ({_files(n)})"
        for kind, n in sorted(kinds.items(), key=lambda item: (-item[1], item[0]))
    )
    return f"Left out what the operating system adds, never graded: {listed}."


# What a browser, a file manager or an editor adds to a name: " (1)", " - Copy", " copy 2".
_COPY_MARK = re.compile(r"(?:\s*\(\d+\)|\s*-\s*copy(?:\s*\(\d+\))?|\s+copy(?:\s+\d+)?)$", re.I)


def near_miss_of(name: str, known: frozenset[str]) -> str:
    """The exercise file name (.py or its notebook, among `known`) that the file name
    `name` is a near miss of, else "": another case, '-' or ' ' for '_', a copy's mark, a
    '.txt' or '.ipynb' added to the '.py'. An exact name is no near miss."""
    if name in known:
        return ""
    lowered = name.lower()
    if lowered.endswith(".py.txt"):
        name = name[: -len(".txt")]
    elif lowered.endswith(".py.ipynb"):
        name = name[: -len(".py.ipynb")] + NOTEBOOK_SUFFIX
    stem, dot, suffix = name.rpartition(".")
    if not dot or suffix.lower() not in ("py", "ipynb"):
        return ""
    stem = re.sub(r"[\s-]+", "_", _COPY_MARK.sub("", stem).strip()).lower()
    candidate = f"{stem}.{suffix.lower()}"
    return candidate if candidate in known else ""


def _any_known(files: set[str], known: frozenset[str]) -> bool:
    return bool(known & files) or any(near_miss_of(name, known) for name in files)


def _near_misses(
    graded: list[Entry], wanted: frozenset[str]
) -> tuple[list[Entry], list[tuple[str, str]], list[tuple[str, str]]]:
    """Entries at the top whose names are near misses of an exercise file that is absent
    under its own name (as .py and as notebook) are graded under that name when there is
    one near miss for it. Returns (the entries, renamed; (graded as, given) pairs;
    (exercise .py, why not graded) where several near misses leave the choice open)."""
    known = wanted | {_notebook_name(name) for name in wanted}
    top = {entry.path for entry in graded if "/" not in entry.path}
    candidates: dict[str, list[tuple[Entry, str]]] = {}
    for entry in graded:
        target = near_miss_of(entry.path, known) if "/" not in entry.path else ""
        module = str(PurePosixPath(target).with_suffix(".py")) if target else ""
        if module and module not in top and _notebook_name(module) not in top:
            candidates.setdefault(module, []).append((entry, target))
    renamed: dict[str, str] = {}
    ambiguous: list[tuple[str, str]] = []
    for module, found in sorted(candidates.items()):
        if len(found) == 1:
            entry, target = found[0]
            renamed[entry.path] = target
        else:
            names = " and ".join(sorted(entry.path for entry, _ in found))
            ambiguous.append(
                (
                    module,
                    f"{module} is missing from the submission: {names} look like it, but "
                    f"which one to grade is unclear; keep one, named {module}",
                )
            )
    entries = [
        Entry(renamed.get(entry.path, entry.path), entry.member, entry.size) for entry in graded
    ]
    return entries, sorted((new, old) for old, new in renamed.items()), ambiguous


def _counted_size(entry: Entry, exercise: set[str]) -> int:
    """What an entry counts toward the size limit: an exercise notebook's outputs and
    attachments are never graded, so it counts nothing (MAX_NOTEBOOK_BYTES bounds it)."""
    return 0 if entry.path in exercise and entry.path.endswith(NOTEBOOK_SUFFIX) else entry.size


def _within_size(
    graded: list[Entry], exercise: set[str]
) -> tuple[list[Entry], list[tuple[str, str]]]:
    """Exercise files too large to grade, left out on their own (only their checks fail):
    a notebook over MAX_NOTEBOOK_BYTES, the largest .py files while theirs together are
    over MAX_TOTAL_BYTES. Returns (the entries kept, (name, learner-facing why) left out)."""
    limit_mb = MAX_TOTAL_BYTES // 2**20
    out: list[tuple[str, str]] = []
    for entry in graded:
        if entry.path in exercise and entry.path.endswith(NOTEBOOK_SUFFIX):
            if entry.size > MAX_NOTEBOOK_BYTES:
                out.append((entry.path, _too_large(entry, MAX_NOTEBOOK_BYTES // 2**20)))
    python = sorted(
        (e for e in graded if e.path in exercise and not e.path.endswith(NOTEBOOK_SUFFIX)),
        key=lambda e: e.size,
    )
    total = sum(entry.size for entry in python)
    while python and total > MAX_TOTAL_BYTES:
        entry = python.pop()
        total -= entry.size
        out.append((entry.path, _too_large(entry, limit_mb)))
    dropped = {name for name, _ in out}
    return [entry for entry in graded if entry.path not in dropped], out


def _too_large(entry: Entry, limit_mb: int) -> str:
    return (
        f"{entry.path} ({entry.size / 2**20:.0f} MB) is larger than the grader reads "
        f"({limit_mb} MB), so it was not graded and its checks fail; the rest was graded."
        + (
            " Clear the notebook's outputs (Kernel > Restart & Clear Output) and hand it in again."
            if entry.path.endswith(NOTEBOOK_SUFFIX)
            else ""
        )
    )


def _tree(files: Iterable[Entry], folders: Iterable[str]) -> dict[str, tuple[set[str], set[str]]]:
    """folder -> (its file names, its folder names)."""
    tree: dict[str, tuple[set[str], set[str]]] = {}
    for folder in folders:
        parts = folder.split("/")
        for depth in range(len(parts)):
            tree.setdefault("/".join(parts[:depth]), (set(), set()))[1].add(parts[depth])
    for entry in files:
        parts = entry.path.split("/")
        for depth in range(len(parts)):
            folder = "/".join(parts[:depth])
            names = tree.setdefault(folder, (set(), set()))
            (names[0] if depth == len(parts) - 1 else names[1]).add(parts[depth])
    return tree


def _seen(listing: Listing) -> tuple[str, ...]:
    code = [e.path for e in listing.files if e.path.endswith((".py", NOTEBOOK_SUFFIX))]
    if code:
        return tuple(code[:6]) + (("...",) if len(code) > 6 else ())
    top = sorted({e.path.split("/")[0] + ("/" if "/" in e.path else "") for e in listing.files})
    return tuple(top[:6]) + (("...",) if len(top) > 6 else ())


def _nothing_found(seen: tuple[str, ...]) -> str:
    holds = f"It holds {', '.join(seen)}" if seen else "It holds no file"
    return (
        "No exercise file was found (expected names like logistic_scratch.py or "
        "logistic_scratch.ipynb, at the top of the submission, in its one inner folder, in "
        f"exercises/ or in one inner .zip). {holds}. Every check that needs one fails."
    )


def _notebook_name(name: str) -> str:
    return str(PurePosixPath(name).with_suffix(NOTEBOOK_SUFFIX))


def _join(level: str, name: str) -> str:
    return f"{level}/{name}" if level else name


def is_litter(name: str) -> bool:
    """OS litter, a cache or an environment: never a learner's work."""
    return name in LITTER or name.startswith("._")  # ._name: macOS resource forks


def _litter_prefix(parts: tuple[str, ...], venvs: set[tuple[str, ...]]) -> tuple[str, ...]:
    for depth in range(1, len(parts) + 1):
        if is_litter(parts[depth - 1]) or (depth < len(parts) and parts[:depth] in venvs):
            return parts[:depth]
    return ()


def _count_files(folder: Path) -> int:
    count = 0
    for _, _, names in os.walk(folder):
        count += len(names)
        if count > MAX_LISTED:
            break
    return count
