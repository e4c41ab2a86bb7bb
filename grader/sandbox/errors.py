"""How learner code fails in the sandbox, and the plain-English sentence for each failure."""

from __future__ import annotations

import dataclasses
import signal
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from grader.sandbox.limits import Limits

if TYPE_CHECKING:  # grader.places reads grader.results, which reads this module
    from grader.places import Places


class FailureKind(str, Enum):
    """Why a request to the learner's code gave no value.

    Everything the grader does differently per kind is said here (the properties below and
    failure_message), so a new kind is added in this file only; tests/test_sandbox.py
    checks that every kind has its sentence and its short phrase.
    """

    MISSING_MODULE = "missing_module"  # the file is not in the submission
    SYNTAX_ERROR = "syntax_error"
    IMPORT_ERROR = "import_error"  # an exception while the module was being imported
    EXCEPTION = "exception"  # an exception raised by a call
    TIMEOUT = "timeout"  # the wall-clock limit per request
    CRASHED = "crashed"  # the worker died of a signal
    EXITED = "exited"  # os._exit, or sys.exit (SystemExit) at import or in a call
    MEMORY = "memory"  # MemoryError under the address-space limit
    CPU_LIMIT = "cpu_limit"  # RLIMIT_CPU: SIGXCPU, or SIGKILL past the hard limit
    FILE_SIZE = "file_size"  # RLIMIT_FSIZE: output or a file grew past the limit
    BAD_RETURN = "bad_return"  # a value that cannot come back as plain data
    MISSING_NAME = "missing_name"  # no such function or constant in the module
    PROTOCOL = "protocol"  # the reply could not be read (garbage on the channel)

    @property
    def reported_by_worker(self) -> bool:
        """The worker's own reply may say it; the rest (a timeout, a death by signal, the
        CPU limit) only the grader can see, so a reply claiming one is forged."""
        return self not in _SEEN_BY_GRADER_ONLY

    @property
    def taints_worker(self) -> bool:
        """After it the worker's state is not to be trusted (half-freed memory, stdout's
        buffer still holding what the file-size limit refused, an unknown channel state):
        the next request starts a fresh worker."""
        return self in _TAINTING

    @property
    def exhausts_limit(self) -> bool:
        """It used up a limit: calling the function again would most likely cost the whole
        limit again."""
        return self in _EXHAUSTING

    @property
    def breaks_file(self) -> bool:
        """The file itself cannot be used (missing, or it does not parse or import): every
        check that needs it is skipped, under one note."""
        return self in _BREAKING_THE_FILE

    @property
    def in_short(self) -> str:
        """What happened to a function, completing "sigmoid() ..." (the report's curves)."""
        return _IN_SHORT[self]


_SEEN_BY_GRADER_ONLY = frozenset({FailureKind.TIMEOUT, FailureKind.CRASHED, FailureKind.CPU_LIMIT})
_TAINTING = frozenset({FailureKind.MEMORY, FailureKind.FILE_SIZE, FailureKind.PROTOCOL})
_EXHAUSTING = frozenset({FailureKind.TIMEOUT, FailureKind.CPU_LIMIT, FailureKind.MEMORY})
_BREAKING_THE_FILE = frozenset(
    {FailureKind.MISSING_MODULE, FailureKind.SYNTAX_ERROR, FailureKind.IMPORT_ERROR}
)
_IN_SHORT = {
    FailureKind.MISSING_MODULE: "is in a file your submission does not have",
    FailureKind.SYNTAX_ERROR: "is in a file with a syntax error",
    FailureKind.IMPORT_ERROR: "is in a file that failed to import",
    FailureKind.EXCEPTION: "raised an exception",
    FailureKind.TIMEOUT: "ran out of time",
    FailureKind.CRASHED: "did not return a value",
    FailureKind.EXITED: "did not return a value",
    FailureKind.MEMORY: "ran out of memory",
    FailureKind.CPU_LIMIT: "used up its CPU time",
    FailureKind.FILE_SIZE: "did not return a value",
    FailureKind.BAD_RETURN: "returned something that is not plain data",
    FailureKind.MISSING_NAME: "is missing",
    FailureKind.PROTOCOL: "did not return a value",
}


