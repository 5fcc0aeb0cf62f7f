"""The Draw page's canvas, imitated: pen strokes drawn as it draws them, and MNIST digits placed on it.

``render`` draws strokes (canvas px, x right, y down) with the canvas's white round brush on opaque black;
``render_drawing`` makes a canvas-like picture of an MNIST digit (any size, anywhere, any brush) for
benchmarks and tests.
"""

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

CANVAS_PX = 280  # the Draw page's canvas (digitdemo/pages/lab/draw.py)
CANVAS_SIZE = CANVAS_PX
BRUSH_PX = 18  # the Draw page's default brush
# The canvas's toolbar floats over its top-right corner (its box: x 139-280, y 0-31 px, taking the
# pointer): a writer starts no stroke there (it would press a button), so pointer events stay below this line.
TOOLBAR_PX = 32


def render(strokes: list[np.ndarray], brush: float = BRUSH_PX, size: int = CANVAS_PX) -> np.ndarray:
    """Strokes (canvas px) -> (size, size, 4) uint8 RGBA: a white brush, round caps and joins, on opaque black.

    Like the canvas, antialiased (drawn 4 times larger, then reduced).
    """
    k = 4
    board = Image.new("L", (size * k, size * k), 0)
    pen = ImageDraw.Draw(board)
    radius = brush * k / 2
    for stroke in strokes:
        points = [(float(x) * k, float(y) * k) for x, y in stroke]
        if len(points) > 1:
            pen.line(points, fill=255, width=round(brush * k))
        for x, y in points:  # round caps, and round joins even at sharp turns
            pen.ellipse((x - radius, y - radius, x + radius, y + radius), fill=255)
    grey = np.asarray(board.resize((size, size), Image.Resampling.BOX))
    return grey_to_rgba(grey)


def grey_to_rgba(grey: np.ndarray) -> np.ndarray:
    """(H, W) uint8 grey -> (H, W, 4) uint8 RGBA, opaque: the canvas's white-on-black picture."""
    return np.dstack([grey, grey, grey, np.full_like(grey, 255)])


def render_drawing(
    digit: np.ndarray, rng: np.random.Generator, canvas: int = CANVAS_SIZE, brush: int | None = None
) -> np.ndarray:
    """(28, 28) float digit -> (canvas, canvas, 4) uint8 RGBA: white strokes on opaque black.

    brush: thin (< 0) or thicken (> 0) the strokes by that many pixels; random when None.
    """
    rows = np.flatnonzero(digit.max(axis=1) > 0.1)
    cols = np.flatnonzero(digit.max(axis=0) > 0.1)
    glyph = digit[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1].astype(np.float32)
    height = int(rng.uniform(0.25, 0.9) * canvas)
    width = max(4, min(canvas - 4, round(glyph.shape[1] * height / glyph.shape[0])))
    image = Image.fromarray((glyph * 255).astype(np.uint8)).resize((width, height), Image.Resampling.BICUBIC)
    strokes = image.point(lambda v: 255 if v > 127 else 0)
    # A thin or thick brush: erode or dilate by a few pixels.
    brush = int(rng.choice([-5, -3, 0, 3, 5, 7])) if brush is None else brush
    if brush < 0:
        strokes = strokes.filter(ImageFilter.MinFilter(-brush))
    elif brush > 0:
        strokes = strokes.filter(ImageFilter.MaxFilter(brush))
    strokes = strokes.filter(ImageFilter.GaussianBlur(1))  # the canvas antialiases its edges
    board = Image.new("L", (canvas, canvas), 0)
    board.paste(strokes, (int(rng.integers(0, canvas - width + 1)), int(rng.integers(0, canvas - height + 1))))
    grey = np.asarray(board)
    return np.dstack([grey, grey, grey, np.full_like(grey, 255)])
