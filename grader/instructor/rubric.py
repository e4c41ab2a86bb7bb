"""rubric.yaml: criteria, their points, the checks feeding each, and the sandbox limits.

Validated on load; every problem is one line that names the key, never a traceback.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from grader.checks.catalog import CheckSpec
from grader.instructor.files import InstructorInputError
from grader.instructor.late import LatePolicy, parse_late_policy
from grader.sandbox import Limits

#: Below half the points a learner is listed under "needs attention" unless the rubric's
#: `attention: {low_score_fraction: ...}` says otherwise.
DEFAULT_LOW_SCORE_FRACTION = 0.5


class RubricError(InstructorInputError):
    """rubric.yaml is missing, malformed or inconsistent with the checks."""


@dataclass(frozen=True)
class Criterion:
    criterion_id: str
    title: str
    description: str
    points: float
    weights: dict[str, float]  # check id -> weight within this criterion (0: a manual item)
    # manual item's check id -> its own points, taken out of this criterion's points
    manual_points: dict[str, float] = dataclasses.field(default_factory=dict)

    def check_points(self, check_id: str) -> float:
        """The most a check can earn: a manual item's own points, else its weight's share
        of what the manual items leave of the criterion's points."""
        if check_id in self.manual_points:
            return self.manual_points[check_id]
        total = sum(self.weights.values())
        automatic = self.points - sum(self.manual_points.values())
        return automatic * self.weights[check_id] / total if total else 0.0


@dataclass(frozen=True)
class Rubric:
    total_points: float
    criteria: tuple[Criterion, ...]
    limits: Limits
    late_policy: LatePolicy | None = None  # none: no penalty for lateness
    # class.html's "needs attention" lists scores below this share of the maximum
    low_score_fraction: float = DEFAULT_LOW_SCORE_FRACTION

    def criterion_of(self, check_id: str) -> Criterion:
        for criterion in self.criteria:
            if check_id in criterion.weights:
                return criterion
        raise KeyError(check_id)


def load_rubric(path: Path, checks: Iterable[CheckSpec]) -> Rubric:
    """Read and validate rubric.yaml against the checks that exist."""
    from grader.instructor.files import InstructorFileError, load_yaml, read_text, yaml_problem

    try:
        raw = load_yaml(read_text(path))
    except InstructorFileError as error:
        raise RubricError(str(error)) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise RubricError(f"{path.name}: not valid YAML{where}{yaml_problem(error)}") from None
    return parse_rubric(raw, {spec.check_id: spec for spec in checks}, path.name)


