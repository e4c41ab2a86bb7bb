"""The sandbox: learner code runs in a limited worker process; only plain data comes back.

Each test writes a small submission into tmp_path and drives a Worker with small limits,
so that timeouts and limits are reached quickly.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import os
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from grader.results import Isolation
from grader.sandbox import (
    CallResult,
    FailureKind,
    Limits,
    StudentCodeError,
    Worker,
    _process,
    cgroups,
    confine,
    isolation_report,
)
from grader.sandbox._process import BASE_ENVIRONMENT, COPIED_FROM_PARENT
from grader.sandbox.confine import Confinement, Stack
from grader.sandbox.layers import privileges
from grader.sandbox.worker import bootstrap_source
from grader.sandbox.zygote import WarmWorkers, Zygote

FAST = Limits(call_timeout_s=1.0, memory_mb=1024, cpu_s=60, file_size_mb=1, output_kb=4)

Submit = Callable[..., Worker]
# These tests pin the process-level mechanics every platform has (limits, timeouts, the
# protocol, killing the process tree); test_sandbox_namespaces.py adds the Linux namespaces.
PLAIN = None


@pytest.fixture()
def submit(tmp_path: Path, launcher: Zygote | None) -> Iterator[Submit]:
    """submit(limits, name=source, ...) writes the files and opens a Worker on them."""
    workers: list[Worker] = []
    folder = tmp_path / "submission"
    folder.mkdir()

    def make(
        limits: Limits = FAST, confinement: Confinement | None = PLAIN, **files: str
    ) -> Worker:
        for name, source in files.items():
            (folder / f"{name}.py").write_text(textwrap.dedent(source), encoding="utf-8")
        worker = Worker(folder, limits, confinement, zygote=launcher)
        workers.append(worker)
        return worker

    yield make
    for worker in workers:
        worker.close()


def _failure(worker: Worker, module: str, function: str, *args: object) -> StudentCodeError:
    with pytest.raises(StudentCodeError) as caught:
        worker.call(module, function, *args)
    return caught.value


def _running(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_bytes()
    except OSError:
        return False
    return stat[stat.rfind(b")") + 2 : stat.rfind(b")") + 3] not in (b"Z", b"X")


ECHO = """
    def echo(value):
        return value
