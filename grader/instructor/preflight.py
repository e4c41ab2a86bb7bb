"""Checks of the instructor's inputs made before any grading: paths that cannot be
written are errors (one line each, exit status 2), names that match nothing are warnings.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from grader.instructor.files import InstructorInputError


class PreflightError(InstructorInputError):
    """An output that cannot be written: one line."""


def check_out_folder(out: Path) -> None:
    """OUT must be a folder we can write, or a path where one can be made."""
    if out.exists() and not out.is_dir():
        raise PreflightError(f"--out {out}: is a file, not a folder")
    existing = out
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise PreflightError(f"--out {out}: cannot be written ({existing} is not writable)")


def check_output_file(path: Path, option: str) -> None:
    """A file to write (--junit, --canvas): its folder must exist; it must not be one."""
    if path.is_dir():
        raise PreflightError(f"{option} {path}: is a folder; name the file to write")
    parent = path.parent
    if not parent.is_dir():
        raise PreflightError(f"{option} {path}: the folder {parent} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise PreflightError(f"{option} {path}: cannot be written")


def unmatched(names: Iterable[str], known: Iterable[str], source: str, what: str) -> list[str]:
    """One warning per name of `source` that matches no `what`."""
    known = set(known)
    return [
        f"warning: {source}: '{name}' matches no {what}"
        for name in dict.fromkeys(names)
        if name not in known
    ]


__all__ = ["PreflightError", "check_out_folder", "check_output_file", "unmatched"]
