"""Preprocessing: drawings made from held-out digits, photos, and images that hold no digit."""

import io

import numpy as np
import pytest
from PIL import Image

from digitdemo import data
from digitdemo.preprocess import (
    ImageError,
    centre_of_mass,
    plain_resize,
    preprocess,
    read_image,
    to_ink,
)


def png_bytes(image: Image.Image, **save) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=save.pop("format", "PNG"), **save)
    return buffer.getvalue()


def test_each_step_has_its_shape(drawings):
    steps = preprocess(drawings[0][0])
    assert steps.ink.shape == (280, 280)
    assert max(steps.fitted.shape) == 20
    assert steps.centred.shape == (28, 28) and steps.small.shape == (20, 20)
    assert steps.x.shape == (400,) and steps.x.dtype == np.float32
    np.testing.assert_array_equal(data.row_to_image(steps.x), steps.small)


def test_centre_of_mass_lands_in_the_middle(drawings):
    for drawing in drawings[0][:20]:
        row, col = centre_of_mass(preprocess(drawing).centred)
        assert abs(row - 13.5) <= 1 and abs(col - 13.5) <= 1


def test_a_dataset_digit_survives_the_trip(shipped_model):
    """An MNIST digit pasted small into a corner of a canvas reads like the digit itself."""
    images, labels = data.load_source()
    canvas = np.zeros((280, 280), dtype=np.float32)
    canvas[200:228, 10:38] = images[9000]
    steps = preprocess(canvas)
    assert shipped_model.forward(steps.x).predicted_digit[0] == labels[9000]


def test_drawings_are_read_far_better_than_with_a_plain_resize(shipped_model, drawings):
    images, labels = drawings
    ours = shipped_model.forward(np.stack([preprocess(d).x for d in images])).predicted_digit
    plain = shipped_model.forward(np.stack([plain_resize(d) for d in images])).predicted_digit
    assert np.mean(ours == labels) >= 0.75
    assert np.mean(plain == labels) <= 0.4


@pytest.mark.parametrize("switches", [dict(crop=False), dict(fit=False), dict(centre=False)], ids=str)
def test_switching_a_step_off_changes_the_input(drawings, switches):
    changed = [not np.allclose(preprocess(d, **switches).x, preprocess(d).x) for d in drawings[0][:10]]
    assert sum(changed) >= 5


def test_dark_ink_on_paper_equals_light_on_dark(drawings):
    """A photo of pencil on paper: inverted, on a grey background, with grain."""
    drawing = drawings[0][2]
    light = preprocess(drawing).x
    rng = np.random.default_rng(0)
    grey = drawing[..., 0].astype(np.float64)
    paper = 200 - grey * 150 / 255 + rng.normal(0, 4, grey.shape)  # ink 50, paper 200
    photo = Image.fromarray(np.clip(paper, 0, 255).astype(np.uint8)).convert("RGB")
    dark = preprocess(read_image(png_bytes(photo, format="JPEG", quality=85))).x
    assert np.abs(dark - light).mean() < 0.05


def test_transparent_background_uses_alpha(drawings):
    grey = drawings[0][3][..., 0]
    black_strokes = np.dstack([np.zeros_like(grey)] * 3 + [grey])  # black ink, transparent paper
    np.testing.assert_allclose(to_ink(black_strokes), grey / 255)
    np.testing.assert_allclose(preprocess(black_strokes).x, preprocess(drawings[0][3]).x, atol=1e-6)


@pytest.mark.parametrize(
    "image",
    [
        np.zeros((280, 280, 4), dtype=np.uint8),  # the canvas, transparent and untouched
        np.dstack([np.zeros((280, 280, 3), np.uint8), np.full((280, 280), 255, np.uint8)]),  # black
        np.full((280, 280, 4), 255, dtype=np.uint8),  # filled solid white
        np.full((50, 50), 0.05),  # faint noise level
    ],
    ids=["transparent", "black", "solid", "faint"],
)
def test_blank_gives_no_digit(image):
    steps = preprocess(image)
    assert steps.x is None and "blank" in steps.problem


def test_a_dot_is_not_a_digit():
    from PIL import ImageDraw

    canvas = Image.new("L", (280, 280))
    ImageDraw.Draw(canvas).ellipse([130, 130, 148, 148], fill=255)  # one tap of an 18 px brush
    steps = preprocess(np.asarray(canvas))
    assert steps.x is None and "only a dot" in steps.problem


def test_small_digits_are_not_taken_for_dots():
    images, _ = data.load_source()
    dots = 0
    for image in images[::100]:
        canvas = np.zeros((280, 280), dtype=np.float32)
        canvas[200:228, 10:38] = image  # 28 px: a tenth of the canvas
        dots += preprocess(canvas).x is None
    assert dots <= 2, f"{dots} of 100 small digits taken for dots"


def test_a_filled_area_is_read_with_a_warning(drawings):
    canvas = np.zeros((280, 280), dtype=np.float32)
    for row in range(40, 240, 12):  # back-and-forth strokes of an 18 px brush
        canvas[row : row + 18, 40:240] = 1
    steps = preprocess(canvas)
    assert steps.x is not None and "filled-in area" in steps.problem
    assert all(preprocess(d).problem is None for d in drawings[0][:50]), "real drawings get no such warning"


def test_sixteen_bit_and_cmyk_images(drawings):
    grey = drawings[0][4][..., 0]
    expected = preprocess(grey).x
    sixteen = Image.fromarray(grey.astype(np.uint16) * 257)
    assert sixteen.mode.startswith("I")
    np.testing.assert_allclose(preprocess(read_image(png_bytes(sixteen))).x, expected, atol=1e-3)
    cmyk = Image.fromarray(grey).convert("RGB").convert("CMYK")
    np.testing.assert_allclose(
        preprocess(read_image(png_bytes(cmyk, format="JPEG", quality=95))).x, expected, atol=0.05
    )


def test_animated_gif_uses_its_first_frame(drawings):
    frames = [Image.fromarray(d[..., 0]) for d in drawings[0][:3]]
    gif = png_bytes(frames[0], format="GIF", save_all=True, append_images=frames[1:])
    np.testing.assert_allclose(preprocess(read_image(gif)).x, preprocess(drawings[0][0][..., 0]).x, atol=0.05)


@pytest.mark.parametrize(
    "payload, message",
    [
        (b"", "empty"),
        (b"this is a text file, not a picture", "not an image"),
        (png_bytes(Image.new("L", (100, 100)))[:60], "damaged"),
    ],
    ids=["empty", "text", "truncated"],
)
def test_unreadable_files_get_one_sentence(payload, message):
    with pytest.raises(ImageError, match=message):
        read_image(payload)


def test_decompression_bomb_is_refused_before_decoding():
    bomb = png_bytes(Image.new("1", (10_000, 10_000)))  # 10^8 pixels in a few kB
    assert len(bomb) < 100_000
    with pytest.raises(ImageError, match="too large"):
        read_image(bomb)


def test_large_photo_is_shrunk_first():
    image = read_image(png_bytes(Image.new("RGB", (4000, 3000), "white")))
    assert max(image.size) == 560
