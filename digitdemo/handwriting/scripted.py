"""Digits as pen strokes, as people are taught to write them, by seeded synthetic writers (issue 15's yardstick).

No public pen-stroke dataset is reachable from this machine, so the drawn-digit benchmark
(``bench/drawn_digits.py``) is made of synthetic writers whose drawings are drawn, stroke by stroke, on
the app's real canvas in Chromium with the mouse and with a finger. The writers were designed from
school handwriting forms and how adults write, then frozen before any model was measured on them.

**Styles** (``STYLES``): each digit in the forms people write, as ordered strokes (pen-ups between
them), each stroke control points in the order and direction a hand moves, in a unit box (x right,
y down, 0..1) with the style's width/height ratio:

- 0: an oval anticlockwise from the top (most taught forms), clockwise, or left open at the top.
- 1: a bare stroke (US print), a short flag (UK, US cursive-print), a flag and a base (the printed
  form, taught in some US schools), a long flag from mid-height (continental Europe: Germany, France,
  Spain, Italy, Scandinavia), the one the issue's "1 with a flag and a base read as 7" is about.
- 2: plain (curved neck, flat base), a loop at the bottom left (cursive habit), angular (straight diagonal).
- 3: round (two bowls, a cusp between), flat-topped (a Z top: a bar then a diagonal; continental and
  Nordic hands).
- 4: open top in 2 strokes (US/UK schools: down, across; then the stem), closed top (the printed
  triangle, the common continental form: diagonal and bar, then the stem), in 1 stroke (down, across,
  up to the stem's top and down: fast writers).
- 5: the flag drawn last and touching (US/UK schools: down, around, then the flag), in 1 stroke
  (the flag first, right to left, then down and around), the flag last and detached (French, German hands).
- 6: round (a curved stem into a closed loop), a straight stem, the loop left open.
- 7: plain, crossed (a separate bar through the stem: continental Europe), hooked (a small up-tick
  before the top bar), hooked and crossed (German school form), a curved stem.
- 8: one stroke starting leftwards (an S, then back up), starting rightwards, two circles (a snowman).
- 9: a straight stem, a curved tail (continental, like a g), a small head and a long tail, the head
  and the stem in two strokes, the head open at the top.

Which style a writer uses comes from their **tradition** (``TRADITIONS``: US print, UK, continental
European, Nordic, with the shares below); a writer keeps their style for a digit across repetitions.

**A writer's hand** (``Writer``): per digit a fixed deviation of every control point (their own shape
of each digit, sd 0.03 of the height), slant (most lean right: 8 degrees on average, sd 7), width
(x 0.8-1.2 of the style's), a habitual size (mouse 90-230 px tall, finger 130-250 px) and place on the
280x280 canvas (not always centred), speed (the distance between successive pointer events, 3-9 px
with a mouse, 4-12 px with a finger, slower at stroke ends), and by device: mouse writers wobble (a
smooth tremor of 0.3-1.5 px) and overshoot sharp corners; finger writers draw larger and sloppier
(control points vary 1.7 times as much). Every drawing varies every control point (sd 0.018 of the
height with a mouse, 0.03 with a finger), its size (5%), slant (3 degrees), turn (2 degrees) and place.

Strokes are smoothed through their control points by centripetal Catmull-Rom splines (sharp at the
points marked as corners), then resampled at the writer's speed: the points a mouse or a finger
reports, in canvas pixels, as the browser's pointer events carry them.

Arrays: a drawing's strokes are a list of (n_i, 2) float arrays of canvas pixels (x, y), in the order drawn.
"""

import functools
import io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from digitdemo import config
from digitdemo.files import atomic_write_bytes
from digitdemo.handwriting.canvas import BRUSH_PX, CANVAS_PX, TOOLBAR_PX, grey_to_rgba

DRAWN_DIGITS_FILE = config.PACKAGE_DIR / "data" / "drawn_digits.npz"
SEED = 15  # the benchmark's writers (issue 15); frozen with the recorded set
N_WRITERS = 40
REPETITIONS = 2  # 3 took over 20 min to record on this shared machine (1.2 s a drawing)
POINT_SCALE = 8  # strokes are stored in 1/8 px, as int16: what was sent to the browser, exactly