class StudentCodeError(Exception):
    """The learner's code failed; the message says how, in the learner's terms.

    `kind` says what happened, `learner_message` is a sentence for the learner (paths are
    relative to the submission), `output` is what the code printed during the request
    (at most Limits.output_kb), `exception_type` and `traceback` are set for exceptions;
    `at_import`: it happened while the file was being imported (whatever the kind: an
    exception, sys.exit, a hang), so nothing in that file can be used. `file`, `line`
    and `function` say where, as facts: the innermost frame of the learner's code (or the
    line of a syntax error), with the file relative to the submission; empty when unknown.
    """

    def __init__(
        self,
        kind: FailureKind,
        learner_message: str,
        output: str = "",
        *,
        exception_type: str = "",
        traceback: str = "",
        at_import: bool = False,
        file: str = "",
        line: int = 0,
        function: str = "",
        without_values: str | None = None,
        printed_size: str = "",
    ) -> None:
        super().__init__(learner_message)
        self.kind = kind
        self.learner_message = learner_message
        self.output = output
        self.exception_type = exception_type
        self.traceback = traceback
        self.at_import = at_import
        self.file = file
        self.line = line
        self.function = function
        # The sentence without the exception's own text, which may quote its inputs.
        self.without_values = learner_message if without_values is None else without_values
        # How much the code printed where the worker cut `output` ("19.5 MB"), else "".
        self.printed_size = printed_size

    def hidden(self) -> StudentCodeError:
        """This failure as a check on held-out data may show it: the exception's type and
        place, never its text; what the code printed by its size only (either may carry
        the held-out inputs, and a fixed seed brings the same ones back on a regrade)."""
        message = self.without_values
        if self.output:
            size = self.printed_size or f"{len(self.output)} characters"
            message += (
                f"\nYour code printed {size}; what it prints in a check on held-out data is "
                "not shown."
            )
        return StudentCodeError(
            self.kind,
            message,
            "",
            exception_type=self.exception_type,
            at_import=self.at_import,
            file=self.file,
            line=self.line,
            function=self.function,
        )

    @property
    def breaks_file(self) -> bool:
        """The file cannot be used at all: missing, not parsed, or failing at import."""
        return self.kind.breaks_file or self.at_import

    def copy(self) -> StudentCodeError:
        """A fresh instance with the same content (re-raising one piles up tracebacks)."""
        return StudentCodeError(
            self.kind,
            self.learner_message,
            self.output,
            exception_type=self.exception_type,
            traceback=self.traceback,
            at_import=self.at_import,
            file=self.file,
            line=self.line,
            function=self.function,
            without_values=self.without_values,
            printed_size=self.printed_size,
        )

    def __reduce__(self) -> tuple:
        # Picklable across the batch's process pool despite the keyword-only fields.
        fields = (self.kind, self.learner_message, self.output)
        place = (self.file, self.line, self.function)
        return (
            _rebuild,
            (
                *fields,
                self.exception_type,
                self.traceback,
                self.at_import,
                *place,
                self.without_values,
                self.printed_size,
            ),
        )

    def __str__(self) -> str:
        return self.learner_message


def _rebuild(
    kind: FailureKind,
    message: str,
    output: str,
    exception_type: str,
    traceback: str,
    at_import: bool = False,
    file: str = "",
    line: int = 0,
    function: str = "",
    without_values: str | None = None,
    printed_size: str = "",
) -> StudentCodeError:
    return StudentCodeError(
        kind,
        message,
        output,
        exception_type=exception_type,
        traceback=traceback,
        at_import=at_import,
        file=file,
        line=line,
        function=function,
        without_values=without_values,
        printed_size=printed_size,
    )


