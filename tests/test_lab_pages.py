"""The lab on screen, as the notebook has it, and what each page says being true (issue 10)."""

import subprocess
import sys

import numpy as np
from PIL import Image

from digitdemo import data
from tests.apptest import inject_drawing, page


def _small_digit_in_a_corner() -> tuple[np.ndarray, int]:
    images, labels = data.load_source()
    canvas = np.zeros((280, 280, 4), dtype=np.uint8)
    canvas[..., 3] = 255
    canvas[220:248, 20:48, :3] = (images[9000] * 255).astype(np.uint8)[..., None]
    return canvas, int(labels[9000])


def _steps_caption(at) -> str:
    return next(image.captions[0] for image in at.get("image") if "Step 1" in image.captions[0])


# --- Wrong today -----------------------------------------------------------------------------


def test_softmax_names_underflow_and_overflow_for_what_they_are():
    at = page("softmax").run()
    assert not at.error, "c = 0: nothing goes wrong"
    at.number_input(key="softmax.shift").set_value(-1000.0).run()
    assert "Underflow" in at.error[0].value and "0/0" in at.error[0].value
    assert "nan" in at.code[-2].value or any("nan" in c.value for c in at.code)
    at.number_input(key="softmax.shift").set_value(1000.0).run()
    assert "Overflow" in at.error[0].value and "∞/∞" in at.error[0].value


def test_draw_labels_the_steps_that_were_done():
    canvas, _ = _small_digit_in_a_corner()
    at = page("draw")
    inject_drawing(at, canvas)
    at.run()
    caption = _steps_caption(at)
    assert "Step 2: cropped" in caption and "Step 3: fitted" in caption and "mass centred" in caption

    at.toggle(key="draw.centre").set_value(False).run()
    assert "box centred" in _steps_caption(at)

    at.toggle(key="draw.crop").set_value(False)
    at.toggle(key="draw.fit").set_value(False).run()
    caption = _steps_caption(at)
    assert "not cropped (280x280)" in caption and "stretched to 28x28" in caption and "not centred" in caption
    assert "fitted" not in caption and "Step 2: cropped" not in caption and "mass centred" not in caption
    centre = at.toggle(key="draw.centre_unavailable")
    assert not centre.value and centre.disabled, "centring is not applied, so it shows as off"


def test_errors_shows_plain_figures_without_a_delta_arrow():
    at = page("errors").run()
    assert all(not m.proto.delta for m in at.metric), "no arrow: it would read as an improvement"
    assert sum("% right" in c.value for c in at.caption) == 2


def test_model_page_describes_the_weight_images_as_they_look():
    at = page("model").run()
    text = " ".join(m.value for m in at.markdown)
    assert "strokes or parts of digits" not in text
    assert "speckle" in text and "edges" in text


def test_upload_mode_asks_for_an_upload():
    at = page("draw").run()
    assert "Draw a digit on the canvas" in at.info[0].value
    at.radio(key="draw.source").set_value("Upload a picture").run()
    assert "Upload a picture" in at.info[0].value and "canvas" not in at.info[0].value


def test_cli_calls_a_blank_file_an_image_not_a_canvas(tmp_path):
    blank = tmp_path / "blank.png"
    Image.new("RGB", (280, 280), "white").save(blank)
    result = subprocess.run(
        [sys.executable, "-m", "digitdemo", "predict", str(blank)], capture_output=True, text=True, check=True
    )
    assert "image is blank" in result.stdout and "canvas" not in result.stdout
