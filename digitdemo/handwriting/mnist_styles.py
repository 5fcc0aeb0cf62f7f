"""MNIST digits redrawn as people draw them on the canvas: the drawing model's training data. NumPy and Pillow only.

The lab's model reads MNIST well and drawings badly (issue 15), for two reasons this module
addresses. The form: a drawing is strokes of one brush width, of any thickness against the
digit's size, where MNIST's pen strokes are a sixth of its height. The style: MNIST's writers
rarely cross a 7, put a flag and a base on a 1, close a 4's top, or write a 9 with a small
head and a long tail; many of the students who draw on the page do.

``redraw`` turns one 28x28 MNIST digit into one drawing: a random slant, turn, width and
smooth elastic wobble (the writer's hand), a style added as real strokes where its digit
allows one (a bar through a 7's stem, a flag and base on a 1, a line closing a 4's top, a
9's head shrunk), the strokes made as thick as a brush of the canvas would make them at
that size, and then the app's own preprocessing (crop, fit, centre of mass, 20x20), so the
network is shown exactly the kind of input the Draw page gives it.

The work is done at a small scale (the digit WORK_HEIGHT px tall, not 90-250 px as on the
canvas): the 20x20 input only sees stroke widths relative to the digit, and a brush 4x
smaller is 16x cheaper to draw. A digit takes about 3 ms.
"""

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from digitdemo.handwriting.augment import bilinear
from digitdemo.preprocess import ink_box, preprocess

WORK_HEIGHT = 64  # px: the digit's height while it is redrawn
SOURCE_SIZE = 28  # MNIST's field
SAMPLE_SCALE = 3  # output pixels per source pixel when the hand's warp is applied
MARGIN = 6  # source pixels around the field, so a slanted digit is not cut

# The writer's hand, per drawing (all uniform). Slant is a shear: 0.35 leans a 1 by about 19 degrees.
MAX_SLANT = 0.35
MAX_TURN_DEGREES = 10.0
WIDTH_RANGE = (0.75, 1.25)  # narrow to wide, against the height
ELASTIC_PIXELS = 1.2  # the largest smooth displacement, in source pixels
ELASTIC_SMOOTHNESS = 4.0  # source pixels: the wobble's scale

# The brush. On the canvas the Draw page's brush is 18 px (6-40 on its slider) and a digit is
# drawn 90-250 px tall, so a stroke is 0.04 to 0.45 of the digit's height; mostly 0.07-0.2.
DEFAULT_BRUSH_SHARE = 0.6  # of drawings made with the default brush
CANVAS_BRUSH = 18
BRUSH_RANGE = (8, 32)
HEIGHT_RANGE = (90, 250)  # px on the 280 px canvas
MIN_STROKE = 2.0  # px at WORK_HEIGHT

# How often each style is drawn on a digit that allows it.
STYLE_CHANCE = {1: 0.6, 4: 0.4, 7: 0.5, 9: 0.2}  # 9: a curled tail
SMALL_HEAD_CHANCE = 0.4  # of 9s: a smaller head, a longer tail
PROPORTION_CHANCE = 0.3  # any digit: its upper part a little smaller or larger than MNIST's


def redraw(digit: np.ndarray, label: int, rng: np.random.Generator, styles: bool = True) -> np.ndarray | None:
    """(28, 28) float MNIST digit -> (400,) float32 input as the Draw page makes it, or None if none is left.

    styles=False keeps the digit's own form (the hand and the brush still change).
    """
    ink = _hand(digit, label if styles else -1, rng)
    glyph = _crop(ink > 0.35)
    if glyph is None:
        return None
    glyph = _to_height(glyph, WORK_HEIGHT)
    chosen = styles and rng.random() < STYLE_CHANCE.get(label, 0)
    lines = _with_segments(skeleton(glyph), _style_segments(glyph, label, rng) if chosen else [])
    picture = Image.fromarray(np.pad(brush(lines, _brush_width(rng)), 4).astype(np.uint8) * 255)
    return preprocess(np.asarray(picture.filter(ImageFilter.GaussianBlur(0.7)))).x


def redraw_many(digits: np.ndarray, labels: np.ndarray, copies: int, rng: np.random.Generator) -> tuple:
    """(n, 28, 28), (n,) -> X (m, 400) float32, y (m, 1): ``copies`` drawings of each digit (m <= n * copies)."""
    rows, kept = [], []
    for _ in range(copies):
        for digit, label in zip(digits, labels, strict=True):
            x = redraw(digit, int(label), rng)
            if x is not None:
                rows.append(x)
                kept.append(int(label))
    return np.stack(rows).astype(np.float32), np.array(kept, dtype=np.int64).reshape(-1, 1)


