"""OUT remembers the instructor's overrides and timestamps last applied to it, and the
exports last asked for.

    OUT/.grader.overrides.yaml    a byte-for-byte copy of the last --overrides file
    OUT/.grader.timestamps.csv    a byte-for-byte copy of the last --timestamps file
    OUT/.grader.roster.csv        a byte-for-byte copy of the last --roster file
    OUT/.grader.exports.json      where --junit and --canvas last wrote (absolute paths),
                                  and the last --canvas-assignment ("HW3 (12345)")

A later `grade` or `regrade` into OUT without the option re-applies the copy (a re-run
dropped every override without a word before); a new file replaces it. Either way one
note on stderr says which file counts. An overrides file without entries (an empty file,
/dev/null) drops the remembered overrides. The JUnit and Canvas exports are rewritten
where they were last written by every later run (a regrade left them stale before), with
the roster last given, under the Canvas assignment last given (its column's header).
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from grader.classwork.canvas import CanvasAssignment, CanvasAssignmentError, parse_canvas_assignment

OVERRIDES_COPY = ".grader.overrides.yaml"
TIMESTAMPS_COPY = ".grader.timestamps.csv"
ROSTER_COPY = ".grader.roster.csv"
EXPORTS = ".grader.exports.json"


@dataclass(frozen=True)
class Recalled:
    """The instructor's files to apply to OUT, and the notes that say where they come from."""

    overrides: Path | None
    timestamps: Path | None
    notes: tuple[str, ...]


def recall(out: Path, overrides: Path | None, timestamps: Path | None) -> Recalled:
    """The given files, or else the copies OUT keeps; a note per file that is re-applied
    or that replaces a different copy. Reads only; `remember` writes the copies."""
    notes: list[str] = []
    chosen: list[Path | None] = []
    for what, option, given, copy in (
        ("overrides", "--overrides", overrides, out / OVERRIDES_COPY),
        ("timestamps", "--timestamps", timestamps, out / TIMESTAMPS_COPY),
    ):
        kept = _bytes(copy)
        if given is None:
            if kept is not None:
                notes.append(
                    f"note: re-applying the {what} last applied to {out} (kept in {copy}); "
                    f"give {option} to replace them"
                )
            chosen.append(copy if kept is not None else None)
            continue
        if kept is not None and kept != _bytes(given):
            notes.append(f"note: {option} {given} replaces the {what} last applied to {out}")
        chosen.append(given)
    return Recalled(chosen[0], chosen[1], tuple(notes))


def remember(
    out: Path,
    overrides: Path | None,
    timestamps: Path | None,
    no_overrides: bool = False,
    exports: RecalledExports | None = None,
) -> None:
    """Keep copies of the given files (read and checked already) in OUT, made if missing,
    for later runs; `no_overrides` (the given file has no entries) removes the copy.
    Raises OSError."""
    for given, name in ((overrides, OVERRIDES_COPY), (timestamps, TIMESTAMPS_COPY)):
        copy = out / name
        if given is None or Path(given).resolve() == copy.resolve():
            continue
        if name == OVERRIDES_COPY and no_overrides:
            copy.unlink(missing_ok=True)
            continue
        _write(copy, Path(given).read_bytes())
    if exports is not None:
        remember_exports(
            out, exports.junit, exports.canvas, exports.roster, exports.canvas_assignment
        )


@dataclass(frozen=True)
class RecalledExports:
    """The exports to write after this run, the roster to write them with, the Canvas
    assignment whose column the Canvas export fills (None: the chapter's title), notes."""

    junit: Path | None
    canvas: Path | None
    roster: Path | None
    notes: tuple[str, ...]
    canvas_assignment: CanvasAssignment | None = None


