"""Trial seeds: one integer per (parameter set, fold), the same on every machine and order.

seed = first 4 bytes of SHA-256("{random_state}|{key}|{fold}") as a big-endian int, mod 2^31,
where ``key`` is the parameter set's canonical JSON (:func:`lucidnet.sweep.space.canonical`).
A trial calls ``ln.manual_seed(seed)`` before ``build``, so its initial weights, shuffles and
dropout masks do not depend on which worker runs it, when, or after which other trial.
The refit on all the data uses ``fold = "all"``.

>>> trial_seed(0, '{"hidden":[16]}', 0) == trial_seed(0, '{"hidden":[16]}', 0)
True
>>> trial_seed(0, '{"hidden":[16]}', 0) != trial_seed(0, '{"hidden":[16]}', 1)
True
"""

from __future__ import annotations

import hashlib


def trial_seed(random_state: int, key: str, fold: int | str) -> int:
    """The seed of trial (``key``, ``fold``) of a sweep with ``random_state``: 0 <= seed < 2^31."""
    digest = hashlib.sha256(f"{random_state}|{key}|{fold}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % 2**31
