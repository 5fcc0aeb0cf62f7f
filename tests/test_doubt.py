"""The Draw page's "unsure" warning says only what is measured true of the drawing (issue 29): its size, place and
ink against the lab's own digits; nothing about the drawing when the doubt comes from units the student silenced.

It used to say "Try drawing larger, in the middle, with a thicker brush" of every unsure drawing."""

import numpy as np
import pytest
from PIL import Image

from digitdemo import config, data, doubt, why
from digitdemo.handwriting.canvas import render_drawing
from digitdemo.preprocess import preprocess
from tests.apptest import inject_drawing, page

OLD_ADVICE = ("larger", "in the middle", "thicker brush")


def lab_digits():
    return data.load_data()


def read_on_draw(rgba: np.ndarray, **query: str):
    at = page("draw")
    for key, value in query.items():
        at.query_params[key] = value
    inject_drawing(at, rgba)
    return at.run()


@pytest.fixture(scope="module")
def unsure_but_ordinary(drawings, shipped_model):
    """A held-out digit drawn on the canvas that the lab's model is unsure of, whose ink is as usual for the lab's
    digits of what it read (as large and centred as the others, with a brush near the default): the RGBA drawing
    and its steps."""
    X, y = lab_digits()
    for rgba in drawings[0]:
        steps = preprocess(rgba)
        out = shipped_model.forward(steps.x)
        digit = int(out.predicted_digit[0])
        if out.probabilities[0].max() < config.UNSURE_BELOW and not doubt.findings(steps, True, digit, X, y):
            return rgba, steps
    pytest.fail("no unsure drawing of ordinary size and ink among the 200")


def test_an_unsure_drawing_of_ordinary_size_place_and_ink_gets_no_advice(unsure_but_ordinary, shipped_model):
    rgba, steps = unsure_but_ordinary
    at = read_on_draw(rgba, model="lab")
    assert not at.exception
    p = shipped_model.forward(steps.x).probabilities[0]
    first, second = np.argsort(p)[::-1][:2]
    assert [w.value for w in at.warning] == [
        f"The model is unsure: {p[first]:.0%} for {first}, {p[second]:.0%} for {second}."
    ]


def test_thick_strokes_for_the_size_are_measured_and_said(drawings, wide_model):
    X, y = lab_digits()
    images, _ = data.load_source()
    # A small 8 with a very thick brush: a blob once fitted to 20x20.
    rgba = render_drawing(images[np.flatnonzero(~data.is_training_example())[8]], np.random.default_rng(3), brush=7)
    steps = preprocess(rgba)
    digit = int(wide_model.forward(steps.x).predicted_digit[0])
    low, high = doubt.usual_ink(X, y, digit)
    share = float(np.mean(steps.x))
    assert share > high, "the brush made it thick"
    assert doubt.findings(steps, True, digit, X, y) == [
        f"its strokes are thick for its size (ink covers {share:.0%} of the 20x20 input the model reads, the "
        f"lab's {digit}s {low:.0%} to {high:.0%}): draw it larger or with a thinner brush"
    ]


def blob(size: int, top: int, left: int) -> np.ndarray:
    """A canvas (280x280 RGBA) with a white disc of ``size`` px at (top, left): ink far thicker than any digit's."""
    canvas = Image.new("RGBA", (280, 280), (0, 0, 0, 255))
    from PIL import ImageDraw

    ImageDraw.Draw(canvas).ellipse((left, top, left + size, top + size), fill=(255, 255, 255, 255))
    return np.asarray(canvas)


def test_a_filled_blob_is_called_thick_and_a_hairline_thin():
    X, y = lab_digits()
    steps = preprocess(blob(120, 80, 80))
    found = doubt.findings(steps, True, 0, X, y)
    assert len(found) == 1 and found[0].startswith("its strokes are thick for its size (ink covers")
    canvas = np.zeros((280, 280, 4), np.uint8)
    canvas[..., 3] = 255
    canvas[40:240, 138:141, :3] = 255  # a 1 drawn with a 3 px line
    canvas[40:44, 120:141, :3] = 255
    thin = preprocess(canvas)
    low, _ = doubt.usual_ink(X, y, 1)
    assert np.mean(thin.x) < low
    assert doubt.findings(thin, True, 1, X, y)[0].startswith("its strokes are thin for its size")


def test_with_crop_off_a_small_digit_in_a_corner_is_said_to_be_small_and_off_centre(drawings):
    X, y = lab_digits()
    images, _ = data.load_source()
    rgba = np.zeros((280, 280, 4), np.uint8)
    rgba[..., 3] = 255
    small = render_drawing(images[np.flatnonzero(~data.is_training_example())[7]], np.random.default_rng(1), brush=0)
    rows, cols = np.nonzero(small[..., 0] > 40)
    glyph = small[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]
    glyph = np.asarray(Image.fromarray(glyph).resize((40, 60)))
    rgba[10:70, 10:50] = glyph
    steps = preprocess(rgba, crop=False)
    found = doubt.findings(steps, False, 7, X, y)
    tall = steps.box[2] - steps.box[0]
    assert f"it is {tall} px tall of the canvas's 280, and with Crop off the model sees it small" in found
    assert any(f.startswith("it sits ") and "of the middle, and with Crop off" in f for f in found), found
    # The same drawing with Crop on: its size and place are undone before the model reads, so not said.
    assert not any("Crop off" in f for f in doubt.findings(preprocess(rgba), True, 7, X, y))


def test_doubt_from_silenced_units_gets_no_advice_about_the_drawing(drawings, wide_model):
    """A drawing the model is sure of, made unsure by silencing the units that push its answer most."""
    images, _ = drawings
    rgba = images[0]
    x = preprocess(rgba).x
    whole = wide_model.forward(x)
    digit = int(whole.predicted_digit[0])
    assert whole.probabilities[0].max() >= config.UNSURE_BELOW
    # The second layer's units, strongest push towards the answer first, silenced until the model is unsure.
    effect = why.unit_effects(wide_model.layers, x, digit)[1]
    off = []
    for unit in np.argsort(effect)[::-1]:
        off.append(int(unit))
        shown = why.forward(wide_model.layers, x, ((), tuple(off)))
        if shown.probabilities[0].max() < config.UNSURE_BELOW:
            break
    else:
        pytest.fail("silencing did not make the model unsure")
    at = read_on_draw(rgba, why="True", off=",".join(f"L2.{u}" for u in off))
    assert not at.exception
    p = shown.probabilities[0]
    first, second = np.argsort(p)[::-1][:2]
    assert [w.value for w in at.warning] == [
        f"The model is unsure: {p[first]:.0%} for {first}, {p[second]:.0%} for {second}."
    ]
    assert not any(word in w.value for w in at.warning for word in OLD_ADVICE)
