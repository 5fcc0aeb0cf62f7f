"""The three models that read drawings (issue 26): what they are, that NumPy reads as Keras does, how well they read
real writers none of them learnt from."""

import numpy as np
import pytest

from digitdemo import artifacts, config
from digitdemo.handwriting import pendigits, yardstick
from digitdemo.model import tf
from digitdemo.train import DRAWINGS, WIDE, about

READERS = {"drawing": (artifacts.drawing_model_dir, DRAWINGS), "wide": (artifacts.wide_model_dir, WIDE)}


@pytest.mark.parametrize("name", READERS)
def test_a_shipped_reader_is_what_its_recipe_makes_and_names_its_pen_writers(name):
    folder, recipe = READERS[name]
    model = artifacts.load(folder())
    said = model.meta["recipe"]
    assert said["name"] == recipe.name and tuple(said["hidden_units"]) == recipe.hidden_units
    assert said["pen_redrawn"] == recipe.pen_redrawn == 8 and said["about"] == about(recipe)
    writers = model.meta["data"]["pen"]["writers"]
    assert len(writers) == 24 and not set(writers) & set(pendigits.FINAL_WRITERS), "the final writers stay unseen"
    assert "CC BY 4.0" in model.meta["data"]["pen"]["source"]
    assert [layer.b.size for layer in model.layers] == [*recipe.hidden_units, 10]


@pytest.mark.parametrize("name", READERS)
def test_a_readers_numpy_forward_pass_equals_keras(name):
    folder, _ = READERS[name]
    model = artifacts.load(folder())
    keras_model = tf.keras.models.load_model(folder() / config.KERAS_NAME)
    inputs = yardstick.real_writers().X[:500]
    ours = model.forward(inputs)
    keras_logits = keras_model.predict(inputs, verbose=0)
    np.testing.assert_allclose(ours.logits, keras_logits, atol=5e-5)
    np.testing.assert_allclose(ours.probabilities, tf.nn.softmax(keras_logits).numpy(), atol=1e-5)
    np.testing.assert_array_equal(ours.predicted_digit, np.argmax(keras_logits, axis=1))


# Issue 26's goals, on the writers no shipped model learnt from: the drawing model >= 93% with no digit below 85%,
# the wider network >= 97% with no digit below 90%; the lab's model stays the lab's (it reads them far worse).
GOALS = {"drawing": (0.93, 0.85), "wide": (0.97, 0.90)}


@pytest.mark.parametrize("name", READERS)
def test_a_reader_meets_its_goal_on_the_final_real_writers(name):
    folder, _ = READERS[name]
    drawn = yardstick.real_writers()
    read = yardstick.answers(artifacts.load(folder()).layers, drawn)
    overall, lowest = GOALS[name]
    assert np.mean(read.predicted == drawn.labels) >= overall
    assert yardstick.per_digit_accuracy(drawn, read).min() >= lowest
    lab = yardstick.answers(artifacts.load().layers, drawn)
    assert np.mean(lab.predicted == drawn.labels) < overall - 0.05, "the lab's model reads them worse"
