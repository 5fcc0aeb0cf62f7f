"""Canvas-like drawings made from real MNIST digits, for the drawing benchmark and tests.

A student draws a digit of any size, anywhere on the canvas, with any brush: we imitate that
by scaling a held-out digit, thickening or thinning its strokes and placing it at random.
"""

import numpy as np
from PIL import Image, ImageFilter

CANVAS_SIZE = 280  # px, the Draw page's canvas


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
