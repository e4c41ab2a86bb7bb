"""Benchmark: a generated class graded by the grader, and the same class graded naively.

Run by hand, never as a test:

    python benchmarks/class_benchmark.py --size 100 --jobs 2 --naive-size 30 \
        --sizes 100,400 [--json]

The class (seeded): mostly correct submissions (copies of the solutions), some with the
typical mistakes of tests/fixtures/mistake-*, and a few that hang in one function
(tests/fixtures/infinite-loop, under the rubric's time limit). It is graded with
`python -m grader grade --jobs N`, then (a sample of it, with every kind in it) the
naive way: one fresh `python -m pytest` process per submission running the same checks
(naive_plugin.py), N at a time. Then one correct submission cold, end to end: `grade` of
one folder in a fresh process, and the Gradescope run (the autograder zip unzipped into a
fresh folder, run_autograder as its docs say to try it). Then the time per stage of a
correct submission graded in-process (profile_grading.measure). With --sizes, classes of
those sizes are graded too and their peak memory (the whole process tree) compared.

Prints issue 25's table first (every row with its target and its limit, what a grader
at no cost would reach; then issue 14's rows that stay met), then the details:
submissions per second, the time inside learner code, the grader's overhead over it,
peak memory, what the hanging submissions cost, and the ratio of the two throughputs.
`--json` prints the same figures, the table's rows included ("issue_25_table"), as JSON.

The table's last row, grader errors in a class of 1,000 with 10 % hostile submissions,
takes about 15 minutes: `--class-of-1000 FILE` reads it from the output of an earlier
`python benchmarks/class_of_1000.py --json > FILE` (the table says it is carried and
from which file), `--class-of-1000 run` runs it here; without either the row says it
was not measured.

Where the naive sample is not the whole class, the naive class time is estimated from
its mean time per kind, weighted by the class's counts (a hanging submission costs ten
correct ones, so an unweighted sample would make either side look better than it is).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, NamedTuple

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from grader.checks.catalog import Category, category_folder  # noqa: E402
from grader.paths import EXERCISE_ORDER, KitPaths  # noqa: E402
from grader.samples import Sample, compose_sample  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures"
SHARES = {"correct": 0.80, "buggy": 0.17, "hanging": 0.03}


def make_class(size: int, folder: Path, seed: int) -> dict[str, str]:
    """name -> kind, the submissions written into folder."""
    kit = KitPaths.discover()
    mistakes = [Sample.read(path) for path in sorted(FIXTURES.glob("mistake-*"))]
    # Graded with the rubric's time limit (sample.yaml's own `limits` are the tests').
    hanging = Sample.read(FIXTURES / "infinite-loop")
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


PROGRESS = re.compile(r"^\[\d+/\d+\] (?P<name>\S+): .* in (?P<seconds>[\d.]+) s")


def grade(
    folder: Path, names: list[str], out: Path, jobs: int, pss_every_s: float = 0.0
) -> dict[str, Any]:
    """Grade with `python -m grader grade`. Returns the wall time; per submission, its
    time in its grading process with its reports (from the progress lines: 0.1 s
    resolution) and when its line arrived; the peak of the summed RSS of the grader's
    process tree (grading processes, zygotes, workers) and the largest single process,
    sampled every 50 ms; and getrusage(RUSAGE_CHILDREN).ru_maxrss. With pss_every_s, also
    the tree's summed PSS (each shared page counted once, shared among its users; forked
    workers share most of the zygote's pages, which summed RSS counts once per worker)
    every pss_every_s seconds, as "pss_series"."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "grader", "grade", *(str(folder / n) for n in names),
         "--out", str(out), "--jobs", str(jobs), "--seed", "1"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    lines: list[tuple[float, str]] = []

    def read() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            lines.append((time.perf_counter() - started, line.rstrip("\n")))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    peak_sum = peak_one = 0.0
    series: list[tuple[float, float]] = []  # (seconds since the start, summed RSS in MB)
    pss_series: list[tuple[float, float]] = []
    next_pss = 0.0
    while process.poll() is None:
        summed, largest = _tree_rss_mb(process.pid)
        peak_sum, peak_one = max(peak_sum, summed), max(peak_one, largest)
        now = time.perf_counter() - started
        series.append((now, summed))
        if pss_every_s and now >= next_pss:
            pss_series.append((now, _tree_pss_mb(process.pid)))
            next_pss = now + pss_every_s
        time.sleep(0.05)
    wall = time.perf_counter() - started
    reader.join(5)
    if process.returncode != 0:
        tail = "\n".join(line for _, line in lines[-20:])
        raise SystemExit(f"grading failed with exit status {process.returncode}:\n{tail}")
    seconds, done_at = {}, {}
    for at, line in lines:
        match = PROGRESS.match(line)
        if match:
            seconds[match["name"]] = float(match["seconds"])
            done_at[match["name"]] = at
    return {
        "wall_s": wall,
        "peak_mb": peak_sum,
        "largest_process_mb": peak_one,
        "rss_series": series,
        "pss_series": pss_series,
        "ru_maxrss_children_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
        "seconds": seconds,
        "done_at": done_at,
    }