C = "corner"  # a control point marked as a corner: the spline stops and starts again there


def _p(x: float, y: float, corner: str | None = None) -> tuple:
    return (x, y, corner == C)


# --- The styles: digit -> style -> (width/height, strokes of control points) ------------------------

_OVAL = [(0.55, 0.0), (0.2, 0.08), (0.02, 0.45), (0.15, 0.85), (0.5, 1.0), (0.85, 0.86), (0.98, 0.45), (0.82, 0.1)]
_NINE_HEAD = [(0.92, 0.12), (0.55, 0.0), (0.15, 0.08), (0.05, 0.3), (0.3, 0.48), (0.7, 0.43), (0.93, 0.22)]
_FIVE_BELLY = [(0.45, 0.38), (0.82, 0.48), (0.96, 0.72), (0.75, 0.95), (0.35, 1.0), (0.02, 0.85)]
_SEVEN = [_p(0.0, 0.03), _p(1.0, 0.0, C), _p(0.62, 0.45), _p(0.38, 1.0)]
_SEVEN_HOOKED = [_p(0.0, 0.16), _p(0.03, 0.0, C), _p(1.0, 0.02, C), _p(0.62, 0.46), _p(0.38, 1.0)]
_SEVEN_BAR = [_p(0.3, 0.5), _p(0.95, 0.47)]


def _pts(points) -> list[tuple]:
    return [p if len(p) == 3 else (p[0], p[1], False) for p in points]