# --- The hand: one warp of the source digit -----------------------------------------------


def _hand(digit: np.ndarray, label: int, rng: np.random.Generator) -> np.ndarray:
    """The digit slanted, turned, widened, wobbled (and a 9's head shrunk), sampled SAMPLE_SCALE times finer."""
    size = (SOURCE_SIZE + 2 * MARGIN) * SAMPLE_SCALE
    grid = (np.arange(size, dtype=np.float32) + 0.5) / SAMPLE_SCALE - MARGIN  # output positions in source pixels
    rows, cols = np.meshgrid(grid, grid, indexing="ij")
    centre = (SOURCE_SIZE - 1) / 2
    r, c = rows - centre, cols - centre
    # Proportions first (in the digit's own frame): a 9 with a small head and a long tail; any digit's
    # upper part a little smaller or larger.
    if label == 9 and rng.random() < SMALL_HEAD_CHANCE:
        r, c = _shrink_head(r, c, rng.uniform(0.55, 0.8))
    elif rng.random() < PROPORTION_CHANCE:
        r, c = _shrink_head(r, c, rng.uniform(0.85, 1.15), split=0.0, narrow=False)
    # Then the hand: inverse of (width, slant, turn), mapping output to source.
    turn = np.deg2rad(rng.uniform(-MAX_TURN_DEGREES, MAX_TURN_DEGREES))
    cos, sin = np.cos(turn), np.sin(turn)
    r, c = cos * r + sin * c, cos * c - sin * r
    c = c + rng.uniform(-MAX_SLANT, MAX_SLANT) * r
    c = c / rng.uniform(*WIDTH_RANGE)
    dr, dc = _wobble(size, rng)
    src = np.stack([r + centre + dr, c + centre + dc])
    return bilinear(np.asarray(digit, dtype=np.float32)[None], src[0][None], src[1][None])[0]


