"""Where a correct submission's CPU goes in a batch: every process of `grade` counted.

Run by hand, never as a test (Linux, as root or with a delegated cgroup; about 1 minute):

    python benchmarks/cpu_accounting.py [--size 40] [--jobs 2] [--repeat 5]
        [--isolation LEVEL] [--json]

Wall-time overheads are noisy on a shared machine, and with `--jobs` equal to the number
of cores a batch is CPU-bound: each submission's wall time is then its CPU time, whoever
spends it (the grading process, the worker, the zygote, the kernel). This script counts
all of it. It grades a class of `--size` copies of the solutions, and one of 2, each with
`python -m grader grade --jobs N --no-similarity` started inside a fresh cgroup (cgroup
v1's cpuacct, or v2's cpu.stat), which every process the grader starts inherits: pool
processes, zygotes, launchers, workers. The difference between the two runs, per extra
submission, is the marginal CPU of a correct submission (start-up and the class views
drop out); the learner's share is the sum of results.json's learner_time_s. Last, the
grading process's own CPU per submission, in one warm process (profile_grading.measure),
splits the rest between the grading process and the sandbox's side (the worker's work
besides the learner's code, the zygote, forks, kills, the kernel's pipes).

Exits 2 with one line where no cgroup can be made here.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from grader.paths import KitPaths  # noqa: E402

V1 = Path("/sys/fs/cgroup/cpuacct")
V2 = Path("/sys/fs/cgroup")


class CpuGroup:
    """A cgroup that counts the CPU time of every process started in it (seconds)."""

    def __init__(self, name: str) -> None:
        if (V1 / "cpuacct.usage").exists():
            self.path, self.v1 = V1 / name, True
        elif (V2 / "cgroup.controllers").exists():
            own = Path("/proc/self/cgroup").read_text().splitlines()[0].split(":", 2)[2]
            self.path, self.v1 = V2 / own.lstrip("/") / name, False
        else:
            raise OSError("no cgroup v1 cpuacct or cgroup v2 hierarchy")
        self.path.mkdir()

    def join(self) -> None:
        """Move the calling process in (a child's preexec_fn: before its exec)."""
        (self.path / "cgroup.procs").write_text(str(os.getpid()))

    def seconds(self) -> dict[str, float]:
        """Total, user and system CPU time of everything that ran in it."""
        if self.v1:
            read = {k: int((self.path / f"cpuacct.{k}").read_text()) / 1e9
                    for k in ("usage", "usage_user", "usage_sys")}  # fmt: skip
            return {"total": read["usage"], "user": read["usage_user"],
                    "system": read["usage_sys"]}  # fmt: skip
        stat = dict(line.split() for line in (self.path / "cpu.stat").read_text().splitlines())
        return {"total": int(stat["usage_usec"]) / 1e6, "user": int(stat["user_usec"]) / 1e6,
                "system": int(stat["system_usec"]) / 1e6}  # fmt: skip

    def remove(self) -> None:
        for _ in range(50):  # the last processes may still be exiting
            try:
                self.path.rmdir()
                return
            except OSError:
                time.sleep(0.1)


def grade_counted(
    folders: list[Path], out: Path, jobs: int, isolation: str = "best"
) -> dict[str, Any]:
    """Grade `folders` in a cgroup of their own: CPU seconds, wall seconds, learner seconds."""
    group = CpuGroup(f"grader-cpu-accounting-{os.getpid()}-{len(folders)}")
    try:
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "grader", "grade", *map(str, folders), "--out", str(out),
             "--jobs", str(jobs), "--seed", "1", "--no-similarity", "--isolation", isolation],
            cwd=ROOT, preexec_fn=group.join, capture_output=True, text=True, check=False,
        )  # fmt: skip
        wall = time.perf_counter() - started
        cpu = group.seconds()
    finally:
        group.remove()
    if done.returncode != 0:
        raise SystemExit(f"grade failed: {done.stderr.strip()[-300:]}")
    results = [json.loads((out / f.name / "results.json").read_text()) for f in folders]
    learner = sum(result["extra_data"]["learner_time_s"] for result in results)
    return {"n": len(folders), "wall_s": wall, "cpu_s": cpu, "learner_s": learner}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=40)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=5, help="in-process gradings")
    parser.add_argument("--isolation", default="best", help="grade's --isolation")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.size < 4:
        parser.error("--size must be at least 4")
    scratch = Path(tempfile.mkdtemp(prefix="grader-cpu-"))
    try:
        solutions = KitPaths.discover().solutions
        folders = []
        for index in range(args.size):
            folder = scratch / "class" / f"learner-{index:03d}"
            shutil.copytree(solutions, folder, ignore=shutil.ignore_patterns("__pycache__"))
            folders.append(folder)
        try:
            small = grade_counted(folders[:2], scratch / "out-small", args.jobs, args.isolation)
        except OSError as error:
            print(f"cpu_accounting: cannot make a cgroup here ({error}); run as root on "
                  "Linux", file=sys.stderr)  # fmt: skip
            return 2
        large = grade_counted(folders, scratch / "out-large", args.jobs, args.isolation)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    from profile_grading import measure

    warm, _ = measure("correct", args.repeat)
    extra = large["n"] - small["n"]
    per = {key: (large["cpu_s"][key] - small["cpu_s"][key]) / extra for key in large["cpu_s"]}
    learner = (large["learner_s"] - small["learner_s"]) / extra
    figures = {
        "size": args.size,
        "jobs": args.jobs,
        "cores": len(os.sched_getaffinity(0)),
        "runs": {"small": small, "large": large},
        "cpu_per_submission_s": per["total"],
        "user_per_submission_s": per["user"],
        "system_per_submission_s": per["system"],
        "learner_per_submission_s": learner,
        "overhead_cpu_per_submission_s": per["total"] - learner,
        "wall_per_submission_s": (large["wall_s"] - small["wall_s"]) / extra,
        "grading_process_cpu_s": warm["grader_cpu_s"],
        "sandbox_side_cpu_s": per["total"] - learner - warm["grader_cpu_s"],
    }
    if args.json:
        print(json.dumps(figures, indent=1))
        return 0
    f = figures
    print(f"a correct submission's marginal CPU, class of {args.size} minus class of 2, "
          f"--jobs {args.jobs} on {f['cores']} cores:")  # fmt: skip
    rows = [
        ("every process of grade", f["cpu_per_submission_s"],
         f"user {f['user_per_submission_s']:.3f} s, system {f['system_per_submission_s']:.3f} s"),
        ("  inside learner code", f["learner_per_submission_s"], "results.json's learner_time_s"),
        ("  the rest: grading overhead", f["overhead_cpu_per_submission_s"], ""),
        ("    the grading process", f["grading_process_cpu_s"],
         f"one warm process, {args.repeat} gradings (profile_grading)"),
        ("    the sandbox's side", f["sandbox_side_cpu_s"],
         "worker besides learner code, zygote, forks, kills, kernel"),
        ("wall time per extra submission", f["wall_per_submission_s"],
         f"x {args.jobs} jobs = {f['wall_per_submission_s'] * args.jobs:.3f} s of cores"),
    ]  # fmt: skip
    for label, seconds, note in rows:
        print(f"  {label:<34} {seconds:6.3f} s  {note}".rstrip())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
