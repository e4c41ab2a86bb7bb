"""How points read, one rounding everywhere (reports, exports, the terminal, the
instructor's files). No grader imports: this is the bottom of the tree."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal


def two_decimals(value: float) -> str:
    """Points with 2 decimals, rounded half up from the 4 that results.json keeps, so every
    output says the same of one score: 37.165 and 37.1650000001 are both 37.17 (Python's
    round gave 37.16 for the first, whose binary value is just below)."""
    exact = Decimal(f"{value:.4f}").quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"{exact:.2f}"


def points_text(value: float) -> str:
    """Points as people read them: at most 2 decimals, no trailing zeros, never 'nan'."""
    if not math.isfinite(value):
        return "n/a"
    text = two_decimals(value).rstrip("0").rstrip(".")
    return "0" if text == "-0" else text
