"""Writing files so that a crash, a full disk or a second writer never leaves half a file; reading
files of any kind with bounded work."""

import os
import stat
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


# --- Reading files that anyone may have put there ---------------------------------


class FileRefusedError(ValueError):
    """A file not read: missing or unreadable, a folder, a device or pipe, or too large; the message says which."""


class FileMissingError(FileRefusedError):
    """There is no file at the path."""


def read_bounded(path: Path, limit: int) -> bytes:
    """The bytes of the regular file ``path``, refused unread if it is anything else or over ``limit`` bytes.

    A FIFO would block the reader forever and /dev/zero never ends, so the type is checked
    first, and the file is opened without blocking. Every failure is a FileRefusedError whose
    message names the path and says why (FileMissingError when there is no file).
    """
    try:
        info = os.stat(path)
        if stat.S_ISDIR(info.st_mode):
            raise FileRefusedError(f"{path} is a folder, not a file")
        if not stat.S_ISREG(info.st_mode):
            raise FileRefusedError(f"{path} is not a regular file (a device, pipe or socket)")
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        with os.fdopen(fd, "rb") as f:
            if not stat.S_ISREG(os.fstat(fd).st_mode):  # replaced between the two looks
                raise FileRefusedError(f"{path} is not a regular file (a device, pipe or socket)")
            payload = f.read(limit + 1)
    except FileNotFoundError:
        raise FileMissingError(f"{path} does not exist") from None
    except OSError as error:  # no permission, a symlink loop, a disk error
        raise FileRefusedError(f"{path} cannot be read ({error.strerror or error})") from None
    if len(payload) > limit:
        raise FileRefusedError(f"{path} is too large ({info.st_size / 1e6:.0f} MB; at most {limit / 1e6:.0f} MB)")
    return payload


def npy_nbytes(f) -> int:
    """The number of data bytes a .npy header (at f's position) declares; ValueError if it is no .npy.

    Read before the array, so a header that declares a huge shape is refused before NumPy
    allocates it.
    """
    import numpy as np

    version = np.lib.format.read_magic(f)
    if version == (1, 0):
        shape, _, dtype = np.lib.format.read_array_header_1_0(f)
    else:
        shape, _, dtype = np.lib.format.read_array_header_2_0(f)
    if dtype.hasobject:
        raise ValueError("it holds Python objects")
    count = 1
    for n in shape:
        count *= n
    return count * dtype.itemsize
