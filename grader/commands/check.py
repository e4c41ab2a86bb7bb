"""`check [FOLDER]`: a learner's self-check of the visible checks; needs no solutions."""

from __future__ import annotations

from pathlib import Path

from grader.checks.catalog import Category
from grader.paths import KitPaths
from grader.pipeline.grade import GradingContext, GradingOptions, grade_submission
from grader.render.terminal import render_self_check


def check_command(kit: KitPaths, folder: Path) -> int:
    options = GradingOptions(kit_root=kit.root, categories=(Category.VISIBLE,), base_seed=0)
    result = grade_submission(folder, GradingContext.build(options))
    print(render_self_check(result), end="")
    return 0
