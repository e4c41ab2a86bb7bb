"""Benchmark: grade a generated class with `python -m grader grade` and print its figures.

Run by hand, never as a test:

    python benchmarks/grade_class.py --copies 50 --jobs 2

The class is `copies` copies of the reference solutions (the slowest honest submission:
every check runs to the end). Prints the wall time, submissions per second and the
average grading time per submission.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--copies", type=int, default=50)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="grader-bench-"))
    try:
        submissions = []
        for index in range(args.copies):
            folder = scratch / "class" / f"learner-{index:03d}"
            folder.mkdir(parents=True)
            for path in (ROOT / "solutions").glob("*.py"):
                shutil.copyfile(path, folder / path.name)
            submissions.append(str(folder))
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "grader", "grade", *submissions, "--out",
             str(scratch / "out"), "--jobs", str(args.jobs), "--seed", "1"],
            check=True, cwd=ROOT, stderr=subprocess.DEVNULL,
        )
        wall = time.perf_counter() - started
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"graded {args.copies} copies of the solutions with --jobs {args.jobs}")
    print(f"wall time: {wall:.1f} s")
    print(f"throughput: {args.copies / wall:.2f} submissions/s")
    print(f"per submission: {wall / args.copies * args.jobs:.2f} s of a grading process")
    return 0


if __name__ == "__main__":
    sys.exit(main())
