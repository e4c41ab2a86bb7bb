"""Late days are calendar days in the late policy's time zone (issue 22, item 5); the
end-to-end scenarios are tests/fixtures/late-across-the-end-of-dst/ and
late-policy-unknown-time-zone/ (tests/test_submission_layouts.py)."""

from __future__ import annotations

from datetime import datetime

import pytest

from grader.instructor.late import parse_late_policy
from grader.instructor.rubric import RubricError


def _fail(key: str, problem: str) -> RubricError:
    return RubricError(f"rubric.yaml: {key}: {problem}")


def _policy(deadline: str, zone: str = "America/New_York", **more):
    raw = {"deadline": deadline, "timezone": zone, "percent_per_day": 10, **more}
    return parse_late_policy(raw, _fail)


@pytest.mark.parametrize(
    ("deadline", "handed_in", "days"),
    [
        # the end of DST (1 Nov 2026): a 25-hour day is one day
        ("2026-10-31T23:59:00", "2026-11-01T23:30:00-05:00", 1),
        ("2026-10-31T23:59:00", "2026-11-02T00:30:00-05:00", 2),
        # its start (14 Mar 2027): a 23-hour day is one day too
        ("2027-03-13T23:59:00", "2027-03-14T23:30:00-04:00", 1),
        ("2027-03-13T23:59:00", "2027-03-15T00:00:00-04:00", 2),
        # the repeated hour: late in fact, so never 0 days
        ("2026-11-01T01:30:00-04:00", "2026-11-01T01:10:00-05:00", 1),
        ("2026-10-31T23:59:00", "2026-10-31T23:59:00-04:00", 0),
    ],
)
def test_late_days_are_the_zones_calendar_days(deadline, handed_in, days):
    assert _policy(deadline).days_late(datetime.fromisoformat(handed_in)) == days


def test_a_deadline_without_offset_is_read_in_the_policys_zone():
    assert _policy("2026-12-01T23:59:00").deadline.isoformat() == "2026-12-01T23:59:00-05:00"
    # with an offset it is that instant, whatever the zone
    given = _policy("2026-12-01T23:59:00+00:00").deadline
    assert given == datetime.fromisoformat("2026-12-01T18:59:00-05:00")
    with pytest.raises(RubricError, match=r"late_policy\.deadline: .*late_policy\.timezone"):
        parse_late_policy({"deadline": "2026-12-01T23:59:00", "percent_per_day": 10}, _fail)


def test_without_a_zone_days_are_utc_days_as_before():
    policy = parse_late_policy(
        {"deadline": "2026-10-31T23:59:00-04:00", "percent_per_day": 10}, _fail
    )
    # 24 h 31 min after it: two started UTC days
    assert policy.days_late(datetime.fromisoformat("2026-11-01T23:30:00-05:00")) == 2


@pytest.mark.parametrize("zone", ["America/Springfield", "../../etc/passwd", 5, "EST5EDT/x"])
def test_an_unknown_zone_is_one_line_naming_the_key(zone):
    with pytest.raises(RubricError) as raised:
        _policy("2026-12-01T23:59:00", zone=zone)
    message = str(raised.value)
    assert message.startswith("rubric.yaml: late_policy.timezone: unknown time zone")
    assert "\n" not in message and "America/New_York" in message


def test_hand_in_times_without_an_offset_are_read_in_the_policys_zone(tmp_path) -> None:
    """A times file as a learning platform exports it (local time, no offset): read in the
    late policy's zone, like its deadline; without a zone it still needs the offset."""
    from grader.instructor.late import LatePolicyError, load_timestamps, parse_late_policy

    times = tmp_path / "times.csv"
    times.write_text("name,submitted_at\ndave,2026-12-03 10:00\n", encoding="utf-8")
    zoned = parse_late_policy(
        {"deadline": "2026-12-01T23:59", "percent_per_day": 10, "timezone": "America/New_York"},
        lambda key, problem: ValueError(f"{key}: {problem}"),
    )
    assert load_timestamps(times, zoned) == (("dave", "2026-12-03T10:00:00-05:00"),)
    with pytest.raises(LatePolicyError, match="UTC offset"):
        load_timestamps(times)


def test_an_empty_time_zone_is_said_as_such() -> None:
    from grader.instructor.late import parse_late_policy

    with pytest.raises(ValueError, match=r"late_policy.timezone: is empty"):
        parse_late_policy(
            {"deadline": "2026-12-01T23:59", "percent_per_day": 10, "timezone": ""},
            lambda key, problem: ValueError(f"{key}: {problem}"),
        )