def _tree_pss_mb(root: int) -> float:
    """The summed PSS of root and its descendants, in MB (/proc/PID/smaps_rollup)."""
    total_kb = 0
    for pid in _tree(root):
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total_kb += int(line.split()[1])
                    break
        except (OSError, ValueError, IndexError):
            continue
    return total_kb / 1024


def _tree(root: int, rss: dict[int, int] | None = None) -> set[int]:
    """root and its descendants (from /proc); with `rss`, each one's RSS in bytes too."""
    parents: dict[int, int] = {}
    page = os.sysconf("SC_PAGE_SIZE")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            fields = stat[stat.rfind(")") + 2 :].split()
            parents[int(entry)] = int(fields[1])
            if rss is not None:
                rss[int(entry)] = int(fields[21]) * page
        except (OSError, ValueError, IndexError):
            continue
    children: dict[int, list[int]] = {}
    for pid, ppid in parents.items():
        children.setdefault(ppid, []).append(pid)
    tree, frontier = {root}, [root]
    while frontier:
        for pid in children.get(frontier.pop(), []):
            if pid not in tree:
                tree.add(pid)
                frontier.append(pid)
    return tree


def _tree_rss_mb(root: int) -> tuple[float, float]:
    """The summed and the largest RSS of root and its descendants, in MB."""
    rss: dict[int, int] = {}
    sizes = [rss.get(pid, 0) / 2**20 for pid in _tree(root, rss)]
    return sum(sizes), max(sizes, default=0.0)


def naive_sample(names: list[str], kinds: dict[str, str], size: int | None) -> list[str]:
    """The first `size` names, or, if that misses a kind of the class, the first ones of
    each kind in the class's proportions (at least one of each)."""
    if not size or size >= len(names):
        return list(names)
    sample = names[:size]
    present = sorted(set(kinds.values()))
    if {kinds[n] for n in sample} == set(present) or size < len(present):
        return sample
    by_kind = {kind: [n for n in names if kinds[n] == kind] for kind in present}
    quota = {k: max(1, round(size * len(v) / len(names))) for k, v in by_kind.items()}
    while sum(quota.values()) > size:  # trim the largest kind
        largest = max(quota, key=lambda k: quota[k])
        quota[largest] -= 1
    return sorted(n for kind, members in by_kind.items() for n in members[: quota[kind]])


def check_paths(order: str) -> list[str]:
    """The checks to run: "chapter", file by file in the order run_checks uses (so that a
    hanging core function is met first and the functions built on it get the short
    limit); "folders", the three folders as pytest orders them."""
    if order == "folders":
        return [str(category_folder(category)) for category in Category]
    return [
        str(category_folder(category) / file_name)
        for category in Category
        for file_name in EXERCISE_ORDER
        if (category_folder(category) / file_name).is_file()
    ]


