"""Real pen strokes: the UCI pendigits raw trajectories, 30 writers, 7494 digits, every pen-up kept (CC BY 4.0).

The vendored file (``digitdemo/data/pendigits-orig-tra.txt.gz``, provenance in digitdemo/data/README.md) is
UNIPEN text: a ``.SEGMENT DIGIT i ? "d"`` line (i an index or a range "i-j"), a ``.COMMENT d writer n`` line,
then one ``.PEN_DOWN`` ... ``.PEN_UP`` block of "x y" lines per stroke (``.DT`` lines between strokes are pauses,
not kept). Tablet y points
up; ``read`` flips it, so a stroke is (n, 2) float tablet units with x right and y down, as on a canvas.

Writers are split once, by writer, so that no writer is on two sides (``split_of``): the drawing models learn
from the training writers, their recipes were chosen on the development writers, and the final writers are
the yardstick, read by no model in training.
"""

import gzip
import hashlib
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from digitdemo import config

PENDIGITS_FILE = config.PACKAGE_DIR / "data" / "pendigits-orig-tra.txt.gz"
# sha256 of the uncompressed file, as its source's README gives it.
PENDIGITS_SHA256 = "a66225d68d7d68591e62944df1ad33b3f5aa608e2df2505844b41f5568a80da4"
N_WRITERS = 30
# Fixed before any model was trained on them: writers 1-30, every fifth (5, 10, ..., 30) final, the writer after
# each of those (1, 6, ..., 26) development, the other 18 training. Both held-out sides mix early and late writers.
FINAL_WRITERS = tuple(range(5, N_WRITERS + 1, 5))
DEVELOPMENT_WRITERS = tuple(range(1, N_WRITERS + 1, 5))
SPLITS = ("training", "development", "final")

_SEGMENT = re.compile(r'^\.SEGMENT DIGIT\s+[\d-]+\s+\?\s+"(\d)"')


@dataclass(frozen=True)
class PenDigit:
    """One digit as written: what it is, who wrote it, its strokes in the order written."""

    digit: int
    writer: int
    strokes: tuple[np.ndarray, ...]  # each (n, 2) float64, tablet units, x right, y down


def split_of(writer: int) -> str:
    """ "training", "development" or "final": the writer's side of the split."""
    if writer in FINAL_WRITERS:
        return "final"
    if writer in DEVELOPMENT_WRITERS:
        return "development"
    return "training"


def parse(text: str) -> list[PenDigit]:
    """UNIPEN text -> its digits; a malformed file raises ValueError with one sentence."""
    digits: list[PenDigit] = []
    digit = writer = None
    strokes: list[np.ndarray] = []
    points: list[tuple[float, float]] | None = None

    def close_digit() -> None:
        if digit is not None:
            if not strokes:
                raise ValueError(f"digit {len(digits) + 1} of the pen file has no strokes.")
            digits.append(PenDigit(digit, writer, tuple(strokes)))

    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith(".SEGMENT"):
            close_digit()
            found = _SEGMENT.match(line)
            if not found:
                raise ValueError(f"line {number} of the pen file is not a digit's segment: {line[:40]!r}.")
            digit, writer, strokes = int(found.group(1)), None, []
        elif line.startswith(".COMMENT") and digit is not None:
            writer = int(line.split()[2])
        elif line.startswith(".PEN_DOWN"):
            points = []
        elif line.startswith(".PEN_UP"):
            if points:
                xy = np.array(points, dtype=np.float64)
                xy[:, 1] *= -1  # the tablet's y points up
                strokes.append(xy)
            points = None
        elif points is not None and line.strip():
            x, y = line.split()
            points.append((float(x), float(y)))
    close_digit()
    return digits


@cache
def read(path: Path = PENDIGITS_FILE) -> tuple[PenDigit, ...]:
    """Every digit of the vendored file, checked against its published checksum; read once per process (0.5 s)."""
    raw = gzip.decompress(Path(path).read_bytes())
    if path == PENDIGITS_FILE and hashlib.sha256(raw).hexdigest() != PENDIGITS_SHA256:
        raise ValueError(f"{path.name} is not the published pendigits file: its checksum differs.")
    return tuple(parse(raw.decode("ascii")))


def of_split(split: str, path: Path = PENDIGITS_FILE) -> list[PenDigit]:
    """The digits of one side of the writers' split (SPLITS)."""
    return [d for d in read(path) if split_of(d.writer) == split]
