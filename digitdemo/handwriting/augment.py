"""Data augmentation: small random rotations, shifts and scales of the 20x20 training digits. NumPy only.

A writer slants, shifts and sizes each digit a little differently; showing the network such
variations of the lab's digits teaches it that they do not change the digit. Rows stay in the
lab's column-major layout: converted with data.row_to_image / image_to_row, in one place.
"""

import numpy as np

from digitdemo import config
from digitdemo.data import image_to_row, row_to_image

# Small enough that a 6 stays a 6 and a 1 stays upright-ish. Measured (bench/teach.py): rotations of up to
# 10 degrees and shifts of up to 1 pixel gave 94.2% held-out; 2-pixel shifts only 93%: the lab's digits,
# like the app's drawings, are centred by their centre of mass, so large shifts teach what never happens.
MAX_ROTATION_DEGREES = 10.0
MAX_SHIFT_PIXELS = 1.0  # of 20
SCALE_RANGE = (0.9, 1.1)


def affine(images: np.ndarray, degrees: np.ndarray, scales: np.ndarray, shifts: np.ndarray) -> np.ndarray:
    """(n, 20, 20) images, each rotated by degrees[i] (counter-clockwise), scaled by scales[i] about the
    centre and shifted by shifts[i] = (down, right) pixels -> (n, 20, 20) float32, bilinear, 0 outside.
    """
    images = np.asarray(images, dtype=np.float32)
    n, height, width = images.shape
    centre = np.array([(height - 1) / 2, (width - 1) / 2], dtype=np.float32)
    rows, cols = np.meshgrid(np.arange(height, dtype=np.float32), np.arange(width, dtype=np.float32), indexing="ij")
    # Inverse mapping: for each output pixel, where in the source image it comes from.
    theta = np.deg2rad(np.asarray(degrees, dtype=np.float32))[:, None, None]
    scales = np.asarray(scales, dtype=np.float32)[:, None, None]
    shifts = np.asarray(shifts, dtype=np.float32)
    dr = rows[None] - centre[0] - shifts[:, 0, None, None]
    dc = cols[None] - centre[1] - shifts[:, 1, None, None]
    # Rows point down: turning the output back by -theta on screen, in (row, col) coordinates.
    cos, sin = np.cos(theta), np.sin(theta)
    src_r = (cos * dr + sin * dc) / scales + centre[0]
    src_c = (cos * dc - sin * dr) / scales + centre[1]
    return bilinear(images, src_r, src_c)


def bilinear(images: np.ndarray, src_r: np.ndarray, src_c: np.ndarray) -> np.ndarray:
    """Sample each image at real-valued (row, col) positions; pixels outside the image are 0."""
    n, height, width = images.shape
    padded = np.pad(images, ((0, 0), (1, 1), (1, 1)))  # a ring of zeros: outside reads 0
    r = np.clip(src_r + 1, 0, height + 1 - 1e-4)
    c = np.clip(src_c + 1, 0, width + 1 - 1e-4)
    r0, c0 = np.floor(r).astype(np.int64), np.floor(c).astype(np.int64)
    fr, fc = r - r0, c - c0
    r1, c1 = np.minimum(r0 + 1, height + 1), np.minimum(c0 + 1, width + 1)
    # Flat indices into the padded stack: one take per corner is much faster than 3-D fancy indexing.
    flat = padded.reshape(-1)
    base = (np.arange(n) * (height + 2) * (width + 2))[:, None, None]
    row0, row1 = base + r0 * (width + 2), base + r1 * (width + 2)
    top = flat[row0 + c0] * (1 - fc) + flat[row0 + c1] * fc
    bottom = flat[row1 + c0] * (1 - fc) + flat[row1 + c1] * fc
    return (top * (1 - fr) + bottom * fr).astype(np.float32)


def random_parameters(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """n draws of (degrees, scale, (down, right) shift), uniform within the bounds above."""
    degrees = rng.uniform(-MAX_ROTATION_DEGREES, MAX_ROTATION_DEGREES, n)
    scales = rng.uniform(*SCALE_RANGE, n)
    shifts = rng.uniform(-MAX_SHIFT_PIXELS, MAX_SHIFT_PIXELS, (n, 2))
    return degrees, scales, shifts


def augment(X: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """(n, 400) rows in the lab's layout -> (n, 400) float32, each digit randomly rotated, scaled, shifted."""
    X = np.asarray(X, dtype=np.float32)
    if X.ndim != 2 or X.shape[1] != config.N_PIXELS:
        raise ValueError(f"augment takes rows of {config.N_PIXELS} values, not an array of shape {X.shape}.")
    return image_to_row(affine(row_to_image(X), *random_parameters(len(X), rng)))
