"""class.json: the class summary as plain JSON (for scripts; the same numbers as class.md)."""

from __future__ import annotations

import math
from typing import Any

from grader.classwork.class_summary import ClassSummary
from grader.classwork.stored import to_plain
from grader.files import dumps_strict


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 4) if math.isfinite(value) else None
    if isinstance(value, list):
        return [_finite(item) for item in value]
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    return value


def render_class_json(summary: ClassSummary) -> str:
    """The summary's every field, numbers rounded to 4 decimals, NaN written as null."""
    document = _finite(to_plain(summary))
    for item, misconception in zip(document["misconceptions"], summary.misconceptions, strict=True):
        item["count"] = misconception.count
    return dumps_strict(document)


__all__ = ["render_class_json"]
