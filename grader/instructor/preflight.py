"""Checks of the instructor's inputs made before any grading: paths that cannot be
written are errors (one line each, exit status 2), names that match nothing are warnings.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from grader.identity import Identity, match_name
from grader.instructor.files import InstructorInputError


class PreflightError(InstructorInputError):
    """An output that cannot be written: one line."""


def check_out_folder(out: Path, option: str = "--out") -> None:
    """OUT must be a folder we can write, or a path where one can be made.

    Tried for real (the folders made and a file written, then removed): permission bits
    say "writable" to root on /proc and on read-only mounts alike. Raises PreflightError.
    """
    label = f"{option} {out}".strip()
    if out.exists() and not out.is_dir():
        raise PreflightError(f"{label}: is a file, not a folder")
    existing = out
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise PreflightError(f"{label}: cannot be written ({existing} is not writable)")
    made: list[Path] = []
    try:
        for folder in reversed([out, *out.parents]):
            if not folder.exists():
                folder.mkdir()
                made.append(folder)
        _try_writing(out)
    except OSError as error:
        raise PreflightError(f"{label}: cannot be written ({error.strerror or error})") from None
    finally:
        for folder in reversed(made):  # nothing is left behind before grading starts
            with contextlib.suppress(OSError):
                folder.rmdir()


def check_output_file(path: Path, option: str) -> None:
    """A file to write (--junit, --canvas): its folder must exist and take a new file (the
    file is written beside, then renamed); it must not be a folder. Raises PreflightError."""
    if path.is_dir():
        raise PreflightError(f"{option} {path}: is a folder; name the file to write")
    parent = path.parent
    if not parent.is_dir():
        raise PreflightError(f"{option} {path}: the folder {parent} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise PreflightError(f"{option} {path}: cannot be written")
    try:
        _try_writing(parent)
    except OSError as error:
        raise PreflightError(
            f"{option} {path}: cannot be written ({error.strerror or error})"
        ) from None


def _try_writing(folder: Path) -> None:
    """Create and remove a temporary file in folder; OSError where that fails."""
    handle, name = tempfile.mkstemp(dir=folder, prefix=".grader-probe-")
    os.close(handle)
    os.unlink(name)


def unmatched(
    names: Iterable[str], known: Iterable[str | Identity], source: str, what: str
) -> list[str]:
    """One warning per name of `source` that matches no `what` exactly (grader/identity.py's
    match_name), saying so where it matches one only in another case or Unicode form, or
    one that was renamed."""
    identities = [k if isinstance(k, Identity) else Identity(k, k) for k in known]
    warnings = []
    for name in dict.fromkeys(names):
        match = match_name(name, identities)
        if match.identity is None:
            warnings.append(f"warning: {source}: '{name}' matches no {what}")
        elif not match.exact:
            warnings.append(f"warning: {source}: '{name}' matches no {what} ({match.problem})")
    return warnings


__all__ = ["PreflightError", "check_out_folder", "check_output_file", "unmatched"]