STYLES: dict[int, dict[str, tuple[float, list[list[tuple]]]]] = {
    0: {
        "oval": (0.65, [_pts([*_OVAL, (0.52, 0.0), (0.4, 0.05)])]),
        "clockwise": (0.65, [_pts([(1 - x, y) for x, y in [*_OVAL, (0.52, 0.0), (0.4, 0.05)]])]),
        "open top": (0.65, [_pts([*_OVAL, (0.7, 0.03)])]),
    },
    1: {
        "stroke": (0.35, [_pts([(0.55, 0.0), (0.53, 0.5), (0.5, 1.0)])]),
        "flag": (0.4, [[_p(0.25, 0.17), _p(0.62, 0.0, C), _p(0.61, 0.5), _p(0.6, 1.0)]]),
        "flag and base": (
            0.55,
            [[_p(0.3, 0.15), _p(0.6, 0.0, C), _p(0.6, 0.5), _p(0.6, 0.98)], _pts([(0.22, 1.0), (0.98, 1.0)])],
        ),
        "long flag": (0.5, [[_p(0.02, 0.4), _p(0.72, 0.0, C), _p(0.71, 0.5), _p(0.7, 1.0)]]),
    },
    2: {
        "plain": (
            0.65,
            [
                [
                    *_pts([(0.05, 0.25), (0.3, 0.03), (0.65, 0.0), (0.92, 0.2), (0.85, 0.45), (0.5, 0.72)]),
                    _p(0.04, 1.0, C),
                    *_pts([(0.5, 0.98), (1.0, 0.98)]),
                ]
            ],
        ),
        "loop": (
            0.68,
            [
                _pts(
                    [(0.05, 0.25), (0.3, 0.03), (0.65, 0.0), (0.92, 0.2), (0.85, 0.45), (0.5, 0.72), (0.16, 0.94)]
                    + [(0.06, 0.86), (0.2, 0.78), (0.32, 0.92), (0.55, 1.0), (1.0, 0.97)]
                )
            ],
        ),
        "angular": (
            0.65,
            [[*_pts([(0.0, 0.2), (0.35, 0.0), (0.78, 0.04), (0.9, 0.25)]), _p(0.0, 1.0, C), _p(1.0, 0.99)]],
        ),
    },
    3: {
        "round": (
            0.6,
            [
                [
                    *_pts([(0.05, 0.15), (0.4, 0.0), (0.8, 0.05), (0.88, 0.25), (0.65, 0.42)]),
                    _p(0.35, 0.48, C),
                    *_pts([(0.75, 0.55), (0.96, 0.76), (0.72, 0.97), (0.32, 1.0), (0.0, 0.85)]),
                ]
            ],
        ),
        "flat top": (
            0.6,
            [
                [
                    _p(0.05, 0.0),
                    _p(0.92, 0.0, C),
                    _p(0.38, 0.42, C),
                    *_pts([(0.76, 0.5), (0.97, 0.73), (0.75, 0.95), (0.35, 1.0), (0.02, 0.85)]),
                ]
            ],
        ),
    },
    4: {
        "open": (
            0.72,
            [[_p(0.15, 0.0), _p(0.04, 0.62, C), _p(1.0, 0.62)], _pts([(0.72, 0.05), (0.71, 0.5), (0.7, 1.0)])],
        ),
        "closed": (
            0.72,
            [[_p(0.68, 0.0), _p(0.0, 0.66, C), _p(1.0, 0.66)], _pts([(0.68, 0.0), (0.68, 0.5), (0.68, 1.0)])],
        ),
        "one stroke": (
            0.72,
            [
                [
                    _p(0.2, 0.0),
                    _p(0.04, 0.62, C),
                    _p(0.95, 0.62, C),
                    _p(0.78, 0.3),
                    _p(0.68, 0.0, C),
                    _p(0.67, 0.5),
                    _p(0.66, 1.0),
                ]
            ],
        ),
    },
    5: {
        "flag last": (0.62, [[_p(0.15, 0.0), _p(0.1, 0.45, C), *_pts(_FIVE_BELLY)], _pts([(0.15, 0.0), (0.95, 0.0)])]),
        "one stroke": (0.62, [[_p(0.95, 0.0), _p(0.15, 0.0, C), _p(0.1, 0.45, C), *_pts(_FIVE_BELLY)]]),
        "detached flag": (
            0.62,
            [[_p(0.13, 0.06), _p(0.1, 0.45, C), *_pts(_FIVE_BELLY)], _pts([(0.3, 0.0), (0.98, -0.03)])],
        ),
    },
    6: {
        "round": (
            0.6,
            [
                _pts(
                    [(0.85, 0.0), (0.45, 0.12), (0.12, 0.45), (0.05, 0.75), (0.3, 1.0), (0.7, 0.98), (0.92, 0.75)]
                    + [(0.75, 0.52), (0.4, 0.5), (0.1, 0.68)]
                )
            ],
        ),
        "straight stem": (
            0.6,
            [
                _pts(
                    [(0.78, 0.0), (0.42, 0.35), (0.12, 0.72), (0.25, 0.98), (0.65, 0.98), (0.88, 0.75)]
                    + [(0.7, 0.52), (0.35, 0.55), (0.12, 0.72)]
                )
            ],
        ),
        "open loop": (
            0.6,
            [
                _pts(
                    [(0.85, 0.0), (0.45, 0.12), (0.12, 0.45), (0.05, 0.75), (0.3, 1.0), (0.7, 0.98), (0.9, 0.78)]
                    + [(0.72, 0.58), (0.5, 0.56)]
                )
            ],
        ),
    },
    7: {
        "plain": (0.7, [_SEVEN]),
        "crossed": (0.7, [_SEVEN, _SEVEN_BAR]),
        "hooked": (0.7, [_SEVEN_HOOKED]),
        "hooked and crossed": (0.7, [_SEVEN_HOOKED, _SEVEN_BAR]),
        "curved stem": (0.7, [[_p(0.0, 0.03), _p(1.0, 0.0, C), _p(0.72, 0.3), _p(0.52, 0.62), _p(0.47, 1.0)]]),
    },
    8: {
        "leftwards": (
            0.6,
            [
                _pts(
                    [(0.8, 0.1), (0.5, 0.0), (0.15, 0.12), (0.2, 0.35), (0.5, 0.5), (0.85, 0.68), (0.85, 0.92)]
                    + [(0.5, 1.0), (0.15, 0.92), (0.15, 0.68), (0.5, 0.5), (0.8, 0.32), (0.82, 0.12), (0.6, 0.02)]
                )
            ],
        ),
        "rightwards": (
            0.6,
            [
                _pts(
                    [(0.2, 0.1), (0.5, 0.0), (0.85, 0.12), (0.8, 0.35), (0.5, 0.5), (0.15, 0.68), (0.15, 0.92)]
                    + [(0.5, 1.0), (0.85, 0.92), (0.85, 0.68), (0.5, 0.5), (0.2, 0.32), (0.18, 0.12), (0.4, 0.02)]
                )
            ],
        ),
        "two circles": (
            0.6,
            [
                _pts([(0.5, 0.0), (0.2, 0.1), (0.17, 0.32), (0.5, 0.47), (0.83, 0.32), (0.8, 0.1), (0.52, 0.0)]),
                _pts([(0.5, 0.47), (0.1, 0.62), (0.05, 0.85), (0.5, 1.0), (0.95, 0.85), (0.9, 0.62), (0.52, 0.47)]),
            ],
        ),
    },
    9: {
        "straight stem": (0.6, [[*_pts(_NINE_HEAD), _p(0.95, 0.05, C), _p(0.92, 0.5), _p(0.88, 1.0)]]),
        "curved tail": (
            0.6,
            [[*_pts(_NINE_HEAD), _p(0.95, 0.05, C), *_pts([(0.9, 0.55), (0.75, 0.88), (0.45, 1.0), (0.2, 0.92)])]],
        ),
        "small head": (
            0.5,
            [
                [
                    *_pts([(0.9, 0.08), (0.55, 0.0), (0.2, 0.06), (0.15, 0.2), (0.4, 0.3), (0.75, 0.25), (0.9, 0.12)]),
                    _p(0.92, 0.02, C),
                    *_pts([(0.85, 0.5), (0.7, 1.0)]),
                ]
            ],
        ),
        "two strokes": (
            0.6,
            [
                _pts([(0.85, 0.1), (0.5, 0.0), (0.12, 0.1), (0.08, 0.32), (0.45, 0.47), (0.85, 0.35), (0.88, 0.12)]),
                _pts([(0.9, 0.05), (0.89, 0.5), (0.88, 1.0)]),
            ],
        ),
        "open head": (
            0.6,
            [
                [
                    *_pts([(0.42, 0.0), (0.12, 0.1), (0.05, 0.3), (0.3, 0.48), (0.7, 0.43), (0.92, 0.18)]),
                    _p(0.95, 0.0, C),
                    _p(0.92, 0.5),
                    _p(0.88, 1.0),
                ]
            ],
        ),
    },
}