def recall_exports(
    out: Path,
    junit: Path | None,
    canvas: Path | None,
    roster: Path | None,
    canvas_assignment: str | None = None,
) -> RecalledExports:
    """The given exports, or else where OUT's last run wrote them (with a note each); the
    given roster, or else OUT's copy of the last one; the given Canvas assignment ("HW3
    (12345)"), or else the last one given for OUT. Reads only. Raises
    CanvasAssignmentError (one line): an assignment not of the form "Name (ID)", or given
    where no Canvas export is written."""
    kept = _kept_exports(out)
    notes: list[str] = []
    chosen: dict[str, Path | None] = {}
    for key, option, given, what in (
        ("junit", "--junit", junit, "JUnit XML"),
        ("canvas", "--canvas", canvas, "Canvas export"),
    ):
        if given is None and key in kept:
            chosen[key] = Path(kept[key])
            notes.append(
                f"note: rewriting the {what} last written for {out}: {kept[key]} "
                f"(give {option} to write it elsewhere)"
            )
        else:
            chosen[key] = given
    copy = out / ROSTER_COPY
    if roster is None and _bytes(copy) is not None and chosen["canvas"] is not None:
        roster = copy
        notes.append(f"note: using the roster last given for {out} (kept in {copy})")
    assignment = _assignment(out, kept, canvas_assignment, chosen["canvas"], notes)
    return RecalledExports(chosen["junit"], chosen["canvas"], roster, tuple(notes), assignment)


def _assignment(
    out: Path,
    kept: dict[str, str],
    given: str | None,
    canvas: Path | None,
    notes: list[str],
) -> CanvasAssignment | None:
    """The Canvas assignment for this run (checked), a note when it is OUT's last one or
    replaces it."""
    if given is None:
        last = kept.get("canvas_assignment")
        if last is None or canvas is None:
            return None
        assignment = parse_canvas_assignment(last, f"{out / EXPORTS}: canvas_assignment")
        notes.append(
            f"note: the Canvas export's column is the assignment last given for {out}: "
            f"{assignment.column} (give --canvas-assignment to change it)"
        )
        return assignment
    assignment = parse_canvas_assignment(given)
    if canvas is None:
        raise CanvasAssignmentError(
            f"--canvas-assignment {given!r}: no Canvas export is written for {out}; "
            "give --canvas FILE too"
        )
    last = kept.get("canvas_assignment")
    if last is not None and last != assignment.column:
        notes.append(
            f"note: --canvas-assignment {assignment.column} replaces the assignment last "
            f"given for {out} ({last})"
        )
    return assignment


def remember_exports(
    out: Path,
    junit: Path | None,
    canvas: Path | None,
    roster: Path | None,
    canvas_assignment: CanvasAssignment | None = None,
) -> None:
    """Keep where the given exports were written, the Canvas assignment, and a copy of
    the given roster, in OUT. Raises OSError."""
    kept = _kept_exports(out)
    for key, given in (("junit", junit), ("canvas", canvas)):
        if given is not None:
            kept[key] = str(Path(given).resolve())
    if canvas_assignment is not None:
        kept["canvas_assignment"] = canvas_assignment.column
    if kept:
        _write(out / EXPORTS, (json.dumps(kept, indent=1, sort_keys=True) + "\n").encode())
    if roster is not None and Path(roster).resolve() != (out / ROSTER_COPY).resolve():
        _write(out / ROSTER_COPY, Path(roster).read_bytes())


def _kept_exports(out: Path) -> dict[str, str]:
    try:
        kept = json.loads((out / EXPORTS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(kept, dict):
        return {}
    known = ("junit", "canvas", "canvas_assignment")
    return {k: v for k, v in kept.items() if k in known and isinstance(v, str)}


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f"{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)  # a reader never sees half a file
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _bytes(path: Path) -> bytes | None:
    try:
        return Path(path).read_bytes()
    except OSError:
        return None


__all__ = [
    "EXPORTS",
    "OVERRIDES_COPY",
    "ROSTER_COPY",
    "TIMESTAMPS_COPY",
    "Recalled",
    "RecalledExports",
    "recall",
    "recall_exports",
    "remember",
    "remember_exports",
]
