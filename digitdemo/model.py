"""The lab's Keras model. Imports TensorFlow: use only from training, tests and the CLI's train."""

import contextlib
import os
import sys
import tempfile

# Quiet TensorFlow: both must be set before it is imported.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # 2 still lets absl print CUDA notes
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "-1")  # a model this small trains on the CPU
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

# Lines TensorFlow's native code prints while loading whatever the settings above say.
NATIVE_NOTES = ("cudart_stub.cc", "absl::InitializeLog", "cuda_platform.cc", "Unable to register cu")


@contextlib.contextmanager
def _without_native_notes():
    """Run with file descriptor 2 captured, then pass on every line but TensorFlow's CUDA notes."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as capture:
        os.dup2(capture.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            capture.seek(0)
            for line in capture.read().decode(errors="replace").splitlines(keepends=True):
                if not any(note in line for note in NATIVE_NOTES):
                    sys.stderr.write(line)


import numpy as np  # noqa: E402

with _without_native_notes():
    import tensorflow as tf  # noqa: E402

from digitdemo import config  # noqa: E402
from digitdemo.nn import Layer  # noqa: E402


def build_model(hidden_units: tuple[int, ...] = config.HIDDEN_UNITS, learning_rate: float = config.LEARNING_RATE):
    """Input(400) -> Dense ReLU layers L1, L2 ... -> Dense(10, linear) L3, compiled as in the lab."""
    layers = [tf.keras.Input(shape=(config.N_PIXELS,))]
    for i, units in enumerate(hidden_units, start=1):
        layers.append(tf.keras.layers.Dense(units, activation="relu", name=f"L{i}"))
    layers.append(tf.keras.layers.Dense(config.N_CLASSES, activation="linear", name=f"L{len(hidden_units) + 1}"))
    model = tf.keras.Sequential(layers, name="my_model")
    # The softmax lives in the loss (from_logits=True): more accurate than a softmax output layer.
    model.compile(
        loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        optimizer=tf.keras.optimizers.Adam(learning_rate),
    )
    return model


def to_layers(model) -> list[Layer]:
    """The Keras model's Dense layers as NumPy Layers for digitdemo.nn.forward."""
    return [
        Layer(
            name=dense.name,
            W=np.asarray(dense.kernel.numpy(), dtype=np.float32),
            b=np.asarray(dense.bias.numpy(), dtype=np.float32),
            activation=dense.activation.__name__,
        )
        for dense in model.layers
    ]
