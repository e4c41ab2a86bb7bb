"""`release OUT`: the learners' bundle.

It holds the stubs and data, the grader without answer and hidden checks, a rubric cut
down to the visible checks, the visible checks' expected values recorded from the
solutions and the values known wrong variants give on the same inputs (both replayed by
`check`, which so names misconceptions), the chapter notes, a learner README, a
.gitignore and a CI workflow. No solution code, no variant code, no hidden check.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import yaml

from grader.authoring.notes import render_chapter_notes
from grader.checks.catalog import Category
from grader.checks.probes import PROBES
from grader.checks.reference import RecordingReference, SolutionReference
from grader.paths import EXERCISE_ORDER, EXERCISES, KitPaths
from grader.pipeline.grade import (
    RECORDING,
    VARIANTS_RECORDING,
    GradingContext,
    GradingOptions,
    grade_submission,
)
from grader.results import Status

ASSETS = Path(__file__).with_name("release_assets")
#: Parts of the grader package a learner must not get, or cannot use without solutions/.
WITHHELD = (
    "checks/answers",
    "checks/hidden",
    "authoring",
    "commands/release_assets",
    "commands/gradescope.py",  # the instructor's autograder: needs solutions/
    "commands/gradescope_assets",
    # The known wrong variants' code, close to the solutions' own: the bundle replays
    # what they gave on the visible checks' inputs (visible_variants.json).
    "checks/variants.py",
)


class ReleaseError(RuntimeError):
    """The bundle cannot be made (for instance, the solutions fail a visible check)."""


def release_command(kit: KitPaths, out: Path, notebooks: bool = False) -> int:
    # Grading the solutions takes a while: each step says what it does as it starts.
    written = write_release(kit, out, notebooks=notebooks, say=_say)
    print(f"wrote the learners' bundle to {out} ({len(written)} files)")
    print(f"learners start with {out / 'README.md'}")
    return 0


def _say(step: str) -> None:
    print(f"  {step} ...", flush=True)


def write_release(
    kit: KitPaths, out: Path, notebooks: bool = False, say: Callable[[str], None] | None = None
) -> list[Path]:
    """Write the bundle into `out` (new or empty); with `notebooks`, each exercise file is
    a Jupyter notebook of the same stem instead of a .py (graded the same way). `say` is
    told each step as it starts. Raises ReleaseError when `out` is not empty or the
    solutions fail a visible check."""
    say = say or (lambda step: None)
    if out.exists() and any(out.iterdir()):
        raise ReleaseError(f"{out} exists and is not empty")
    say("grading the solutions on the visible checks to record their expected values")
    recording = _record_visible_expectations(kit)  # the reference's and the variants' values
    say("copying the exercise stubs, the data and the grader without answers")
    out.mkdir(parents=True, exist_ok=True)
    shutil.copytree(kit.exercises, out / EXERCISES, ignore=_ignore_caches)
    if notebooks:
        say("writing each exercise as a Jupyter notebook")
        _exercises_as_notebooks(out / EXERCISES)
    package = Path(__file__).resolve().parents[1]
    shutil.copytree(package, out / "grader", ignore=_ignore_withheld(package))
    recording.dump(out / RECORDING, out / VARIANTS_RECORDING)
    (out / "rubric.yaml").write_text(_visible_rubric(kit), encoding="utf-8")
    readme = "README-notebooks.md" if notebooks else "README.md"
    shutil.copyfile(ASSETS / readme, out / "README.md")
    workflow = out / ".github" / "workflows" / "grade.yml"
    workflow.parent.mkdir(parents=True)
    shutil.copyfile(ASSETS / "grade.yml", workflow)
    shutil.copyfile(kit.root / "pyproject.toml", out / "pyproject.toml")
    say("writing the chapter notes")
    (out / "docs").mkdir()
    # The learners' notes: the chapter's facts without what the answer checks expect.
    notes = render_chapter_notes(kit, learner=True)
    (out / "docs" / "chapter-notes.md").write_text(notes, encoding="utf-8")
    shutil.copyfile(ASSETS / "gitignore", out / ".gitignore")
    return [path for path in out.rglob("*") if path.is_file()]


def _exercises_as_notebooks(folder: Path) -> None:
    from grader.authoring.notebooks import module_to_notebook

    for name in EXERCISE_ORDER:
        stub = folder / name
        notebook = module_to_notebook(stub.read_text(encoding="utf-8"))
        stub.with_suffix(".ipynb").write_text(notebook, encoding="utf-8")
        stub.unlink()


def _record_visible_expectations(kit: KitPaths) -> RecordingReference:
    options = GradingOptions(kit_root=kit.root, categories=(Category.VISIBLE,), base_seed=0)
    context = GradingContext.build(options)
    recording = RecordingReference(SolutionReference(kit.solutions))
    context.reference = recording
    with tempfile.TemporaryDirectory() as scratch:
        submission = Path(scratch) / "solutions"
        submission.mkdir()
        for path in kit.solutions.glob("*.py"):
            shutil.copyfile(path, submission / path.name)
        result = grade_submission(submission, context)
    failing = [
        i.outcome.check_id
        for i in result.checks
        if i.outcome.status not in (Status.PASSED, Status.REVIEW)
    ]
    if failing:
        raise ReleaseError(f"the solutions fail visible checks: {', '.join(failing)}")
    # The probes' tiny inputs (grader/checks/probes.py), asked only when a check fails: so
    # that the self-check blames a wrong function a check builds on as grading does.
    for qualified, calls in PROBES.items():
        module, _, function = qualified.rpartition(".")
        for args, kwargs in calls:
            recording.call(module, function, *args, **kwargs)
    return recording


def _visible_rubric(kit: KitPaths) -> str:
    """rubric.yaml with the visible checks only; each criterion keeps its share of points."""
    from grader.checks.catalog import discover_checks

    visible = {spec.check_id for spec in discover_checks((Category.VISIBLE,))}
    raw = yaml.safe_load(kit.rubric.read_text(encoding="utf-8"))
    criteria = []
    for criterion in raw["criteria"]:
        weights = criterion["checks"]
        kept = {check: weight for check, weight in weights.items() if check in visible}
        if not kept:
            continue
        share = sum(kept.values()) / sum(weights.values())
        # The self-check runs no held-out data: its criteria must not say it does.
        description = str(criterion.get("description", "")).replace(
            " and on held-out data", "; held-out data is checked when you submit"
        )
        criteria.append(
            {
                **criterion,
                "description": description,
                "points": round(criterion["points"] * share, 4),
                "checks": kept,
            }
        )
    raw["criteria"] = criteria
    raw["total_points"] = sum(c["points"] for c in criteria)
    header = "# The learners' rubric: the visible checks only, with their share of the points.\n"
    return header + yaml.safe_dump(raw, sort_keys=False)


def _ignore_caches(folder: str, names: list[str]) -> set[str]:
    return {name for name in names if name in {"__pycache__", ".pytest_cache"}}


def _ignore_withheld(package: Path):
    withheld = {(package / part).resolve() for part in WITHHELD}

    def ignore(folder: str, names: list[str]) -> set[str]:
        here = Path(folder).resolve()
        return _ignore_caches(folder, names) | {
            name for name in names if (here / name).resolve() in withheld
        }

    return ignore
