"""The NumPy maths against TensorFlow, as the lab checks my_softmax against tf.nn.softmax."""

import numpy as np
import pytest

from digitdemo import config, data, nn

tf = pytest.importorskip("digitdemo.model").tf


def test_my_softmax_matches_tf():
    z = np.array([1.0, 2.0, 3.0, 4.0])  # the lab's example
    np.testing.assert_allclose(nn.my_softmax(z), tf.nn.softmax(z).numpy(), rtol=1e-7)
    np.testing.assert_allclose(nn.softmax(z), tf.nn.softmax(z).numpy(), rtol=1e-7)


def test_softmax_is_stable_where_the_naive_form_overflows():
    z = np.array([1000.0, 999.0, 0.0])
    with np.errstate(over="ignore", invalid="ignore"):
        assert np.isnan(nn.my_softmax(z)).any()
    stable = nn.softmax(z)
    np.testing.assert_allclose(stable, tf.nn.softmax(z).numpy(), rtol=1e-7)
    assert stable.sum() == pytest.approx(1.0)


def test_softmax_temperature():
    z = np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(nn.softmax(z, temperature=2.0), tf.nn.softmax(z / 2).numpy(), rtol=1e-7)
    assert nn.softmax(z, temperature=0.01)[2] == pytest.approx(1.0)


def test_activations_match_tf():
    z = np.linspace(-50, 50, 101)
    np.testing.assert_allclose(nn.relu(z), tf.nn.relu(z).numpy())
    np.testing.assert_allclose(nn.sigmoid(z), tf.math.sigmoid(z).numpy(), rtol=1e-6)
    np.testing.assert_array_equal(nn.linear(z), z)
    assert nn.sigmoid(np.array([-1000.0, 1000.0])).tolist() == [0.0, 1.0]


def test_shipped_model_has_the_labs_shape(shipped_model):
    assert shipped_model.n_params == 10_575
    assert [layer.n_params for layer in shipped_model.layers] == [10_025, 390, 160]
    assert [layer.W.shape for layer in shipped_model.layers] == [(400, 25), (25, 15), (15, 10)]
    assert [layer.activation for layer in shipped_model.layers] == ["relu", "relu", "linear"]


def test_forward_pass_equals_keras(shipped_model):
    keras_model = tf.keras.models.load_model(config.MODEL_DIR / config.KERAS_NAME)
    X, _ = data.load_data()
    X_test, _ = data.load_test_data()
    inputs = np.concatenate([X, X_test])
    ours = shipped_model.forward(inputs)
    keras_logits = keras_model.predict(inputs, verbose=0)
    # What a student sees, the probabilities, agree within 1e-5. The logits reach about 50,
    # where float32 spacing is 4e-6 and sums of 400 products round differently (up to 6 spacings
    # seen): within 5e-5.
    np.testing.assert_allclose(ours.logits, keras_logits, atol=5e-5)
    np.testing.assert_allclose(ours.probabilities, tf.nn.softmax(keras_logits).numpy(), atol=1e-5)
    np.testing.assert_array_equal(ours.predicted_digit, np.argmax(keras_logits, axis=1))
    # The hidden activations equal Keras' own intermediate layers.
    l1 = tf.keras.Model(keras_model.inputs, keras_model.get_layer("L1").output)
    np.testing.assert_allclose(ours.hidden[0], l1.predict(inputs, verbose=0), atol=1e-5)
    assert ours.hidden[0].shape == (10_000, 25) and ours.hidden[1].shape == (10_000, 15)


def test_the_labs_example_1015_is_a_2(shipped_model):
    X, y = data.load_data()
    assert y[config.EXAMPLE_INDEX, 0] == 2
    assert shipped_model.forward(X[config.EXAMPLE_INDEX]).predicted_digit[0] == 2
