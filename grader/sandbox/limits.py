"""The limits a worker runs under; rubric.yaml's `limits:` mapping sets them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    call_timeout_s: float = 10.0  # wall clock per request (import, call or get)
    memory_mb: int = 2048  # RLIMIT_AS; numpy + scikit-learn need about 330 MB of it
    cpu_s: int = 300  # RLIMIT_CPU for a worker's lifetime (a restart starts afresh)
    file_size_mb: int = 16  # RLIMIT_FSIZE: the captured output and any file written
    processes: int = 256  # RLIMIT_NPROC (the kernel does not enforce it for root)
    open_files: int = 256  # RLIMIT_NOFILE
    output_kb: int = 64  # captured output kept per request
    # A learner .py file over this is neither parsed (outside the sandbox) nor imported:
    # its checks are not run, with a note. The solutions' largest file is 10 KB; parsing
    # 128 KB of the densest code (`a=1` lines) peaks near 80 MB in the grading process.
    source_kb: int = 128
    # Wall clock for all of one submission's requests (imports, calls, gets) together; once
    # spent, the checks left are not run. Honest slow code (a per-row Python loop fit)
    # uses about 3 s of it for a whole submission: see rubric.yaml.
    submission_budget_s: float = 120.0
