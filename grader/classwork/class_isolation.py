"""What the class report says, near its top, when learner code ran with weak isolation.

`grade` warns on stderr before grading, but a report read later (by a colleague, in CI)
only counted the levels. At the `process` level learner code could read solutions/ and
other submissions and reach the network: a warning. At `landlock` some layers were
missing (a PID namespace, perhaps the network barrier): a note listing them, in the
words each results.json records (extra_data.isolation.missing).
"""

from __future__ import annotations

from dataclasses import dataclass

from grader.classwork.class_summary import ClassSummary

LEVEL_PROCESS = "process"
LEVEL_LANDLOCK = "landlock"


@dataclass(frozen=True)
class IsolationNotice:
    """One sentence for the class report; `warning` or a note; `missing` the layers the
    level lacked, as the results say."""

    warning: bool
    text: str
    missing: tuple[str, ...] = ()


def isolation_notices(summary: ClassSummary) -> tuple[IsolationNotice, ...]:
    """A warning when any submission ran at the `process` level, a note at `landlock`."""
    counts = dict(summary.isolation)
    missing = dict(summary.isolation_missing)
    notices = []
    if counts.get(LEVEL_PROCESS):
        notices.append(
            IsolationNotice(
                True,
                f"{counts[LEVEL_PROCESS]} submission(s) were graded at the "
                f"'{LEVEL_PROCESS}' isolation level: learner code could read any file the "
                "grader can and reach the network (solutions/, the other submissions, this "
                "folder). Grade where the 'namespaces' or 'landlock' level is available.",
            )
        )
    if counts.get(LEVEL_LANDLOCK):
        notices.append(
            IsolationNotice(
                False,
                f"{counts[LEVEL_LANDLOCK]} submission(s) were graded at the "
                f"'{LEVEL_LANDLOCK}' isolation level, stronger than '{LEVEL_PROCESS}' but "
                "without some layers" + (":" if missing.get(LEVEL_LANDLOCK) else "."),
                missing.get(LEVEL_LANDLOCK, ()),
            )
        )
    return tuple(notices)


__all__ = ["IsolationNotice", "isolation_notices"]
