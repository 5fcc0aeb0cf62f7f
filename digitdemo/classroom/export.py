"""A room's drawings back into the lab: X.npy (n, 400) float32 and y.npy (n, 1), one PNG each, a CSV.

X holds each drawing's input exactly as the model read it, in the lab's column-major order
(``X[i].reshape(20, 20).T`` is upright), copied byte for byte from the database: no arithmetic on
the way, so an export is bit-identical on every machine. y holds the digit the student meant.
Rows are in the order the drawings were sent. Hidden drawings stay out unless asked for.
"""

import csv
import io
import os
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from digitdemo import config
from digitdemo.classroom import service
from digitdemo.classroom.errors import ClassError, ClassRuleError
from digitdemo.classroom.storage import ClassStore

X_NAME, Y_NAME, CSV_NAME, PNG_FOLDER = "X.npy", "y.npy", "drawings.csv", "drawings"


@dataclass(frozen=True)
class ClassData:
    """A room's drawings as arrays, oldest first; row i of every field is drawing i."""

    code: str
    X: np.ndarray  # (n, 400) float32, the lab's column-major order
    y: np.ndarray  # (n, 1) int64, the digit meant
    read: np.ndarray  # (n,) int64, the digit the model read
    students: np.ndarray  # (n,) int64: 1, 2, ... per student in order of first drawing (a split by student)
    drawing_ids: np.ndarray  # (n,) int64
    created_at: np.ndarray  # (n,) float64, seconds since the epoch
    rounds: np.ndarray  # (n,) int64: the round sent in, numbered as the board numbers them (1 the first); 0 none
    models: list[str]  # which model read each drawing, in words ("drawing model (trained ...)")
    nicknames: list[str]
    pngs: list[bytes]

    def png_name(self, i: int) -> str:
        return f"{PNG_FOLDER}/{i + 1:05d}_{int(self.y[i, 0])}.png"


def room_data(store: ClassStore, code: object, include_hidden: bool = False) -> ClassData:
    """A room's drawings as the lab's arrays; ClassRuleError if it has none."""
    room = service.get_room(store, code)
    rows = store.drawings(room.code, include_hidden=include_hidden, newest_first=False, arrays=True)
    if not rows:
        raise ClassRuleError(f"Room {room.code} has no drawings to export yet.")
    X = np.frombuffer(b"".join(row["x"] for row in rows), dtype="<f4").reshape(len(rows), config.N_PIXELS)
    numbers: dict[str, int] = {}
    for row in rows:
        numbers.setdefault(row["student"], len(numbers) + 1)
    round_numbers = service.round_numbers(service.list_rounds(store, room.code))
    return ClassData(
        code=room.code,
        X=X.astype(np.float32),  # '<f4' is float32 on every machine NumPy runs on; the copy is writable
        y=np.array([[row["meant"]] for row in rows], dtype=np.int64),
        read=np.array([row["read"] for row in rows], dtype=np.int64),
        students=np.array([numbers[row["student"]] for row in rows], dtype=np.int64),
        drawing_ids=np.array([row["id"] for row in rows], dtype=np.int64),
        created_at=np.array([row["created_at"] for row in rows], dtype=np.float64),
        rounds=np.array([round_numbers.get(row["round_id"], 0) for row in rows], dtype=np.int64),
        models=[row["model"] for row in rows],
        nicknames=[row["nickname"] for row in rows],
        pngs=[bytes(row["ink_png"]) for row in rows],
    )


def _npy(array: np.ndarray) -> bytes:
    out = io.BytesIO()
    np.save(out, array, allow_pickle=False)
    return out.getvalue()


def _csv(data: ClassData, include_nicknames: bool) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        ["file", "digit_meant", "digit_read", "time", "student", "round", "model"]
        + (["nickname"] if include_nicknames else [])
    )
    for i in range(len(data.y)):
        when = datetime.fromtimestamp(data.created_at[i], tz=UTC).isoformat(timespec="seconds")
        sent_in = int(data.rounds[i]) or ""  # blank: sent outside any round
        row = [
            data.png_name(i),
            int(data.y[i, 0]),
            int(data.read[i]),
            when,
            int(data.students[i]),
            sent_in,
            data.models[i],
        ]
        writer.writerow(row + ([data.nicknames[i]] if include_nicknames else []))
    return out.getvalue().encode("utf-8")


def export_files(data: ClassData, include_nicknames: bool = False) -> dict[str, bytes]:
    """Every file of an export by its relative name: X.npy, y.npy, drawings.csv, drawings/00001_7.png..."""
    files = {X_NAME: _npy(data.X), Y_NAME: _npy(data.y), CSV_NAME: _csv(data, include_nicknames)}
    files.update({data.png_name(i): png for i, png in enumerate(data.pngs)})
    return files


def zip_bytes(store: ClassStore, code: object, include_nicknames: bool = False, include_hidden: bool = False) -> bytes:
    """The export as one zip, for a download button."""
    files = export_files(room_data(store, code, include_hidden), include_nicknames)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, payload in files.items():
            # PNGs are compressed already: stored as they are, the zip is made several times faster.
            archive.writestr(name, payload, zipfile.ZIP_STORED if name.endswith(".png") else zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _ours(folder: Path) -> bool:
    """True if the folder holds nothing but a previous export's files (so writing over it loses nothing).

    Never a link among them (issue 28): a planted drawings/ or X.npy link made the export overwrite or delete files
    outside it.
    """
    for path in folder.iterdir():
        if path.is_symlink():
            return False
        if path.name == PNG_FOLDER and path.is_dir():
            if any(p.is_symlink() or not (p.is_file() and p.suffix == ".png") for p in path.iterdir()):
                return False
        elif path.name not in (X_NAME, Y_NAME, CSV_NAME):
            return False
    return True


def _write_new(path: Path, payload: bytes) -> None:
    """Write a file of the export, never through a link (OSError ELOOP if one was put there meanwhile)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    with os.fdopen(fd, "wb") as file:
        file.write(payload)


def write_folder(
    store: ClassStore, code: object, out: Path | str, include_nicknames: bool = False, include_hidden: bool = False
) -> ClassData:
    """Write the export into a folder (new, empty, or a previous export of it, whose files are replaced)."""
    data = room_data(store, code, include_hidden)
    out = Path(out)
    try:
        if out.is_symlink():
            raise ClassRuleError(f"{out} is a link; choose a folder to export into.")
        if out.exists() and not out.is_dir():
            raise ClassRuleError(f"{out} is a file; choose a folder to export into.")
        if out.is_dir() and not _ours(out):
            raise ClassRuleError(f"{out} holds other files; choose a new or empty folder to export into.")
        (out / PNG_FOLDER).mkdir(parents=True, exist_ok=True)
        if (out / PNG_FOLDER).is_symlink():
            raise ClassRuleError(f"{out / PNG_FOLDER} is a link; choose a new or empty folder to export into.")
        for old in (out / PNG_FOLDER).glob("*.png"):
            if not old.is_symlink():
                old.unlink()
        for name, payload in export_files(data, include_nicknames).items():
            _write_new(out / name, payload)
    except OSError as error:
        raise ClassError(f"The export could not be written to {out} ({error.strerror}).") from None
    return data
