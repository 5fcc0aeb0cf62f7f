"""A drawing or photo -> the 20x20 input the lab's model reads, one inspectable step at a time.

The steps follow MNIST's own normalisation, which a plain resize of the whole canvas lacks:
ink -> crop to the ink's bounding box -> fit in a 20x20 box keeping the aspect ratio ->
place in 28x28 with the centre of mass at the centre -> bicubic 28->20 as the lab's data ->
the lab's column-major 400-vector. Each step but the last two can be switched off.
"""

import io
import warnings
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

from digitdemo import config
from digitdemo.data import image_to_row, resample_to_lab_size

# Ink below this (0 = background, 1 = full ink) counts as background: paper grain, JPEG noise.
NOISE_LEVEL = 0.2
# An image whose strongest ink is weaker than this is blank.
BLANK_LEVEL = 0.15
# The ink fits in a 20x20 box inside MNIST's 28x28 field.
BOX_SIZE = 20
# Noise, not strokes: ink that changes from pixel to pixel about as much as it is there at all
# (roughness: mean neighbour difference over mean ink), over more than a sliver of the image.
# Drawings measure at most 0.35 and photos of ink 0.09; noise of any size and density 0.75 or more.
NOISY_ROUGHNESS = 0.6
NOISY_FILL = 0.03
# A dot, not a digit: a roundish blob that fills most of its box, its longer side under this
# share of the image's longer side (a tap of the brush on the canvas). Small digits are strokes:
# a 20 px MNIST digit on a 280 px canvas fills 42% of its box (median).
DOT_SHARE = 0.12
DOT_FILL = 0.7
# Mean ink over the 20x20 box above this is a filled area, not strokes: MNIST digits reach 0.55,
# drawings with the thickest brush 0.65 (measured on 2000 of each).
FILLED_LEVEL = 0.7
# Photos are shrunk to this longest side before anything else: enough detail, bounded work.
WORKING_SIZE = 560
# Uploads larger than this many pixels are refused before they are decoded (decompression bombs).
MAX_UPLOAD_PIXELS = 50_000_000
# Pillow's own bomb check runs at every decode, also of an image inside another (an .ico's PNG,
# which Pillow decodes while opening): it refuses above twice this, our limit.
Image.MAX_IMAGE_PIXELS = MAX_UPLOAD_PIXELS // 2
MAX_UPLOAD_BYTES = 20_000_000
# A canvas picture is a small PNG: 280x280 RGBA is 0.32 MB even stored uncompressed (313,880 bytes of rows).
MAX_CANVAS_BYTES = 330_000
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class ImageError(ValueError):
    """An image that cannot be read; the message is one sentence for the user."""


@dataclass(frozen=True)
class Steps:
    """Every stage of preprocessing, for showing. ``x`` is None when there is no digit to read."""

    ink: np.ndarray  # (H, W) float in [0, 1], 1 = ink
    box: tuple[int, int, int, int] | None  # (top, left, bottom, right) of the ink, bottom/right exclusive
    cropped: np.ndarray | None  # (h, w) the ink's bounding box (or the whole image with crop off)
    fitted: np.ndarray | None  # (<=20, <=20) scaled so the longer side is 20 (or 28x28 with fit off)
    centred: np.ndarray | None  # (28, 28) placed with its centre of mass at the centre
    small: np.ndarray | None  # (20, 20) upright, the lab's resolution
    x: np.ndarray | None  # (400,) float32 in the lab's column-major order: the model's input
    problem: str | None = None  # why there is no digit, for the user


# --- Reading images ---------------------------------------------------------


def read_image(payload: bytes) -> Image.Image:
    """Decode an uploaded file to a PIL image (first frame; large photos shrunk), or raise ImageError."""
    if not payload:
        raise ImageError("The file is empty.")
    if len(payload) > MAX_UPLOAD_BYTES:
        raise ImageError(f"The file is {len(payload) / 1e6:.0f} MB; please use an image under 20 MB.")
    try:
        with warnings.catch_warnings():  # we check the size ourselves, just below
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(payload))
        width, height = image.size
        if width * height > MAX_UPLOAD_PIXELS:
            raise ImageError(f"The image is {width}x{height} pixels, too large to read; please use a smaller one.")
        image = next(ImageSequence.Iterator(image))  # an animated GIF: its first frame
        image.draft(image.mode, (WORKING_SIZE, WORKING_SIZE))  # a JPEG decodes at 1/2 to 1/8 of its size
        image.load()
        image.thumbnail((WORKING_SIZE, WORKING_SIZE))
        image = ImageOps.exif_transpose(image)  # a phone photo taken sideways, upright
    except ImageError:
        raise
    except UnidentifiedImageError:
        raise ImageError("This file is not an image that can be read (try PNG or JPEG).") from None
    except Image.DecompressionBombError:
        raise ImageError("The image is too large to read; please use a smaller one.") from None
    except (OSError, ValueError, SyntaxError) as error:
        raise ImageError(f"The image is damaged and cannot be read ({error}).") from None
    return image


