"""Progress of a batch: a tqdm bar (count, rate, ETA) on a terminal, one plain line per
finished submission otherwise (CI logs, files)."""

from __future__ import annotations

import io
import os
import sys
from typing import TextIO

from grader.classwork.batch import BatchOutcome
from grader.numbers import two_decimals
from grader.terminal_text import raw_stream, terminal_safe


class Progress:
    def __init__(self, total: int, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.bar = None
        if total and self.stream.isatty() and _columns(self.stream) != 0:
            from tqdm import tqdm

            # The bar draws with \r on the stream below the escaping one; what it shows
            # of a submission is escaped here (grader/terminal_text.py).
            self.bar = tqdm(
                total=total, file=raw_stream(self.stream), unit="submission", dynamic_ncols=True
            )

    def __call__(self, outcome: BatchOutcome, done: int, total: int) -> None:
        line = terminal_safe(describe(outcome))
        if self.bar is not None:
            self.bar.set_postfix_str(terminal_safe(outcome.item.name), refresh=False)
            self.bar.update(1)
            if outcome.grader_error:
                self.bar.write(line, file=raw_stream(self.stream))
        else:
            print(f"[{done}/{total}] {line}", file=self.stream, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _columns(stream: TextIO) -> int | None:
    """The terminal's width; 0 for a pseudo-terminal without a size (`script`, some CI
    runners), where tqdm would draw nothing at all; None when it cannot be asked."""
    try:
        return os.get_terminal_size(stream.fileno()).columns
    except (OSError, ValueError, io.UnsupportedOperation):
        return None


def describe(outcome: BatchOutcome) -> str:
    if outcome.skipped:
        return (
            f"{outcome.item.name}: {two_decimals(outcome.row.score)}/{outcome.row.max_score:g}, "
            "unchanged since its results (not run again; --force to regrade)"
        )
    status = " (grader error)" if outcome.grader_error else ""
    return (
        f"{outcome.item.name}: {two_decimals(outcome.row.score)}/{outcome.row.max_score:g} in "
        f"{outcome.duration_s:.1f} s{status}"
    )


__all__ = ["Progress", "describe"]