def naive(folder: Path, names: list[str], jobs: int, order: str) -> dict[str, Any]:
    """One fresh `python -m pytest` per submission, `jobs` at a time: the wall time, each
    run's time, and the runs that did not end in pass/fail (exit status 0 or 1)."""
    checks = check_paths(order)
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'benchmarks'}{os.pathsep}{ROOT}"}

    def one(name: str) -> tuple[int, float]:
        started = time.perf_counter()
        code = subprocess.run(
            [sys.executable, "-m", "pytest", "-p", "naive_plugin", "--submission",
             str(folder / name), "--seed", "1", *checks, "-q", "-p", "no:cacheprovider",
             "--import-mode=importlib", "--assert=plain", "-o", "python_files=*.py",
             "-o", "python_functions=check_*", "-o", "python_classes=", "-o", "addopts=",
             "-o", "testpaths=", "--rootdir", str(category_folder(Category.VISIBLE).parent)],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        ).returncode  # fmt: skip
        return code, time.perf_counter() - started

    started = time.perf_counter()
    with ThreadPoolExecutor(jobs) as pool:
        runs = list(pool.map(one, names))
    return {
        "wall_s": time.perf_counter() - started,
        "seconds": {name: run[1] for name, run in zip(names, runs, strict=True)},
        "broken": [name for name, run in zip(names, runs, strict=True) if run[0] not in (0, 1)],
    }