# Traditions: the share of writers, and per digit the shares of its styles (the rest: the first style).
# From the forms schools teach (US Zaner-Bloser and D'Nealian print, UK schools, the German, French,
# Spanish and Italian school forms, the Nordic ones) and how adults of each write them.
TRADITIONS: dict[str, tuple[float, dict[int, dict[str, float]]]] = {
    "US": (
        0.35,
        {
            0: {"oval": 0.7, "clockwise": 0.2, "open top": 0.1},
            1: {"stroke": 0.5, "flag": 0.25, "flag and base": 0.25},
            2: {"plain": 0.6, "loop": 0.3, "angular": 0.1},
            3: {"round": 0.95, "flat top": 0.05},
            4: {"open": 0.55, "closed": 0.35, "one stroke": 0.1},
            5: {"flag last": 0.6, "one stroke": 0.3, "detached flag": 0.1},
            6: {"round": 0.65, "straight stem": 0.25, "open loop": 0.1},
            7: {"plain": 0.65, "crossed": 0.05, "hooked": 0.05, "curved stem": 0.25},
            8: {"leftwards": 0.55, "rightwards": 0.2, "two circles": 0.25},
            9: {"straight stem": 0.55, "curved tail": 0.15, "small head": 0.1, "two strokes": 0.15, "open head": 0.05},
        },
    ),
    "UK": (
        0.2,
        {
            0: {"oval": 0.7, "clockwise": 0.2, "open top": 0.1},
            1: {"stroke": 0.35, "flag": 0.5, "flag and base": 0.1, "long flag": 0.05},
            2: {"plain": 0.6, "loop": 0.25, "angular": 0.15},
            3: {"round": 0.9, "flat top": 0.1},
            4: {"open": 0.6, "closed": 0.3, "one stroke": 0.1},
            5: {"flag last": 0.5, "one stroke": 0.35, "detached flag": 0.15},
            6: {"round": 0.65, "straight stem": 0.25, "open loop": 0.1},
            7: {"plain": 0.55, "crossed": 0.15, "hooked": 0.1, "curved stem": 0.2},
            8: {"leftwards": 0.55, "rightwards": 0.2, "two circles": 0.25},
            9: {"straight stem": 0.5, "curved tail": 0.2, "small head": 0.1, "two strokes": 0.15, "open head": 0.05},
        },
    ),
    "continental": (
        0.35,
        {
            0: {"oval": 0.75, "clockwise": 0.15, "open top": 0.1},
            1: {"stroke": 0.05, "flag": 0.3, "long flag": 0.65},
            2: {"plain": 0.5, "loop": 0.2, "angular": 0.3},
            3: {"round": 0.7, "flat top": 0.3},
            4: {"open": 0.3, "closed": 0.55, "one stroke": 0.15},
            5: {"flag last": 0.45, "one stroke": 0.25, "detached flag": 0.3},
            6: {"round": 0.5, "straight stem": 0.4, "open loop": 0.1},
            7: {"plain": 0.1, "crossed": 0.45, "hooked": 0.1, "hooked and crossed": 0.3, "curved stem": 0.05},
            8: {"leftwards": 0.6, "rightwards": 0.15, "two circles": 0.25},
            9: {"straight stem": 0.25, "curved tail": 0.45, "small head": 0.15, "two strokes": 0.1, "open head": 0.05},
        },
    ),
    "Nordic": (
        0.1,
        {
            0: {"oval": 0.7, "clockwise": 0.2, "open top": 0.1},
            1: {"stroke": 0.2, "flag": 0.5, "long flag": 0.3},
            2: {"plain": 0.6, "loop": 0.2, "angular": 0.2},
            3: {"round": 0.8, "flat top": 0.2},
            4: {"open": 0.4, "closed": 0.5, "one stroke": 0.1},
            5: {"flag last": 0.5, "one stroke": 0.3, "detached flag": 0.2},
            6: {"round": 0.6, "straight stem": 0.3, "open loop": 0.1},
            7: {"plain": 0.4, "crossed": 0.3, "hooked": 0.15, "curved stem": 0.15},
            8: {"leftwards": 0.6, "rightwards": 0.15, "two circles": 0.25},
            9: {"straight stem": 0.4, "curved tail": 0.3, "small head": 0.15, "two strokes": 0.1, "open head": 0.05},
        },
    ),
}
DEVICES = ("mouse", "finger")


