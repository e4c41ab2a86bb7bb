"""`demo`: grade the sample submissions that ship with the kit and print a table."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from grader.classwork.batch import grade_batch
from grader.classwork.views import ViewRequest, rebuild_views
from grader.paths import KitPaths
from grader.pipeline.grade import GradingOptions
from grader.samples import compose_sample, list_samples
from grader.sandbox.isolation import announce


def demo_command(kit: KitPaths, out: Path | None, jobs: int = 2, seed: int = 2026) -> int:
    """Grade the samples into `out` and keep it; with out None, into a temporary folder
    that is removed afterwards (nothing is left in the system's temp folder)."""
    samples = list_samples(kit.samples)
    scratch = Path(tempfile.mkdtemp(prefix="grader-demo-"))
    target = out or scratch / "out"
    try:
        folders = [compose_sample(s, kit.solutions, scratch / s.name) for s in samples]
        options = GradingOptions(kit_root=kit.root, base_seed=seed)
        announce(options.isolation)
        outcomes = grade_batch(folders, target, options, jobs=jobs)
        if out is not None:
            rebuild_views(out, ViewRequest(similarity=False, stub_folder=kit.exercises))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    width = max(len(s.name) for s in samples)
    print(f"{'sample':<{width}}  {'score':>12}  what it shows")
    for sample, outcome in zip(samples, outcomes, strict=True):
        score = f"{outcome.row.score:.1f}/{outcome.row.max_score:g}"
        print(f"{sample.name:<{width}}  {score:>12}  {sample.description}")
    if out is not None:
        print(f"\nreports: {out}/<sample>/report.html, class report: {out}/class.html")
    else:
        print("\n(reports not kept: run `demo --out DIR` to keep them)")
    return 0
