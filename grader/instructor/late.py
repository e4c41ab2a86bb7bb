"""The late policy of rubric.yaml, and when a submission was handed in.

late_policy:
  deadline: "2026-12-01T23:59:00+00:00"
  percent_per_day: 10      # of the points earned, per started day late
  max_days: 5              # later than that: the penalty stops growing (optional)
  grace_minutes: 15        # optional
  timezone: America/New_York   # optional: an IANA name; days are that zone's calendar days

Days late are started days in the policy's zone (UTC without `timezone`), counted on its
clock: a day ends at the deadline's time of day on each later date, so daylight saving
time never adds or removes one (23:30 the evening after a 23:59 deadline is 1 day late,
also across the end of DST, when 24 hours and 31 minutes have passed). A deadline without
a UTC offset is read in the policy's zone (and needs `timezone`); one with an offset is
that instant, whatever the zone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from grader.instructor.files import InstructorFileError, InstructorInputError, read_csv


class LatePolicyError(InstructorInputError):
    """A late policy or a timestamp file that cannot be read: one line."""


@dataclass(frozen=True)
class LatePolicy:
    deadline: datetime
    percent_per_day: float
    max_days: int | None = None
    grace_minutes: float = 0.0
    timezone: str = ""  # an IANA name (America/New_York); "" for UTC

    def days_late(self, submitted_at: datetime) -> int:
        """Started days past the deadline (and its grace), counted on the policy's zone's
        clock (see the module's docstring); 0 when on time. `submitted_at` is aware."""
        due = self.deadline + timedelta(minutes=self.grace_minutes)
        if submitted_at <= due:
            return 0
        zone = ZoneInfo(self.timezone) if self.timezone else timezone.utc
        # Wall-clock times in the zone: a 23- or 25-hour day is one day all the same.
        local = submitted_at.astimezone(zone).replace(tzinfo=None)
        late = local - due.astimezone(zone).replace(tzinfo=None)
        # Late in fact, never 0 days (a hand-in in the repeated hour of the end of DST).
        days = max(1, math.ceil(late / timedelta(days=1)))
        return min(days, self.max_days) if self.max_days is not None else days

    def penalty_fraction(self, days: int) -> float:
        return min(1.0, days * self.percent_per_day / 100.0)


def parse_late_policy(raw: Any, fail: Any) -> LatePolicy | None:
    """rubric.yaml's late_policy mapping; `fail(key, problem)` makes the error."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise fail("late_policy", "must be a mapping")
    unknown = set(raw) - {"deadline", "percent_per_day", "max_days", "grace_minutes", "timezone"}
    if unknown:
        raise fail(f"late_policy.{sorted(unknown)[0]}", "unknown key")
    if "timezone" in raw and raw["timezone"] in ("", None):
        raise fail("late_policy.timezone", "is empty: an IANA name such as America/New_York")
    zone_name = raw.get("timezone") or ""
    zone = _zone(zone_name)
    if zone is None:
        raise fail(
            "late_policy.timezone",
            f"unknown time zone {zone_name!r} (an IANA name such as America/New_York)",
        )
    deadline = parse_time(raw.get("deadline"), zone if zone_name else None)
    if deadline is None:
        raise fail(
            "late_policy.deadline",
            "must be an ISO 8601 time with its UTC offset (or give late_policy.timezone)"
            if not zone_name
            else "must be an ISO 8601 time",
        )
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
        deadline,
        float(percent),
        None if max_days is None else int(max_days),
        float(grace),
        str(zone_name),
    )


def _zone(name: Any) -> tzinfo | None:
    """The IANA zone called `name` (UTC for ""), None when there is no such zone."""
    if name == "":
        return timezone.utc
    if not isinstance(name, str):
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None  # unknown, or not a zone name at all ("../etc", "")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def parse_time(value: Any, zone: tzinfo | None = None) -> datetime | None:
    """An aware datetime from ISO 8601 text (or a datetime); a time without a UTC offset
    is read in `zone`, and is None without one (None too when it is no time at all)."""
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            return None
    if moment.tzinfo is None and zone is not None:
        moment = moment.replace(tzinfo=zone)
    return moment if moment.tzinfo is not None else None


def load_timestamps(path: Path, policy: LatePolicy | None = None) -> tuple[tuple[str, str], ...]:
    """A CSV with the columns name,submitted_at (ISO 8601; without a UTC offset only where
    the late policy has a `timezone`: read in that zone, as its deadline is); utf-8-sig, CRLF
    and Excel's separators accepted. Raises LatePolicyError (one line, file and line)."""
    zone = ZoneInfo(policy.timezone) if policy is not None and policy.timezone else None
    try:
        rows = read_csv(path, ("name", "submitted_at"))
    except InstructorFileError as error:
        raise LatePolicyError(str(error)) from None
    pairs = []
    for row in rows:
        name, stamp = row.values["name"], row.values["submitted_at"]
        moment = parse_time(stamp, zone)
        if not name or moment is None:
            offset = "" if zone is not None else " with its UTC offset (or a late_policy.timezone)"
            raise LatePolicyError(
                f"{path}: line {row.line}: needs a name and an ISO 8601 submitted_at"
                f"{offset} (got {stamp!r})"
            )
        # as written where it says its offset; else the instant in the policy's zone
        pairs.append((name, stamp if parse_time(stamp) is not None else moment.isoformat()))
    return tuple(pairs)


def newest_file_time(folder_or_zip: Path) -> datetime:
    """When a submission was last changed: its newest file (a zip's own time for a zip)."""
    path = Path(folder_or_zip)
    times = [path.stat().st_mtime]
    if path.is_dir():
        times += [item.stat().st_mtime for item in path.rglob("*") if item.is_file()]
    return datetime.fromtimestamp(max(times), tz=timezone.utc)