def parse_rubric(raw: Any, checks: dict[str, CheckSpec], source: str = "rubric.yaml") -> Rubric:
    def fail(key: str, problem: str) -> RubricError:
        return RubricError(f"{source}: {key}: {problem}")

    if not isinstance(raw, dict):
        raise fail("(top level)", "must be a mapping with total_points and criteria")
    unknown = set(raw) - {"total_points", "criteria", "limits", "late_policy", "attention"}
    if unknown:
        raise fail(sorted(unknown)[0], "unknown key")
    total = _number(raw, "total_points", fail, "total_points")
    entries = raw.get("criteria")
    if not isinstance(entries, list) or not entries:
        raise fail("criteria", "must be a non-empty list")

    criteria = []
    seen_checks: dict[str, str] = {}
    for index, entry in enumerate(entries):
        key = f"criteria[{index}]"
        if not isinstance(entry, dict):
            raise fail(key, "must be a mapping")
        for field in ("id", "title", "description", "points", "checks"):
            if field not in entry:
                raise fail(f"{key}.{field}", "missing")
        unknown = set(entry) - {"id", "title", "description", "points", "checks"}
        if unknown:
            raise fail(f"{key}.{sorted(unknown)[0]}", "unknown key")
        criterion_id = str(entry["id"])
        if any(c.criterion_id == criterion_id for c in criteria):
            raise fail(f"{key}.id", f"'{criterion_id}' is used twice")
        points = _number(entry, "points", fail, f"{key}.points")
        weights = entry["checks"]
        if not isinstance(weights, dict) or not weights:
            raise fail(f"{key}.checks", "must map check ids to weights")
        parsed: dict[str, float] = {}
        manual: dict[str, float] = {}
        for check_id, weight in weights.items():
            check_key = f"{key}.checks.{check_id}"
            spec = checks.get(str(check_id))
            if spec is None:
                raise fail(check_key, "no such check")
            if check_id in seen_checks:
                raise fail(check_key, f"already counted in criterion '{seen_checks[check_id]}'")
            if isinstance(weight, bool) or not isinstance(weight, (int, float)):
                raise fail(check_key, "the weight must be a number")
            if spec.manual and not weight >= 0:
                raise fail(check_key, "an instructor-graded item's points must be >= 0")
            if not spec.manual and not weight > 0:
                raise fail(check_key, "the weight must be above 0")
            seen_checks[check_id] = criterion_id
            if spec.manual:  # its number is its own points, not a weight
                manual[str(check_id)] = float(weight)
                parsed[str(check_id)] = 0.0
            else:
                parsed[str(check_id)] = float(weight)
        automatic = points - sum(manual.values())
        if automatic < -1e-9:
            raise fail(
                f"{key}.checks",
                f"the instructor-graded items' {sum(manual.values()):g} points exceed the "
                f"criterion's {points:g}",
            )
        if automatic > 1e-9 and not any(parsed.values()):
            raise fail(f"{key}.checks", "no automatic check carries this criterion's points")
        criteria.append(
            Criterion(
                criterion_id,
                str(entry["title"]),
                str(entry["description"]),
                points,
                parsed,
                manual,
            )
        )

    missing = [check_id for check_id in checks if check_id not in seen_checks]
    if missing:
        raise fail("criteria", f"check '{missing[0]}' is in no criterion")
    summed = sum(c.points for c in criteria)
    if not math.isclose(summed, total):
        raise fail("total_points", f"is {total:g} but the criteria's points add up to {summed:g}")
    return Rubric(
        total,
        tuple(criteria),
        _limits(raw.get("limits", {}), fail),
        parse_late_policy(raw.get("late_policy"), fail),
        _low_score_fraction(raw.get("attention", {}), fail),
    )


def _low_score_fraction(raw: Any, fail: Any) -> float:
    """`attention: {low_score_fraction: 0.5}`: a share of the total points in [0, 1]."""
    if raw is None:
        return DEFAULT_LOW_SCORE_FRACTION
    if not isinstance(raw, dict):
        raise fail("attention", "must be a mapping (low_score_fraction: 0.5)")
    unknown = set(raw) - {"low_score_fraction"}
    if unknown:
        raise fail(f"attention.{sorted(unknown)[0]}", "unknown key (known: low_score_fraction)")
    value = raw.get("low_score_fraction", DEFAULT_LOW_SCORE_FRACTION)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise fail("attention.low_score_fraction", "must be a number from 0 to 1")
    return float(value)


def _number(mapping: dict, field: str, fail: Any, key: str) -> float:
    value = mapping.get(field)
    if value is None:
        raise fail(key, "missing")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
        raise fail(key, "must be a number >= 0")
    return float(value)


def _limits(raw: Any, fail: Any) -> Limits:
    if not isinstance(raw, dict):
        raise fail("limits", "must be a mapping")
    fields = {f.name: f for f in dataclasses.fields(Limits)}
    values = {}
    for name, value in raw.items():
        if name not in fields:
            raise fail(f"limits.{name}", f"unknown limit (known: {', '.join(fields)})")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
            raise fail(f"limits.{name}", "must be a number above 0")
        values[name] = type(getattr(Limits(), name))(value)
    return Limits(**values)