@dataclass(frozen=True)
class Target:
    """What a request was doing, to name it in messages."""

    op: str  # "import", "call" or "get"
    module: str
    name: str = ""
    shown: str = ""  # the file as the learner has it, when not the .py (a notebook)

    @property
    def file(self) -> str:
        return self.shown or self.module_file

    @property
    def module_file(self) -> str:
        """The .py the worker imports, relative to the submission."""
        return f"{self.module.replace('.', '/')}.py"

    def as_seen(self, places: Places) -> Target:
        """The same target, its file named as the learner has it."""
        shown = places.file(self.module_file)
        return dataclasses.replace(self, shown="" if shown == self.module_file else shown)

    @property
    def doing(self) -> str:
        """e.g. "running sigmoid()", "importing ex1.py", "reading K from ex1.py"."""
        if self.op == "call":
            return f"running {self.name}()"
        if self.op == "get":
            return f"reading {self.name} from {self.file}"
        return f"importing {self.file}"

    @property
    def subject(self) -> str:
        """What did something: "sigmoid()", "importing ex1.py", "reading K from ex1.py"."""
        return f"{self.name}()" if self.op == "call" else self.doing


@dataclass(frozen=True)
class Failure:
    """A failure's facts, from the worker (checked) or from the parent's own watch."""

    kind: FailureKind
    detail: str = ""  # a sub-case: "SystemExit", "large", "nested", a protocol problem
    exception_type: str = ""
    message: str = ""
    frames: tuple[tuple[str, int, str, str], ...] = ()  # (file, line, function, source)
    file: str = ""
    line: int = 0
    type_name: str = ""
    signal: int = 0
    exit_code: int = 0
    timeout_s: float = 0.0


def _limit_hit(failure: Failure, limits: Limits) -> str:
    """Name the limit behind an exception the kernel raised for it (fork, open)."""
    text = failure.message
    if "Resource temporarily unavailable" in text or "[Errno 11]" in text:
        return f" (the process limit: at most {limits.processes} processes)"
    if "Too many open files" in text or "[Errno 24]" in text:
        return f" (the open-files limit: {limits.open_files})"
    if "Read-only file system" in text or "[Errno 30]" in text:
        return " (only the submission's own folder and /tmp can be written to)"
    if any(sign in text for sign in ("Network is unreachable", "[Errno 101]", "[Errno 97]")):
        return " (learner code has no network)"
    if "Permission denied" in text or "[Errno 13]" in text:
        return (
            " (your code may read only its own folder and Python's files, and write only in "
            "its own folder and the temporary folder)"
        )
    if "Operation not permitted" in text or "[Errno 1]" in text:
        return " (the sandbox does not allow this operation)"
    return ""


def failure_message(
    failure: Failure, target: Target, limits: Limits, places: Places | None = None
) -> str:
    """The sentence the learner reads; files and lines said as `places` says them (a
    notebook's cell as Jupyter shows it), joined here once."""
    if places is None:
        from grader.places import NO_NOTEBOOKS as places
    target = target.as_seen(places)
    kind, subject, doing = failure.kind, target.subject, target.doing
    if kind is FailureKind.MISSING_MODULE:
        return places.missing(target.module_file)
    if kind is FailureKind.SYNTAX_ERROR:
        where = places.where(failure.file, failure.line)
        if where.cell:
            return f"{where.file} has a syntax error in {where.spot}: {failure.message}"
        file = places.file(failure.file)
        return f"{file} has a syntax error on line {failure.line}: {failure.message}"
    if kind is FailureKind.IMPORT_ERROR:
        if failure.detail == "shadowed":
            return (
                f"{target.file} could not be imported: a module of the same name from "
                "outside the submission is already loaded; rename the file"
            )
        return f"importing {target.file} raised {_exception(failure)}{_where(failure, places)}"
    if kind is FailureKind.EXCEPTION:
        if failure.detail == "while_returning":
            return (
                f"{subject} returned a value that raised {_exception(failure)} when it was "
                "converted to an array"
            )
        return (
            f"{subject} raised {_exception(failure)}{_where(failure, places)}"
            f"{_limit_hit(failure, limits)}"
        )
    if kind is FailureKind.TIMEOUT:
        if target.op == "call":
            return (
                f"{subject} did not return within {seconds(failure.timeout_s)} "
                "(the time limit per call)"
            )
        limit = "for importing a file" if target.op == "import" else "per request"
        return (
            f"{doing} did not finish within {seconds(failure.timeout_s)} (the time limit {limit})"
        )
    if kind is FailureKind.CRASHED:
        return f"the process crashed ({signal_name(failure.signal)}) while {doing}"
    if kind is FailureKind.EXITED:
        if failure.detail == "SystemExit" and target.op == "import":
            return (
                f"{target.file} called sys.exit() when imported; put script code under "
                '`if __name__ == "__main__":`'
            )
        if failure.detail == "SystemExit":
            return f"{subject} called sys.exit() instead of returning a value"
        return (
            f"the process ended (os._exit or sys.exit) while {doing} "
            f"(exit status {failure.exit_code})"
        )
    if kind is FailureKind.MEMORY:
        return f"{subject} ran out of memory (limit {limits.memory_mb} MB)"
    if kind is FailureKind.CPU_LIMIT:
        return (
            f"the submission's worker used more than {limits.cpu_s} s of CPU time "
            f"(the CPU limit) while {doing}"
        )
    if kind is FailureKind.FILE_SIZE:
        return (
            f"{subject} wrote more than {limits.file_size_mb} MB to its output or to a file "
            "(the file size limit)"
        )
    if kind is FailureKind.BAD_RETURN:
        return _bad_return(failure, target)
    if kind is FailureKind.MISSING_NAME:
        if failure.type_name:
            return f"{target.name} in {target.file} is not a function (it is a {failure.type_name})"
        if target.op == "call":
            return f"{target.file} has no function {target.name}()"
        return f"{target.file} does not define {target.name}"
    if kind is FailureKind.PROTOCOL:
        return (
            f"the grader could not read the reply while {doing} ({failure.detail}); writing "
            "to file descriptors other than stdout and stderr can cause this"
        )
    return f"{doing} failed ({kind.value})"  # a kind without its sentence: see the tests


