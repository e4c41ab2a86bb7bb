"""The plain-data protocol between the grader and a worker, for the grader's own use.

The codec lives in _bootstrap.py, whose text is also the worker's program, so both sides
share one implementation. Values are JSON with tagged forms for non-finite floats, dicts
(so non-string keys survive), NumPy arrays (.npy bytes, allow_pickle=False) and Ellipsis;
nothing is ever pickled or evaluated. The reference recordings use the same encoding.
"""

from __future__ import annotations

from grader.sandbox._bootstrap import (
    HEADER,
    MAX_MESSAGE_BYTES,
    MAX_VALUES,
    ProtocolError,
    ValueRefused,
    count_values,
    decode_array,
    decode_value,
    dump_message,
    encode_value,
    load_message,
)

__all__ = [
    "HEADER",
    "MAX_MESSAGE_BYTES",
    "MAX_VALUES",
    "ProtocolError",
    "ValueRefused",
    "count_values",
    "decode_array",
    "decode_value",
    "dump_message",
    "encode_value",
    "load_message",
]
