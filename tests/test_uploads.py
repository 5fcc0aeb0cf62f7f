"""Uploads on the Draw page: every image mode shown, the real size checked before any decode,
EXIF orientation honoured, and the right sentence for a huge or noisy picture."""

import io
import struct

import numpy as np
import pytest
from PIL import Image

from digitdemo import data, preprocess
from tests.apptest import page
from tests.test_canvas_payload import crafted_png


@pytest.fixture(scope="module")
def a_three(shipped_model) -> tuple[np.ndarray, int]:
    """A held-out digit the model reads right, as float ink in [0, 1] (white on black), 112x112."""
    images, labels = data.load_source()
    X_test, _ = data.load_test_data()
    held_out = np.flatnonzero(~data.is_training_example())
    right = shipped_model.forward(X_test).predicted_digit == labels[held_out]
    index = int(held_out[right & (labels[held_out] == 3)][0])
    big = Image.fromarray(images[index]).resize((112, 112), Image.Resampling.BICUBIC)
    return np.clip(np.asarray(big), 0, 1), 3


def upload(payload: bytes, name: str = "digit.png"):
    at = page("draw").run()
    at.radio(key="draw.source").set_value("Upload a picture").run()
    at.file_uploader(key="draw.upload").set_value((name, payload, "image/png")).run()
    return at


def saved(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


MODES = {
    "16-bit PNG": (lambda ink: Image.fromarray((ink * 65535).astype(np.uint16)), "PNG"),
    "16-bit TIFF": (lambda ink: Image.fromarray((ink * 65535).astype(np.uint16)), "TIFF"),
    "32-bit integer TIFF": (lambda ink: Image.fromarray((ink * 100_000).astype(np.int32)), "TIFF"),
    "32-bit float TIFF": (lambda ink: Image.fromarray(ink.astype(np.float32)), "TIFF"),
    "LAB TIFF": (lambda ink: Image.fromarray((ink * 255).astype(np.uint8)).convert("RGB").convert("LAB"), "TIFF"),
}


@pytest.mark.parametrize("mode", MODES)
def test_every_image_mode_is_shown_and_read(a_three, mode):
    ink, label = a_three
    make, fmt = MODES[mode]
    at = upload(saved(make(ink), fmt), f"digit.{fmt.lower()}")
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert at.metric[0].value == str(label)


def _ico_around(png: bytes, claimed: int = 0) -> bytes:
    """An .ico with one entry that claims claimed x claimed (0 means 256) and holds ``png``."""
    entry = struct.pack("<BBBBHHII", claimed, claimed, 0, 0, 1, 32, len(png), 6 + 16)
    return struct.pack("<HHH", 0, 1, 1) + entry + png


@pytest.fixture
def decoded_sizes(monkeypatch):
    """The size of every image Pillow decodes in this process (the real decoder still runs)."""
    from PIL import ImageFile

    sizes = []
    real_load = ImageFile.ImageFile.load

    def recording_load(self):
        sizes.append(self.size)
        return real_load(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", recording_load)
    return sizes


def test_an_icon_hiding_a_huge_png_is_refused_before_decoding(decoded_sizes):
    payload = _ico_around(crafted_png(13300, 13300))
    with pytest.raises(preprocess.ImageError, match="too large"):
        preprocess.read_image(payload)
    assert all(w * h <= preprocess.MAX_UPLOAD_PIXELS for w, h in decoded_sizes), decoded_sizes
    at = upload(payload, "icon.png")
    assert not at.exception
    assert "too large" in at.error[0].value


def test_a_huge_image_is_called_too_large_not_damaged():
    at = upload(crafted_png(10000, 10000))
    assert not at.exception
    assert "too large" in at.error[0].value and "damaged" not in at.error[0].value


def test_exif_orientation_is_honoured(a_three):
    """A phone holds the picture sideways and says so in EXIF: it must be read upright."""
    ink, label = a_three
    paper = Image.fromarray((235 - ink * 200).astype(np.uint8)).convert("RGB")
    sideways = paper.rotate(90, expand=True)  # the pixels as the sensor stored them
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90 degrees clockwise to display
    at = upload(saved(sideways, "JPEG", quality=95, exif=exif), "photo.jpg")
    assert not at.exception and not at.error
    assert at.metric[0].value == str(label)


def test_a_large_noise_upload_is_called_noise_not_blank():
    rng = np.random.default_rng(0)
    payload = saved(Image.fromarray(rng.integers(0, 256, (2580, 2580, 3), dtype=np.uint8)), "PNG")
    assert 19_000_000 < len(payload) < preprocess.MAX_UPLOAD_BYTES
    at = upload(payload)
    assert not at.exception
    assert at.metric[0].value == "—"
    assert "blank" not in at.info[0].value and "noise" in at.info[0].value


@pytest.mark.parametrize("side", [28, 280, 1000])
def test_noise_of_any_size_is_no_digit(side):
    rng = np.random.default_rng(side)
    steps = preprocess.preprocess(rng.integers(0, 256, (side, side, 3), dtype=np.uint8), source="image")
    assert steps.x is None and "noise" in steps.problem


def test_drawings_and_photos_are_not_noise(drawings):
    images, _ = drawings
    assert all(preprocess.preprocess(image).x is not None for image in images)