def _bad_return(failure: Failure, target: Target) -> str:
    if target.op == "get":
        subject, verb = f"{target.name} in {target.file}", "is"
    else:
        subject, verb = target.subject, "returned"
    if failure.detail == "large":
        return f"{subject} {verb} a value too large to send back (the limit is 64 MB)"
    if failure.detail == "deep":
        return f"{subject} {verb} a value nested too deeply (lists of lists ... of lists)"
    what = (
        f"a value holding a {failure.type_name}"
        if failure.detail == "nested"
        else (f"a {failure.type_name}")
    )
    return f"{subject} {verb} {what}, which is not a number, a list or an array"


def _exception(failure: Failure) -> str:
    message = failure.message.strip()
    return f"{failure.exception_type}: {message}" if message else failure.exception_type


def _where(failure: Failure, places: Places) -> str:
    if not failure.frames:
        return ""
    file, line, function, _ = failure.frames[-1]
    inside = "" if function == "<module>" else f", in {function}"
    return f" ({places.at(file, line)}{inside})"


def innermost_place(failure: Failure) -> tuple[str, int, str]:
    """(file, line, function) of the failure, as facts: a syntax error's line, else the
    innermost learner frame ("" for the function at a module's top level); ("", 0, "")
    when neither is known."""
    if failure.kind is FailureKind.SYNTAX_ERROR and failure.file:
        return failure.file, failure.line, ""
    if not failure.frames:
        return "", 0, ""
    file, line, function, _ = failure.frames[-1]
    return file, line, "" if function == "<module>" else function


def format_traceback(failure: Failure, places: Places | None = None) -> str:
    """The learner's frames only, innermost last, with paths relative to the submission
    (a notebook's frames as its cells: `places`)."""
    if places is None:
        from grader.places import NO_NOTEBOOKS as places
    lines = []
    for file, line, function, source in failure.frames:
        lines.append(places.frame(file, line, function))
        if source:
            lines.append(f"    {source}")
    if failure.exception_type:
        lines.append(_exception(failure))
    return "\n".join(lines)


def seconds(value: float) -> str:
    return f"{value:g} s"


def signal_name(number: int) -> str:
    """e.g. "SIGSEGV, segmentation fault"."""
    try:
        name = signal.Signals(number).name
    except ValueError:
        return f"signal {number}"
    description = signal.strsignal(number) or ""
    return f"{name}, {description.lower()}" if description else name