"""


# --- values ------------------------------------------------------------------------------


VALUES = [
    None,
    True,
    False,
    0,
    -7,
    2**70,
    1.5,
    -0.0,
    "text é ✓",
    "",
    [1, [2.5, "x"], []],
    {"a": 1, "b": [1, 2]},
    {0.5: "half", 2: "two", None: 0, True: "yes", (1, 2.5): "pair"},
    Ellipsis,
    {"SIGMOID_AT": {-4.0: ..., 0.0: 0.5}},
]


@pytest.mark.parametrize("index", range(len(VALUES)))
def test_plain_values_round_trip(submit: Submit, index: int) -> None:
    value = VALUES[index]
    got = submit(m=ECHO).call("m", "echo", value).value
    assert got == value
    assert type(got) is type(value)


def test_non_finite_floats_round_trip(submit: Submit) -> None:
    worker = submit(m=ECHO)
    got = worker.call("m", "echo", [math.nan, math.inf, -math.inf, {math.inf: math.nan}]).value
    assert math.isnan(got[0]) and got[1] == math.inf and got[2] == -math.inf
    ((key, item),) = got[3].items()
    assert key == math.inf and math.isnan(item)


def test_tuples_become_lists(submit: Submit) -> None:
    assert submit(m=ECHO).call("m", "echo", (1, (2, 3))).value == [1, [2, 3]]


@pytest.mark.parametrize(
    "array",
    [
        np.array(3.5),
        np.array(7),
        np.arange(12, dtype=np.int32).reshape(3, 4),
        np.array([True, False]),
        np.array([[1.0, np.nan], [np.inf, -np.inf]]),
        np.zeros((0, 3)),
        np.asfortranarray(np.arange(6.0).reshape(2, 3)),
        np.array([1 + 2j]),
        np.array(["converges", "diverges"]),
        np.arange(5, dtype=np.uint8),
    ],
    ids=lambda array: f"{array.dtype}-{array.shape}",
)
def test_arrays_round_trip(submit: Submit, array: np.ndarray) -> None:
    got = submit(m=ECHO).call("m", "echo", array).value
    assert type(got) is np.ndarray
    assert got.dtype == array.dtype and got.shape == array.shape
    np.testing.assert_array_equal(got, array)


def test_numpy_scalars_become_python_scalars(submit: Submit) -> None:
    worker = submit(
        m="""
        import numpy as np
        def scalars():
            return [np.float64(0.25), np.int64(3), np.bool_(True), np.float32(0.5), np.str_("a")]
        """
    )
    got = worker.call("m", "scalars").value
    assert got == [0.25, 3, True, 0.5, "a"]
    assert [type(item) for item in got] == [float, int, bool, float, str]


def test_lying_subclasses_arrive_as_plain_values(submit: Submit) -> None:
    worker = submit(
        m="""
        import numpy as np
        class Liar(float):
            def __eq__(self, other):
                return True
            __hash__ = float.__hash__
        class Wordy(str):
            def __eq__(self, other):
                return True
            __hash__ = str.__hash__
        class Tagged(np.ndarray):
            def __eq__(self, other):
                return True
        def liar():
            return Liar(0.25)
        def wordy():
            return Wordy("converges")
        def tagged():
            return np.arange(3.0).view(Tagged)
        def nested():
            return {"w": [Liar(1.5)]}
        """
    )
    value = worker.call("m", "liar").value
    assert type(value) is float and value == 0.25 and value != 0.3
    word = worker.call("m", "wordy").value
    assert type(word) is str and word != "diverges"
    array = worker.call("m", "tagged").value
    assert type(array) is np.ndarray
    np.testing.assert_array_equal(array, [0.0, 1.0, 2.0])
    assert type(worker.call("m", "nested").value["w"][0]) is float


def test_array_likes_become_arrays_and_objects_are_refused(submit: Submit) -> None:
    worker = submit(
        m="""
        def a_range():
            return range(3)
        def a_generator():
            return (x for x in range(3))
        def a_lambda():
            return lambda x: x
        def a_list_holding_a_function():
            return [1, print]
        def an_object():
            return object()
        """
    )
    np.testing.assert_array_equal(worker.call("m", "a_range").value, [0, 1, 2])
    error = _failure(worker, "m", "a_generator")
    assert error.kind is FailureKind.BAD_RETURN
    assert error.learner_message == (
        "a_generator() returned a generator, which is not a number, a list or an array"
    )
    assert _failure(worker, "m", "a_lambda").kind is FailureKind.BAD_RETURN
    assert "function" in _failure(worker, "m", "a_lambda").learner_message
    nested = _failure(worker, "m", "a_list_holding_a_function")
    assert nested.kind is FailureKind.BAD_RETURN and "holding a builtin" in nested.learner_message
    assert _failure(worker, "m", "an_object").kind is FailureKind.BAD_RETURN
    # The worker is still fine after refusals.
    assert worker.call("m", "a_range").value.tolist() == [0, 1, 2]
    assert worker.restarts == 0


def test_a_value_over_the_size_limit_is_refused(submit: Submit) -> None:
    worker = submit(
        m="""
        import numpy as np
        def huge():
            return np.zeros(5_000_000)
        """
    )
    error = _failure(worker, "m", "huge")
    assert error.kind is FailureKind.BAD_RETURN and "too large" in error.learner_message


def test_get_reads_hand_worked_constants(submit: Submit) -> None:
    worker = submit(
        ex1="""
        SIGMOID_AT = {-4.0: 0.018, 0.0: 0.5, 4.0: ...}
        T4_LOSS_AT_P_HALF = ...
        def not_a_constant():
            pass
        """
    )
    assert worker.get("ex1", "SIGMOID_AT") == {-4.0: 0.018, 0.0: 0.5, 4.0: Ellipsis}
    assert worker.get("ex1", "T4_LOSS_AT_P_HALF") is Ellipsis
    with pytest.raises(StudentCodeError) as missing:
        worker.get("ex1", "W_AFTER_FIRST_STEP")
    assert missing.value.kind is FailureKind.MISSING_NAME
    assert missing.value.learner_message == "ex1.py does not define W_AFTER_FIRST_STEP"
    with pytest.raises(StudentCodeError) as function:
        worker.get("ex1", "not_a_constant")
    assert function.value.kind is FailureKind.BAD_RETURN
    assert "not_a_constant in ex1.py is a function" in function.value.learner_message


# --- calls -------------------------------------------------------------------------------


def test_call_result_has_warnings_output_and_timing(submit: Submit) -> None:
    worker = submit(
        m="""
        import numpy as np
        def sigmoid(z):
            print("computing")
            return 1 / (1 + np.exp(-z))
        """
    )
    result = worker.call("m", "sigmoid", np.array([-1000.0, 0.0]))
    assert isinstance(result, CallResult)
    np.testing.assert_allclose(result.value, [0.0, 0.5])
    assert any(w.startswith("RuntimeWarning: overflow") for w in result.warnings)
    assert result.output == "computing\n"
    assert 0 < result.duration_s < 1
    assert worker.time_in_student_code_s > 0  # measured in the worker: the learner's code only


def test_args_after_show_changes_to_inputs(submit: Submit) -> None:
    worker = submit(
        m="""
        def scale(X, y, factor=2.0, out=None):
            X *= factor
            out.append(1)
            return None
        """
    )
    X = np.ones((2, 2))
    y = [0, 1]
    result = worker.call("m", "scale", X, y, out=[], factor=np.full(2, 3.0))
    np.testing.assert_array_equal(result.args_after[0], 3 * np.ones((2, 2)))
    assert result.kwargs_after["out"] == [1]
    np.testing.assert_array_equal(X, np.ones((2, 2)))  # the grader's copy never changes
    # What the call left as it was comes back as the object sent (the worker says so
    # instead of sending it again).
    assert result.args_after[1] is y
    assert set(result.kwargs_after) == {"out", "factor"}
    np.testing.assert_array_equal(result.kwargs_after["factor"], np.full(2, 3.0))


def test_repeated_calls_reuse_the_import(submit: Submit, tmp_path: Path) -> None:
    worker = submit(
        m="""
        COUNT = [0]
        print("imported")
        def bump():
            COUNT[0] += 1
            return COUNT[0]
        """
    )
    assert [worker.call("m", "bump").value for _ in range(3)] == [1, 2, 3]


def test_missing_function_and_not_callable(submit: Submit) -> None:
    worker = submit(m="THRESHOLD = 0.5\n")
    error = _failure(worker, "m", "sigmoid")
    assert error.kind is FailureKind.MISSING_NAME
    assert error.learner_message == "m.py has no function sigmoid()"
    error = _failure(worker, "m", "THRESHOLD")
    assert error.kind is FailureKind.MISSING_NAME and "is not a function" in error.learner_message


def test_exception_shows_the_learners_frames_only(submit: Submit, tmp_path: Path) -> None:
    worker = submit(
        logistic_scratch="""
        import numpy as np

        def gradient(X, y, w):
            return X @ w  # shapes do not match

        def fit_logistic(X, y):
            return gradient(X, y, np.zeros(5))

        def not_written():
            raise NotImplementedError("fit_logistic")

        def leaks_path():
            raise FileNotFoundError(__file__)
        """
    )
    error = _failure(worker, "logistic_scratch", "fit_logistic", np.ones((2, 3)), [0, 1])
    assert error.kind is FailureKind.EXCEPTION
    assert error.exception_type == "ValueError"
    assert error.learner_message.startswith("fit_logistic() raised ValueError: matmul")
    assert error.learner_message.endswith("(logistic_scratch.py, line 5, in gradient)")
    assert error.traceback.splitlines()[:2] == [
        '  File "logistic_scratch.py", line 8, in fit_logistic',
        "    return gradient(X, y, np.zeros(5))",
    ]
    assert "numpy" not in error.traceback and "<string>" not in error.traceback
    not_written = _failure(worker, "logistic_scratch", "not_written")
    assert "NotImplementedError" in not_written.learner_message
    leaked = _failure(worker, "logistic_scratch", "leaks_path")
    for text in (error.learner_message, error.traceback, leaked.learner_message):
        assert str(tmp_path) not in text and "/tmp" not in text
    assert "logistic_scratch.py" in leaked.learner_message


def test_printed_paths_are_relative_to_the_submission(submit: Submit, tmp_path: Path) -> None:
    worker = submit(
        m="""
        import os
        def where():
            print(os.getcwd())
            print(os.path.join(os.getcwd(), "data", "eight_tickets.csv"))
            return 1
        """
    )
    assert worker.call("m", "where").output == ".\ndata/eight_tickets.csv\n"


# --- imports -------------------------------------------------------------------------------


def test_missing_module(submit: Submit) -> None:
    worker = submit(other="X = 1\n")
    error = _failure(worker, "logistic_scratch", "sigmoid", 0.0)
    assert error.kind is FailureKind.MISSING_MODULE
    assert error.learner_message == "logistic_scratch.py is missing from the submission"


def test_a_failed_import_is_remembered(submit: Submit) -> None:
    worker = submit(broken="raise RuntimeError('not today')\n", m=ECHO)
    first = _failure(worker, "broken", "f")
    assert first.kind is FailureKind.IMPORT_ERROR
    assert "RuntimeError: not today (broken.py, line 1)" in first.learner_message
    with pytest.raises(StudentCodeError) as again:
        worker.get("broken", "K")
    assert again.value is not first and again.value.learner_message == first.learner_message
    assert worker.call("m", "echo", 1).value == 1


def test_syntax_error_names_the_line(submit: Submit) -> None:
    worker = submit(ex2_learning_rate="import numpy as np\n\ndef loss_history(:\n    pass\n")
    error = _failure(worker, "ex2_learning_rate", "loss_history")
    assert error.kind is FailureKind.SYNTAX_ERROR
    assert error.learner_message.startswith("ex2_learning_rate.py has a syntax error on line 3: ")


def test_exception_at_import(submit: Submit) -> None:
    worker = submit(ex6="import numpy as np\nimport scipy_is_not_allowed_here\n")
    error = _failure(worker, "ex6", "sklearn_weights")
    assert error.kind is FailureKind.IMPORT_ERROR
    assert "ModuleNotFoundError" in error.learner_message
    assert "(ex6.py, line 2)" in error.learner_message


def test_grader_package_is_not_importable(submit: Submit) -> None:
    worker = submit(
        m="""
        def peek():
            try:
                import grader.checks.answers  # noqa: F401
            except ImportError as error:
                return type(error).__name__
            return "imported"
        """
    )
    assert worker.call("m", "peek").value == "ModuleNotFoundError"


def test_hang_at_import_times_out_once_then_fails_fast(submit: Submit) -> None:
    worker = submit(hang="while True:\n    pass\n", m=ECHO)
    error = _failure(worker, "hang", "anything")
    assert error.kind is FailureKind.TIMEOUT
    assert error.learner_message == (
        "importing hang.py did not finish within 2 s (the time limit for importing a file)"
    )
    started = time.perf_counter()
    again = _failure(worker, "hang", "anything_else")
    assert time.perf_counter() - started < 0.2
    assert again.kind is FailureKind.TIMEOUT
    assert worker.call("m", "echo", 5).value == 5  # a fresh worker, another module


# --- time, exits, crashes --------------------------------------------------------------------


def test_endless_call_times_out_and_the_next_call_restarts(submit: Submit) -> None:
    worker = submit(
        m="""
        import signal
        def sigmoid(z):
            signal.signal(signal.SIGTERM, signal.SIG_IGN)  # SIGKILL cannot be ignored
            while True:
                pass
        """,
        other=ECHO,
    )
    started = time.perf_counter()
    error = _failure(worker, "m", "sigmoid", 0.0)
    assert time.perf_counter() - started < 3
    assert error.kind is FailureKind.TIMEOUT
    assert error.learner_message == "sigmoid() did not return within 1 s (the time limit per call)"
    assert worker.call("other", "echo", 1).value == 1
    assert worker.restarts == 1
    # It hung once: not called again (one time limit per hanging function), even with a
    # shorter limit asked for.
    with pytest.raises(StudentCodeError) as again:
        worker.call("m", "sigmoid", 0.0, timeout_s=0.3)
    assert "not called again" in again.value.learner_message
    assert worker.restarts == 1


def _wait_until_stopped(worker: Worker, limit_s: float = 10.0) -> None:
    """Until a process of the worker's tree is stopped (state T in /proc): an observable
    event, polled, never a fixed sleep."""
    from grader.sandbox._process import descendants

    launcher = worker._holder.process.pid
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        for pid in descendants(launcher):
            try:
                stat = Path(f"/proc/{pid}/stat").read_bytes()
            except OSError:
                continue
            if stat[stat.rfind(b")") + 2 : stat.rfind(b")") + 3] == b"T":
                return
        time.sleep(0.005)
    raise AssertionError("the worker never stopped")


def test_a_worker_that_stops_reading_times_out(submit: Submit) -> None:
    worker = submit(
        m="""
        import os, signal, threading
        def freeze():
            threading.Timer(0.01, os.kill, (os.getpid(), signal.SIGSTOP)).start()
            return 1
        def echo(value):
            return value.shape
        """
    )
    assert worker.call("m", "freeze").value == 1
    _wait_until_stopped(worker)  # the stop comes first, whatever the machine's load
    big = np.zeros(250_000)  # 2 MB: more than a pipe holds, so sending it blocks
    with pytest.raises(StudentCodeError) as caught:
        worker.call("m", "echo", big)
    assert caught.value.kind is FailureKind.TIMEOUT
    assert worker.given_up() == set()  # it never received the call: echo is not to blame
    assert worker.call("m", "echo", big).value == [250_000]


def test_os_exit_in_a_call_and_at_import(submit: Submit) -> None:
    worker = submit(
        m="""
        import os
        def fit_logistic():
            os._exit(0)
        """,
        gone="import os\nos._exit(0)\n",
        other=ECHO,
    )
    error = _failure(worker, "m", "fit_logistic")
    assert error.kind is FailureKind.EXITED
    assert error.learner_message.startswith(
        "the process ended (os._exit or sys.exit) while running fit_logistic()"
    )
    at_import = _failure(worker, "gone", "f")
    assert at_import.kind is FailureKind.EXITED and "importing gone.py" in at_import.learner_message
    assert worker.call("other", "echo", 2).value == 2


def test_sys_exit_is_reported_and_the_worker_lives_on(submit: Submit) -> None:
    worker = submit(
        m="""
        import sys
        def main():
            sys.exit(3)
        def fine():
            return "ok"
        """,
        script="import sys\nsys.exit('done')\n",
    )
    error = _failure(worker, "m", "main")
    assert error.kind is FailureKind.EXITED and "sys.exit()" in error.learner_message
    assert worker.call("m", "fine").value == "ok"
    assert worker.restarts == 0
    at_import = _failure(worker, "script", "f")
    assert at_import.kind is FailureKind.EXITED and "__main__" in at_import.learner_message


def test_a_crash_names_the_signal(submit: Submit) -> None:
    worker = submit(
        m="""
        import os, signal
        def crash():
            os.kill(os.getpid(), signal.SIGSEGV)
        def fine():
            return 1
        """
    )
    error = _failure(worker, "m", "crash")
    assert error.kind is FailureKind.CRASHED
    assert error.learner_message.startswith("the process crashed (SIGSEGV")
    assert "while running crash()" in error.learner_message
    assert "Fatal Python error" in error.output  # faulthandler's report
    assert worker.call("m", "fine").value == 1


def test_cpu_limit(submit: Submit) -> None:
    worker = submit(
        Limits(call_timeout_s=10, cpu_s=1),
        m="""
        def spin():
            while True:
                pass
        """,
    )
    error = _failure(worker, "m", "spin")
    assert error.kind is FailureKind.CPU_LIMIT
    assert "1 s of CPU time" in error.learner_message


# --- memory, output, stdin, environment ---------------------------------------------------


def test_memory_bomb(submit: Submit) -> None:
    worker = submit(
        Limits(call_timeout_s=5, memory_mb=600),
        m="""
        import numpy as np
        def bomb():
            chunks = []
            while True:
                chunks.append(np.ones(10_000_000))
        def fine():
            return 1
        """,
    )
    error = _failure(worker, "m", "bomb")
    assert error.kind is FailureKind.MEMORY
    assert error.learner_message == "bomb() ran out of memory (limit 600 MB)"
    assert worker.call("m", "fine").value == 1
    assert worker.restarts == 1


def test_print_flood_is_cut_and_noted_never_fatal(submit: Submit) -> None:
    worker = submit(
        m="""
        import sys
        def flood():
            for i in range(20_000):  # 20 MB, past the 1 MB file-size limit
                print(f"{i:05d} " + "x" * 994)
            sys.stderr.write("the end\\n")
            return 7
        def chatty():
            for i in range(100):
                print(f"line {i:03d} " + "y" * 50)
            return 1
        """
    )
    result = worker.call("m", "flood")
    assert result.value == 7
    assert result.output.startswith("00000 x")
    assert "your code printed 19.1 MB; the first and last 2 KB are shown" in result.output
    assert result.output.endswith("the end\n") and len(result.output) <= 4 * 1024 + 100
    assert worker.printed_too_much == {"running flood() (m.py)": 20_000 * 1001 + 8}
    assert worker.restarts == 0
    result = worker.call("m", "chatty")  # each call starts with an empty output file
    assert result.value == 1
    assert result.output.startswith("line 000") and result.output.endswith("y" * 50 + "\n")
    assert "bytes of output left out" in result.output and len(result.output) <= 4 * 1024 + 100
    scratch = [path for path in worker._scratch.iterdir()]  # the grader's own temp folder
    assert all(path.stat().st_size <= 1 << 20 for path in scratch)
    worker.close()
    assert not worker._scratch.exists()


def test_the_file_size_limit_still_holds_for_files_and_raw_writes(submit: Submit) -> None:
    worker = submit(
        m="""
        import os
        def big_file():
            with open("big.bin", "wb") as handle:
                handle.write(b"x" * (2 << 20))
        def raw_flood():
            for _ in range(2_000):
                os.write(1, b"z" * 1000)
        """
    )
    for function in ("big_file", "raw_flood"):
        error = _failure(worker, "m", function)
        assert error.kind is FailureKind.FILE_SIZE
        assert error.learner_message == (
            f"{function}() wrote more than 1 MB to its output or to a file (the file size limit)"
        )


def test_stdin_is_at_end_of_file(submit: Submit) -> None:
    worker = submit(
        m="""
        import sys
        def read_all():
            return [sys.stdin.read(), sys.stdin.readline()]
        def ask():
            return input("name? ")
        """
    )
    assert worker.call("m", "read_all").value == ["", ""]
    error = _failure(worker, "m", "ask")
    assert error.kind is FailureKind.EXCEPTION and error.exception_type == "EOFError"


def test_environment_is_empty_but_for_thread_counts_locale_and_scratch(submit: Submit) -> None:
    worker = submit(
        m="""
        import os, sys
        def environment():
            return sorted(os.environ)
        def paths():
            return [os.getcwd(), sys.path[0], sys.flags.isolated]
        """
    )
    names = set(worker.call("m", "environment").value)
    # TMPDIR: the worker's private scratch folder where no namespace gives it a /tmp
    assert names <= set(BASE_ENVIRONMENT) | set(COPIED_FROM_PARENT) | {"TMPDIR"}
    assert {"OPENBLAS_NUM_THREADS", "LC_ALL"} <= names
    cwd, first_path, isolated = worker.call("m", "paths").value
    assert cwd == first_path == os.path.realpath(worker.submission_dir) and isolated == 1


# --- other processes, the channel -------------------------------------------------------


def test_escaped_grandchild_is_killed_on_close(submit: Submit, tmp_path: Path) -> None:
    pidfile = tmp_path / "grandchild.pid"
    worker = submit(
        m="""
        import os, time
        def daemon(pidfile):
            if os.fork() == 0:  # child: a new session, then a grandchild, then leave
                os.setsid()
                if os.fork() == 0:
                    with open(pidfile + ".tmp", "w") as handle:
                        handle.write(str(os.getpid()))
                    os.rename(pidfile + ".tmp", pidfile)
                    time.sleep(600)
                os._exit(0)
            os.wait()
            while not os.path.exists(pidfile):
                time.sleep(0.005)
            return int(open(pidfile).read())
        """
    )
    pid = worker.call("m", "daemon", str(pidfile)).value
    assert _running(pid)
    worker.close()
    assert not _running(pid)


def test_subprocess_in_its_own_session_is_killed_on_close(submit: Submit) -> None:
    worker = submit(
        m="""
        import subprocess, sys
        def start():
            child = subprocess.Popen(
                [sys.executable, "-c", "import time; time.sleep(600)"], start_new_session=True
            )
            return child.pid
        """
    )
    pid = worker.call("m", "start").value
    assert _running(pid)
    worker.close()
    assert not _running(pid)


def test_garbage_on_low_descriptors_is_harmless(submit: Submit) -> None:
    worker = submit(
        m="""
        import os
        def scribble():
            for fd in range(3, 11):
                try:
                    os.write(fd, b"garbage \\x00\\xff{not json")
                except OSError:
                    pass
            return 1
        def fine():
            return 2
        """
    )
    try:
        assert worker.call("m", "scribble").value == 1
    except StudentCodeError as error:
        assert error.kind is FailureKind.PROTOCOL
    assert worker.call("m", "fine").value == 2


@pytest.mark.parametrize(
    "garbage",
    [
        b"garbage",
        b"\x00" * 8,
        b"\x00\x00\x00\x00\x00\x00\x00\x05hello",
        b"\x7f" * 8,
        b'\x00\x00\x00\x00\x00\x00\x00\x1a{"id":1,"ok":true,"value":',
        b'\x00\x00\x00\x00\x00\x00\x00\x0f{"__evil__": 1}',
    ],
    ids=["text", "empty", "short", "huge-length", "truncated-json", "unknown-tag"],
)
def test_garbage_on_the_reply_channel_is_a_clean_failure(submit: Submit, garbage: bytes) -> None:
    worker = submit(
        m=f"""
        import os
        def scribble():
            for name in os.listdir("/proc/self/fd"):
                try:
                    if os.readlink(f"/proc/self/fd/{{name}}").startswith("pipe:"):
                        os.write(int(name), {garbage!r})
                except OSError:
                    pass
            return 1
        def fine():
            return 2
        """
    )
    error = _failure(worker, "m", "scribble")
    assert error.kind in (FailureKind.PROTOCOL, FailureKind.TIMEOUT)
    assert worker.call("m", "fine").value == 2


def test_forged_reply_with_a_wrong_id_is_refused(submit: Submit) -> None:
    worker = submit(
        m="""
        import json, os, struct
        def forge():
            body = json.dumps({"id": 999, "ok": True, "value": 1}).encode()
            for name in os.listdir("/proc/self/fd"):
                try:
                    if os.readlink(f"/proc/self/fd/{name}").startswith("pipe:"):
                        os.write(int(name), struct.pack(">Q", len(body)) + body)
                except OSError:
                    pass
            return 1
        """
    )
    assert _failure(worker, "m", "forge").kind is FailureKind.PROTOCOL


def test_closing_the_channel_is_a_clean_failure(submit: Submit) -> None:
    worker = submit(
        m="""
        import os
        def cut():
            for name in os.listdir("/proc/self/fd"):
                try:
                    if os.readlink(f"/proc/self/fd/{name}").startswith("pipe:"):
                        os.close(int(name))
                except OSError:
                    pass
            return 1
        def fine():
            return 2
        """
    )
    error = _failure(worker, "m", "cut")
    assert error.kind in (FailureKind.PROTOCOL, FailureKind.EXITED)
    assert worker.call("m", "fine").value == 2


# --- the Worker's life ----------------------------------------------------------------------


def test_close_kills_the_worker_and_refuses_later_use(submit: Submit) -> None:
    worker = submit(
        m="""
        import os
        def pid():
            return os.getpid()
        """
    )
    pid = worker.call("m", "pid").value
    assert _running(pid)
    worker.close()
    worker.close()  # twice is fine
    assert not _running(pid)
    with pytest.raises(RuntimeError):
        worker.call("m", "pid")


def test_close_soon_kills_at_once_and_waits_in_a_thread(submit: Submit, monkeypatch) -> None:
    worker = submit(
        m="""
        import os
        def pid():
            return os.getpid()
        """
    )
    pid = worker.call("m", "pid").value
    seen: list[tuple[str, bool]] = []
    release = threading.Event()
    stop_tree, wait_dead = _process.stop_tree, _process.wait_dead

    def stopping(root: int, members: Callable[[], set[int]] | None = None) -> set[int]:
        seen.append(("stop", threading.current_thread() is threading.main_thread()))
        return stop_tree(root, members)

    def waiting(pids: set[int], timeout_s: float = 5.0) -> None:
        seen.append(("wait", threading.current_thread() is threading.main_thread()))
        release.wait(60)  # a guard against a hang, not a measurement
        wait_dead(pids, timeout_s)

    monkeypatch.setattr(_process, "stop_tree", stopping)
    monkeypatch.setattr(_process, "wait_dead", waiting)
    thread = worker.close_soon()
    assert thread is not None
    assert seen[0] == ("stop", True)  # killed before close_soon returned, in the caller
    with pytest.raises(RuntimeError):
        worker.call("m", "pid")
    assert worker.close_soon() is None  # closed already
    release.set()
    thread.join()
    assert seen[1] == ("wait", False)  # the waiting was the thread's
    assert not _running(pid)
    assert not worker._scratch.exists()


def test_worker_runs_under_its_limits(submit: Submit) -> None:
    worker = submit(
        Limits(call_timeout_s=5, memory_mb=700, cpu_s=30, file_size_mb=2, open_files=64),
        m="""
        import ctypes, resource
        def limits():
            names = ["RLIMIT_AS", "RLIMIT_CPU", "RLIMIT_FSIZE", "RLIMIT_NOFILE", "RLIMIT_CORE",
                     "RLIMIT_NPROC"]
            return {name: resource.getrlimit(getattr(resource, name))[0] for name in names}
        def flags():
            status = open("/proc/self/status").read()
            subreaper = ctypes.c_int(0)
            ctypes.CDLL(None).prctl(37, ctypes.byref(subreaper), 0, 0, 0)  # GET_CHILD_SUBREAPER
            return ["NoNewPrivs:\t1" in status, subreaper.value]
        """,
    )
    assert worker.call("m", "flags").value == [True, 1]
    got = worker.call("m", "limits").value
    assert got["RLIMIT_AS"] == 700 << 20
    assert got["RLIMIT_CPU"] == 30
    assert got["RLIMIT_FSIZE"] == 2 << 20
    assert got["RLIMIT_NOFILE"] == 64
    assert got["RLIMIT_CORE"] == 0
    assert got["RLIMIT_NPROC"] == 256


def test_numpy_and_sklearn_fit_in_the_default_memory_limit(submit: Submit) -> None:
    worker = submit(
        Limits(),
        m="""
        import numpy as np
        from sklearn.linear_model import LogisticRegression
        def fit():
            X = np.array([[0.0], [1.0], [2.0], [3.0]])
            return LogisticRegression().fit(X, [0, 0, 1, 1]).coef_
        """,
    )
    assert worker.call("m", "fit").value.shape == (1, 1)


def test_isolation_report_without_namespaces_says_what_is_missing() -> None:
    report = isolation_report(confinement=None)
    assert isinstance(report, Isolation) and report.level == "process"
    assert any("wall-clock limit" in item and "killing" in item for item in report.in_force)
    missing = " ".join(report.missing)
    for namespace in ("network namespace", "mount namespace", "PID namespace"):
        assert namespace in missing
    if os.geteuid() == 0:
        assert "RLIMIT_NPROC" in missing


def test_student_code_error_survives_pickling() -> None:
    import pickle

    error = StudentCodeError(FailureKind.TIMEOUT, "f() did not return", "out", exception_type="X")
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.kind, copy.learner_message, copy.output, copy.exception_type) == (
        FailureKind.TIMEOUT,
        "f() did not return",
        "out",
        "X",
    )


def test_a_prestarted_worker_answers_like_any_other(submit: Submit) -> None:
    worker = submit(
        m="""
        def f(x):
            return x + 1
        """
    )
    worker.prestart()
    worker.prestart()  # twice starts one process
    assert worker.call("m", "f", 1).value == 2
    assert worker.restarts == 0


def test_learner_time_counts_the_learners_imports_and_calls(submit: Submit) -> None:
    worker = submit(
        m="""
        import time
        time.sleep(0.2)  # module-level code is the learner's too
        def slow():
            time.sleep(0.3)
            return 1
        """
    )
    worker.call("m", "slow")
    assert 0.5 <= worker.time_in_student_code_s < 1.5


def test_workers_forked_from_one_zygote_share_nothing(zygote: Zygote, tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    for folder in (first, second):
        folder.mkdir()
    (first / "m.py").write_text(
        "import numpy, sklearn\n"
        "def leave_a_mark():\n"
        "    numpy.MARK = sklearn.MARK = 1\n"
        "    open('/proc/self/comm').read()\n"
        "    return 1\n"
    )
    (second / "m.py").write_text(
        "import numpy, sklearn\n"
        "def look():\n"
        "    return [hasattr(numpy, 'MARK'), hasattr(sklearn, 'MARK')]\n"
    )
    with Worker(first, FAST, PLAIN, zygote=zygote) as marked:
        assert marked.call("m", "leave_a_mark").value == 1
    with Worker(second, FAST, PLAIN, zygote=zygote) as fresh:
        assert fresh.call("m", "look").value == [False, False]


def test_warm_workers_fall_back_to_cold_starts_when_turned_off() -> None:
    warm = WarmWorkers(bootstrap_source(), enabled=False)
    assert warm.zygote() is None


def test_bytes_written_to_the_channel_after_a_reply_do_not_garble_the_next(
    submit: Submit,
) -> None:
    worker = submit(
        m="""
        import os, threading
        def scribble_later():
            def scribble():
                for name in os.listdir("/proc/self/fd"):
                    try:
                        os.write(int(name), b"garbage after the reply")
                    except OSError:
                        pass
            threading.Timer(0.05, scribble).start()
            return 1
        def honest():
            return 2
        """
    )
    assert worker.call("m", "scribble_later").value == 1
    process = worker._holder.process  # wait until the scribble is there, between requests
    deadline = time.monotonic() + 10
    while not process.readable():
        assert time.monotonic() < deadline, "the learner's thread never wrote"
        time.sleep(0.005)
    assert worker.call("m", "honest").value == 2


def test_a_function_that_hung_once_is_not_called_again(submit: Submit) -> None:
    """A hanging function costs one time limit: its first timeout replaces the worker and
    its later calls fail at once, naming the earlier timeout; other functions still run."""
    worker = submit(
        Limits(call_timeout_s=0.5, memory_mb=1024, cpu_s=60),
        m="""
        def hang():
            while True:
                pass
        def fine():
            return 3
        """,
    )
    with pytest.raises(StudentCodeError) as caught:
        worker.call("m", "hang")
    assert caught.value.kind is FailureKind.TIMEOUT
    assert worker.given_up() == {"m.hang"}
    restarts = worker.restarts
    started = time.monotonic()
    with pytest.raises(StudentCodeError) as caught:
        worker.call("m", "hang")
    assert time.monotonic() - started < 0.4  # failed at once, without running it
    assert caught.value.kind is FailureKind.TIMEOUT
    assert "did not return within 0.5 s" in caught.value.learner_message
    assert "not called again" in caught.value.learner_message
    assert worker.restarts == restarts  # no worker was started for it
    assert worker.call("m", "fine").value == 3


def test_descendants_of_the_launchers_session_members_are_members_too() -> None:
    """The launcher L (pid 10) has its children in its session; a grandchild that left the
    session below one of them is still L's (what the pids cgroup hid as root)."""
    from grader.sandbox._process import _members

    table = {10: (1, 10, 10), 11: (10, 10, 10), 12: (11, 10, 10), 13: (12, 13, 13), 99: (1, 99, 99)}
    assert _members(10, table) == {10, 11, 12, 13}


