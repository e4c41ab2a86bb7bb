"""The grading process's peak memory on the parser-bomb scenario (issue 21), by hand.

    python benchmarks/parser_bomb_memory.py [--lines 1000000] [--depth 100000]

Builds three submissions in a temporary folder from the solutions: a correct one, the
parser bomb (ex5_label_flip.py padded with a million `a=1` lines, 4 MB) and a deep
expression (a unary minus nested 100,000 deep), grades each in a fresh child process
(the grading process alone: its workers are its own children and not counted) and prints
that process's peak resident memory (ru_maxrss), its wall time and its score. Before
learner sources were read once and capped, the parser bomb took the grading process to
3.8 GB and about 15 minutes; the deep expression was a grader error.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import json, resource, sys
from pathlib import Path
from grader.pipeline.grade import GradingContext, GradingOptions, grade_submission
context = GradingContext.build(GradingOptions(kit_root=Path(sys.argv[1]), base_seed=7))
result = grade_submission(Path(sys.argv[2]), context)
errors = sum(1 for check in result.checks if check.outcome.grader_error)
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux
print(json.dumps({"peak_mb": peak_mb, "score": result.score, "grader_errors": errors}))
"""


def _build(folder: Path, append: str) -> Path:
    shutil.copytree(
        ROOT / "solutions", folder, ignore=shutil.ignore_patterns("data", "__pycache__")
    )
    if append:
        with (folder / "ex5_label_flip.py").open("a", encoding="utf-8") as handle:
            handle.write(append)
    return folder


def _grade(submission: Path) -> dict:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(ROOT), str(submission)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    measured = json.loads(done.stdout.strip().splitlines()[-1])
    measured["wall_s"] = time.perf_counter() - started
    return measured


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000, help="a=1 lines of the bomb")
    parser.add_argument("--depth", type=int, default=100_000, help="unary minus depth")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="parser-bomb-") as scratch:
        cases = {
            "correct": _build(Path(scratch) / "correct", ""),
            "parser-bomb": _build(Path(scratch) / "parser-bomb", "a=1\n" * args.lines),
            "deep-expression": _build(
                Path(scratch) / "deep-expression", "\nDEEP = " + "-" * args.depth + "1\n"
            ),
        }
        print("| submission | grading process peak RSS | wall time | score | grader errors |")
        print("| --- | ---: | ---: | ---: | ---: |")
        for name, folder in cases.items():
            size = (folder / "ex5_label_flip.py").stat().st_size
            found = _grade(folder)
            print(
                f"| {name} (ex5 {size / 2**20:.2f} MB) | {found['peak_mb']:.0f} MB | "
                f"{found['wall_s']:.1f} s | {found['score']:.2f} | {found['grader_errors']} |"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
