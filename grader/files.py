"""Neutral file helpers every layer may use: atomic writes, strict JSON, names that
are not UTF-8 made printable. No grader imports: this is the bottom of the tree.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any

# A lone surrogate: a byte of a file name that is not UTF-8 (Python's surrogateescape,
# U+DC80..U+DCFF) or a broken string from learner code.
_SURROGATE = re.compile("[\ud800-\udfff]")


def _surrogate_shown(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else f"\\u{code:04x}"


def printable(text: str) -> str:
    """`text` as UTF-8 can hold it: the bytes of a name that is not UTF-8 as \\xNN
    ("chlo\\xe9"), any other lone surrogate as \\uNNNN; everything else as it is."""
    return _SURROGATE.sub(_surrogate_shown, text)


def dumps_strict(document: dict[str, Any]) -> str:
    """JSON text that any strict parser accepts: NaN or Infinity raise instead of leaking;
    a string with lone surrogates (a file name that is not UTF-8) is written printable."""
    text = json.dumps(document, allow_nan=False, ensure_ascii=False, indent=2) + "\n"
    # Surrogates only occur inside JSON strings: there a backslash is written doubled.
    return _SURROGATE.sub(lambda m: _surrogate_shown(m).replace("\\", "\\\\"), text)


def atomic_write_text(path: Path, text: str) -> None:
    """Write text as UTF-8 so that readers see the old file or the new one, never half.

    The temporary file lives in the same folder, so os.replace is a rename on one file
    system. newline="" keeps the text's own line endings (the CSV writer's CRLF).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(printable(text))
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o644)  # mkstemp makes 0600; reports are meant to be read
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
