"""The grading process's peak memory when a worker's reply is a flood of tiny values.

A forged reply just under the 64 MB frame cap, `[0,0,0,...]` (about 33 million values),
is read the way worker.py reads a reply (the bytes gathered, then load_message), each in a
fresh process so that ru_maxrss is that reading's own peak. Printed: the peak with the
value cap (protocol.MAX_VALUES) and, for comparison, without it, and for an honest reply
(an array of 64 MB base64 and a list of 100,000 floats).

    python benchmarks/reply_flood_memory.py

Run by hand, never as a test (it takes a few seconds and up to 2 GB without the cap).
"""

from __future__ import annotations

import resource
import subprocess
import sys

CASE = r"""
import resource, sys
import numpy as np
from grader.sandbox import _bootstrap as codec
from grader.sandbox.protocol import MAX_MESSAGE_BYTES, ProtocolError, decode_value, encode_value

case = sys.argv[1]
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # Python, NumPy, the codec
if case == "uncapped":
    codec.MAX_VALUES = 10**12
if case in ("capped", "uncapped"):
    body = b"[" + b"0," * ((MAX_MESSAGE_BYTES - 16) // 2) + b"0]"
elif case == "array":
    value = encode_value(np.zeros(MAX_MESSAGE_BYTES // 16))  # 32 MB as 43 MB of base64
    body = codec.dump_message({"ok": True, "value": value})[8:]
else:
    body = codec.dump_message({"ok": True, "value": [0.5] * 100_000})[8:]
buffer = bytearray(body)  # what receive() gathers
del body
try:
    message = codec.load_message(bytes(buffer))
    decode_value(message["value"] if type(message) is dict else message)
    outcome = "read"
except ProtocolError as error:
    outcome = f"refused: {error}"
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(f"{peak / 1024:.0f} {base / 1024:.0f} {outcome}")
"""


def measure(case: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", CASE, case], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def main() -> None:
    print(f"{'reply':<34} {'peak MB':>8} {'start MB':>9}  outcome")
    for case, label in (
        ("capped", "64 MB of tiny values, capped"),
        ("uncapped", "64 MB of tiny values, no cap"),
        ("array", "an array (43 MB of base64)"),
        ("floats", "a list of 100,000 floats"),
    ):
        peak, base, outcome = measure(case).split(" ", 2)
        print(f"{label:<34} {peak:>8} {base:>9}  {outcome}")
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"(this script itself: {own:.0f} MB)")


if __name__ == "__main__":
    main()