def test_control_characters_from_learner_code_come_back_escaped(submit: Submit) -> None:
    """A terminal title, colours or a NUL printed or raised by learner code reach no
    report raw: they come back as visible escapes."""
    worker = submit(
        m="""
        def noisy():
            print("title \\x1b]0;owned\\x07 nul \\x00 done")
            return 1
        def shouting():
            raise ValueError("red \\x1b[31m alert \\x9b")
        """
    )
    result = worker.call("m", "noisy")
    assert "\x1b" not in result.output and "\x00" not in result.output
    assert "\\x1b]0;owned\\x07" in result.output and "\\x00" in result.output
    with pytest.raises(StudentCodeError) as caught:
        worker.call("m", "shouting")
    message = caught.value.learner_message
    assert "\x1b" not in message and "\x9b" not in message and "\\x1b[31m" in message


@pytest.mark.parametrize("kind", list(FailureKind))
def test_every_failure_kind_has_its_own_sentence_and_short_phrase(kind: FailureKind) -> None:
    """A new kind of failure is added in grader/sandbox/errors.py alone: this fails until it
    has the learner's sentence and the phrase the report's curves use."""
    from grader.sandbox.errors import Failure, Target, failure_message

    sentence = failure_message(
        Failure(kind, detail="x", exception_type="ValueError", message="m", signal=9),
        Target("call", "logistic_scratch", "sigmoid"),
        Limits(),
    )
    assert sentence and not sentence.endswith(f"failed ({kind.value})")
    assert kind.in_short


