"""Running untrusted learner code: worker processes, their limits and their protocol."""

from grader.sandbox.worker import (
    CallResult,
    FailureKind,
    Limits,
    StudentCodeError,
    Worker,
    isolation_report,
)

__all__ = [
    "CallResult",
    "FailureKind",
    "Limits",
    "StudentCodeError",
    "Worker",
    "isolation_report",
]
