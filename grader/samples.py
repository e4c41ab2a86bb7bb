"""Sample submissions described as edits of the reference solutions.

A sample folder holds `sample.yaml` and, optionally, whole files of its own:

    description: predicted positive where p > t
    base: solutions          # or "empty"
    edits:
      - file: logistic_scratch.py
        find: ">= t"
        replace: "> t"

compose_sample() lays the base, applies each edit (which must match exactly once, so a
sample cannot silently stop showing its mistake when the solutions change), then copies
the folder's own files over it. The demo and the golden-file tests both use it.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from grader.paths import EXERCISE_FILES

SAMPLE_FILE = "sample.yaml"


class SampleError(ValueError):
    """A sample whose description cannot be applied."""


@dataclass(frozen=True)
class Edit:
    file: str
    find: str
    replace: str


@dataclass(frozen=True)
class Sample:
    name: str
    folder: Path
    description: str
    base: str
    edits: tuple[Edit, ...] = field(default=())

    @classmethod
    def read(cls, folder: Path) -> Sample:
        spec_path = folder / SAMPLE_FILE
        raw = yaml.safe_load(spec_path.read_text(encoding="utf-8")) if spec_path.exists() else {}
        if not isinstance(raw, dict):
            raise SampleError(f"{spec_path}: must be a mapping")
        base = raw.get("base", "empty")
        if base not in {"solutions", "empty"}:
            raise SampleError(f"{spec_path}: base must be 'solutions' or 'empty'")
        edits = tuple(
            Edit(str(e["file"]), str(e["find"]), str(e["replace"])) for e in raw.get("edits", [])
        )
        return cls(folder.name, folder, str(raw.get("description", "")), base, edits)


def compose_sample(sample: Sample, solutions: Path, target: Path) -> Path:
    """Write the sample's submission folder at `target` and return it."""
    target.mkdir(parents=True, exist_ok=True)
    if sample.base == "solutions":
        for name in sorted(EXERCISE_FILES):  # only what a learner hands in
            shutil.copyfile(solutions / name, target / name)
    for edit in sample.edits:
        path = target / edit.file
        if not path.is_file():
            raise SampleError(f"sample {sample.name}: {edit.file} is not in its base")
        text = path.read_text(encoding="utf-8")
        if text.count(edit.find) != 1:
            raise SampleError(
                f"sample {sample.name}: {edit.find!r} occurs {text.count(edit.find)} times in "
                f"{edit.file}, not once"
            )
        path.write_text(text.replace(edit.find, edit.replace), encoding="utf-8")
    for path in sorted(sample.folder.rglob("*")):
        relative = path.relative_to(sample.folder)
        if path.is_file() and relative.name != SAMPLE_FILE:
            destination = target / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, destination)
    return target


def list_samples(folder: Path) -> list[Sample]:
    return [Sample.read(path) for path in sorted(folder.iterdir()) if path.is_dir()]