# --- launchers made ahead (Zygote.launch) ------------------------------------------------


FORK_STORM = """
    import os, time
    def storm():
        started = 0
        for _ in range(100):
            try:
                pid = os.fork()
            except OSError:
                break
            if pid == 0:
                time.sleep(60)
                os._exit(0)
            started += 1
        return started
"""


@pytest.mark.skipif(not cgroups.available(), reason="needs cgroups (root)")
def test_a_launcher_made_ahead_for_other_limits_is_not_used(tmp_path: Path) -> None:
    # The next worker's launcher is made as a worker ends, in its cgroup; a worker with
    # other limits must not start in it.
    (tmp_path / "m.py").write_text(textwrap.dedent(FORK_STORM), encoding="utf-8")
    (tmp_path / "e.py").write_text(textwrap.dedent(ECHO), encoding="utf-8")
    roomy = Limits(call_timeout_s=5.0, memory_mb=1024, cpu_s=60, processes=64)
    tight = dataclasses.replace(roomy, processes=8)
    with Zygote(bootstrap_source()) as zygote:
        with Worker(tmp_path, roomy, PLAIN, zygote=zygote) as first:
            assert first.call("e", "echo", 1).value == 1
        with Worker(tmp_path, tight, PLAIN, zygote=zygote) as second:
            assert second.call("m", "storm").value < 8


