"""A real pen path redrawn many ways on the canvas: the drawing models' real strokes. NumPy and Pillow only.

A writer's pen path (``pendigits.PenDigit``) is put on the 280x280 canvas as a student would draw it there:
at some size and place, with the canvas's round brush, pen-ups kept. ``as_drawn`` does only that (the
yardstick: the default 18 px brush, a random size and place, nothing else changed). ``redrawn`` also changes
what another hand would (a slant, a small turn, a narrower or wider shape, a smooth wobble, another brush),
so one writer's digit teaches more than one drawing.
"""

import numpy as np

from digitdemo import config
from digitdemo.handwriting import pendigits
from digitdemo.handwriting.canvas import BRUSH_PX, CANVAS_PX, TOOLBAR_PX, render
from digitdemo.preprocess import preprocess

# On the canvas a digit is drawn 90-250 px tall (as bench.drawn_digits' writers and the issue's measurement); below
# the toolbar at most 226 px fit.
HEIGHT_RANGE = (90.0, 250.0)
MAX_WIDTH = CANVAS_PX - 20.0  # a wide 0 or 7 still fits
# Another hand, per redrawing (uniform). A slant of 0.25 leans a stem by 14 degrees; the writers lean their own way.
MAX_SLANT = 0.25
MAX_TURN_DEGREES = 8.0
WIDTH_RANGE = (0.8, 1.2)
WOBBLE = 0.015  # of the height: the largest smooth displacement
# The brush: most students keep the default; the others move its slider (6-40 px) mostly within this range.
DEFAULT_BRUSH_SHARE = 0.6
BRUSH_RANGE = (8.0, 30.0)


def _normalised(strokes: tuple[np.ndarray, ...]) -> list[np.ndarray]:
    """Strokes moved and scaled so that the ink's box is 1 tall, its top-left corner at (0, 0)."""
    points = np.vstack(strokes)
    low, high = points.min(axis=0), points.max(axis=0)
    height = max(high[1] - low[1], 1e-9)
    return [(s - low) / height for s in strokes]


def _place(strokes: list[np.ndarray], height: float, rng: np.random.Generator) -> list[np.ndarray]:
    """Unit-height strokes scaled to ``height`` px (narrowed if too wide) and put at a random place below the
    toolbar, wholly on the canvas."""
    points = np.vstack(strokes)
    low, high = points.min(axis=0), points.max(axis=0)
    margin = BRUSH_PX / 2 + 2
    top_left = np.array([margin, TOOLBAR_PX + margin])
    fits = CANVAS_PX - margin - top_left  # the largest width and height wholly on the canvas
    height = min(height, fits[1])
    scale = min(height / max(high[1] - low[1], 1e-9), min(MAX_WIDTH, fits[0]) / max(high[0] - low[0], 1e-9))
    size = (high - low) * scale
    room = np.maximum(fits - size, 0)
    offset = top_left + rng.uniform(0, 1, 2) * room
    return [(s - low) * scale + offset for s in strokes]


def as_drawn(digit: pendigits.PenDigit, rng: np.random.Generator) -> list[np.ndarray]:
    """The pen path as a student might draw it on the canvas: its own shape, a random size and place (canvas px)."""
    return _place(_normalised(digit.strokes), rng.uniform(*HEIGHT_RANGE), rng)


def _wobble(points: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """(n, 2) displacements that change smoothly over the unit box: two low-frequency waves per axis."""
    shift = np.zeros_like(points)
    for axis in range(2):
        for _ in range(2):
            direction = rng.normal(size=2)
            phase, frequency = rng.uniform(0, 2 * np.pi), rng.uniform(1.0, 3.0)
            shift[:, axis] += np.sin(points @ direction * frequency + phase)
    return shift * (WOBBLE / 2)


def redrawn(digit: pendigits.PenDigit, rng: np.random.Generator) -> tuple[list[np.ndarray], float]:
    """The pen path as another hand might draw it: (strokes in canvas px, brush px)."""
    strokes = _normalised(digit.strokes)
    slant, width = rng.uniform(-MAX_SLANT, MAX_SLANT), rng.uniform(*WIDTH_RANGE)
    turn = np.radians(rng.uniform(-MAX_TURN_DEGREES, MAX_TURN_DEGREES))
    # x' = width * (x - slant * (y - 0.5)), then turned: y down, so a positive slant leans the top right.
    shape = np.array([[width, 0.0], [-width * slant, 1.0]])
    turning = np.array([[np.cos(turn), np.sin(turn)], [-np.sin(turn), np.cos(turn)]])
    changed = []
    for stroke in strokes:
        moved = (stroke - 0.5) @ shape @ turning + 0.5
        changed.append(moved + _wobble(stroke, rng))
    brush = BRUSH_PX if rng.random() < DEFAULT_BRUSH_SHARE else rng.uniform(*BRUSH_RANGE)
    return _place(changed, rng.uniform(*HEIGHT_RANGE), rng), float(brush)


def model_input(strokes: list[np.ndarray], brush: float = BRUSH_PX) -> np.ndarray | None:
    """Strokes on the canvas -> (400,) float32, the Draw page's preprocessing of the picture; None if no digit."""
    return preprocess(render(strokes, brush)).x


def training_rows(sides: tuple[str, ...], copies: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Every pen digit of those sides of the writers' split, redrawn ``copies`` times: X (n, 400), y (n, 1) int64.

    About 2.7 ms a drawing: the canvas's brush at full size, then the Draw page's preprocessing.
    """
    rows, labels = [], []
    for digit in pendigits.read():
        if pendigits.split_of(digit.writer) not in sides:
            continue
        for _ in range(copies):
            x = model_input(*redrawn(digit, rng))
            if x is not None:
                rows.append(x)
                labels.append(digit.digit)
    X = np.array(rows, dtype=np.float32).reshape(-1, config.N_PIXELS)
    return X, np.array(labels, dtype=np.int64).reshape(-1, 1)
