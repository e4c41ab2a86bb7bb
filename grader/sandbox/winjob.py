"""Windows only: a worker's job object, through pywin32 (a maintained library, never our
own Win32 code). The job holds the worker's memory (all its processes together) and ends
every process in it at once, the way a process group and SIGKILL do on POSIX.

Where pywin32 is missing the worker still runs, without a memory limit, and the
isolation report says so (`available`).
"""

from __future__ import annotations

import contextlib
import subprocess
from typing import Any


def available() -> str:
    """'' where job objects can be used here, else why not (one line)."""
    try:
        import win32api  # noqa: F401
        import win32job  # noqa: F401
    except ImportError:
        return "pywin32 is not installed (pip install pywin32)"
    return ""


def confine(popen: subprocess.Popen, memory_bytes: int) -> Any:
    """Put the worker in a new job object that is killed when the grader closes it (or
    dies) and, when memory_bytes > 0, holds its processes to that much memory together.
    Returns the job's handle, or None where pywin32 is missing."""
    if available():
        return None
    import win32api
    import win32con
    import win32job

    job = win32job.CreateJobObject(None, "")
    info = win32job.QueryInformationJobObject(job, win32job.JobObjectExtendedLimitInformation)
    flags = win32job.JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE
    if memory_bytes > 0:
        flags |= win32job.JOB_OBJECT_LIMIT_JOB_MEMORY
        info["JobMemoryLimit"] = memory_bytes
    info["BasicLimitInformation"]["LimitFlags"] = flags
    win32job.SetInformationJobObject(job, win32job.JobObjectExtendedLimitInformation, info)
    handle = win32api.OpenProcess(
        win32con.PROCESS_SET_QUOTA | win32con.PROCESS_TERMINATE, False, popen.pid
    )
    try:
        win32job.AssignProcessToJobObject(job, handle)
    finally:
        win32api.CloseHandle(handle)
    return job


def kill(job: Any) -> None:
    """End every process in the job at once."""
    if job is None:
        return
    import win32job

    with contextlib.suppress(Exception):
        win32job.TerminateJobObject(job, 1)
