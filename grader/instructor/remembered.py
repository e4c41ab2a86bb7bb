"""OUT remembers the instructor's overrides and timestamps last applied to it.

    OUT/.grader.overrides.yaml    a byte-for-byte copy of the last --overrides file
    OUT/.grader.timestamps.csv    a byte-for-byte copy of the last --timestamps file

A later `grade` or `regrade` into OUT without the option re-applies the copy (a re-run
dropped every override without a word before); a new file replaces it. Either way one
note on stderr says which file counts. An overrides file without entries (an empty file,
/dev/null) drops the remembered overrides.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

OVERRIDES_COPY = ".grader.overrides.yaml"
TIMESTAMPS_COPY = ".grader.timestamps.csv"


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
    out: Path, overrides: Path | None, timestamps: Path | None, no_overrides: bool = False
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
        data = Path(given).read_bytes()
        out.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=out, prefix=f"{name}.", suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(data)
            os.replace(temporary, copy)  # a reader never sees half a file
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


def _bytes(path: Path) -> bytes | None:
    try:
        return Path(path).read_bytes()
    except OSError:
        return None


__all__ = ["OVERRIDES_COPY", "TIMESTAMPS_COPY", "Recalled", "recall", "remember"]