# --- Splines ----------------------------------------------------------------------------------------


def catmull_rom(points: np.ndarray, samples: int = 16) -> np.ndarray:
    """(k, 2) control points -> (m, 2) a centripetal Catmull-Rom curve through them, ends included."""
    if len(points) < 3:
        t = np.linspace(0, 1, samples * max(1, len(points) - 1) + 1)[:, None]
        return points[0] + t * (points[-1] - points[0])
    padded = np.vstack([2 * points[0] - points[1], points, 2 * points[-1] - points[-2]])
    out = [points[:1]]
    for i in range(1, len(padded) - 2):
        p0, p1, p2, p3 = padded[i - 1 : i + 3]
        # Centripetal knots (alpha 1/2): no cusps or self-loops within a segment.
        d = [max(np.linalg.norm(b - a) ** 0.5, 1e-6) for a, b in ((p0, p1), (p1, p2), (p2, p3))]
        t0, t1, t2, t3 = 0.0, d[0], d[0] + d[1], d[0] + d[1] + d[2]
        t = np.linspace(t1, t2, samples + 1)[1:, None]
        a1 = (t1 - t) / (t1 - t0) * p0 + (t - t0) / (t1 - t0) * p1
        a2 = (t2 - t) / (t2 - t1) * p1 + (t - t1) / (t2 - t1) * p2
        a3 = (t3 - t) / (t3 - t2) * p2 + (t - t2) / (t3 - t2) * p3
        b1 = (t2 - t) / (t2 - t0) * a1 + (t - t0) / (t2 - t0) * a2
        b2 = (t3 - t) / (t3 - t1) * a2 + (t - t1) / (t3 - t1) * a3
        out.append((t2 - t) / (t2 - t1) * b1 + (t - t1) / (t2 - t1) * b2)
    return np.vstack(out)


