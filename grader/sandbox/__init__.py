"""Running untrusted learner code: worker processes, their limits and their protocol.

Learner code never runs in the grading process: `Worker` runs it in a separate process
under limits, and only plain data comes back (see worker.py and _bootstrap.py).
"""

from grader.sandbox.errors import FailureKind, StudentCodeError
from grader.sandbox.isolation import isolation_report
from grader.sandbox.limits import Limits
from grader.sandbox.worker import BudgetSpent, CallResult, Worker

__all__ = [
    "BudgetSpent",
    "CallResult",
    "FailureKind",
    "Limits",
    "StudentCodeError",
    "Worker",
    "isolation_report",
]