def cold_grade(folder: Path, out: Path) -> float:
    """`python -m grader grade FOLDER` in a fresh process: the wall time, end to end."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "grader", "grade", str(folder), "--out", str(out), "--seed", "1"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False,
    )  # fmt: skip
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"grading one folder failed:\n{done.stderr[-2000:]}")
    return wall


def gradescope_run(submission: Path, root: Path) -> tuple[float, float]:
    """The Gradescope run as its docs say to try it locally: the autograder zip unzipped
    into ROOT/source (no bytecode cached: a fresh container), the submission in
    ROOT/submission, then ROOT/source/run_autograder. The wall time and the score."""
    import zipfile

    from grader.commands.gradescope import write_gradescope_zip

    write_gradescope_zip(KitPaths.discover(), root / "autograder.zip")
    with zipfile.ZipFile(root / "autograder.zip") as bundle:
        bundle.extractall(root / "source")
    for script in ("run_autograder", "setup.sh"):
        (root / "source" / script).chmod(0o755)
    shutil.copytree(submission, root / "submission")
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "AUTOGRADER_PYTHON": sys.executable,
           "AUTOGRADER_SEED": "1", "PYTHONDONTWRITEBYTECODE": "1"}  # fmt: skip
    started = time.perf_counter()
    subprocess.run([str(root / "source" / "run_autograder")], env=env, cwd=root, check=False,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    wall = time.perf_counter() - started
    results = json.loads((root / "results" / "results.json").read_text())
    return wall, float(results["score"])


def memory_comparison(sizes: list[int], main: dict[int, dict], jobs: int, scratch: Path,
                      seed: int) -> dict[str, Any]:  # fmt: skip
    """Peak memory of the whole process tree, grading a class of each size (a graded one
    is reused)."""
    peaks = {}
    for size in sizes:
        if size in main:
            peaks[size] = main[size]["peak_mb"]
            continue
        folder = scratch / f"class-{size}"
        kinds = make_class(size, folder, seed)
        graded = grade(folder, sorted(kinds), scratch / f"out-{size}", jobs)
        peaks[size] = graded["peak_mb"]
        shutil.rmtree(folder, ignore_errors=True)
        shutil.rmtree(scratch / f"out-{size}", ignore_errors=True)
    smallest, largest = min(sizes), max(sizes)
    return {
        "memory_peak_mb": {str(size): peak for size, peak in peaks.items()},
        "memory_ratio": peaks[largest] / peaks[smallest] if peaks[smallest] else None,
        "memory_sizes": [smallest, largest],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=100)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--naive-size", type=int, default=None, help="default: the whole class")
    parser.add_argument("--skip-naive", action="store_true")
    parser.add_argument(
        "--sizes",
        default="",
        help="compare peak memory across class sizes, e.g. 100,400 (a class of --size is reused)",
    )
    parser.add_argument("--skip-cold", action="store_true", help="no one-submission cold runs")
    parser.add_argument(
        "--stage-repeat",
        type=int,
        default=5,
        help="correct submissions graded in-process for the time per stage (0: none)",
    )
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--naive-order",
        choices=("chapter", "folders"),
        default="chapter",
        help="the naive run's check order: the grader's (default) or plain pytest's",
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument(
        "--class-of-1000",
        metavar="FILE|run",
        help="the grader errors of a class of 1,000: FILE, the output of "
        "`class_of_1000.py --json` (carried from that run), or `run` (about 15 minutes)",
    )
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",") if size.strip()]
    scratch = Path(tempfile.mkdtemp(prefix="grader-bench-"))
    try:
        kinds = make_class(args.size, scratch / "class", args.seed)
        names = sorted(kinds)
        graded = grade(scratch / "class", names, scratch / "out", args.jobs)
        figures = _grader_figures(args, kinds, names, graded, scratch / "out")
        if not args.skip_naive:
            sample = naive_sample(names, kinds, args.naive_size)
            figures.update(_naive_figures(args, kinds, sample, figures, naive(
                scratch / "class", sample, args.jobs, args.naive_order)))  # fmt: skip
        if not args.skip_cold:
            correct = scratch / "class" / next(n for n in names if kinds[n] == "correct")
            figures["cold_grade_s"] = cold_grade(correct, scratch / "cold-out")
            wall, score = gradescope_run(correct, scratch / "gradescope")
            figures["gradescope_run_s"], figures["gradescope_score"] = wall, score
        if args.stage_repeat:
            sys.path.insert(0, str(ROOT / "benchmarks"))
            from profile_grading import measure

            profiled, _ = measure("correct", args.stage_repeat)
            figures["stages_s"] = profiled["stages_s"]
            figures["stages_per_submission_s"] = profiled["per_submission_s"]
            figures["grader_cpu_s_correct"] = profiled["grader_cpu_s"]
            figures["learner_s_correct_in_process"] = profiled["learner_s"]
        if sizes:
            figures.update(memory_comparison(
                sizes, {args.size: graded}, args.jobs, scratch, args.seed))  # fmt: skip
        if args.class_of_1000:
            figures["class_of_1000"] = class_of_1000(args.class_of_1000, args.jobs)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    figures["issue_25_table"] = [row._asdict() for row in issue_25_rows(figures)]
    if args.json:
        print(json.dumps(figures, indent=1))
    else:
        _issue_table(figures)
        print()
        _table(figures)
    return 0


def class_of_1000(source: str, jobs: int) -> dict[str, Any]:
    """The class of 1,000's figures: run now (`run`) or read from a file that
    `class_of_1000.py --json` wrote (marked "carried_from"). SystemExit, one line, for a
    file that cannot be read or is not that output."""
    if source == "run":
        done = subprocess.run(
            [sys.executable, str(ROOT / "benchmarks" / "class_of_1000.py"), "--json",
             "--jobs", str(jobs)],
            cwd=ROOT, capture_output=True, text=True, check=False,
        )  # fmt: skip
        if done.returncode != 0:
            raise SystemExit(f"class_of_1000.py failed: {done.stderr.strip()[-300:]}")
        return json.loads(done.stdout)
    try:
        figures = json.loads(Path(source).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise SystemExit(f"--class-of-1000: cannot read {source}: {error}") from None
    if not isinstance(figures, dict) or "with_grader_errors" not in figures:
        raise SystemExit(f"--class-of-1000: {source} is not class_of_1000.py --json's output")
    figures["carried_from"] = source
    return figures


def _grader_figures(
    args: argparse.Namespace, kinds: dict[str, str], names: list[str], graded: dict, out: Path
) -> dict[str, Any]:
    wall, jobs = graded["wall_s"], args.jobs
    per_kind: dict[str, dict[str, Any]] = {}
    grader_failures: list[str] = []
    for name in names:
        results = json.loads((out / name / "results.json").read_text())
        extra = results.get("extra_data") or {}
        if "learner_time_s" not in extra:  # the fallback results of a grader failure
            grader_failures.append(name)
            continue
        row = per_kind.setdefault(kinds[name], {
            "n": 0, "grading_s": 0.0, "with_reports_s": 0.0, "learner_s": 0.0,
            "max_with_reports_s": 0.0,
        })  # fmt: skip
        total = graded["seconds"].get(name, results["execution_time"])
        row["n"] += 1
        row["grading_s"] += results["execution_time"]  # grade_submission only
        row["with_reports_s"] += total  # ... and its three reports written
        row["learner_s"] += extra["learner_time_s"]
        row["max_with_reports_s"] = max(row["max_with_reports_s"], total)
    learner = sum(row["learner_s"] for row in per_kind.values())
    busy = sum(row["with_reports_s"] for row in per_kind.values())
    done_at, seconds = graded["done_at"], graded["seconds"]
    figures: dict[str, Any] = {
        "size": args.size,
        "jobs": jobs,
        "counts": {kind: sum(1 for k in kinds.values() if k == kind) for kind in SHARES},
        "wall_s": wall,
        "submissions_per_s": args.size / wall,
        "learner_s": learner,
        # The grading processes' whole capacity (wall x jobs) beside learner time:
        # process and zygote start, imports, pytest, reports, idle slots at the end.
        "overhead_s_per_submission": (wall * jobs - learner) / args.size,
        "overhead_pct": 100 * (wall * jobs - learner) / learner,
        # Of wall x jobs, the time in no submission: start-up, shut-down, idle tail.
        "outside_submissions_s": wall * jobs - busy,
        # When the first submission began (the grader's start-up, as the user waits)
        # and how long after the last one finished the command ended.
        "startup_s": min((done_at[n] - seconds[n] for n in done_at), default=0.0),
        "shutdown_s": wall - max(done_at.values(), default=wall),
        "peak_rss_mb_process_tree": graded["peak_mb"],
        "largest_process_rss_mb": graded["largest_process_mb"],
        "ru_maxrss_children_mb": graded["ru_maxrss_children_mb"],
        "call_timeout_s": _call_timeout(),
        "per_kind": per_kind,
        "grader_failures": grader_failures,
    }
    correct = per_kind.get("correct")
    if correct:
        # Per correct submission: its grading process's time beside the learner's.
        overhead = correct["with_reports_s"] - correct["learner_s"]
        figures["correct_overhead_s"] = overhead / correct["n"]
        figures["correct_overhead_pct"] = 100 * overhead / correct["learner_s"]
        figures["correct_overhead_pct_without_reports"] = (
            100 * (correct["grading_s"] - correct["learner_s"]) / correct["learner_s"]
        )
    hanging = [n for n in names if kinds[n] == "hanging" and n in done_at]
    if hanging:
        # Not a stall: while a hanging submission ran, the other grading processes kept
        # finishing submissions.
        figures["hanging_s"] = [seconds[n] for n in hanging]
        figures["finished_while_hanging"] = [
            sum(1 for m, at in done_at.items()
                if m != n and done_at[n] - seconds[n] < at < done_at[n])
            for n in hanging
        ]  # fmt: skip
    return figures


def _naive_figures(
    args: argparse.Namespace, kinds: dict[str, str], sample: list[str], grader: dict, run: dict
) -> dict[str, Any]:
    figures: dict[str, Any] = {
        "naive_size": len(sample),
        "naive_order": args.naive_order,
        "naive_counts": {k: sum(1 for n in sample if kinds[n] == k) for k in SHARES},
        "naive_wall_s": run["wall_s"],
        "naive_submissions_per_s": len(sample) / run["wall_s"],
        "naive_failures": run["broken"],
    }
    mean = {}
    for kind in SHARES:
        times = [run["seconds"][n] for n in sample if kinds[n] == kind]
        if times:
            mean[kind] = sum(times) / len(times)
    figures["naive_mean_s"] = mean
    if len(sample) == args.size:
        figures["naive_class_wall_s"] = run["wall_s"]
        figures["naive_class_wall_estimated"] = False
    elif all(kind in mean for kind, n in grader["counts"].items() if n):
        figures["naive_class_wall_s"] = (
            sum(n * mean.get(kind, 0.0) for kind, n in grader["counts"].items()) / args.jobs
        )
        figures["naive_class_wall_estimated"] = True
    if "naive_class_wall_s" in figures:
        figures["speedup"] = figures["naive_class_wall_s"] / grader["wall_s"]
    return figures


def _call_timeout() -> float:
    from grader.checks.catalog import discover_checks
    from grader.instructor.rubric import load_rubric

    return load_rubric(KitPaths.discover().rubric, discover_checks()).limits.call_timeout_s


class Row(NamedTuple):
    """One row of issue 25's table: the figure as measured, its target, its limit (what
    a grader at no cost would reach, where there is one) and whether the target is met
    (None: not measured, or no target)."""

    label: str
    value: str
    target: str
    limit: str
    met: bool | None


def issue_25_rows(f: dict[str, Any]) -> list[Row]:
    """Issue 25's table from the figures, then issue 14's rows that stay met."""
    rows: list[Row] = []
    correct = f["per_kind"].get("correct")
    if correct:
        n = correct["n"]
        overhead = (correct["with_reports_s"] - correct["learner_s"]) / n
        rows.append(Row("grading time minus learner code, per correct submission",
                        f"{overhead:.3f} s", "<= 0.10 s (moonshot 0.05 s)", "0 s",
                        overhead <= 0.10))  # fmt: skip
    if "grader_cpu_s_correct" in f:
        # The same overhead as the grading process's own CPU time (in-process, warm):
        # far less sensitive to other load on the machine than the wall times.
        rows.append(Row("  the grading process's CPU time, per correct submission",
                        f"{f['grader_cpu_s_correct']:.3f} s", "", "0 s", None))  # fmt: skip
    naive = f.get("naive_mean_s", {}).get("correct")
    if correct and naive:
        ratio = naive / (correct["with_reports_s"] / correct["n"])
        limit = naive / (correct["learner_s"] / correct["n"])  # the learner's code alone
        rows.append(Row("correct submissions, against one fresh pytest per submission",
                        f"{ratio:.1f}x", ">= 9x", f"{limit:.1f}x (grading at no cost)",
                        ratio >= 9))  # fmt: skip
    if f.get("hanging_s"):
        slowest = max(f["hanging_s"])
        rows.append(Row("a submission with one hanging function", f"{slowest:.1f} s",
                        "<= 12 s", f"{f['call_timeout_s']:g} s (one time limit)",
                        slowest <= 12))  # fmt: skip
    big = f.get("class_of_1000")
    if big:
        errors = len(big["with_grader_errors"])
        where = f" (carried from {big['carried_from']})" if "carried_from" in big else ""
        rows.append(Row(f"grader errors in a class of {big['submissions']:,} with "
                        f"{big['hostile']} hostile", f"{errors}{where}", "0", "0",
                        errors == 0))  # fmt: skip
    else:
        rows.append(Row("grader errors in a class of 1,000 with 10 % hostile",
                        "not run (--class-of-1000 FILE|run)", "0", "0", None))  # fmt: skip
    if "cold_grade_s" in f:
        ok = f["cold_grade_s"] <= 3 and f["gradescope_run_s"] <= 6
        rows.append(Row("one submission, cold, end to end: grade; Gradescope run",
                        f"{f['cold_grade_s']:.1f} s; {f['gradescope_run_s']:.1f} s",
                        "<= 3 s; <= 6 s", "", ok))  # fmt: skip
    if f.get("memory_ratio"):
        small, large = f["memory_sizes"]
        peaks = f["memory_peak_mb"]
        rows.append(Row(f"peak memory, process tree, class of {large} vs {small}",
                        f"{f['memory_ratio']:.2f} ({peaks[str(large)]:.0f} / "
                        f"{peaks[str(small)]:.0f} MB)", "<= 1.1", "1.00",
                        f["memory_ratio"] <= 1.1))  # fmt: skip
    return rows


def _issue_table(f: dict) -> None:
    """Issue 25's table (with the limit column), then the time per stage."""
    rows = issue_25_rows(f)
    print(f"issue 25's table (class of {f['size']}, --jobs {f['jobs']}):")
    head = Row("", "now", "target", "limit", None)
    width = [max(len(getattr(row, field)) for row in (head, *rows))
             for field in ("label", "value", "target", "limit")]  # fmt: skip
    for row in (head, *rows):
        met = "" if row.met is None else ("met" if row.met else "NOT met")
        if row is head:
            met = "met"
        print(f"  {row.label:<{width[0]}}  {row.value:>{width[1]}}  {row.target:<{width[2]}}"
              f"  {row.limit:<{width[3]}}  {met}".rstrip())  # fmt: skip
    if "stages_s" in f:
        total = f["stages_per_submission_s"]
        print(f"time per stage, a correct submission graded in-process ({total:.2f} s):")
        for label, seconds in f["stages_s"].items():
            print(f"  {label:<14} {seconds:6.3f} s  {100 * seconds / total:5.1f} %")


