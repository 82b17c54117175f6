"""The results file: one JSON line per finished trial, appended by the driver only.

Each line holds the sweep's fingerprint, the trial's key (canonical JSON of its parameters),
fold, seed, score (``null`` for NaN), fit and score times and error. A line is flushed and
fsynced before the next trial is recorded, so a crash loses at most the line being written;
reading ignores such a torn last line (and cuts it off before appending). Running the same
sweep on the same file runs only the trials it lacks; a file written by a different sweep
(other data, folds, epochs, scoring or random_state) is refused rather than mixed in.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

TrialId = tuple[str, int]


class Journal:
    """Append-only trial records in ``path`` for the sweep whose fingerprint is ``fingerprint``."""

    def __init__(self, path: str | os.PathLike[str], fingerprint: str) -> None:
        self.path = Path(path)
        self.fingerprint = fingerprint
        self._handle: Any = None

    def read(self) -> dict[TrialId, dict[str, Any]]:
        """Records already in the file, by (key, fold); a torn last line is dropped from it."""
        if not self.path.exists():
            return {}
        records: dict[TrialId, dict[str, Any]] = {}
        data = self.path.read_bytes()
        complete = data.rfind(b"\n") + 1  # bytes up to the last full line
        for number, line in enumerate(data[:complete].splitlines(), start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                found = record["sweep"], record["key"], int(record["fold"])
            except (ValueError, KeyError, TypeError):
                raise ValueError(
                    f"results file {self.path}: line {number} is not a trial record; "
                    "pass another results= file"
                ) from None
            if found[0] != self.fingerprint:
                raise ValueError(
                    f"results file {self.path} was written by a different sweep (other data, "
                    "folds, epochs, scoring or random_state); pass another results= file"
                )
            record["score"] = math.nan if record.get("score") is None else record["score"]
            records[found[1], found[2]] = record
        if complete < len(data):
            with self.path.open("r+b") as handle:
                handle.truncate(complete)
        return records

    def append(self, record: dict[str, Any]) -> None:
        """Write ``record`` as one line and make it durable (flush + fsync) before returning."""
        if self._handle is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._handle = self.path.open("a", encoding="utf-8")
        score = record["score"]
        line = {"sweep": self.fingerprint, **record}
        line["score"] = None if math.isnan(score) else score
        self._handle.write(json.dumps(line, separators=(",", ":")) + "\n")
        self._handle.flush()
        os.fsync(self._handle.fileno())

    def close(self) -> None:
        """Close the file (appending again reopens it)."""
        if self._handle is not None:
            self._handle.close()
            self._handle = None
