"""A class of 1,000 graded in one run: no grader error, and memory that stays flat.

Run by hand, never as a test (about 15 minutes on 2 cores):

    python benchmarks/class_of_1000.py [--size 1000] [--hostile 100] [--jobs 2] [--json]

The class is made as class_benchmark.py makes one (80 % correct, 17 % with the typical
mistakes, 3 % hanging in fit_logistic), except that `--hostile` of its submissions are
the test scenarios' hostile submissions (tests/fixtures/*/hostile.yaml: fork bombs,
memory bombs, forged results, escape attempts, zips), built as the tests build them and
taken in turn. It is graded with `grade --jobs N` while the summed RSS of the grader's
process tree is sampled; then every results.json is read back. It prints the wall time,
the peak summed RSS and the largest single process, the peak summed PSS (each shared
page counted once: forked workers share most of the zygote's pages, which summed RSS
counts once per process, so a fork bomb inflates it) for the whole run and for each
tenth of it (flat memory: the tenths stay close once the hostile submissions, graded
first by their names, are done), and every submission whose results hold a grader error
(there should be none).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks"), str(ROOT / "tests")]

from class_benchmark import grade, make_class  # noqa: E402
from conftest import build_submission, hostile_spec  # noqa: E402

from grader.paths import KitPaths  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures"


def hostile_scenarios() -> list[Path]:
    """The test scenarios with a hostile.yaml, in name order."""
    return [path for path in sorted(FIXTURES.iterdir()) if hostile_spec(path)]


def add_hostile(folder: Path, count: int, scratch: Path) -> dict[str, str]:
    """`count` hostile submissions in folder (the scenarios taken in turn): name -> scenario."""
    kit = KitPaths.discover()
    scenarios = hostile_scenarios()
    added: dict[str, str] = {}
    for index in range(count):
        scenario = scenarios[index % len(scenarios)]
        built = build_submission(scenario, kit, scratch / f"build-{index:03d}")
        name = f"hostile-{index:03d}-{scenario.name}"
        target = folder / (f"{name}.zip" if built.suffix == ".zip" else name)
        if built.is_dir():
            shutil.copytree(built, target, symlinks=True)
        else:
            shutil.copyfile(built, target)
        added[target.name] = scenario.name
    return added


def grader_errors(out: Path) -> dict[str, list[str]]:
    """Submission -> the grader errors its results.json holds (whole run and per check)."""
    found: dict[str, list[str]] = {}
    for results in sorted(out.glob("*/results.json")):
        extra = json.loads(results.read_text(encoding="utf-8")).get("extra_data") or {}
        errors = list(extra.get("grader_errors") or []) + list(extra.get("check_errors") or {})
        if errors:
            found[results.parent.name] = [str(error)[:200] for error in errors]
    return found


def _peak(series: list[tuple[float, float]], start: float, end: float) -> float:
    """The largest sample between start and end, as shares of the run's length."""
    if not series:
        return 0.0
    length = series[-1][0] or 1.0
    return max((mb for at, mb in series if start <= at / length <= end), default=0.0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--hostile", type=int, default=100)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="class-of-1000-") as scratch_name:
        scratch = Path(scratch_name)
        folder = scratch / "class"
        folder.mkdir()
        kinds = make_class(args.size - args.hostile, folder, args.seed)
        hostile = add_hostile(folder, args.hostile, scratch / "hostile")
        names = sorted([*kinds, *hostile])
        run = grade(folder, names, scratch / "out", args.jobs, pss_every_s=1.0)
        errors = grader_errors(scratch / "out")
        graded = len(list((scratch / "out").glob("*/results.json")))
    figures: dict[str, Any] = {
        "submissions": len(names),
        "hostile": args.hostile,
        "jobs": args.jobs,
        "graded": graded,
        "wall_s": round(run["wall_s"], 1),
        "peak_summed_rss_mb": round(run["peak_mb"]),
        "largest_process_mb": round(run["largest_process_mb"]),
        "peak_summed_pss_mb": round(max((mb for _, mb in run["pss_series"]), default=0.0)),
        "pss_peak_by_tenth_mb": [
            round(_peak(run["pss_series"], tenth / 10, (tenth + 1) / 10)) for tenth in range(10)
        ],
        "with_grader_errors": errors,
    }
    if args.json:
        print(json.dumps(figures, indent=1))
        return 0
    print(f"{graded} of {len(names)} graded ({args.hostile} hostile), --jobs {args.jobs}")
    print(f"  wall time                    {figures['wall_s']} s")
    print(f"  peak summed RSS, whole tree  {figures['peak_summed_rss_mb']} MB")
    print(f"  largest single process       {figures['largest_process_mb']} MB")
    print(f"  peak summed PSS, whole tree  {figures['peak_summed_pss_mb']} MB (shared pages once)")
    tenths = " ".join(str(mb) for mb in figures["pss_peak_by_tenth_mb"])
    print(f"  peak PSS per tenth of the run, MB: {tenths}")
    print(f"  submissions with a grader error: {len(errors)}")
    for name, found in errors.items():
        print(f"    {name}: {found[0]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