def test_a_launcher_made_ahead_is_used_and_none_outlives_the_zygote(tmp_path: Path) -> None:
    (tmp_path / "e.py").write_text(textwrap.dedent(ECHO), encoding="utf-8")
    with Zygote(bootstrap_source()) as zygote:
        made_ahead = None
        for value in range(3):
            with Worker(tmp_path, FAST, PLAIN, zygote=zygote) as worker:
                assert worker.call("e", "echo", value).value == value
                if made_ahead is not None:  # the one the worker before made, as it ended
                    assert worker._holder.process.pid == made_ahead.pid
            made_ahead = zygote._spare
            assert made_ahead is not None and _running(made_ahead.pid)
        cgroup_folders = (
            [Path(procs).parent for procs in made_ahead.cgroup.procs] if (made_ahead.cgroup) else []
        )
    assert not _running(made_ahead.pid)
    assert not any(folder.exists() for folder in cgroup_folders)


@pytest.mark.skipif(not cgroups.available(), reason="needs cgroups (root)")
@pytest.mark.parametrize("ending", ["exits", "ends as a pool process (os._exit)"])
def test_a_grading_process_leaves_no_cgroup_behind(tmp_path: Path, ending: str) -> None:
    # The zygote makes the next worker's launcher (and its cgroup) as a worker ends; the
    # last one is closed as the process that owns the zygote ends, however it ends.
    (tmp_path / "e.py").write_text(textwrap.dedent(ECHO), encoding="utf-8")
    end = (
        "import multiprocessing.util, os\n"
        "multiprocessing.util._exit_function()\n"  # what a pool process runs, then:
        "os._exit(0)\n"
        if ending.startswith("ends")
        else ""
    )
    script = (
        "import os, sys\n"
        "from pathlib import Path\n"
        "from grader.sandbox import Limits, Worker\n"
        "from grader.sandbox.worker import bootstrap_source\n"
        "from grader.sandbox.zygote import WarmWorkers\n"
        "warm = WarmWorkers(bootstrap_source())\n"
        "worker = Worker(Path(sys.argv[1]), Limits(call_timeout_s=5), None, warm.zygote())\n"
        "assert worker.call('e', 'echo', 1).value == 1\n"
        "worker.close()\n"
        "assert warm.zygote()._spare is not None\n"
        "print(os.getpid(), flush=True)\n" + end
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True, check=True
    )
    creator = int(done.stdout.split()[-1])
    left = [
        entry
        for controller in cgroups.available()
        for entry in (cgroups._base(controller) or tmp_path).glob(f"grader-{creator}-*")
    ]
    assert left == []


