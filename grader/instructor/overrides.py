"""overrides.yaml: an instructor's points for a check or a criterion of one submission.

    - submission: alice
      check: check_why_lr_2_misbehaves      # or criterion: diagnosis
      points: 4
      comment: Right: the step is above 2/L, so the loss swings before it settles.
    - submission: bob
      late_penalty: waive
      comment: extension granted

A check's points go from 0 to its maximum in the rubric; a manual item's maximum is the
points rubric.yaml gives it (inside its criterion's), so an instructor's points always
count in full. A criterion override replaces that criterion's total.

Every entry is checked against the rubric when the file is read (utf-8-sig, CRLF
accepted): an unknown check or criterion, points outside 0..max, or a missing field is a
one-line error naming the file, the entry and its line. So are two entries for one
submission and one target (the last would win silently, and the gradebook would list
both), and a waiver under a rubric without a late_policy (it would show nowhere).
Unknown submission names are checked against the batch (see check_submissions).
An entry whose `points:` is left blank (manual.html's skeleton) is skipped: not graded yet.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

from grader.identity import Identity, match_name
from grader.instructor.files import (
    InstructorFileError,
    InstructorInputError,
    load_yaml,
    read_text,
    yaml_problem,
)
from grader.instructor.rubric import Criterion, Rubric
from grader.numbers import points_text, two_decimals

KEYS = {"submission", "check", "criterion", "points", "comment", "late_penalty"}
#: Half a unit of the 4th decimal, the precision results.json and the reports show points in.
SHOWN_PRECISION = 0.5e-4


class OverrideError(InstructorInputError):
    """An overrides file that cannot be applied: one line, naming the entry."""


@dataclass(frozen=True)
class Override:
    submission: str
    check: str = ""  # a check id, or
    criterion: str = ""  # a criterion id, or neither when waive_late is set
    points: float | None = None
    comment: str = ""
    waive_late: bool = False


def load_overrides(path: Path, rubric: Rubric) -> tuple[Override, ...]:
    """Read and check overrides.yaml (utf-8-sig, CRLF accepted); OverrideError if wrong."""
    try:
        text = read_text(Path(path))
        raw = load_yaml(text)
        node = yaml.compose(text)
    except InstructorFileError as error:
        raise OverrideError(str(error)) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f": line {mark.line + 1}" if mark else ""
        raise OverrideError(f"{path}{where}: not valid YAML{yaml_problem(error)}") from None
    lines: tuple[int, ...] = ()
    if isinstance(node, yaml.SequenceNode):  # where each entry starts, for the messages
        lines = tuple(item.start_mark.line + 1 for item in node.value)
    return parse_overrides(raw or [], rubric, str(path), lines)


def parse_overrides(
    raw: object, rubric: Rubric, source: str = "overrides", lines: tuple[int, ...] = ()
) -> tuple[Override, ...]:
    """Check every entry against the rubric; OverrideError names the entry (and its line
    when `lines`, each entry's first line, are known)."""
    if not isinstance(raw, list):
        raise OverrideError(f"{source}: must be a list of entries")
    checks = {check_id: c for c in rubric.criteria for check_id in c.weights}
    criteria = {c.criterion_id: c for c in rubric.criteria}
    parsed = []
    for index, entry in enumerate(raw):
        if isinstance(entry, dict) and "points" in entry and entry["points"] is None:
            continue  # points left blank (manual.html's skeleton): not graded yet, kept pending
        where = f"{source}: entry {index + 1}"
        if index < len(lines):
            where = f"{source}: line {lines[index]}: entry {index + 1}"
        parsed.append(_parse_entry(entry, where, rubric, checks, criteria))
    _refuse_duplicates(parsed, source, lines)
    return tuple(parsed)


def _parse_entry(
    entry: object,
    where: str,
    rubric: Rubric,
    checks: dict[str, Criterion],
    criteria: dict[str, Criterion],
) -> Override:
    """One entry, checked against the rubric; OverrideError prefixed with `where`."""
    if not isinstance(entry, dict):
        raise OverrideError(f"{where}: must be a mapping")
    unknown = set(entry) - KEYS
    if unknown:
        raise OverrideError(f"{where}: unknown key '{sorted(unknown)[0]}'")
    submission = str(entry.get("submission") or "")
    if not submission:
        raise OverrideError(f"{where}: 'submission' is missing")
    comment = str(entry.get("comment") or "")
    if "late_penalty" in entry:
        if entry["late_penalty"] != "waive" or "check" in entry or "criterion" in entry:
            raise OverrideError(f"{where}: late_penalty takes 'waive', on its own")
        if rubric.late_policy is None:
            raise OverrideError(
                f"{where}: the rubric has no late_policy, so there is no late penalty to waive"
            )
        return Override(submission, comment=comment, waive_late=True)
    check, criterion = str(entry.get("check") or ""), str(entry.get("criterion") or "")
    if bool(check) == bool(criterion):
        raise OverrideError(f"{where}: give either 'check' or 'criterion'")
    if check and check not in checks:
        raise OverrideError(f"{where}: no check '{check}' in the rubric")
    if criterion and criterion not in criteria:
        raise OverrideError(f"{where}: no criterion '{criterion}' in the rubric")
    points = entry.get("points")
    if isinstance(points, bool) or not isinstance(points, (int, float)):
        raise OverrideError(f"{where}: 'points' must be a number")
    if check:  # a manual item has its own points in the rubric, inside its criterion's
        maximum = checks[check].check_points(check)
        if maximum == 0 and check in checks[check].manual_points:
            raise OverrideError(
                f"{where}: '{check}' has no points of its own in the rubric; give it some "
                f"under criterion '{checks[check].criterion_id}' (they come out of that "
                "criterion's points), or override the criterion"
            )
    else:
        maximum = criteria[criterion].points
    # The maximum as the reports show it (2 decimals, half up: 1.17) or as results.json
    # keeps it (4: 1.1651, for 60/51.5 = 1.165048...) is the maximum: an instructor copies
    # what they see, and either is full points.
    shown = float(two_decimals(maximum))
    if not 0 <= points <= max(maximum, shown) + SHOWN_PRECISION:
        raise OverrideError(f"{where}: points {points:g} outside 0..{points_text(maximum)}")
    if points >= maximum - SHOWN_PRECISION or abs(points - shown) <= SHOWN_PRECISION:
        points = maximum  # full points, whichever way they were written
    return Override(submission, check, criterion, float(points), comment)


def _refuse_duplicates(parsed: list[Override], source: str, lines: tuple[int, ...]) -> None:
    """Two entries for one submission and one target: which one is meant is unknowable."""
    first_seen: dict[tuple[str, str, str, bool], int] = {}
    for index, item in enumerate(parsed):
        key = (item.submission, item.check, item.criterion, item.waive_late)
        if key not in first_seen:
            first_seen[key] = index
            continue
        first = first_seen[key]
        if index < len(lines):
            where = f"{source}: lines {lines[first]} and {lines[index]}"
        else:
            where = f"{source}: entries {first + 1} and {index + 1}"
        target = (
            f"check '{item.check}'"
            if item.check
            else f"criterion '{item.criterion}'"
            if item.criterion
            else "the late penalty"
        )
        raise OverrideError(
            f"{where}: two overrides of {target} for submission '{item.submission}'; keep one"
        )


def check_submissions(overrides: Iterable[Override], names: Iterable[str | Identity]) -> None:
    """Every override names a submission of the batch by its folder name (the name in the
    gradebook); a name that matches one only as handed in, or in another case, is refused
    with the line saying which it may mean (grader/identity.py's match_name)."""
    identities = [name if isinstance(name, Identity) else Identity(name, name) for name in names]
    for override in overrides:
        match = match_name(override.submission, identities)
        if match.identity is None:
            raise OverrideError(f"overrides: no submission named '{override.submission}'")
        if not match.exact:
            raise OverrideError(
                f"overrides: no submission named '{override.submission}' ({match.problem}); "
                "name it as the gradebook does"
            )