def smooth_stroke(points: np.ndarray, corners: np.ndarray) -> np.ndarray:
    """(k, 2) control points, (k,) bool corners -> (m, 2) a dense path, sharp at the corners."""
    cuts = [0, *[i for i in range(1, len(points) - 1) if corners[i]], len(points) - 1]
    pieces = [catmull_rom(points[a : b + 1]) for a, b in zip(cuts, cuts[1:], strict=False)]
    return np.vstack([pieces[0], *[piece[1:] for piece in pieces[1:]]])


def resample(path: np.ndarray, spacing: float, rng: np.random.Generator) -> np.ndarray:
    """(m, 2) dense path -> (n, 2) the pointer events along it: ``spacing`` px apart, closer at the ends."""
    steps = np.linalg.norm(np.diff(path, axis=0), axis=1)
    arc = np.concatenate([[0], np.cumsum(steps)])
    length = arc[-1]
    if length < 1:
        return path[[0, -1]]
    positions, s = [0.0], 0.0
    while True:
        # A hand starts and ends a stroke slowly: events closer together there.
        ease = 0.45 + 0.55 * np.sin(np.pi * min(1.0, s / length))
        s += spacing * ease * rng.uniform(0.75, 1.25)
        if s >= length:
            break
        positions.append(s)
    positions.append(length)
    return np.column_stack([np.interp(positions, arc, path[:, 0]), np.interp(positions, arc, path[:, 1])])


# --- Writers ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Drawing:
    """One digit as drawn: ``strokes`` a list of (n_i, 2) float canvas pixels (x, y), in order."""

    digit: int
    style: str
    strokes: list[np.ndarray]


@dataclass
class Writer:
    """A hand: a tradition, a device, a style per digit and the habits every drawing of theirs shares."""

    id: int
    tradition: str
    device: str
    styles: dict[int, str]
    slant: float  # degrees, positive: the top leans right
    width: float  # times the style's width/height
    height: float  # px, the habitual height of a digit
    centre: tuple[float, float]  # px, where on the canvas they usually draw
    spacing: float  # px between pointer events
    tremor: float  # px, a mouse's wobble (0 for fingers)
    seed: int
    shapes: dict[int, list[np.ndarray]] = field(repr=False, default_factory=dict)  # per digit: control-point bias

    def draw(self, digit: int, repetition: int) -> Drawing:
        """The writer's ``digit``, their ``repetition``-th time: deterministic."""
        rng = np.random.default_rng([self.seed, digit, repetition])
        style = self.styles[digit]
        aspect, strokes = STYLES[digit][style]
        finger = self.device == "finger"
        jitter = 0.03 if finger else 0.018
        height = self.height * rng.normal(1, 0.05)
        width = height * aspect * self.width * rng.normal(1, 0.04)
        slant = np.radians(self.slant + rng.normal(0, 3))
        turn = np.radians(rng.normal(0, 2))
        placed = []
        for stroke, bias in zip(strokes, self.shapes[digit], strict=True):
            points = np.array([(x, y) for x, y, _ in stroke]) + bias + rng.normal(0, jitter, (len(stroke), 2))
            corners = np.array([c for _, _, c in stroke])
            xy = np.column_stack([(points[:, 0] - 0.5) * width, (points[:, 1] - 0.5) * height])
            xy[:, 0] -= xy[:, 1] * np.tan(slant)  # y grows downwards: the top goes right
            cos, sin = np.cos(turn), np.sin(turn)
            xy = xy @ np.array([[cos, sin], [-sin, cos]])
            if not finger:
                xy, corners = _overshoot(xy, corners, height, rng)
            placed.append((xy, corners))
        centre = np.array(self.centre) + rng.normal(0, 12, 2)
        paths = [smooth_stroke(xy, corners) for xy, corners in placed]
        paths = _fit_on_canvas(paths, centre)
        events = []
        for path in paths:
            if self.tremor > 0:
                path = path + _wobble(len(path), self.tremor, rng)
            events.append(np.clip(resample(path, self.spacing, rng), (1, TOOLBAR_PX), CANVAS_PX - 2))
        return Drawing(digit, style, events)


