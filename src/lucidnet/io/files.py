"""Atomic file writes: a temporary file in the same folder, fsync, then rename over the target."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def write_bytes_atomic(path: Path, payload: bytes) -> None:
    """Write ``payload`` to ``path`` so that readers see the old file or the new one, never half.

    The bytes go to a hidden temporary file beside ``path`` (same file system), are
    flushed to disk, and the temporary file is renamed over ``path`` (atomic on POSIX
    and Windows).  On any error — a full disk, a read-only folder, an interrupt — the
    temporary file is removed, ``path`` keeps its old content, and the ``OSError``
    names ``path``.  (A process killed with SIGKILL cannot clean up: the old or new
    file is still intact, but a ``.NAME.*.tmp`` file may stay behind.)
    """
    path = Path(path)
    if not path.parent.is_dir():
        raise FileNotFoundError(f"cannot write {path}: the folder {path.parent} does not exist")
    temporary = path.parent / f".{path.name}.{secrets.token_hex(8)}.tmp"
    try:
        with open(temporary, "xb") as file:
            file.write(payload)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException as error:
        temporary.unlink(missing_ok=True)
        if isinstance(error, OSError) and str(path) not in str(error):
            message = f"cannot write {path}: {error.strerror or error}"
            arguments = (message,) if error.errno is None else (error.errno, message)
            raise type(error)(*arguments) from error
        raise
