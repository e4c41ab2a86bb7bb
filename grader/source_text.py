"""Learner files as text, decoded the way Python decodes source (PEP 263, `tokenize.open`).

A UTF-8 byte order mark (what Windows editors write) is dropped, a `# -*- coding: ... -*-`
line is honoured, and line endings become "\\n". Whatever the grader reads or analyses of
a learner's file goes through here, so the grader never sees a file differently from the
Python that imports it.
"""

from __future__ import annotations

import io
import tokenize
from pathlib import Path


class SourceDecodeError(ValueError):
    """A learner file that Python could not read as source.

    `learner_message` names the file, the line (1-based) and the offending byte."""

    def __init__(self, file: str, line: int, byte: int | None, encoding: str, reason: str = ""):
        self.file, self.line, self.byte, self.encoding = file, line, byte, encoding
        if byte is None:
            what = reason or f"cannot be read as {encoding}"
            message = f"{file} cannot be read as Python source: {what}"
        else:
            message = (
                f"{file} cannot be read as {encoding} text: line {line} holds the byte "
                f"0x{byte:02X}. Save the file as UTF-8 (most editors: Save with Encoding, "
                "UTF-8), or name its encoding in a '# -*- coding: ... -*-' first line."
            )
        self.learner_message = message
        super().__init__(message)


def decode_source(data: bytes, file: str) -> str:
    """`data` as Python would read it; raises SourceDecodeError naming `file`."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as error:  # an unknown coding cookie, or a BOM with another cookie
        line = error.lineno if isinstance(error.lineno, int) else 1
        raise SourceDecodeError(file, line, None, "", str(error.msg or error)) from None
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise SourceDecodeError(file, line, data[error.start], _plain(encoding)) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_source(path: Path, name: str | None = None) -> str:
    """The file at `path` as Python source text. Raises OSError when it cannot be read and
    SourceDecodeError (naming `name`, else the file's name) when it cannot be decoded."""
    return decode_source(Path(path).read_bytes(), name or Path(path).name)


def _plain(encoding: str) -> str:
    return "UTF-8" if encoding in {"utf-8", "utf-8-sig"} else encoding
