"""Nothing raw reaches a terminal: every name, path and message the kit prints goes
through one escaping function, applied at the printing boundary (grader/cli.py wraps
stdout and stderr for every command).

A submission's name is the learner's choice, and so is anything their code prints: ESC
and BEL there would reach the instructor's terminal as commands (a clipboard write
through OSC 52, a window title, a cleared screen). The reports escape for HTML, CSV,
Markdown and XML on their own; this is the terminal's escaping.
"""

from __future__ import annotations

import re
from typing import Any, TextIO

from grader.files import printable

# C0 controls but tab and newline, DEL, C1 controls, and the bidirectional overrides that
# make a line read in another order than it is written.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _shown(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def terminal_safe(text: str) -> str:
    """`text` as a terminal may show it: control characters other than newline and tab
    written as \\xNN (\\uNNNN for the bidirectional ones), bytes that are not UTF-8 as
    \\xNN; everything else, accents included, as it is."""
    return _CONTROL.sub(_shown, printable(str(text)))


class EscapingStream:
    """A text stream that escapes what is written to it (terminal_safe); `raw` is the
    stream below, for the kit's own cursor control (a progress bar, a live line)."""

    def __init__(self, raw: TextIO) -> None:
        self.raw = raw

    def write(self, text: str) -> int:
        self.raw.write(terminal_safe(text))
        return len(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.raw, name)


def raw_stream(stream: TextIO) -> TextIO:
    """The stream below an EscapingStream (or the stream itself): only for the kit's own
    control sequences, never for a name or a message."""
    return getattr(stream, "raw", stream) if isinstance(stream, EscapingStream) else stream


__all__ = ["EscapingStream", "raw_stream", "terminal_safe"]