def _overshoot(xy: np.ndarray, corners: np.ndarray, height: float, rng) -> tuple[np.ndarray, np.ndarray]:
    """A mouse hand runs past a sharp corner and comes back: a point beyond it, half of the corners."""
    out, flags = [xy[0]], [corners[0]]
    for i in range(1, len(xy)):
        if corners[i] and i < len(xy) - 1 and rng.random() < 0.5:
            incoming = xy[i] - xy[i - 1]
            incoming /= max(np.linalg.norm(incoming), 1e-6)
            out += [xy[i], xy[i] + incoming * height * rng.uniform(0.02, 0.06)]
            flags += [True, True]
        else:
            out.append(xy[i])
            flags.append(corners[i])
    return np.array(out), np.array(flags)


def _wobble(n: int, amplitude: float, rng) -> np.ndarray:
    """(n, 2) a smooth random tremor of about ``amplitude`` px."""
    noise = rng.normal(0, 1, (n + 24, 2))
    kernel = np.hanning(25)
    kernel /= np.sqrt((kernel**2).sum())
    smooth = np.column_stack([np.convolve(noise[:, k], kernel, mode="valid") for k in range(2)])
    return smooth[:n] * amplitude


def _fit_on_canvas(paths: list[np.ndarray], centre: np.ndarray) -> list[np.ndarray]:
    """Paths around (0, 0) -> placed at ``centre``, moved (and shrunk if need be) to stay on the canvas."""
    margin = BRUSH_PX / 2 + 2
    points = np.vstack(paths)
    low, high = points.min(axis=0), points.max(axis=0)
    top = np.array([margin, TOOLBAR_PX + 2])  # the wobble may add a pixel or two
    room = CANVAS_PX - margin - top
    scale = min(1.0, *(room / np.maximum(high - low, 1e-6)))
    low, high = low * scale, high * scale
    offset = np.clip(centre, top - low, CANVAS_PX - margin - high)
    return [path * scale + offset for path in paths]


def _choose(rng: np.random.Generator, shares: dict[str, float]) -> str:
    names = list(shares)
    weights = np.array([shares[name] for name in names])
    return names[rng.choice(len(names), p=weights / weights.sum())]


