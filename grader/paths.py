"""Where the kit's parts live, resolved once from the kit's root folder."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

#: The master source: complete solutions with solution regions marked.
SOLUTIONS = "solutions"
#: The learner stubs, generated from SOLUTIONS (never edit by hand).
EXERCISES = "exercises"

#: The learner files the contract names, in the chapter's order; anything else in
#: exercises/ is kit support.
EXERCISE_ORDER = (
    "logistic_scratch.py",
    "ex1_hand_gradient.py",
    "ex2_learning_rate.py",
    "ex3_threshold_sweep.py",
    "ex4_manual_ece.py",
    "ex5_label_flip.py",
    "ex6_sklearn_match.py",
    "ex7_diagnosis.py",
)
EXERCISE_FILES = frozenset(EXERCISE_ORDER)


@dataclass(frozen=True)
class KitPaths:
    """The kit's folders, all below one root (a checkout of the kit's repository)."""

    root: Path

    @classmethod
    def discover(cls) -> KitPaths:
        """The root named by GRADER_KIT_ROOT, else the checkout this package sits in."""
        override = os.environ.get("GRADER_KIT_ROOT")
        root = Path(override) if override else Path(__file__).resolve().parent.parent
        return cls(root.resolve())

    @property
    def solutions(self) -> Path:
        return self.root / SOLUTIONS

    @property
    def exercises(self) -> Path:
        return self.root / EXERCISES

    @property
    def shipped_data(self) -> Path:
        """The data sets learners get; written under solutions/, copied to exercises/."""
        return self.solutions / "data"

    @property
    def docs(self) -> Path:
        return self.root / "docs"

    @property
    def samples(self) -> Path:
        """Sample submissions for the demo, described as edits of the solutions."""
        return self.root / "samples"

    @property
    def rubric(self) -> Path:
        return self.root / "rubric.yaml"


def shipped_files(folder: Path) -> list[Path] | None:
    """The files of `folder` that git tracks, sorted; None where it is not in a git
    checkout (an installed or unpacked kit ships what it holds). What a test or a hostile
    submission left lying in solutions/ is never tracked, so it is never shipped."""
    import subprocess

    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--", "."],
            cwd=folder,
            capture_output=True,
            timeout=60,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if listed.returncode != 0:
        return None
    names = [name for name in listed.stdout.decode("utf-8", "replace").split("\0") if name]
    return sorted(folder / name for name in names if (folder / name).is_file())