@pytest.mark.skipif(not cgroups.available(), reason="needs cgroups (root)")
def test_groups_of_a_grader_that_was_killed_are_removed_and_live_ones_kept() -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    bases = [cgroups._base(controller) for controller in cgroups.available()]
    abandoned = [base / f"grader-{int(dead.stdout)}-0badc0de" for base in bases if base]
    live = [base / f"grader-{os.getpid()}-0badc0de" for base in bases if base]
    for folder in (*abandoned, *live):
        folder.mkdir()
    try:
        assert cgroups.remove_abandoned() >= len(abandoned)
        assert not any(folder.exists() for folder in abandoned)
        assert all(folder.exists() for folder in live)
    finally:
        for folder in (*abandoned, *live):
            with contextlib.suppress(OSError):
                folder.rmdir()


@pytest.mark.skipif(os.geteuid() != 0, reason="a uid drop needs root")
def test_an_unprivileged_worker_reaches_its_folder_inside_a_private_temporary_folder(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A batch's grading process keeps its temporary files in a folder of its own (0700,
    # in the system's temporary folder): at the process level the worker, dropped to an
    # unprivileged uid, must still reach its copy of the submission there (before, every
    # check said the file was missing). pytest's tmp_path lies below a 0700 folder of its
    # own, so the test makes its folder where the batch does, and removes it.
    with tempfile.TemporaryDirectory(prefix="grader-batch-test-") as made:
        _check_reached_through(Path(made), monkeypatch)


def _check_reached_through(private: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(private))
    folder = Path(tempfile.mkdtemp()) / "submission"
    folder.mkdir()
    (folder / "m.py").write_text("x = 1\n", encoding="utf-8")
    confine.hand_over(folder, Stack("process", drop_uid=True))
    child = os.fork()
    if child == 0:
        try:
            os.setgid(privileges.NOBODY)
            os.setuid(privileges.NOBODY)
            os._exit(0 if os.access(folder / "m.py", os.R_OK) else 1)
        finally:
            os._exit(2)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert not private.stat().st_mode & 0o044  # traversable, not listable


def test_cgroups_are_none_where_there_is_no_linux(monkeypatch: pytest.MonkeyPatch) -> None:
    # Windows has no os.geteuid: asking for cgroups there must answer, not raise (every
    # worker start and every batch asks).
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.delattr(os, "geteuid")
    cgroups.available.cache_clear()
    try:
        assert cgroups.available() == ()
        assert cgroups.remove_abandoned() == 0
    finally:
        monkeypatch.undo()
        cgroups.available.cache_clear()
