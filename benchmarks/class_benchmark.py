"""Benchmark: a generated class graded by the grader, and the same class graded naively.

Run by hand, never as a test:

    python benchmarks/class_benchmark.py --size 200 --jobs 2 [--naive-size N] [--json]

The class (seeded): mostly correct submissions (copies of the solutions), some with the
typical mistakes of tests/fixtures/mistake-*, and a few that hang in one function
(tests/fixtures/infinite-loop, whose time limit is the rubric's). It is graded with
`python -m grader grade --jobs N`, then (a sample of it) the naive way: one fresh
`python -m pytest` process per submission running the same checks (naive_plugin.py),
N at a time. Prints submissions per second, the time inside learner code, the grader's
overhead over it, peak memory, and the ratio of the two throughputs.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from grader.checks.catalog import Category, category_folder  # noqa: E402
from grader.paths import KitPaths  # noqa: E402
from grader.samples import Sample, compose_sample  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures"
SHARES = {"correct": 0.80, "buggy": 0.17, "hanging": 0.03}


def make_class(size: int, folder: Path, seed: int) -> dict[str, str]:
    """name -> kind, the submissions written into folder."""
    kit = KitPaths.discover()
    mistakes = [Sample.read(path) for path in sorted(FIXTURES.glob("mistake-*"))]
    hanging = Sample.read(FIXTURES / "infinite-loop")
    hanging = Sample(hanging.name, hanging.folder, hanging.description, hanging.base, hanging.edits)
    rng = random.Random(seed)
    kinds: dict[str, str] = {}
    counts = {kind: round(share * size) for kind, share in SHARES.items()}
    counts["correct"] = size - counts["buggy"] - counts["hanging"]
    order = [kind for kind, count in counts.items() for _ in range(count)]
    rng.shuffle(order)
    for index, kind in enumerate(order):
        name = f"learner-{index:03d}"
        if kind == "correct":
            shutil.copytree(
                kit.solutions, folder / name, ignore=shutil.ignore_patterns("__pycache__")
            )
        else:
            sample = rng.choice(mistakes) if kind == "buggy" else hanging
            compose_sample(sample, kit.solutions, folder / name)
        kinds[name] = kind
    return kinds


def grade(folder: Path, names: list[str], out: Path, jobs: int) -> tuple[float, float]:
    """Wall time, and the peak of the summed RSS of the grader's whole process tree
    (grading processes, zygotes, workers), sampled every 50 ms."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "grader", "grade", *(str(folder / n) for n in names),
         "--out", str(out), "--jobs", str(jobs), "--seed", "1"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    peak = 0.0
    while process.poll() is None:
        peak = max(peak, _tree_rss_mb(process.pid))
        time.sleep(0.05)
    if process.returncode != 0:
        raise SystemExit(f"grading failed with exit status {process.returncode}")
    return time.perf_counter() - started, peak


def _tree_rss_mb(root: int) -> float:
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            fields = stat[stat.rfind(")") + 2 :].split()
            parents[int(entry)] = int(fields[1])
            rss[int(entry)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, IndexError):
            continue
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        for pid, ppid in parents.items():
            if ppid == parent and pid not in tree:
                tree.add(pid)
                frontier.append(pid)
    return sum(rss.get(pid, 0) for pid in tree) / 2**20


def naive(folder: Path, names: list[str], jobs: int) -> float:
    checks = [str(category_folder(category)) for category in Category]
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'benchmarks'}{os.pathsep}{ROOT}"}

    def one(name: str) -> None:
        subprocess.run(
            [sys.executable, "-m", "pytest", "-p", "naive_plugin", "--submission",
             str(folder / name), *checks, "-q", "-p", "no:cacheprovider",
             "--import-mode=importlib", "--assert=plain", "-o", "python_files=*.py",
             "-o", "python_functions=check_*", "-o", "python_classes=", "-o", "addopts=",
             "-o", "testpaths=", "--rootdir", str(Path(checks[0]).parent)],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip

    started = time.perf_counter()
    with ThreadPoolExecutor(jobs) as pool:
        list(pool.map(one, names))
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--naive-size", type=int, default=None, help="default: the whole class")
    parser.add_argument("--skip-naive", action="store_true")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="grader-bench-"))
    try:
        kinds = make_class(args.size, scratch / "class", args.seed)
        names = sorted(kinds)
        wall, peak_mb = grade(scratch / "class", names, scratch / "out", args.jobs)
        per_kind: dict[str, dict[str, float]] = {}
        grader_failures: list[str] = []
        for name in names:
            results = json.loads((scratch / "out" / name / "results.json").read_text())
            extra = results.get("extra_data") or {}
            if "learner_time_s" not in extra:  # the fallback results of a grader failure
                grader_failures.append(name)
                continue
            row = per_kind.setdefault(kinds[name], {"n": 0, "grading_s": 0.0, "learner_s": 0.0})
            row["n"] += 1
            row["grading_s"] += results["execution_time"]
            row["learner_s"] += extra["learner_time_s"]
        learner_total = sum(row["learner_s"] for row in per_kind.values())
        figures = {
            "size": args.size,
            "jobs": args.jobs,
            "wall_s": wall,
            "submissions_per_s": args.size / wall,
            "learner_s": learner_total,
            "overhead_pct": 100 * (wall * args.jobs - learner_total) / learner_total,
            "peak_rss_mb_process_tree": peak_mb,
            "per_kind": per_kind,
            "grader_failures": grader_failures,
        }
        correct = per_kind.get("correct")
        if correct:
            # Per correct submission: the grading process's time beside the learner's.
            figures["correct_overhead_pct"] = (
                100 * (correct["grading_s"] - correct["learner_s"]) / correct["learner_s"]
            )
        if not args.skip_naive:
            sample = names[: args.naive_size] if args.naive_size else names
            naive_wall = naive(scratch / "class", sample, args.jobs)
            figures["naive_size"] = len(sample)
            figures["naive_submissions_per_s"] = len(sample) / naive_wall
            figures["speedup"] = figures["submissions_per_s"] / figures["naive_submissions_per_s"]
        if args.json:
            print(json.dumps(figures, indent=1))
        else:
            _table(figures)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


def _table(figures: dict) -> None:
    print(f"class of {figures['size']} graded with --jobs {figures['jobs']}")
    print(f"  wall time                  {figures['wall_s']:8.1f} s")
    print(f"  submissions per second     {figures['submissions_per_s']:8.2f}")
    print(f"  time inside learner code   {figures['learner_s']:8.1f} s")
    print(f"  grader overhead (all)      {figures['overhead_pct']:8.0f} % of learner time")
    if "correct_overhead_pct" in figures:
        print(
            f"  overhead, correct subs     {figures['correct_overhead_pct']:8.0f} % "
            "(target: at most 25 %)"
        )
    print(
        f"  peak memory (all processes){figures['peak_rss_mb_process_tree']:8.0f} MB (summed RSS)"
    )
    if figures["grader_failures"]:
        print(f"  grader failures            {len(figures['grader_failures']):8d}")
    for kind, row in figures["per_kind"].items():
        print(
            f"  {kind:<9} {int(row['n']):4d} subs: {row['grading_s'] / row['n']:5.2f} s grading, "
            f"{row['learner_s'] / row['n']:5.2f} s in learner code, each"
        )
    if "speedup" in figures:
        print(
            f"naive (fresh pytest per submission), {figures['naive_size']} subs: "
            f"{figures['naive_submissions_per_s']:.2f} per second"
        )
        print(f"  throughput ratio           {figures['speedup']:8.1f}x (target: at least 3x)")


if __name__ == "__main__":
    raise SystemExit(main())