def for_display(image: Image.Image) -> Image.Image:
    """An 8-bit picture of ``image`` that st.image can send: 16-bit, 32-bit, float and LAB converted."""
    if image.mode in ("L", "RGB", "RGBA"):
        return image
    return Image.fromarray((_as_rgba(image) * 255).astype(np.uint8))


def png_size(payload: bytes) -> tuple[int, int] | None:
    """(width, height) from a PNG's first 24 bytes (its IHDR), without decoding; None if it is no PNG."""
    if len(payload) < 24 or payload[:8] != PNG_SIGNATURE or payload[12:16] != b"IHDR":
        return None
    return int.from_bytes(payload[16:20], "big"), int.from_bytes(payload[20:24], "big")


def read_canvas(payload: bytes, size: tuple[int, int]) -> np.ndarray:
    """The canvas's PNG -> (H, W, 4) uint8 RGBA, any PNG mode; ImageError unless it is a PNG of ``size``.

    The browser sends this picture, so it is checked before anything decodes it: a small PNG can
    declare a 20000x20000 image.
    """
    if len(payload) > MAX_CANVAS_BYTES or png_size(payload) != tuple(size):
        width, height = size
        raise ImageError(
            f"The drawing is not the canvas's own {width}x{height} picture, so it was not read: please draw again."
        )
    try:
        with Image.open(io.BytesIO(payload), formats=["PNG"]) as image:
            if image.mode in ("I", "I;16", "I;16B", "F"):  # 16-bit grey: scaled, not clipped
                return (_as_rgba(image) * 255).astype(np.uint8)
            return np.asarray(image.convert("RGBA"))
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise ImageError("The drawing could not be read; please draw again.") from None


def _as_rgba(image) -> np.ndarray:
    """A PIL image or an array -> (H, W, 4) float32 RGBA in [0, 1]."""
    if isinstance(image, Image.Image):
        if image.mode in ("I", "I;16", "I;16B", "I;16L", "I;16N", "F"):
            grey = np.asarray(image, dtype=np.float32)
            top = 65535.0 if image.mode.startswith("I;16") else max(float(grey.max()), 1.0)
            return _as_rgba(np.clip(grey / top, 0, 1))
        image = np.asarray(image.convert("RGBA"))
    array = np.asarray(image)
    if array.dtype == np.uint8:  # the canvas: already in range, no NaN possible
        array = array.astype(np.float32) * np.float32(1 / 255)
    else:
        array = np.clip(np.nan_to_num(array.astype(np.float64)), 0, 1).astype(np.float32)
    if array.ndim == 2:
        array = np.stack([array, array, array, np.ones_like(array)], axis=-1)
    elif array.ndim == 3 and array.shape[-1] == 3:
        array = np.concatenate([array, np.ones(array.shape[:2] + (1,), dtype=np.float32)], axis=-1)
    if array.ndim != 3 or array.shape[-1] != 4 or min(array.shape[:2]) < 1:
        raise ImageError(f"An image must be (H, W), (H, W, 3) or (H, W, 4), not {array.shape}.")
    return array


def to_ink(image) -> np.ndarray:
    """(H, W) float32 ink in [0, 1] from RGBA, RGB or grey, light-on-dark or dark-on-light.

    With transparency (a canvas on a transparent background, a PNG cut-out) the ink is the
    alpha. Otherwise the background is the typical border colour and the ink is how far each
    pixel is from it, so white chalk on black and a pencil photo on paper both work.
    """
    rgba = _as_rgba(image)
    alpha = rgba[..., 3]
    if alpha.min() < 0.99:
        return alpha
    grey = rgba[..., :3] @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    border = np.concatenate([grey[0], grey[-1], grey[:, 0], grey[:, -1]])
    return np.abs(grey - np.median(border))


# --- The steps ----------------------------------------------------------------


def _resize(image: np.ndarray, height: int, width: int) -> np.ndarray:
    """Antialiased float resize (Lanczos), clipped back to [0, 1]."""
    resized = Image.fromarray(image.astype(np.float32)).resize((width, height), Image.Resampling.LANCZOS)
    return np.clip(np.asarray(resized, dtype=np.float32), 0, 1)


def ink_box(ink: np.ndarray) -> tuple[int, int, int, int] | None:
    """(top, left, bottom, right) of the pixels above the noise level, or None if there are none."""
    rows = np.flatnonzero(ink.max(axis=1) >= NOISE_LEVEL)
    cols = np.flatnonzero(ink.max(axis=0) >= NOISE_LEVEL)
    if rows.size == 0:
        return None
    return int(rows[0]), int(cols[0]), int(rows[-1]) + 1, int(cols[-1]) + 1