def device_of(writer_id: int) -> str:
    """A quarter of the writers draw with a finger: two in every eight, one in each half."""
    return "finger" if (writer_id // 2) % 4 == 3 else "mouse"


def split_of(writer_id: int) -> str:
    """Even writers are the development half, odd ones the final half."""
    return "development" if writer_id % 2 == 0 else "final"


def make_writer(writer_id: int, seed: int = SEED) -> Writer:
    """Writer ``writer_id`` of the set made with ``seed``: deterministic."""
    rng = np.random.default_rng([seed, writer_id])
    names = list(TRADITIONS)
    tradition = names[rng.choice(len(names), p=[TRADITIONS[name][0] for name in names])]
    device = device_of(writer_id)
    finger = device == "finger"
    styles = {digit: _choose(rng, TRADITIONS[tradition][1][digit]) for digit in range(10)}
    height = rng.uniform(130, 250) if finger else rng.uniform(90, 230)
    spread = (CANVAS_PX - height) / 2
    centre = (CANVAS_PX / 2 + rng.uniform(-0.8, 0.8) * spread, CANVAS_PX / 2 + rng.uniform(-0.8, 0.8) * spread)
    bias = 0.03 * (1.7 if finger else 1.0)
    shapes = {
        digit: [rng.normal(0, bias, (len(stroke), 2)) for stroke in STYLES[digit][styles[digit]][1]]
        for digit in range(10)
    }
    return Writer(
        id=writer_id,
        tradition=tradition,
        device=device,
        styles=styles,
        slant=float(np.clip(rng.normal(8, 7), -12, 28)),
        width=float(rng.uniform(0.8, 1.2)),
        height=float(height),
        centre=(float(centre[0]), float(centre[1])),
        spacing=float(rng.uniform(4, 12) if finger else rng.uniform(3, 9)),
        tremor=0.0 if finger else float(rng.uniform(0.3, 1.5)),
        seed=int(rng.integers(2**31)),
        shapes=shapes,
    )


def writers(n: int = N_WRITERS, seed: int = SEED) -> list[Writer]:
    """The benchmark's writers, 0..n-1."""
    return [make_writer(i, seed) for i in range(n)]


# --- The recorded set ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DrawnDigits:
    """The recorded benchmark: n drawings, what the canvas gave for each and the model's input from it."""

    images: np.ndarray  # (n, 280, 280) uint8 grey: the canvas as the Draw page received it (R = G = B, opaque)
    labels: np.ndarray  # (n,) int64, the digit drawn
    writers: np.ndarray  # (n,) int64, writer id
    devices: np.ndarray  # (n,) str, "mouse" or "finger"
    styles: np.ndarray  # (n,) str, the style's name (STYLES)
    splits: np.ndarray  # (n,) str, "development" or "final"
    strokes: list[list[np.ndarray]]  # per drawing, the pointer events sent (canvas px)
    X: np.ndarray  # (n, 400) float32, the app's preprocess of each image (zeros where it found no digit)
    readable: np.ndarray  # (n,) bool, False where preprocess found no digit (counts as wrong)


def pack(drawings: list[Drawing], meta: list[dict], images: np.ndarray) -> dict[str, np.ndarray]:
    """The arrays of the stored file: strokes in 1/8 px int16, one flat array with its stroke and drawing ends."""
    points, stroke_ends, drawing_ends = [], [], []
    for drawing in drawings:
        for stroke in drawing.strokes:
            points.append(np.round(stroke * POINT_SCALE).astype(np.int16))
            stroke_ends.append(sum(len(p) for p in points))
        drawing_ends.append(len(stroke_ends))
    return {
        "images": images,
        "labels": np.array([m["digit"] for m in meta], dtype=np.int8),
        "writers": np.array([m["writer"] for m in meta], dtype=np.int16),
        "repetitions": np.array([m["repetition"] for m in meta], dtype=np.int8),
        "devices": np.array([m["device"] for m in meta]),
        "styles": np.array([m["style"] for m in meta]),
        "traditions": np.array([m["tradition"] for m in meta]),
        "points": np.vstack(points),
        "stroke_ends": np.array(stroke_ends, dtype=np.int32),
        "drawing_ends": np.array(drawing_ends, dtype=np.int32),
    }


def unpack_strokes(arrays) -> list[list[np.ndarray]]:
    """The stored strokes, per drawing: (n_i, 2) float canvas px."""
    points = arrays["points"].astype(np.float64) / POINT_SCALE
    strokes = np.split(points, arrays["stroke_ends"][:-1])
    starts = [0, *arrays["drawing_ends"][:-1]]
    return [strokes[start:end] for start, end in zip(starts, arrays["drawing_ends"], strict=True)]


def quantised(drawing: Drawing) -> Drawing:
    """The drawing with its points rounded to what is stored (1/8 px): what the browser is sent."""
    return Drawing(drawing.digit, drawing.style, [np.round(s * POINT_SCALE) / POINT_SCALE for s in drawing.strokes])


def save_drawn_digits(arrays: dict[str, np.ndarray], path: Path = DRAWN_DIGITS_FILE) -> None:
    """Write the set, compressed (np.savez_compressed), atomically."""
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    atomic_write_bytes(path, buffer.getvalue())


@functools.cache
def load_drawn_digits(path: Path = DRAWN_DIGITS_FILE) -> DrawnDigits:
    """The recorded set with the model's inputs, read and preprocessed once per process (about 2 s)."""
    from digitdemo.preprocess import preprocess

    with np.load(path, allow_pickle=False) as arrays:
        stored = {name: arrays[name] for name in arrays.files}
    images = stored["images"]
    X = np.zeros((len(images), config.N_PIXELS), dtype=np.float32)
    readable = np.zeros(len(images), dtype=bool)
    for i, grey in enumerate(images):
        x = preprocess(grey_to_rgba(grey)).x
        if x is not None:
            X[i], readable[i] = x, True
    writer_ids = stored["writers"].astype(np.int64)
    return DrawnDigits(
        images=images,
        labels=stored["labels"].astype(np.int64),
        writers=writer_ids,
        devices=stored["devices"],
        styles=stored["styles"],
        splits=np.array([split_of(int(w)) for w in writer_ids]),
        strokes=unpack_strokes(stored),
        X=X,
        readable=readable,
    )
