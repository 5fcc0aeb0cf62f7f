"""Why this answer: the pixel pushes against TensorFlow's GradientTape, silenced units, the nearest training digits."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digitdemo import data, nn, why
from digitdemo.handwriting.canvas import render_drawing
from digitdemo.preprocess import preprocess

tf = pytest.importorskip("digitdemo.model").tf


def _inputs(count: int = 6) -> np.ndarray:
    """(count + 1, 400): training digits of several classes and a held-out digit drawn on the canvas."""
    X, _ = data.load_data()
    images, _ = data.load_source()
    drawing = preprocess(render_drawing(images[9000], np.random.default_rng(0))).x
    return np.vstack([X[:: len(X) // count][:count], drawing])


def _tape_gradients(layers, x: np.ndarray, silenced=why.NONE) -> np.ndarray:
    """(10, 400) d logit_c / d x by tf.GradientTape, the same weights in TensorFlow, silenced units times 0."""
    masks = why.masks(layers, silenced)
    inputs = tf.constant(x[None], dtype=tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(inputs)
        a = inputs
        for i, layer in enumerate(layers):
            a = tf.matmul(a, tf.constant(layer.W)) + tf.constant(layer.b)
            a = tf.nn.relu(a) if layer.activation == "relu" else a
            if i < len(masks):
                a = a * tf.constant(masks[i])
        logits = a
    return tape.jacobian(logits, inputs).numpy()[0, :, 0, :]


def test_pixel_pushes_are_tensorflows_gradient_times_the_input(shipped_model):
    layers = shipped_model.layers
    for x in _inputs():
        expected = _tape_gradients(layers, x)
        np.testing.assert_allclose(why.input_gradients(layers, x), expected, atol=1e-5, rtol=0)
        for digit in range(10):
            np.testing.assert_allclose(why.pixel_pushes(layers, x, digit), expected[digit] * x, atol=1e-5, rtol=0)


def test_pixel_pushes_with_units_silenced_are_tensorflows_too(shipped_model):
    layers = shipped_model.layers
    silenced = ((0, 5, 16), (3, 12))
    for x in _inputs(3):
        np.testing.assert_allclose(
            why.input_gradients(layers, x, silenced), _tape_gradients(layers, x, silenced), atol=1e-5, rtol=0
        )


def test_blank_pixels_push_nothing_and_the_answer_is_pushed_up(shipped_model):
    x = _inputs()[-1]
    digit = int(shipped_model.forward(x).predicted_digit[0])
    pushes = why.pixel_pushes(shipped_model.layers, x, digit)
    assert np.all(pushes[x == 0] == 0), "no ink, no push"
    assert pushes.sum() > 0, "the ink as a whole pushes the answer's logit up"


def test_each_units_effect_is_its_own_forward_pass(shipped_model):
    layers, x = shipped_model.layers, _inputs()[-1]
    for silenced in [why.NONE, ((4,), (1, 2))]:
        digit = int(why.forward(layers, x, silenced).predicted_digit[0])
        before = why.forward(layers, x, silenced).probabilities[0, digit]
        effects = why.unit_effects(layers, x, digit, silenced)
        assert [e.shape for e in effects] == [(25,), (15,)]
        for i, drops in enumerate(effects):
            for unit in range(drops.size):
                more = [list(units) for units in silenced] or [[], []]
                more[i] = sorted({*more[i], unit})
                after = why.forward(layers, x, tuple(map(tuple, more))).probabilities[0, digit]
                assert drops[unit] == pytest.approx(before - after, abs=1e-6)
        for i, units in enumerate(silenced):
            # Batches of 25 rows round float32 sums apart from one row's by 1e-10 or so.
            assert np.all(np.abs(effects[i][list(units)]) < 1e-6), "a unit already off changes nothing"


def test_the_nearest_are_the_smallest_distances_nearest_first():
    rng = np.random.default_rng(1)
    codes = rng.random((500, 15)).astype(np.float32)
    code = codes[7] + 0.01
    distances = np.sum((codes - code) ** 2, axis=1)
    rows = why.nearest(codes, code, 5)
    np.testing.assert_array_equal(rows, np.argsort(distances)[:5])
    assert rows[0] == 7
    without = why.nearest(codes, code, 5, exclude=7)
    assert 7 not in without and list(without) == list(np.argsort(distances)[1:6])
    assert len(why.nearest(codes[:3], code, 5)) == 3, "fewer rows than asked for: all of them"


def test_a_training_digit_looks_like_digits_of_its_own_label(shipped_model):
    X, y = data.load_data()
    codes = shipped_model.forward(X).hidden[-1]
    rows = why.nearest(codes, codes[1015], 5, exclude=1015)
    assert 1015 not in rows
    assert np.sum(y[rows, 0] == 2) >= 4, "the lab's 2 looks like 2s"


# --- Silencing, as properties: whatever the input and the units -------------------------------------------

pixels = st.lists(st.floats(0, 1, width=32), min_size=400, max_size=400).map(
    lambda values: np.array(values, dtype=np.float32)
)


def _units(count: int):
    return st.lists(st.integers(0, count - 1), unique=True, max_size=count).map(lambda units: tuple(sorted(units)))


@settings(max_examples=60, deadline=None)
@given(pixels)
def test_silencing_no_unit_changes_nothing(shipped_model, x):
    layers = shipped_model.layers
    plain, silenced = nn.forward(layers, x), why.forward(layers, x, why.NONE)
    np.testing.assert_array_equal(silenced.logits, plain.logits)
    np.testing.assert_array_equal(silenced.probabilities, plain.probabilities)
    for a, b in zip(silenced.hidden, plain.hidden, strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(why.forward(layers, x, ((), ())).logits, plain.logits)


@settings(max_examples=60, deadline=None)
@given(pixels, _units(25))
def test_silencing_all_of_l2_leaves_the_output_layers_biases(shipped_model, x, l1):
    layers = shipped_model.layers
    out = why.forward(layers, x, (l1, tuple(range(15))))
    np.testing.assert_array_equal(out.logits[0], layers[2].b)
    assert np.all(out.hidden[1] == 0)


@settings(max_examples=60, deadline=None)
@given(pixels, _units(15))
def test_silencing_all_of_l1_leaves_l2s_biases_through_the_rest(shipped_model, x, l2):
    layers = shipped_model.layers
    out = why.forward(layers, x, (tuple(range(25)), l2))
    mask = why.masks(layers, ((), l2))[1]
    expected = (nn.relu(layers[1].b) * mask) @ layers[2].W + layers[2].b
    np.testing.assert_array_equal(out.logits[0], expected)
    if not l2:
        np.testing.assert_array_equal(out.logits[0], nn.relu(layers[1].b) @ layers[2].W + layers[2].b)


@settings(max_examples=60, deadline=None)
@given(pixels, _units(25), _units(15))
def test_a_silenced_unit_outputs_zero_and_the_others_what_they_would(shipped_model, x, l1, l2):
    layers = shipped_model.layers
    out = why.forward(layers, x, (l1, l2))
    assert np.all(out.hidden[0][0, list(l1)] == 0) and np.all(out.hidden[1][0, list(l2)] == 0)
    kept = [unit for unit in range(25) if unit not in l1]
    np.testing.assert_array_equal(out.hidden[0][0, kept], nn.forward(layers, x).hidden[0][0, kept])
    np.testing.assert_allclose(out.probabilities.sum(), 1.0, rtol=1e-6)