def fit_in_box(image: np.ndarray, size: int = BOX_SIZE) -> np.ndarray:
    """Scale so the longer side is ``size``, keeping the aspect ratio."""
    h, w = image.shape
    scale = size / max(h, w)
    return _resize(image, max(1, round(h * scale)), max(1, round(w * scale)))


def centre_of_mass(image: np.ndarray) -> tuple[float, float]:
    """(row, column) of the ink's centre of mass (the middle, for an image with no ink left)."""
    total = image.sum()
    if total <= 0:
        return (image.shape[0] - 1) / 2, (image.shape[1] - 1) / 2
    rows, cols = np.indices(image.shape)
    return float((rows * image).sum() / total), float((cols * image).sum() / total)


def place_in_field(image: np.ndarray, by_mass: bool = True, size: int = config.MNIST_SIZE) -> np.ndarray:
    """Put image in a size x size field: its centre of mass at the centre, or its box at the centre."""
    h, w = image.shape
    if by_mass:
        row, col = centre_of_mass(image)
        top, left = round((size - 1) / 2 - row), round((size - 1) / 2 - col)
    else:
        top, left = (size - h) // 2, (size - w) // 2
    # Never push ink out of the field.
    top, left = min(max(top, 0), size - h), min(max(left, 0), size - w)
    field = np.zeros((size, size), dtype=np.float32)
    field[top : top + h, left : left + w] = image
    return field


def _is_dot(cropped: np.ndarray, image_size: int) -> bool:
    h, w = cropped.shape
    roundish = 0.6 <= h / w <= 1 / 0.6
    return max(h, w) < DOT_SHARE * image_size and roundish and (cropped > 0).mean() > DOT_FILL


# Why there is no digit, in the words of where the image came from: "canvas" or "image" (a file).
BLANK = {
    "canvas": "The canvas is blank (one flat colour, nothing drawn): draw a digit.",
    "image": "The image is blank (one flat colour): there is no digit in it to read.",
}
NOISE = "No digit found: this is noise, specks all over with no strokes to read."
DOT = {
    "canvas": "That is only a dot: draw a whole digit, bigger.",
    "image": "That is only a dot: use a picture where the digit is bigger, or crop it closer to the digit.",
}


def is_noise(ink: np.ndarray) -> bool:
    """True for speckle over the image: (H, W) ink normalised to [0, 1], grain removed."""
    mean = float(ink.mean())
    if mean == 0 or (ink > 0).mean() <= NOISY_FILL:
        return False
    change = np.abs(np.diff(ink, axis=0)).mean() + np.abs(np.diff(ink, axis=1)).mean() if min(ink.shape) > 1 else 0
    return change / (2 * mean) > NOISY_ROUGHNESS


def preprocess(image, crop: bool = True, fit: bool = True, centre: bool = True, source: str = "canvas") -> Steps:
    """Run every step on a drawing ("canvas") or a file ("image"); see the module docstring.

    Switch steps off to compare. ``source`` only words the problem when there is no digit.
    """
    raw = to_ink(image)
    strongest = float(raw.max())
    if strongest == 0:
        return Steps(raw, None, None, None, None, None, None, problem=BLANK[source])
    # Faint ink (a pencil photo) is stretched to full strength; grain below the noise level goes.
    ink = raw / strongest
    ink = np.where(ink >= NOISE_LEVEL, ink, 0).astype(np.float32)
    if is_noise(ink):  # before the blank test: a large noise picture, shrunk, is faint too
        return Steps(ink, None, None, None, None, None, None, problem=NOISE)
    if strongest < BLANK_LEVEL:
        return Steps(raw, None, None, None, None, None, None, problem=BLANK[source])
    box = ink_box(ink)
    top, left, bottom, right = box
    if _is_dot(ink[top:bottom, left:right], max(ink.shape)):
        return Steps(ink, box, None, None, None, None, None, problem=DOT[source])
    cropped = ink[top:bottom, left:right] if crop else ink
    problem = None
    if fit:
        fitted = fit_in_box(cropped)
        centred = place_in_field(fitted, by_mass=centre)
        if fitted.sum() / BOX_SIZE**2 > FILLED_LEVEL:
            problem = (
                "This looks like a filled-in area rather than the strokes of a digit: the model must still "
                "answer with a digit, so take its guess with a pinch of salt."
            )
    else:
        fitted = _resize(cropped, config.MNIST_SIZE, config.MNIST_SIZE)
        centred = fitted
    small = resample_to_lab_size(centred)
    x = image_to_row(small).astype(np.float32)
    return Steps(ink, box, cropped, fitted, centred, small, x, problem=problem)


def plain_resize(image) -> np.ndarray:
    """(400,) what typical demos do: the whole canvas resized to 20x20, no crop, no centring."""
    ink = to_ink(image).astype(np.float32)
    return image_to_row(_resize(ink, config.IMAGE_SIZE, config.IMAGE_SIZE))