def _shrink_head(
    r: np.ndarray, c: np.ndarray, factor: float, split: float = -1.5, narrow: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Source offsets for an output whose part above ``split`` (source pixels from the centre) is ``factor``
    times as tall, the rest stretched to keep the height. narrow: the head as much narrower too, about its
    right side (a 9's stem), blended over a few rows so the stem stays joined."""
    top, bottom = -10.0, 10.0  # MNIST's ink spans about 20 px around the centre
    out_split = top + (split - top) * factor  # where the head ends in the output
    src_r = np.where(
        r < out_split,
        top + (r - top) / factor,
        split + (r - out_split) * (bottom - split) / (bottom - out_split),
    )
    if not narrow:
        return src_r, c
    right = 5.0
    blend = np.clip((r - out_split) / 4.0, 0, 1)
    return src_r, right + (c - right) / (factor + (1 - factor) * blend)


def _wobble(size: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A smooth random displacement field (Simard et al. 2003), at most ELASTIC_PIXELS, two (size, size) arrays."""
    coarse = rng.uniform(-1, 1, (2, 4, 4)).astype(np.float32)  # a 4x4 lattice of displacements, smoothly upsampled
    field = np.stack(
        [
            np.asarray(Image.fromarray(c).resize((size, size), Image.Resampling.BICUBIC), dtype=np.float32)
            for c in coarse
        ]
    )
    field *= ELASTIC_PIXELS / max(float(np.abs(field).max()), 1e-6)
    return field[0], field[1]


# --- The glyph: a boolean mask, its lines, its brush ------------------------------------


def _crop(mask: np.ndarray) -> np.ndarray | None:
    """A boolean glyph cut to its ink's box (preprocess.ink_box), or None if it has no ink."""
    box = ink_box(mask)
    if box is None:
        return None
    top, left, bottom, right = box
    return mask[top:bottom, left:right]


def _to_height(mask: np.ndarray, height: int) -> np.ndarray:
    h, w = mask.shape
    width = max(1, round(w * height / h))
    resized = Image.fromarray(mask.astype(np.uint8) * 255).resize((width, height), Image.Resampling.BILINEAR)
    return np.asarray(resized) > 127


def skeleton(mask: np.ndarray) -> np.ndarray:
    """A boolean glyph thinned to lines one pixel wide (Zhang and Suen 1984): where a pen's centre went."""
    image = np.pad(mask, 1).astype(np.uint8)
    while True:
        changed = False
        for step in (0, 1):
            centre = image[1:-1, 1:-1]
            # p2..p9 of the paper: the neighbours clockwise from the one above
            p = [image[:-2, 1:-1], image[:-2, 2:], image[1:-1, 2:], image[2:, 2:],
                 image[2:, 1:-1], image[2:, :-2], image[1:-1, :-2], image[:-2, :-2]]  # fmt: skip
            count = sum(p)
            turns = sum((p[i] == 0) & (p[(i + 1) % 8] == 1) for i in range(8))
            if step == 0:
                side = (p[0] * p[2] * p[4] == 0) & (p[2] * p[4] * p[6] == 0)
            else:
                side = (p[0] * p[2] * p[6] == 0) & (p[0] * p[4] * p[6] == 0)
            remove = (centre == 1) & (count >= 2) & (count <= 6) & (turns == 1) & side
            if remove.any():
                centre[remove] = 0
                changed = True
        if not changed:
            return _without_specks(image[1:-1, 1:-1].astype(bool))


def _without_specks(lines: np.ndarray) -> np.ndarray:
    """The lines less pixels alone or in pairs: what thinning leaves of a speck of ink, which no pen drew."""
    padded = np.pad(lines, 1).astype(np.int8)
    shifts = [(dr, dc) for dr in (-1, 0, 1) for dc in (-1, 0, 1) if (dr, dc) != (0, 0)]
    h, w = lines.shape

    def around(a: np.ndarray) -> list[np.ndarray]:
        return [a[1 + dr : 1 + dr + h, 1 + dc : 1 + dc + w] for dr, dc in shifts]

    count = np.sum(around(padded), axis=0) * lines
    busiest = np.max(around(np.pad(count, 1)), axis=0)
    return lines & ~((count <= 1) & (busiest <= 1))


def brush(lines: np.ndarray, width: float) -> np.ndarray:
    """Lines one pixel wide drawn with a round brush ``width`` px across, as the canvas draws a stroke."""
    radius = max(width, 1.0) / 2
    reach = int(np.ceil(radius))
    offsets = np.arange(-reach, reach + 1)
    disk = (offsets[:, None] ** 2 + offsets[None, :] ** 2 <= radius**2).astype(np.float32)
    padded = np.pad(lines.astype(np.float32), reach)
    shape = (padded.shape[0] + 2 * reach, padded.shape[1] + 2 * reach)  # no wrap-around
    product = np.fft.irfft2(np.fft.rfft2(padded, shape) * np.fft.rfft2(disk, shape), shape)
    return product[reach : reach + padded.shape[0], reach : reach + padded.shape[1]] > 0.5


def _brush_width(rng: np.random.Generator) -> float:
    """A stroke width at WORK_HEIGHT: a canvas brush over a digit's height on the canvas, as drawn."""
    canvas_brush = CANVAS_BRUSH if rng.random() < DEFAULT_BRUSH_SHARE else rng.uniform(*BRUSH_RANGE)
    return max(MIN_STROKE, canvas_brush / rng.uniform(*HEIGHT_RANGE) * WORK_HEIGHT)


# --- Styles: strokes added where the digit allows them ------------------------------------

Segment = tuple[tuple[float, float], tuple[float, float]]  # ((row, col), (row, col))


def _style_segments(mask: np.ndarray, label: int, rng: np.random.Generator) -> list[Segment]:
    """The style's strokes for this glyph, as segments in its pixels (none if none fits)."""
    add = {1: _flag_and_base, 4: _closed_top, 7: _crossbar, 9: _curled_tail}.get(label)
    return [] if add is None else add(mask, rng)


def _with_segments(lines: np.ndarray, segments: list[Segment]) -> np.ndarray:
    """The one-pixel lines with the segments drawn on, one pixel wide too, with room around them."""
    if not segments:
        return lines
    pad = lines.shape[0]  # room for a flag or a base that reaches past the digit
    picture = Image.fromarray(np.pad(lines, pad).astype(np.uint8) * 255)
    draw = ImageDraw.Draw(picture)
    for (r0, c0), (r1, c1) in segments:
        draw.line([(c0 + pad, r0 + pad), (c1 + pad, r1 + pad)], fill=255, width=1)
    return _crop(np.asarray(picture) > 127)


def _runs(row: np.ndarray) -> list[tuple[int, int]]:
    """[start, end) of each run of ink in a boolean row."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], row.astype(np.int8), [0]])))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))


def _crossbar(mask: np.ndarray, rng: np.random.Generator) -> list[Segment]:
    """A 7's bar: across the stem a little below the middle, about half the digit's width, nearly level."""
    h, w = mask.shape
    row = int(h * rng.uniform(0.45, 0.62))
    runs = _runs(mask[row])
    if not runs:
        return []
    start, end = min(runs, key=lambda run: abs((run[0] + run[1]) / 2 - w / 2))  # the stem: nearest the middle
    centre = (start + end) / 2 + rng.uniform(-0.1, 0.1) * w
    half = max(w, 0.5 * h) * rng.uniform(0.22, 0.4)
    rise = half * np.tan(np.deg2rad(rng.uniform(-6, 12)))  # bars tend to rise to the right
    return [((row + rise, centre - half), (row - rise, centre + half))]


def _flag_and_base(mask: np.ndarray, rng: np.random.Generator) -> list[Segment]:
    """A 1's flag from its top, down and to the left of its stem; a base across its foot on some."""
    h, _ = mask.shape
    first, last = np.flatnonzero(mask[0]), np.flatnonzero(mask[-1])
    if first.size == 0 or last.size == 0:  # no ink on the first or last row (as in _curled_tail): no top or foot
        return []
    top = np.array([0.0, first.mean()])
    foot = np.array([h - 1.0, last.mean()])
    down = foot - top
    stem = np.degrees(np.arctan2(down[0], -down[1]))  # the stem's angle below the horizontal, to the left
    below = rng.uniform(15, 55)  # the flag's, as people draw it: down and to the left
    below = min(below, max(stem - 30, 5))  # and clear of a stem that leans left
    flag = np.array([np.sin(np.radians(below)), -np.cos(np.radians(below))])
    tip = top + flag * h * rng.uniform(0.2, 0.5)
    lines = [(tuple(top), tuple(tip))]
    if rng.random() < 0.4:
        half = h * rng.uniform(0.15, 0.32)
        lines.append(((foot[0], foot[1] - half), (foot[0], foot[1] + half)))
    return lines


def _curled_tail(mask: np.ndarray, rng: np.random.Generator) -> list[Segment]:
    """A 9's tail curled to the left at its foot, as in a g (continental hands): three short segments."""
    h, w = mask.shape
    bottom = np.flatnonzero(mask[-1])
    if bottom.size == 0:  # no ink on the last row (a glyph cut by the resize): no foot to curl from
        return []
    foot = np.array([h - 1.0, bottom.mean()])
    reach = max(w, 0.5 * h) * rng.uniform(0.3, 0.6)  # how far left the curl ends
    rise = h * rng.uniform(0.04, 0.16)  # and how far back up
    bend = [(0.35, 0.25 * rise), (0.7, 0.05 * rise), (1.0, rise)]  # down a little more, then round and up
    points = [foot] + [foot + np.array([0.1 * h * (1 - t) - up, -t * reach]) for t, up in bend]
    return [(tuple(a), tuple(b)) for a, b in zip(points, points[1:], strict=False)]


def _closed_top(mask: np.ndarray, rng: np.random.Generator) -> list[Segment]:
    """A line joining the tops of an open 4's arm and stem, so its top closes (nothing if it is closed)."""
    h, _ = mask.shape
    for row in range(int(0.4 * h)):  # the highest row where arm and stem are apart
        runs = _runs(mask[row])
        if len(runs) >= 2:
            break
    else:
        return []
    gap = (runs[0][1], runs[-1][0])
    if any(start < gap[0] and end > gap[1] for above in mask[:row] for start, end in _runs(above)):
        return []  # a stroke above already joins them: the top is closed
    arm_cols, stem_cols = np.arange(0, runs[0][1]), np.arange(runs[-1][0], mask.shape[1])
    arm_top = _top_of(mask, arm_cols)
    stem_top = _top_of(mask, stem_cols)
    if arm_top is None or stem_top is None:
        return []
    return [(arm_top, stem_top)]


def _top_of(mask: np.ndarray, cols: np.ndarray) -> tuple[float, float] | None:
    """(row, col) of the highest ink in those columns."""
    part = mask[:, cols]
    rows = np.flatnonzero(part.any(axis=1))
    if rows.size == 0:
        return None
    return float(rows[0]), float(cols[np.flatnonzero(part[rows[0]])].mean())
