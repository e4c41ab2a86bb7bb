"""The late policy of rubric.yaml, and when a submission was handed in.

late_policy:
  deadline: "2026-12-01T23:59:00+00:00"
  percent_per_day: 10      # of the points earned, per started day late
  max_days: 5              # later than that: the penalty stops growing (optional)
  grace_minutes: 15        # optional
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from grader.instructor.files import InstructorFileError, InstructorInputError, read_csv


class LatePolicyError(InstructorInputError):
    """A late policy or a timestamp file that cannot be read: one line."""


@dataclass(frozen=True)
class LatePolicy:
    deadline: datetime
    percent_per_day: float
    max_days: int | None = None
    grace_minutes: float = 0.0

    def days_late(self, submitted_at: datetime) -> int:
        """Started days past the deadline (and its grace); 0 when on time."""
        late = submitted_at - self.deadline - timedelta(minutes=self.grace_minutes)
        if late <= timedelta(0):
            return 0
        days = math.ceil(late / timedelta(days=1))
        return min(days, self.max_days) if self.max_days is not None else days

    def penalty_fraction(self, days: int) -> float:
        return min(1.0, days * self.percent_per_day / 100.0)


def parse_late_policy(raw: Any, fail: Any) -> LatePolicy | None:
    """rubric.yaml's late_policy mapping; `fail(key, problem)` makes the error."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise fail("late_policy", "must be a mapping")
    unknown = set(raw) - {"deadline", "percent_per_day", "max_days", "grace_minutes"}
    if unknown:
        raise fail(f"late_policy.{sorted(unknown)[0]}", "unknown key")
    deadline = parse_time(raw.get("deadline"))
    if deadline is None:
        raise fail("late_policy.deadline", "must be an ISO 8601 time with its UTC offset")
    percent = raw.get("percent_per_day")
    if (
        isinstance(percent, bool)
        or not isinstance(percent, (int, float))
        or not 0 <= percent <= 100
    ):
        raise fail("late_policy.percent_per_day", "must be a number from 0 to 100")
    max_days = raw.get("max_days")
    if max_days is not None and (
        isinstance(max_days, bool) or not isinstance(max_days, int) or max_days < 0
    ):
        raise fail("late_policy.max_days", "must be a whole number >= 0")
    grace = raw.get("grace_minutes", 0)
    if not _is_number(grace) or grace < 0:
        raise fail("late_policy.grace_minutes", "must be a number >= 0")
    return LatePolicy(
        deadline, float(percent), None if max_days is None else int(max_days), float(grace)
    )


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def parse_time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            return None
    return moment if moment.tzinfo is not None else None


def load_timestamps(path: Path) -> tuple[tuple[str, str], ...]:
    """A CSV with the columns name,submitted_at (ISO 8601 with offset); utf-8-sig, CRLF
    and Excel's separators accepted. Raises LatePolicyError (one line, file and line)."""
    try:
        rows = read_csv(path, ("name", "submitted_at"))
    except InstructorFileError as error:
        raise LatePolicyError(str(error)) from None
    pairs = []
    for row in rows:
        name, stamp = row.values["name"], row.values["submitted_at"]
        if not name or parse_time(stamp) is None:
            raise LatePolicyError(
                f"{path}: line {row.line}: needs a name and an ISO 8601 submitted_at with "
                f"its UTC offset (got {stamp!r})"
            )
        pairs.append((name, stamp))
    return tuple(pairs)


def newest_file_time(folder_or_zip: Path) -> datetime:
    """When a submission was last changed: its newest file (a zip's own time for a zip)."""
    path = Path(folder_or_zip)
    times = [path.stat().st_mtime]
    if path.is_dir():
        times += [item.stat().st_mtime for item in path.rglob("*") if item.is_file()]
    return datetime.fromtimestamp(max(times), tz=timezone.utc)