def _table(f: dict) -> None:
    counts = ", ".join(f"{n} {kind}" for kind, n in f["counts"].items())
    print(f"class of {f['size']} ({counts}) graded with --jobs {f['jobs']}")
    rows: list[tuple[str, str, str]] = [
        ("wall time", f"{f['wall_s']:.1f} s", ""),
        ("submissions per second", f"{f['submissions_per_s']:.2f}", ""),
        ("start-up, shut-down", f"{f['startup_s']:.1f} s, {f['shutdown_s']:.1f} s",
         "(before the first submission began, after the last)"),
        ("time inside learner code", f"{f['learner_s']:.1f} s", ""),
        ("grader overhead, whole class",
         f"{f['overhead_s_per_submission']:.2f} s/sub, {f['overhead_pct']:.0f} %",
         "(wall x jobs - learner time)"),
        ("  in no submission", f"{f['outside_submissions_s']:.1f} s",
         "(of wall x jobs: start-up, shut-down, idle tail)"),
    ]  # fmt: skip
    if "correct_overhead_pct" in f:
        met = "met" if f["correct_overhead_pct"] <= 25 else "NOT met"
        rows.append(("grader overhead, correct subs",
                     f"{f['correct_overhead_s']:.2f} s/sub, {f['correct_overhead_pct']:.0f} %",
                     f"of learner time; target <= 25 %: {met}"))  # fmt: skip
        rows.append(("  without writing reports",
                     f"{f['correct_overhead_pct_without_reports']:.0f} %", ""))  # fmt: skip
    rows.append(("peak memory, process tree", f"{f['peak_rss_mb_process_tree']:.0f} MB",
                 "(summed RSS, sampled every 50 ms)"))  # fmt: skip
    rows.append(
        (
            "  largest single process",
            f"{f['largest_process_rss_mb']:.0f} MB",
            f"(ru_maxrss of reaped children: {f['ru_maxrss_children_mb']:.0f} MB)",
        )
    )
    if f["grader_failures"]:
        rows.append(("grader failures", str(len(f["grader_failures"])), "(fallback results)"))
    for kind, row in f["per_kind"].items():
        n = row["n"]
        rows.append((f"{kind} ({n}), each",
                     f"{row['with_reports_s'] / n:.2f} s",
                     f"{row['learner_s'] / n:.2f} s in learner code, "
                     f"{row['grading_s'] / n:.2f} s before reports"))  # fmt: skip
    if f.get("hanging_s"):
        slowest = max(f["hanging_s"])
        per = f["per_kind"]["hanging"]
        overhead = (per["with_reports_s"] - per["learner_s"]) / per["n"]
        stalled = sum(1 for k in f["finished_while_hanging"] if k == 0)
        verdict = "met" if stalled == 0 or f["jobs"] == 1 else f"NOT met ({stalled} stalled)"
        rows.append(("hanging: slowest; overhead",
                     f"{slowest:.1f} s; {overhead:.2f} s",
                     f"(time limit {f['call_timeout_s']:g} s per call)"))  # fmt: skip
        rows.append(("  others finished meanwhile",
                     f"{min(f['finished_while_hanging'])}..{max(f['finished_while_hanging'])}",
                     f"target: their time limits, not a stall: {verdict}"))  # fmt: skip
    if "naive_size" in f:
        counts = ", ".join(f"{n} {kind}" for kind, n in f["naive_counts"].items())
        rows.append((f"naive, {f['naive_size']} subs ({counts})",
                     f"{f['naive_submissions_per_s']:.2f}/s",
                     "fresh pytest per submission"))  # fmt: skip
        for kind, seconds in f["naive_mean_s"].items():
            per = f["per_kind"].get(kind)
            mine = f", grader {per['with_reports_s'] / per['n']:.2f} s" if per else ""
            rows.append((f"  naive {kind}, each", f"{seconds:.2f} s", mine.lstrip(", ")))
        if f["naive_failures"]:
            rows.append(("  naive runs that broke", str(len(f["naive_failures"])), ""))
        if "speedup" in f:
            estimated = " (estimated)" if f["naive_class_wall_estimated"] else ""
            rows.append((f"naive class wall time{estimated}",
                         f"{f['naive_class_wall_s']:.1f} s", ""))  # fmt: skip
            met = "met" if f["speedup"] >= 10 else "NOT met"
            rows.append(("throughput ratio", f"{f['speedup']:.1f}x", f"target >= 10x: {met}"))
    width = max(len(label) for label, _, _ in rows)
    for label, value, note in rows:
        print(f"  {label:<{width}}  {value:>18}  {note}".rstrip())


if __name__ == "__main__":
    raise SystemExit(main())
