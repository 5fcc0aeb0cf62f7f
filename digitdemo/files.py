"""Writing files so that a crash, a full disk or a second writer never leaves half a file."""

import os
import uuid
from pathlib import Path


def write_temp(path: Path, payload: bytes) -> Path:
    """Write payload, synced, to a fresh temporary name beside ``path``; return that name."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        with open(temp, "wb") as f:
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return temp


def atomic_write_bytes(path: Path, payload: bytes) -> None:
    """Replace ``path`` with payload: readers see the old bytes or the new, never a mix."""
    temp = write_temp(path, payload)
    try:
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)
