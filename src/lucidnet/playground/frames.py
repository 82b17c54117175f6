"""Binary frames: a small JSON header followed by float32 grids (no float-to-text round trip).

Layout (little-endian)::

    uint32 n | n bytes of UTF-8 JSON (space-padded so 4 + n is a multiple of 4) | float32 data

The header carries ``"arrays": [{"name", "shape", "offset"}]`` with ``offset``
counted in float32 values from the start of the data; the page views each
array as a ``Float32Array`` without copying.

>>> blob = encode({"epoch": 3}, [("w", np.ones((2, 2), np.float32))])
>>> header, arrays = decode(blob)
>>> header["epoch"], arrays["w"].tolist()
(3, [[1.0, 1.0], [1.0, 1.0]])
"""

from __future__ import annotations

import json
import math
import struct
from typing import Any

import numpy as np


def clean(value: Any) -> Any:
    """``value`` with every non-finite float replaced by None (JSON has no NaN or inf)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: clean(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean(item) for item in value]
    return value


def encode(header: dict[str, Any], arrays: list[tuple[str, np.ndarray]]) -> bytes:
    """One frame from a JSON-able ``header`` and named arrays (cast to float32)."""
    layout, chunks, offset = [], [], 0
    for name, array in arrays:
        values = np.ascontiguousarray(array, dtype="<f4")
        layout.append({"name": name, "shape": list(values.shape), "offset": offset})
        chunks.append(values.tobytes())
        offset += values.size
    text = json.dumps(clean({**header, "arrays": layout}), separators=(",", ":"), allow_nan=False)
    encoded = text.encode()
    encoded += b" " * (-(4 + len(encoded)) % 4)
    return b"".join([struct.pack("<I", len(encoded)), encoded, *chunks])


def decode(blob: bytes) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The header and the arrays of a frame (the inverse of :func:`encode`; used by tests)."""
    (length,) = struct.unpack_from("<I", blob)
    header = json.loads(blob[4 : 4 + length])
    values = np.frombuffer(blob, dtype="<f4", offset=4 + length)
    arrays = {}
    for entry in header["arrays"]:
        size = int(np.prod(entry["shape"], dtype=np.int64))
        arrays[entry["name"]] = values[entry["offset"] : entry["offset"] + size].reshape(
            entry["shape"]
        )
    return header, arrays
