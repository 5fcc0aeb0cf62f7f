"""Property-based tests: whatever arrives (arrays, bytes, drawings, slider values), a clear answer."""

import io

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from PIL import Image, ImageDraw

from digitdemo import data, nn
from digitdemo.preprocess import ImageError, preprocess, read_image
from tests.apptest import inject_drawing, page

SLOW = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])

images = st.one_of(
    arrays(np.uint8, st.tuples(st.integers(1, 40), st.integers(1, 40), st.sampled_from([3, 4]))),
    arrays(np.uint8, st.tuples(st.integers(1, 40), st.integers(1, 40))),
    arrays(np.float64, st.tuples(st.integers(1, 40), st.integers(1, 40))),  # NaN and inf included
)


@settings(max_examples=300, deadline=None)
@given(images, st.booleans(), st.booleans(), st.booleans())
def test_preprocess_answers_every_array(image, crop, fit, centre):
    steps = preprocess(image, crop=crop, fit=fit, centre=centre)
    if steps.x is None:
        assert steps.problem
    else:
        assert steps.x.shape == (400,) and np.all(np.isfinite(steps.x))


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000))
def test_any_bytes_are_an_image_or_one_sentence(payload):
    try:
        image = read_image(payload)
    except ImageError as error:
        assert str(error).endswith(".") or str(error).endswith(")")
    else:
        preprocess(image)


@settings(max_examples=100, deadline=None)
@given(
    st.sampled_from(["1", "L", "P", "RGB", "RGBA", "LA", "I", "I;16", "F", "CMYK"]),
    st.integers(1, 300),
    st.integers(1, 300),
    st.sampled_from(["PNG", "GIF", "BMP", "TIFF", "WEBP", "JPEG"]),
)
def test_every_image_mode_and_format_reads(mode, width, height, fmt):
    image = Image.new(mode, (width, height))
    ImageDraw.Draw(image).line(
        [(0, 0), (width - 1, height - 1)], fill=255 if mode not in ("RGB", "RGBA", "CMYK") else None
    )
    buffer = io.BytesIO()
    try:
        image.save(buffer, format=fmt)
    except (OSError, ValueError, KeyError):
        return  # Pillow cannot write this mode in this format, so no user can upload it either
    preprocess(read_image(buffer.getvalue()))


@settings(max_examples=200, deadline=None)
@given(
    arrays(np.float64, st.tuples(st.integers(0, 5), st.sampled_from([399, 400]))),
    arrays(np.float64, st.tuples(st.integers(0, 5), st.sampled_from([1, 2]))),
)
def test_course_arrays_are_accepted_or_refused_in_one_sentence(X, y):
    try:
        X_ok, y_ok = data.validate_lab_arrays(X, y)
    except data.DataError as error:
        assert str(error).endswith(".")
    else:
        assert X_ok.shape[1] == 400 and len(X_ok) == len(y_ok) and set(np.ravel(y_ok)) <= set(range(10))


@settings(max_examples=300, deadline=None)
@given(
    arrays(np.float64, st.integers(1, 12), elements=st.floats(-1e300, 1e300)),
    st.floats(0.1, 10),
)
def test_stable_softmax_is_a_distribution_for_any_logits(z, temperature):
    a = nn.softmax(z, temperature)
    assert np.all(np.isfinite(a)) and np.all(a >= 0) and abs(a.sum() - 1) < 1e-9


strokes = st.lists(
    st.tuples(st.integers(0, 279), st.integers(0, 279), st.integers(0, 279), st.integers(0, 279), st.integers(4, 40)),
    min_size=0,
    max_size=8,
)


@SLOW
@given(strokes)
def test_the_draw_page_answers_any_drawing(lines):
    canvas = Image.new("RGBA", (280, 280), (0, 0, 0, 255))
    pen = ImageDraw.Draw(canvas)
    for x0, y0, x1, y1, width in lines:
        pen.line([(x0, y0), (x1, y1)], fill=(255, 255, 255, 255), width=width)
    at = page("draw")
    inject_drawing(at, np.asarray(canvas))
    at.run()
    assert not at.exception
    value = next(m.value for m in at.metric if m.label == "Prediction")
    assert value in [*"0123456789", "—"]


@SLOW
@given(
    st.lists(st.floats(-20, 20), min_size=4, max_size=4),
    st.sampled_from([0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 10.0]),
    st.floats(-1000, 1000),
)
def test_the_softmax_page_answers_any_slider_setting(z, temperature, shift):
    at = page("softmax").run()
    for j, value in enumerate(z):
        at.slider(key=f"softmax.lab.z{j}").set_value(round(value, 1))
    at.select_slider(key="softmax.temperature").set_value(temperature)
    at.number_input(key="softmax.shift").set_value(shift).run()
    assert not at.exception
    assert any("Sum of the probabilities: **1.000000**" in m.value for m in at.markdown)
